/**
 * Incidents in the shared documents of real storages (fs, sqlite3, postgres): the lifecycle, the refusals,
 * two writers racing for one update, idempotent automatic openings, retention, and a storage without
 * shared documents.
 */
import assert from "node:assert/strict";
import { isSharedStore, type SharedStore } from "../storage/storage.ts";
import { openStorage, SERVE_BACKENDS } from "../tests/serve_fixture.ts";
import { IncidentError, incidentStore, IncidentWriter, readIncidents } from "./store.ts";
import { KEEP_RESOLVED_MS } from "../status/incidents.js";

const NAMES = ["API", "Database", "Payments"];
const DAY = 86_400_000;

function writer(shared: SharedStore, now: { t: number }, node = "eu-west") {
  return new IncidentWriter({ shared, names: () => NAMES, node, now: () => now.t });
}

async function refused(p: Promise<unknown>, kind: string, message: RegExp) {
  await assert.rejects(p, (e) => {
    assert.ok(e instanceof IncidentError, String(e));
    assert.equal(e.kind, kind);
    assert.match(e.message, message);
    return true;
  });
}

for (const backend of SERVE_BACKENDS.filter((b) => ["fs", "sqlite3", "postgres"].includes(b.name))) {
  Deno.test(`incidents on ${backend.name}: lifecycle, refusals, races, retention`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "checkup-incidents-" });
    const opened = await backend.open(dir);
    if (!opened) return;
    const storage = openStorage(opened.config);
    try {
      assert.ok(isSharedStore(storage));
      const now = { t: Date.UTC(2026, 10, 30, 12) };
      const w = writer(storage, now);
      const open = await w.open({
        title: "API outage",
        text: "We are **looking** into errors.",
        affected: [{ title: "api", impact: "major" }, { title: "Database", impact: "partial" }],
      });
      assert.match(open.incident.id, /^20261130-api-outage-[a-z0-9]{6}$/);
      assert.deepEqual(open.incident.affected, [
        { title: "API", impact: "major" },
        { title: "Database", impact: "partial" },
      ]);
      const id = open.incident.id;
      now.t += 60_000;
      await w.update(id, {
        state: "identified",
        text: "A bad deploy.",
        affected: [{ title: "API", impact: "partial" }],
      });
      now.t += 60_000;
      await w.update(id, { text: "Rolling back." }); // state and affected stay
      now.t += 60_000;
      await w.update(id, { state: "monitoring", text: "Rolled back." });
      now.t += 60_000;
      const done = await w.resolve(id, "All good.");
      assert.equal(done.update.id, "u5");
      const [incident] = await readIncidents(storage);
      assert.deepEqual(incident.updates.map((u) => [u.id, u.state]), [
        ["u1", "investigating"],
        ["u2", "identified"],
        ["u3", "identified"],
        ["u4", "monitoring"],
        ["u5", "resolved"],
      ]);
      assert.equal(incident.state, "resolved");
      assert.equal(incident.resolved, now.t);
      assert.equal(incident.started, Date.UTC(2026, 10, 30, 12));
      assert.deepEqual(incident.affected, [{ title: "API", impact: "partial" }]);
      assert.equal(incident.updates[0].node, "eu-west");

      // Refusals name what was expected, and store nothing.
      await refused(w.update(id, { text: "again" }), "conflict", /was resolved at .*open a new one/);
      await refused(w.update("nope", { text: "x" }), "missing", /no incident with id "nope"/);
      await refused(w.update("../x", { text: "x" }), "missing", /no incident with id/);
      await refused(w.open({ title: "", text: "x" }), "invalid", /^title: expected a title of 1 to 200/);
      await refused(w.open({ title: "T", text: " " }), "invalid", /^text: expected a non-empty string/);
      await refused(w.open({ title: "T", text: "x", state: "resolved" }), "invalid", /opening state/);
      await refused(
        w.open({ title: "T", text: "x", affected: [{ title: "Nope", impact: "major" }] }),
        "invalid",
        /affected\[0\]\.title: no endpoint or group named "Nope" \(known: API, Database, Payments\)/,
      );
      await refused(
        // deno-lint-ignore no-explicit-any
        w.open({ title: "T", text: "x", affected: [{ title: "API", impact: "huge" as any }] }),
        "invalid",
        /affected\[0\]\.impact: expected one of degraded, partial, major, found "huge"/,
      );
      await refused(
        // deno-lint-ignore no-explicit-any
        w.open({ title: 5 as any, text: "x" }),
        "invalid",
        /^title: expected a title of 1 to 200 characters, found number$/,
      );
      await refused(
        // deno-lint-ignore no-explicit-any
        w.update(id, { text: "x", affected: "API" as any }),
        "invalid",
        /^affected: expected a list like \[\{"title": "API", "impact": "major"\}\]$/,
      );
      assert.equal((await readIncidents(storage)).length, 1);

      // Two writers racing: every update lands under its own number, none is lost or overwritten.
      const other = await w.open({ title: "Payments slow", text: "Looking.", state: "identified" });
      const writers = Array.from({ length: 6 }, (_, i) => writer(storage, now, `node-${i}`));
      await Promise.all(writers.map((x, i) => x.update(other.incident.id, { text: `note ${i}` })));
      const raced = (await readIncidents(storage)).find((i) => i.id === other.incident.id)!;
      assert.equal(raced.updates.length, 7);
      assert.deepEqual(raced.updates.map((u) => u.text).slice(1).sort(), writers.map((_, i) => `note ${i}`));
      // A resolve racing updates: nothing follows the resolve.
      await Promise.allSettled([
        w.resolve(other.incident.id, "Fixed."),
        ...writers.map((x) => x.update(other.incident.id, { text: "late" })),
      ]);
      const settled = (await readIncidents(storage)).find((i) => i.id === other.incident.id)!;
      assert.equal(settled.updates.at(-1)!.state, "resolved");
      assert.equal(settled.updates.filter((u) => u.state === "resolved").length, 1);

      // An automatic incident opened and resolved twice by the same alerts: once each.
      const auto = {
        title: "API down",
        text: "API is down.",
        automatic: true,
        id: "20261130-api-auto1",
        alert: "a1",
      };
      assert.equal((await w.open(auto)).created, true);
      assert.equal((await w.open(auto)).created, false);
      assert.equal(
        (await w.update(auto.id, { state: "resolved", text: "Back.", alert: "a2" })).created,
        true,
      );
      const again = await w.update(auto.id, { state: "resolved", text: "Back.", alert: "a2" });
      assert.equal(again.created, false);
      assert.equal(again.update.id, "u2");

      // Active first, then resolved, most recently resolved first.
      const active = await w.open({ title: "DB replica lag", text: "Watching.", state: "monitoring" });
      const order = (await readIncidents(storage)).map((i) => i.id);
      assert.equal(order[0], active.incident.id);
      assert.equal(order.length, 4);

      // Retention: a year after they were resolved the resolved ones go at the next opening; active stays.
      now.t += KEEP_RESOLVED_MS + DAY;
      await w.open({ title: "Later", text: "x" });
      const left = (await readIncidents(storage)).map((i) => i.title).sort();
      assert.deepEqual(left, ["DB replica lag", "Later"]);

      // At most 40 active at once: the 41st is refused, an automatic one delivered again is not.
      for (let i = 0; i < 38; i++) await w.open({ title: `Active ${i}`, text: "x" });
      await refused(
        w.open({ title: "One too many", text: "x" }),
        "conflict",
        /^expected at most 40 active incidents, found 40: resolve some/,
      );
      assert.equal(
        (await w.open({
          ...auto,
          id: (await readIncidents(storage)).find((i) => i.title === "Active 0")!.id,
        })).created,
        false,
      );
    } finally {
      await storage.close?.();
      await opened.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a storage without shared documents is named in the error", () => {
  assert.throws(
    () => incidentStore({ type: "appinsights", store: () => Promise.resolve("") }),
    /^Error: storage appinsights: cannot hold incidents \(no shared documents\); expected a storage of type fs, sqlite3, postgres, mysql or s3$/,
  );
  assert.throws(() => incidentStore(undefined), /no storage configured/);
});
