import assert from "node:assert/strict";
import { type ResultLike, Rollup } from "./rollup.js";
import { statusView, type ViewOptions } from "./view.js";

const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const NODES = ["asia", "eu", "us"];

function result(title: string, status: "healthy" | "degraded" | "down", node?: string): ResultLike {
  return {
    title,
    endpoint: `https://${title.toLowerCase()}.example`,
    times: status === "down" ? [{ rtt: 0, error: `${title} refused from ${node}` }] : [{ rtt: 20e6 }],
    [status]: true,
    ...(status === "degraded" ? { notice: "slow" } : {}),
    ...(node ? { node } : {}),
  };
}

/**
 * Every node checks every minute for `minutes` up to NOW; `failing(title, node, t)` says who fails when.
 */
function rollupOf(
  failing: (title: string, node: string, t: number) => "down" | "degraded" | false,
  { minutes = 120, titles = ["A"], nodes = NODES, until = () => NOW } = {} as {
    minutes?: number;
    titles?: string[];
    nodes?: string[];
    until?: (node: string) => number;
  },
): Rollup {
  const rollup = new Rollup();
  for (const node of nodes) {
    for (let t = NOW - minutes * MIN; t <= until(node); t += MIN) {
      titles.forEach((title, i) =>
        rollup.add(result(title, failing(title, node, t) || "healthy", node), t, i, titles.length)
      );
    }
  }
  return rollup;
}

const view = (rollup: Rollup, options: ViewOptions = {}) =>
  statusView(rollup, { now: NOW + 1000, ...options });

Deno.test("1 of 3 locations failing is partial, 2 of 3 is down", () => {
  const rollup = rollupOf(
    (title, node, t) => t > NOW - 30 * MIN && (title === "A" ? node === "asia" : node !== "eu") && "down",
    {
      titles: ["A", "B"],
    },
  );
  const v = view(rollup);
  const [a, b] = v.endpoints;
  assert.equal(a.status, "partial");
  assert.deepEqual(a.quorum, { live: 3, needed: 2, failing: 1, down: 1, rule: "majority" });
  assert.equal(a.reason, "A refused from asia");
  assert.equal(b.status, "down");
  assert.deepEqual(b.quorum, { live: 3, needed: 2, failing: 2, down: 2, rule: "majority" });
  assert.equal(v.status, "down", "the overall status is the worst of the endpoints");
  assert.deepEqual(a.nodes.map((n) => [n.node, n.status, n.silent]), [
    ["asia", "down", false],
    ["eu", "healthy", false],
    ["us", "healthy", false],
  ]);
  assert.equal(
    view(rollupOf((_, node, t) => t > NOW - 30 * MIN && node === "us" && "down")).status,
    "partial",
  );
  assert.equal(
    view(rollupOf((_, node, t) => t > NOW - 30 * MIN && node === "us" && "degraded")).endpoints[0].status,
    "partial",
    "degraded below the quorum is partial too",
  );
  assert.equal(
    view(rollupOf((_, node, t) => t > NOW - 30 * MIN && node !== "us" && "degraded")).endpoints[0].status,
    "degraded",
  );
});

Deno.test("a silent location is left out of the quorum and shown as silent", () => {
  // us stopped an hour ago; asia fails: of the two live locations, a majority is 2, so 1 failing is partial.
  const rollup = rollupOf((_, node, t) => t > NOW - 30 * MIN && node === "asia" && "down", {
    until: (node) => node === "us" ? NOW - 60 * MIN : NOW,
  });
  const v = view(rollup);
  const a = v.endpoints[0];
  assert.equal(a.status, "partial");
  assert.deepEqual(a.quorum, { live: 2, needed: 2, failing: 1, down: 1, rule: "majority" });
  const us = a.nodes.find((n) => n.node === "us")!;
  assert.deepEqual([us.silent, us.stale, us.silent_for], [true, true, 60 * MIN + 1000]);
  assert.deepEqual(
    v.locations.map((l) => [l.node, l.silent, l.silent_for]),
    [["asia", false, 0], ["eu", false, 0], ["us", true, 60 * MIN + 1000]],
  );
  // With a configured threshold longer than the silence, us counts again: 1 failing of 3 is still partial.
  const patient = view(rollup, { silentAfter: 2 * 3600_000 }).endpoints[0];
  assert.equal(patient.quorum!.live, 3);
  // ...and every location is silent 5 minutes (plus the minute of clock skew tolerated) after its last result.
  assert.equal(statusView(rollup, { now: NOW + 6 * MIN }).endpoints[0].stale, false);
  const later = statusView(rollup, { now: NOW + 7 * MIN });
  assert.equal(later.endpoints[0].stale, true);
  assert.equal(later.endpoints[0].status, "unknown");
  assert.equal(later.status, "unknown");
});

