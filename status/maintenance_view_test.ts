import assert from "node:assert/strict";
import { Rollup } from "./rollup.js";
import { statusView } from "./view.js";
import { COMBINED_STATUSES, worseOf } from "./quorum.js";
import type { MaintenanceWindow } from "./operations.js";

const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const ok = (title: string, node?: string) => ({
  title,
  endpoint: title.toLowerCase(),
  times: [{ rtt: 1e6 }],
  healthy: true,
  ...(node ? { node } : {}),
});
const down = (title: string, node?: string) => ({
  title,
  endpoint: title.toLowerCase(),
  times: [{ rtt: 0, error: "503" }],
  down: true,
  ...(node ? { node } : {}),
});
const window = (start: number, end: number, about: string[] = ["API"]): MaintenanceWindow => ({
  id: "w",
  title: "Upgrade",
  about,
  start,
  end,
  source: "adhoc",
});

Deno.test("maintenance ranks above healthy and below every failure", () => {
  assert.deepEqual([...COMBINED_STATUSES], [
    "unknown",
    "healthy",
    "maintenance",
    "partial",
    "degraded",
    "down",
  ]);
  assert.equal(worseOf("healthy", "maintenance"), "maintenance");
  assert.equal(worseOf("maintenance", "partial"), "partial");
  assert.equal(worseOf("down", "maintenance"), "down");
});

Deno.test("one location: a covered endpoint is maintenance; its uptime leaves the window's checks out", () => {
  const rollup = new Rollup();
  // API: healthy for 2 hours, then down for the last 30 minutes (inside the window), Web healthy.
  for (let t = NOW - 150 * MIN; t <= NOW; t += MIN) {
    rollup.add(t > NOW - 30 * MIN ? down("API") : ok("API"), t);
    rollup.add(ok("Web"), t);
  }
  const plain = statusView(rollup, { now: NOW });
  assert.equal(plain.endpoints[0].status, "down");
  assert.ok(plain.endpoints[0].uptime["24h"]! < 90);
  assert.equal(plain.maintenance, undefined);
  const w = window(NOW - 40 * MIN, NOW + 20 * MIN);
  const view = statusView(rollup, { now: NOW, maintenance: [w] });
  const api = view.endpoints[0];
  assert.equal(api.status, "maintenance");
  assert.equal(api.checked, "down");
  assert.deepEqual(api.maintenance, { id: "w", title: "Upgrade", start: w.start, end: w.end });
  assert.equal(api.uptime["24h"], 100, "the down checks were all in the window");
  assert.deepEqual(api.uptime_excludes_maintenance, ["24h", "7d", "30d", "90d"]);
  assert.ok(api.slots.maintenance?.some(Boolean) && !api.slots.maintenance[0]);
  assert.equal(view.endpoints[1].status, "healthy");
  assert.equal(view.endpoints[1].uptime_excludes_maintenance, undefined);
  assert.equal(view.status, "maintenance");
  assert.deepEqual(view.maintenance, { active: [w], upcoming: [] });
  // After the window: the status is what the checks say again; the uptime still leaves it out.
  for (let t = NOW + MIN; t <= NOW + 25 * MIN; t += MIN) rollup.add(down("API"), t);
  const after = statusView(rollup, { now: NOW + 25 * MIN, maintenance: [w] });
  assert.equal(after.endpoints[0].status, "down");
  assert.equal(after.endpoints[0].checked, undefined);
  assert.ok(after.endpoints[0].uptime["24h"]! < 100);
  assert.ok(after.endpoints[0].uptime["24h"]! > plain.endpoints[0].uptime["24h"]!);
});

Deno.test("several locations: the combined status becomes maintenance; time in the window is left out", () => {
  const rollup = new Rollup();
  for (let t = NOW - 120 * MIN; t <= NOW; t += MIN) {
    for (const node of ["eu", "us", "ap"]) {
      rollup.add(t > NOW - 60 * MIN ? down("API", node) : ok("API", node), t);
    }
  }
  const plain = statusView(rollup, { now: NOW });
  assert.equal(plain.endpoints[0].status, "down");
  const view = statusView(rollup, { now: NOW, maintenance: [window(NOW - 61 * MIN, NOW + MIN)] });
  assert.equal(view.endpoints[0].status, "maintenance");
  assert.equal(view.endpoints[0].checked, "down");
  assert.equal(view.endpoints[0].uptime["24h"], 100);
  // A window elsewhere: nothing changes.
  const other = statusView(rollup, { now: NOW, maintenance: [window(NOW - 61 * MIN, NOW + MIN, ["Web"])] });
  assert.deepEqual(other.endpoints, plain.endpoints);
});

Deno.test("a failure elsewhere outranks maintenance on the page; groups take the worst", () => {
  const rollup = new Rollup();
  rollup.add(down("API"), NOW);
  rollup.add(down("Web"), NOW);
  const view = statusView(rollup, {
    now: NOW,
    maintenance: [window(NOW - MIN, NOW + MIN)],
    groups: () => "Core",
  });
  assert.deepEqual(view.endpoints.map((e) => e.status), ["maintenance", "down"]);
  assert.equal(view.status, "down");
  assert.equal(view.groups?.[0].status, "down");
  const upcoming = window(NOW + 3 * 24 * 60 * MIN, NOW + 3 * 24 * 60 * MIN + MIN);
  assert.deepEqual(statusView(rollup, { now: NOW, maintenance: [upcoming] }).maintenance, {
    active: [],
    upcoming: [upcoming],
  });
});
