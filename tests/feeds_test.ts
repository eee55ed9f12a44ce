/**
 * The feeds end to end: `checkup serve` answers `/feed.atom` and `/feed.json` with the incidents and
 * maintenance windows of its storage (read back by real feed parsers), revalidates them by ETag and sees a
 * new update; `serve --export` writes both beside the static page, which links them.
 */
import assert from "node:assert/strict";
import { parseAtomFeed, parseJsonFeed } from "feedsmith";
import { XMLValidator } from "fast-xml-parser";
import { runCli } from "../cli/program.ts";
import { memoryIo } from "../cli/io.ts";
import { createStatusHandler } from "../server/app.ts";
import { resolveConfig } from "../config/load.ts";
import { IncidentWriter } from "../incidents/store.ts";
import { FsStorage } from "../storage/fs.ts";
import { nowNs } from "../result.ts";

const SECRET = "feed-secret-0123456789";

async function setup() {
  const dir = await Deno.makeTempDir();
  const checks = `${dir}/checks`;
  const config = {
    checkers: [{ type: "http", endpoint_name: "API", endpoint_url: "https://api.example.com/" }],
    storage: { type: "fs", dir: checks },
    maintenance: [{
      title: "Nightly backup",
      about: ["API"],
      every: "daily",
      at: "03:00",
      time_zone: "UTC",
      duration: "30m",
    }],
  };
  await Deno.writeTextFile(`${dir}/checkup.json`, JSON.stringify(config));
  const storage = new FsStorage({ type: "fs", dir: checks, url: "", check_expiry: 0 }, { now: nowNs });
  await storage.store([{
    title: "API",
    endpoint: "https://api.example.com/",
    timestamp: nowNs(),
    times: [{ rtt: 2e7 }],
    healthy: true,
  }]);
  const incidents = new IncidentWriter({
    shared: storage,
    names: () => ["API"],
    redact: (t) => t.replaceAll(SECRET, "[redacted]"),
  });
  return { dir, storage, incidents, rules: resolveConfig(config).maintenance ?? [] };
}

Deno.test("feeds: serve answers Atom and JSON Feed of its incidents and maintenance windows", async () => {
  const { dir, storage, incidents, rules } = await setup();
  try {
    const opened = await incidents.open({
      title: "Elevated errors",
      text: `Looking into it (key ${SECRET})`,
      affected: [{ title: "API", impact: "major" }],
    });
    const handler = createStatusHandler({ reader: storage, title: "Acme", maintenance: rules });
    await handler.refresh();
    const atom = await handler.fetch(new Request("http://x/feed.atom"));
    assert.equal(atom.headers.get("content-type"), "application/atom+xml; charset=utf-8");
    const etag = atom.headers.get("etag")!;
    const xml = await atom.text();
    assert.equal(XMLValidator.validate(xml), true);
    assert.ok(!xml.includes(SECRET));
    const feed = parseAtomFeed(xml);
    assert.equal(feed.title, "Acme: incidents and maintenance");
    const titles = feed.entries!.map((e) => e.title);
    assert.ok(titles.includes("Elevated errors: Investigating"), titles.join(", "));
    assert.ok(titles.includes("Maintenance: Nightly backup"), "the config's daily window");
    const again = await handler.fetch(
      new Request("http://x/feed.atom", { headers: { "if-none-match": etag } }),
    );
    assert.equal(again.status, 304);

    await incidents.update(opened.incident.id, { text: "Fixed", state: "resolved" });
    await handler.refresh();
    const json = await handler.fetch(new Request("http://x/feed.json"));
    assert.equal(json.headers.get("content-type"), "application/feed+json; charset=utf-8");
    const items = parseJsonFeed(await json.json()).items!;
    assert.equal(
      items.filter((i) => i.title?.startsWith("Elevated errors")).length,
      2,
      "the new update is in",
    );
    assert.equal(
      items.find((i) => i.title?.startsWith("Elevated errors"))?.title,
      "Elevated errors: Resolved",
    );
    const page = await (await handler.fetch(new Request("http://x/"))).text();
    assert.match(page, /<link rel="alternate" type="application\/atom\+xml"[^>]*href="feed\.atom"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("feeds: serve --export writes feed.atom and feed.json beside the static page", async () => {
  const { dir, incidents } = await setup();
  try {
    await incidents.open({
      title: "Slow checkout",
      text: "Watching",
      affected: [{ title: "API", impact: "partial" }],
    });
    const io = memoryIo();
    assert.equal(
      await runCli(["-c", `${dir}/checkup.json`, "serve", "--export", `${dir}/site`], io),
      0,
      io.stderr,
    );
    const atom = parseAtomFeed(await Deno.readTextFile(`${dir}/site/feed.atom`));
    assert.ok(atom.entries!.some((e) => e.title === "Slow checkout: Investigating"));
    assert.ok(atom.entries!.some((e) => e.title === "Maintenance: Nightly backup"));
    const json = parseJsonFeed(JSON.parse(await Deno.readTextFile(`${dir}/site/feed.json`)));
    assert.equal(json.items!.length, atom.entries!.length);
    assert.match(await Deno.readTextFile(`${dir}/site/index.html`), /href="feed\.json"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
