import assert from "node:assert/strict";
import {
  binOf,
  binValue,
  HORIZON,
  insertRun,
  RANGES,
  type ResultLike,
  Rollup,
  rttOf,
  SLOTS,
} from "./rollup.js";
import { decodeRollup, encodeRollup } from "./codec.js";
import { statusView } from "./view.js";

const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

function result(
  title: string,
  status: "healthy" | "degraded" | "down",
  rttMs: number,
  node?: string,
): ResultLike {
  return {
    title,
    endpoint: `https://${title.toLowerCase()}.example`,
    times: status === "down" ? [{ rtt: 0, error: "connection refused" }] : [{ rtt: rttMs * 1e6 }],
    [status]: true,
    ...(status === "degraded" ? { notice: "slow" } : {}),
    ...(node ? { node } : {}),
  };
}

/** Two days at one check a minute; "B" is down for 30 minutes a day ago and degraded for the last 10. */
function history(): { t: number; r: ResultLike[] }[] {
  const rounds = [];
  for (let t = NOW - 2 * 1440 * MIN; t <= NOW; t += MIN) {
    const down = t > NOW - 1440 * MIN && t <= NOW - 1410 * MIN;
    const slow = t > NOW - 10 * MIN;
    rounds.push({
      t,
      r: [
        result("A", "healthy", 50 + (t / MIN) % 20),
        result("B", down ? "down" : slow ? "degraded" : "healthy", slow ? 900 : 100),
      ],
    });
  }
  return rounds;
}

function ingest(rollup: Rollup, rounds: { t: number; r: ResultLike[] }[]) {
  for (const { t, r } of rounds) r.forEach((x, i) => rollup.add(x, t, i, r.length));
}

Deno.test("rtt is the median of successful attempts, in ms", () => {
  assert.equal(rttOf([{ rtt: 3e6 }]), 3);
  assert.equal(rttOf([{ rtt: 3e6 }, { rtt: 0, error: "x" }, { rtt: 5e6 }]), 4);
  assert.equal(rttOf([{ rtt: 1e6 }, { rtt: 9e6 }, { rtt: 2e6 }]), 2);
  assert.equal(rttOf([{ rtt: 0, error: "x" }]), -1);
  assert.equal(rttOf([{ rtt: 7e6, error: "503" }]), -1);
});

Deno.test("histogram bins keep RTTs within 8 %", () => {
  for (const ms of [0.2, 1, 7.5, 42, 180, 999, 4200, 12000]) {
    const v = binValue(binOf(ms));
    assert.ok(Math.abs(v - ms) / ms < 0.08, `${ms} ms → ${v}`);
  }
  assert.equal(binOf(0), 0);
  assert.equal(binOf(1e9), binOf(1e12), "very slow answers share the last bin");
});

Deno.test("view: status, uptime per range, slots and incidents", () => {
  const rollup = new Rollup();
  ingest(rollup, history());
  const view = statusView(rollup, { now: NOW + 1000 });
  assert.equal(view.status, "degraded");
  const [a, b] = view.endpoints;
  assert.deepEqual([a.title, a.status, b.status], ["A", "healthy", "degraded"]);
  assert.equal(b.reason, "slow");
  assert.equal(a.uptime["24h"], 100);
  // B: 30 of the checks in the last 7 days (2 days of data, 2881 checks) were down.
  assert.equal(b.uptime["7d"], Math.floor((1 - 30 / 2881) * 100_000) / 1000);
  assert.equal(view.range.slot, RANGES[0].slot);
  const total = a.slots.up.reduce((x, y) => x + y, 0) + a.slots.down.reduce((x, y) => x + y, 0);
  // 90 slots of 16 minutes ending with the current one: 23 h 44 min to 24 h of checks.
  assert.ok(total >= 1424 && total <= 1441, `24 h of checks in the 24h bar: ${total}`);
  assert.equal(b.incidents.length, 2, "the range starts 23 h 44 min ago, during the outage");
  assert.equal(
    statusView(rollup, { now: NOW + 20 * MIN }).endpoints[1].incidents.length,
    1,
    "later it is out",
  );
  const week = statusView(rollup, { now: NOW + 1000, range: "7d" });
  const incidents = week.endpoints[1].incidents;
  assert.equal(incidents.length, 2);
  assert.equal(incidents[0].status, "degraded");
  assert.equal(incidents[0].end, null);
  assert.equal(incidents[1].status, "down");
  assert.equal(incidents[1].end! - incidents[1].start, 30 * MIN);
  assert.equal(incidents[1].checks, 30);
  assert.equal(incidents[1].reason, "connection refused");
  const p50 = a.slots.p50.filter((v) => v !== null) as number[];
  assert.ok(p50.every((v) => v > 48 && v < 75), `A's medians are around 50–70 ms: ${p50.slice(0, 5)}`);
});

Deno.test("reading recent rounds first and older ones later gives the same rollup", () => {
  const rounds = history();
  const inOrder = new Rollup();
  ingest(inOrder, rounds);
  const split = rounds.findIndex((x) => x.t > NOW - 700 * MIN);
  const backfilled = new Rollup();
  ingest(backfilled, rounds.slice(split));
  ingest(backfilled, rounds.slice(0, split));
  backfilled.compact();
  for (const range of ["24h", "7d", "90d"]) {
    assert.deepEqual(
      statusView(backfilled, { now: NOW, range }),
      statusView(inOrder, { now: NOW, range }),
      range,
    );
  }
});

