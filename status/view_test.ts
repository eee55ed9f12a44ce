import assert from "node:assert/strict";
import { Rollup } from "./rollup.js";
import { endpointIds, statusView } from "./view.js";

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
