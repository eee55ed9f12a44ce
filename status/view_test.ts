import assert from "node:assert/strict";
import { Rollup } from "./rollup.js";
import { endpointIds, statusView, type ViewOptions } from "./view.js";
import type { MaintenanceWindow } from "./operations.js";

const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

Deno.test("ids: title slugs, a short hash where two collide", () => {
  const rollup = new Rollup();
  for (const [title, endpoint] of [["Web Site", "a"], ["Wéb site!", "b"], ["API", "c"], ["", "db:5432"]]) {
    rollup.add({ title, endpoint, times: [{ rtt: 1e6 }], healthy: true }, NOW);
  }
  const ids = [...endpointIds(rollup).values()];
  assert.equal(ids[2], "api");
  assert.equal(ids[3], "db-5432");
  assert.match(ids[0], /^web-site-[0-9a-z]{6}$/);
  assert.match(ids[1], /^web-site-[0-9a-z]{6}$/);
  assert.notEqual(ids[0], ids[1]);
  assert.deepEqual([...endpointIds(rollup).values()], ids, "stable");
});

Deno.test("a node that stopped reporting is stale and does not decide the status", () => {
  const rollup = new Rollup();
  for (let t = NOW - 60 * MIN; t <= NOW; t += MIN) {
    rollup.add({ title: "A", endpoint: "a", times: [{ rtt: 1e6 }], healthy: true, node: "eu" }, t);
    if (t < NOW - 40 * MIN) {
      rollup.add({ title: "A", endpoint: "a", times: [{ rtt: 0, error: "x" }], down: true, node: "us" }, t);
    }
  }
  const view = statusView(rollup, { now: NOW });
  const a = view.endpoints[0];
  assert.equal(a.status, "healthy");
  assert.deepEqual(a.nodes.map((n) => [n.node, n.stale]), [["eu", false], ["us", true]]);
  const later = statusView(rollup, { now: NOW + 60 * MIN });
  assert.equal(later.endpoints[0].stale, true);
  assert.equal(later.endpoints[0].status, "unknown");
  assert.equal(later.status, "unknown", "no live endpoint: the overall status is unknown");
});

Deno.test("redaction applies to endpoints and error texts, not to titles or messages", () => {
  const rollup = new Rollup();
  rollup.add({
    title: "A",
    endpoint: "https://x/?key=SECRET",
    times: [{ rtt: 0, error: "GET https://x/?key=SECRET: 500" }],
    down: true,
    message: "SECRET is fine",
  }, NOW);
  const view = statusView(rollup, { now: NOW, redact: (s) => s.replaceAll("SECRET", "***") });
  const a = view.endpoints[0];
  assert.equal(a.endpoint, "https://x/?key=***");
  assert.equal(a.reason, "GET https://x/?key=***: 500");
  assert.equal(a.incidents[0].reason, "GET https://x/?key=***: 500");
  assert.equal(a.messages[0].text, "SECRET is fine");
});

Deno.test("an incident that got worse is named by its worst status and that status's reason", () => {
  const rollup = new Rollup();
  const add = (t: number, st: "healthy" | "degraded" | "down", why = "") =>
    rollup.add({
      title: "A",
      endpoint: "a",
      times: st === "down" ? [{ rtt: 0, error: why }] : [{ rtt: 1e6 }],
      [st]: true,
      ...(st === "degraded" ? { notice: why } : {}),
    }, t);
  add(NOW - 5 * MIN, "healthy");
  add(NOW - 4 * MIN, "degraded", "slow");
  add(NOW - 3 * MIN, "down", "503");
  add(NOW - 2 * MIN, "degraded", "slow again");
  add(NOW - MIN, "healthy");
  const [incident] = statusView(rollup, { now: NOW }).endpoints[0].incidents;
  assert.deepEqual(
    {
      status: incident.status,
      reason: incident.reason,
      start: incident.start,
      end: incident.end,
      checks: incident.checks,
    },
    { status: "down", reason: "503", start: NOW - 4 * MIN, end: NOW - MIN, checks: 3 },
  );
});

Deno.test("lazySlots: the same view, its bars computed when first read", () => {
  const rollup = new Rollup();
  for (let t = NOW - 30 * 60 * MIN; t <= NOW; t += 5 * MIN) {
    const i = (t - NOW) / MIN;
    rollup.add({
      title: "A",
      endpoint: "a",
      times: [{ rtt: (20 + (i % 7)) * 1e6 }],
      healthy: true,
      node: "eu",
    }, t);
    const down = i > -200 && i < -100;
    rollup.add(
      {
        title: "A",
        endpoint: "a",
        times: down ? [{ rtt: 0, error: "refused" }] : [{ rtt: 30e6 }],
        ...(down ? { down: true } : { healthy: true }),
        node: "us",
      },
      t + 1,
    );
    rollup.add({ title: "B", endpoint: "b", times: [{ rtt: (90 + (i % 50)) * 1e6 }], healthy: true }, t + 2);
  }
  const maintenance: MaintenanceWindow[] = [
    {
      id: "w1",
      title: "Upgrade",
      about: ["B"],
      start: NOW - 120 * MIN,
      end: NOW - 60 * MIN,
      source: "adhoc",
    },
  ];
  const cases: ViewOptions[] = [{ now: NOW }, { now: NOW, maintenance }, {
    now: NOW,
    range: "7d",
    maintenance,
  }];
  for (const options of cases) {
    const eager = statusView(rollup, options);
    const lazy = statusView(rollup, { ...options, lazySlots: true });
    assert.equal(JSON.stringify(lazy), JSON.stringify(eager));
    assert.deepEqual(lazy.endpoints[0].slots, eager.endpoints[0].slots);
    assert.ok(lazy.endpoints[0].slots.combined, "several locations: the combined bar");
    assert.equal(lazy.endpoints[0].slots, lazy.endpoints[0].slots, "computed once");
  }
  const marked =
    statusView(rollup, { now: NOW, maintenance, lazySlots: true }).endpoints[1].slots.maintenance;
  assert.ok(marked?.some(Boolean), "the maintenance window marks its slots");
});