Deno.test("status runs: append, extend, split, join", () => {
  const runs: { s: number; e: number; st: number; n: number; why: string }[] = [];
  insertRun(runs, 100, 1, "");
  insertRun(runs, 200, 1, "");
  insertRun(runs, 300, 3, "down");
  insertRun(runs, 400, 1, "");
  assert.deepEqual(runs.map((r) => [r.s, r.e, r.st]), [[100, 200, 1], [300, 300, 3], [400, 400, 1]]);
  insertRun(runs, 150, 2, "slow");
  assert.deepEqual(runs.map((r) => [r.s, r.e, r.st]), [[100, 149, 1], [150, 150, 2], [151, 200, 1], [
    300,
    300,
    3,
  ], [400, 400, 1]]);
  insertRun(runs, 350, 3, "down");
  assert.deepEqual(runs.map((r) => [r.s, r.e, r.st]).slice(3), [[300, 350, 3], [400, 400, 1]]);
  insertRun(runs, 50, 1, "");
  assert.deepEqual(
    runs[0],
    { s: 50, e: 50, st: 1, n: 1, why: "" },
    "older history does not claim the unseen gap",
  );
  insertRun(runs, 100 + HORIZON + 1, 3, "late");
  assert.equal(runs[0].s, 100, "runs that ended before the longest range are dropped");
});

Deno.test("ring slots: a new slot clears the one it replaces; older data is dropped", () => {
  const rollup = new Rollup();
  const width = RANGES[0].slot;
  const t0 = Math.floor(NOW / width) * width;
  rollup.add(result("A", "down", 0), t0);
  rollup.add(result("A", "healthy", 10), t0 + SLOTS * width);
  rollup.add(result("A", "healthy", 10), t0 - width);
  const view = statusView(rollup, { now: t0 + SLOTS * width });
  const a = view.endpoints[0];
  assert.equal(a.slots.down.reduce((x, y) => x + y, 0), 0, "the 24h ring no longer holds the old slot");
  assert.equal(a.slots.up.at(-1), 1);
  assert.equal(a.uptime["7d"], 66.666, "the 7d ring still holds all three");
});

Deno.test("messages: sorted, deduplicated, never counted as checks", () => {
  const rollup = new Rollup();
  rollup.add({ title: "A", endpoint: "x", message: "second" }, NOW - MIN);
  rollup.add({ title: "A", endpoint: "x", message: "first" }, NOW - 2 * MIN);
  rollup.add({ title: "A", endpoint: "x", message: "first" }, NOW - 2 * MIN);
  rollup.add({ message: "everyone" }, NOW - 3 * MIN);
  const view = statusView(rollup, { now: NOW });
  const a = view.endpoints[0];
  assert.deepEqual(a.messages.map((m) => m.text), ["second", "first"]);
  assert.equal(a.status, "unknown");
  assert.equal(a.uptime["24h"], null);
  assert.deepEqual(view.messages.map((m) => m.text), ["everyone"]);
});

Deno.test("the order of a full round wins over smaller rounds", () => {
  const rollup = new Rollup();
  const [a, b, c] = [result("A", "healthy", 1), result("B", "healthy", 1), result("C", "healthy", 1)];
  [a, b, c].forEach((r, i) => rollup.add(r, NOW - 2 * MIN, i, 3));
  rollup.add(c, NOW - MIN, 0, 1);
  assert.deepEqual(statusView(rollup, { now: NOW }).endpoints.map((e) => e.title), ["A", "B", "C"]);
  assert.deepEqual(
    statusView(rollup, { now: NOW, order: ["C", "A"] }).endpoints.map((e) => e.title),
    ["C", "A", "B"],
    "configured titles first",
  );
});

Deno.test("per-node summaries merge into the rollup of all results", () => {
  const rounds = history();
  const all = new Rollup(), eu = new Rollup(), us = new Rollup();
  for (const { t, r } of rounds) {
    r.forEach((x, i) => {
      all.add({ ...x, node: "eu" }, t, i, 2);
      all.add({ ...x, node: "us", times: [{ rtt: 2e8 }] }, t + 1, i, 2);
      eu.add({ ...x, node: "eu" }, t, i, 2);
      us.add({ ...x, node: "us", times: [{ rtt: 2e8 }] }, t + 1, i, 2);
    });
  }
  const merged = new Rollup();
  merged.merge(decodeRollup(JSON.parse(JSON.stringify(encodeRollup(eu)))));
  merged.merge(decodeRollup(JSON.parse(JSON.stringify(encodeRollup(us)))));
  for (const range of ["24h", "30d"]) {
    assert.deepEqual(statusView(merged, { now: NOW, range }), statusView(all, { now: NOW, range }), range);
  }
  const b = statusView(merged, { now: NOW, range: "7d" }).endpoints[1];
  assert.deepEqual(b.nodes.map((n) => n.node), ["eu", "us"]);
  assert.deepEqual(b.incidents[1].nodes, ["eu", "us"]);
});
