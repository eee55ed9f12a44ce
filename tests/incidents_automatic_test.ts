/**
 * Automatic incidents (`"incident": true`) with three locations (eu, us, asia: three `Checkup`s, each with
 * its own clock) checking one real HTTP target into one real storage (fs, sqlite3, postgres): one failing
 * location opens nothing (below the quorum), two open exactly one incident, recovery resolves it once, and a
 * notification delivered twice changes nothing.
 */
import assert from "node:assert/strict";
import { Checkup } from "../checkup.ts";
import { resolveConfig } from "../config/load.ts";
import type { Result } from "../result.ts";
import { FakeClock } from "./helpers/clock.ts";
import { openStorage, SERVE_BACKENDS } from "./serve_fixture.ts";
import { IncidentWriter, readIncidents } from "../incidents/store.ts";
import { IncidentSink } from "../incidents/automatic.ts";
import { isSharedStore } from "../storage/storage.ts";
import { silentLogger } from "../log.ts";
import type { Alert } from "../notifiers/notifier.ts";
import { MemoryShared } from "./helpers/memory_shared.ts";

const MINUTE = 60_000;

/** A target that fails (503) the requests of the locations in `failing` (each sends its name in a header). */
function startTarget() {
  const failing = new Set<string>();
  const ac = new AbortController();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} }, (req) => {
    const from = req.headers.get("x-location") ?? "";
    return failing.has(from) ? new Response("refused", { status: 503 }) : new Response("ok");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/api`,
    failing,
    close: () => (ac.abort(), server.finished),
  };
}

for (const backend of SERVE_BACKENDS.filter((b) => ["fs", "sqlite3", "postgres"].includes(b.name))) {
  Deno.test(`automatic incidents over ${backend.name}: three locations open one and resolve it once`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "checkup-auto-incident-" });
    const opened = await backend.open(dir);
    if (!opened) return;
    const target = startTarget();
    const start = BigInt(Date.now()) * 1_000_000n;
    const nodes = ["eu", "us", "asia"].map((node) => {
      const clock = new FakeClock(start, { auto: true });
      const config: unknown = {
        checkers: [
          {
            type: "http",
            endpoint_name: "API",
            endpoint_url: target.url,
            headers: { "x-location": node },
            incident: true,
          },
          { type: "http", endpoint_name: "Docs", endpoint_url: target.url + "/docs" },
        ],
        storage: opened.config,
        node,
      };
      const checkup = new Checkup(resolveConfig(config), { clock, spool: false });
      return { node, clock, checkup };
    });
    const reader = openStorage(opened.config);
    const tick = async () => {
      for (const n of nodes) n.clock.advance(MINUTE);
      for (const n of nodes) await n.checkup.round({ store: true });
    };
    try {
      assert.ok(isSharedStore(reader));
      await tick();
      target.failing.add("asia");
      for (let i = 0; i < 3; i++) await tick();
      assert.deepEqual(await readIncidents(reader), [], "one location of three is below the quorum");
      target.failing.add("us");
      for (let i = 0; i < 3; i++) await tick();
      const [incident, ...others] = await readIncidents(reader);
      assert.equal(others.length, 0, "exactly one incident across the nodes");
      assert.equal(incident.automatic, true);
      assert.equal(incident.title, "API is down");
      assert.equal(incident.state, "investigating");
      assert.deepEqual(incident.affected, [{ title: "API", impact: "major" }]);
      assert.equal(incident.updates.length, 1);
      assert.match(incident.updates[0].text, /^Checkup found \*\*API\*\* down: .*2 of 3 locations/);
      target.failing.clear();
      for (let i = 0; i < 3; i++) await tick();
      const [done, ...more] = await readIncidents(reader);
      assert.equal(more.length, 0);
      assert.equal(done.id, incident.id);
      assert.deepEqual(done.updates.map((u) => u.state), ["investigating", "resolved"]);
      assert.match(done.updates[1].text, /^\*\*API\*\* is back up, after /);
      // One Go message round per update, about API only.
      let go = 0;
      for (const entry of await reader.index()) {
        for (const r of await reader.fetch(entry.name)) {
          if (!r.incident) continue;
          go++;
          assert.equal(r.incident, incident.id);
          assert.equal(r.title, "API");
        }
      }
      assert.equal(go, 2);
    } finally {
      for (const n of nodes) await n.checkup.close();
      await reader.close?.();
      await target.close();
      await opened.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("automatic incidents: a notification delivered twice writes once; other endpoints are ignored", async () => {
  const shared = new MemoryShared();
  const stored: (readonly Result[])[] = [];
  const storage = Object.assign(shared, {
    type: "memory",
    store: (results: readonly Result[]) => (stored.push(results), Promise.resolve("1-check.json")),
  });
  const sink = new IncidentSink({
    storage,
    endpoints: [{ title: "API", endpoint: "https://api.example/" }],
    logger: silentLogger,
  });
  const at = 1_800_000_000_000_000_000n;
  const alert = (kind: "down" | "recovered", id: string, title = "API"): Alert => ({
    kind,
    title,
    endpoint: title === "API" ? "https://api.example/" : "https://docs.example/",
    status: kind === "down" ? "down" : "healthy",
    previous: kind === "down" ? "healthy" : "down",
    since: at,
    incident_since: at,
    at: kind === "down" ? at : at + 600_000_000_000n,
    result: { timestamp: at },
    reason: "HTTP 503",
    key: `checkup-${title}`,
    id,
  });
  await sink.notify([alert("down", "n1"), alert("down", "d1", "Docs")]);
  await sink.notify([alert("down", "n1")]);
  await sink.notify([alert("recovered", "n2")]);
  await sink.notify([alert("recovered", "n2")]);
  const incidents = await readIncidents(shared);
  assert.equal(incidents.length, 1);
  assert.deepEqual(incidents[0].updates.map((u) => [u.id, u.state]), [["u1", "investigating"], [
    "u2",
    "resolved",
  ]]);
  assert.equal(incidents[0].updates[1].text, "**API** is back up, after 10m.");
  assert.equal(stored.length, 2, "one Go round per update written");
  // Resolved by hand before the endpoint recovered: the recovery changes nothing and does not fail.
  const later = (a: Alert) => ({ ...a, incident_since: at + 60_000_000_000n });
  await sink.notify([later(alert("down", "n3"))]);
  const second = (await readIncidents(shared)).find((i) => i.state !== "resolved")!;
  await new IncidentWriter({ shared, names: () => ["API"] }).resolve(second.id, "Fixed by hand.");
  await sink.notify([later(alert("recovered", "n4"))]);
  const byHand = (await readIncidents(shared)).find((i) => i.id === second.id)!;
  assert.deepEqual(byHand.updates.map((u) => u.text), [
    "Checkup found **API** down: HTTP 503",
    "Fixed by hand.",
  ]);
});
