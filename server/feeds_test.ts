import assert from "node:assert/strict";
import { parseAtomFeed, parseJsonFeed } from "feedsmith";
import { XMLValidator } from "fast-xml-parser";
import type { Incident, MaintenanceWindow } from "../status/operations.js";
import { atomFeed, FEED_ENTRIES, jsonFeed } from "./feeds.ts";

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
const SECRET = "s3cr3t-token-value";

const incident: Incident = {
  id: "2026-11-30-db",
  title: 'Database <slow> & "stuck"',
  state: "identified",
  started: T0,
  affected: [{ title: "API", impact: "major" }],
  updates: [
    {
      id: "u1",
      t: T0,
      state: "investigating",
      text: "Queries time out",
      affected: [{ title: "API", impact: "major" }],
    },
    {
      id: "u2",
      t: T0 + 60_000,
      state: "identified",
      text: `A lock on </content> the orders table \u0001 (token ${SECRET})`,
      affected: [{ title: "API", impact: "partial" }],
    },
  ],
};
const window: MaintenanceWindow = {
  id: "db-upgrade-2026-12-01",
  title: "DB upgrade",
  about: ["DB"],
  start: T0 + 86_400_000,
  end: T0 + 90_000_000,
  message: "Read-only meanwhile",
  source: "config",
};
const redact = (t: string) => t.replaceAll(SECRET, "[redacted]");

Deno.test("feeds: Atom 1.0 is well-formed and reads back with a feed parser: entries newest first, escaped, redacted", () => {
  const xml = atomFeed({
    title: "Example & Co",
    incidents: [incident],
    maintenance: [window],
    redact,
    now: T0,
  });
  assert.equal(XMLValidator.validate(xml), true);
  const feed = parseAtomFeed(xml);
  assert.equal(feed.title, "Example & Co: incidents and maintenance");
  assert.equal(feed.updated, new Date(window.start).toISOString());
  assert.deepEqual(feed.entries?.map((e) => e.title), [
    "Maintenance: DB upgrade",
    'Database <slow> & "stuck": Identified',
    'Database <slow> & "stuck": Investigating',
  ]);
  const [, update] = feed.entries!;
  assert.match(update.id!, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(update.links?.[0].href, "?incident=2026-11-30-db");
  assert.match(
    String(update.content),
    /A lock on <\/content> the orders table  \(token \[redacted\]\)\n\nAffects: API \(partial\)/,
  );
  assert.deepEqual(update.categories?.map((c) => c.term), ["incident", "identified"]);
  assert.ok(!xml.includes(SECRET));
  // The same records give the same ids (a reader never shows an entry twice); another update another id.
  const again = parseAtomFeed(
    atomFeed({ title: "Example & Co", incidents: [incident], maintenance: [], redact, now: 1 }),
  );
  assert.equal(again.entries![0].id, update.id);
  assert.notEqual(feed.entries![2].id, update.id);
});

Deno.test("feeds: JSON Feed 1.1 reads back with a feed parser; absolute links when the site's URL is known", () => {
  const text = jsonFeed({
    title: "Example",
    incidents: [incident],
    maintenance: [window],
    redact,
    now: T0,
    base: "https://status.example.com/",
  });
  const feed = parseJsonFeed(JSON.parse(text));
  assert.equal(JSON.parse(text).version, "https://jsonfeed.org/version/1.1");
  assert.equal(feed.feed_url, "https://status.example.com/feed.json");
  assert.equal(feed.items?.length, 3);
  assert.equal(feed.items![1].url, "https://status.example.com/?incident=2026-11-30-db");
  assert.equal(feed.items![1].date_published, new Date(T0 + 60_000).toISOString());
  assert.ok(!text.includes(SECRET));
  const atom = parseAtomFeed(
    atomFeed({
      title: "Example",
      incidents: [incident],
      maintenance: [],
      redact,
      now: T0,
      base: "https://status.example.com/x",
    }),
  );
  assert.equal(atom.entries![0].links?.[0].href, "https://status.example.com/x/?incident=2026-11-30-db");
});

Deno.test("feeds: bounded to the newest entries; an empty feed is still valid", () => {
  const many: Incident = {
    ...incident,
    updates: Array.from(
      { length: 80 },
      (_, i) => ({ ...incident.updates[0], id: `u${i}`, t: T0 + i * 1000 }),
    ),
  };
  const feed = parseJsonFeed(
    JSON.parse(jsonFeed({ title: "S", incidents: [many], maintenance: [], redact, now: T0 })),
  );
  assert.equal(feed.items?.length, FEED_ENTRIES);
  assert.equal(feed.items![0].date_published, new Date(T0 + 79_000).toISOString());
  const empty = atomFeed({ title: "S", incidents: [], maintenance: [], redact, now: T0 });
  assert.equal(XMLValidator.validate(empty), true);
  assert.equal(parseAtomFeed(empty).updated, new Date(T0).toISOString());
});