Deno.test("per-checker quorum: a share of 50% of 3 is 2, a count of 1 makes any failure down", () => {
  const rollup = rollupOf(
    (title, node, t) => t > NOW - 30 * MIN && node === "asia" && title !== "C" && "down",
    {
      titles: ["A", "B", "C"],
    },
  );
  const rules = new Map([["A", { share: 0.5 }], ["B", { count: 1 }]]);
  const v = view(rollup, { quorum: (title) => rules.get(title) });
  assert.deepEqual(v.endpoints.map((e) => [e.title, e.status, e.quorum!.needed, e.quorum!.rule]), [
    ["A", "partial", 2, "50%"],
    ["B", "down", 1, "1"],
    ["C", "healthy", 2, "majority"],
  ]);
  assert.equal(view(rollup, { quorum: { count: 1 } }).endpoints[0].status, "down", "one rule for all");
});

Deno.test("one location reads exactly as before: no quorum, uptime from checks", () => {
  const named = rollupOf((_, __, t) => t > NOW - 30 * MIN && t <= NOW - 20 * MIN && "down", {
    nodes: ["eu"],
  });
  const unnamed = rollupOf((_, __, t) => t > NOW - 30 * MIN && t <= NOW - 20 * MIN && "down", {
    nodes: [""],
  });
  for (const v of [view(named), view(unnamed)]) {
    const a = v.endpoints[0];
    assert.equal(a.status, "healthy");
    assert.equal(a.quorum, undefined);
    assert.equal(a.slots.combined, undefined);
    // 10 of 121 checks down.
    assert.equal(a.uptime["24h"], Math.floor((1 - 10 / 121) * 100_000) / 1000);
    assert.equal(a.incidents.length, 1);
    assert.equal(a.incidents[0].status, "down");
    assert.equal(a.incidents[0].checks, 10);
  }
  assert.deepEqual(view(unnamed).locations, [], "results without a node name no location");
  assert.deepEqual(view(named).locations.map((l) => l.node), ["eu"]);
});

Deno.test("uptime with several locations: below the quorum costs nothing, at the quorum its duration", () => {
  // 120 minutes observed. asia fails for 30 minutes; us and eu together for 12 minutes of those.
  const rollup = rollupOf((_, node, t) => {
    if (node === "asia") return t > NOW - 60 * MIN && t <= NOW - 30 * MIN && "down";
    return t > NOW - 50 * MIN && t <= NOW - 38 * MIN && node === "us" && "down";
  });
  const one =
    view(rollupOf((_, node, t) => node === "asia" && t > NOW - 60 * MIN && t <= NOW - 30 * MIN && "down"))
      .endpoints[0];
  assert.equal(one.uptime["24h"], 100, "1 of 3 failing is no outage");
  assert.equal(one.status, "healthy");
  assert.deepEqual(one.incidents.map((i) => [i.status, i.nodes, i.end! - i.start, i.checks]), [
    ["partial", ["asia"], 30 * MIN, 30],
  ]);
  const a = view(rollup).endpoints[0];
  // Down while asia and us both failed: 12 minutes of 121 observed (the last check holds for one interval,
  // up to now).
  const observed = 120 * MIN + 1000;
  assert.equal(a.uptime["24h"], Math.floor((1 - 12 * MIN / observed) * 100_000) / 1000);
  assert.equal(a.uptime["7d"], a.uptime["24h"]);
  const [incident] = a.incidents;
  assert.deepEqual(
    [incident.status, incident.nodes, incident.start, incident.end, incident.checks, incident.reason],
    ["down", ["asia", "us"], NOW - 59 * MIN, NOW - 29 * MIN, 42, "A refused from asia"],
  );
  // The bar: the slots of the outage are down, those of asia's lone failure partial, the others healthy.
  const combined = a.slots.combined!;
  assert.equal(combined.length, 90);
  assert.ok(combined.includes("down") && combined.includes("partial") && combined.includes("healthy"));
  const slotOf = (t: number) => 89 - (Math.floor(NOW / (16 * MIN)) - Math.floor(t / (16 * MIN)));
  assert.equal(combined[slotOf(NOW - 45 * MIN)], "down");
  assert.equal(combined[slotOf(NOW)], "healthy");
  assert.equal(combined[slotOf(NOW - 3 * 3600_000)], null, "not observed");
  // Checks would have charged asia's lone half hour to everyone: 42 of 363 checks were down.
  assert.ok(a.uptime["24h"]! > 100 * (1 - 42 / 363));
});

Deno.test("an ongoing partial period, and a location's label and duplicate flag", () => {
  const rollup = rollupOf((_, node, t) => node === "asia" && t > NOW - 10 * MIN && "down");
  const v = view(rollup, {
    locations: [{ node: "asia", location: "Singapore", duplicate: true }, {
      node: "eu",
      location: "Frankfurt",
    }],
  });
  const a = v.endpoints[0];
  assert.deepEqual(a.incidents.map((i) => [i.status, i.end]), [["partial", null]]);
  assert.equal(a.since, NOW - 9 * MIN, "partial since asia's first failure");
  assert.deepEqual(a.nodes.map((n) => n.location), ["Singapore", "Frankfurt", "us"]);
  assert.deepEqual(v.locations.map((l) => [l.location, l.duplicate]), [
    ["Singapore", true],
    ["Frankfurt", false],
    ["us", false],
  ]);
});
