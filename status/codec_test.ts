import assert from "node:assert/strict";
import { decodeRollup, encodeRollup, encodeRollupText, SUMMARY_FORMAT } from "./codec.js";
import { BINS, SLOTS } from "./slots.js";
import type { EndpointRollup } from "./endpoint.js";
import { Rollup } from "./rollup.js";
import { statusView } from "./view.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

/** RTTs counted in all of an endpoint's slots. */
function rttChecks(e: EndpointRollup): number {
  let n = 0;
  for (let p = 0; p < e.keys.length; p++) {
    for (let b = e.lowBin(p); b < e.highBin(p); b++) n += e.rtts(p, b);
  }
  return n;
}

Deno.test("a summary round-trips through JSON", () => {
  const rollup = new Rollup();
  for (let i = 0; i < 500; i++) {
    const t = NOW - i * 300_000;
    rollup.add(
      { title: "A", endpoint: "a", times: [{ rtt: (20 + i % 7) * 1e6 }], healthy: true, node: "eu" },
      t,
      0,
      2,
    );
    rollup.add(
      {
        title: "B",
        endpoint: "b",
        times: [{ rtt: 0, error: "refused" }],
        down: i % 50 < 3,
        healthy: i % 50 >= 3,
        node: "eu",
      },
      t,
      1,
      2,
    );
  }
  rollup.add({ title: "B", endpoint: "b", message: "Looking into it" }, NOW - 1000);
  rollup.add({ message: "Maintenance tonight" }, NOW - 2000);
  const text = JSON.stringify(encodeRollup(rollup));
  const back = decodeRollup(JSON.parse(text));
  assert.equal(JSON.stringify(encodeRollup(back)), text);
  for (const range of ["24h", "90d"]) {
    assert.deepEqual(statusView(back, { now: NOW, range }), statusView(rollup, { now: NOW, range }));
  }
});

Deno.test("decoding refuses other documents and skips malformed parts", () => {
  assert.throws(
    () => decodeRollup({ hello: 1 }),
    /expected a summary document with "format": "checkup-rollup"/,
  );
  assert.throws(() => decodeRollup(null), /expected a summary document/);
  assert.throws(
    () => decodeRollup({ format: SUMMARY_FORMAT, version: 99 }),
    /unsupported summary version 99/,
  );
  const rollup = decodeRollup({
    format: SUMMARY_FORMAT,
    version: 1,
    updated: "soon",
    messages: [[NOW, "<b>hi</b>", ""], ["x"], null],
    endpoints: [
      null,
      { title: 5, endpoint: {} },
      {
        title: "A",
        endpoint: "a",
        slots: [[0, Math.floor(NOW / 960_000), 1, 2, 0, 0, 5, 3, 999, 1], [9, 1, 1, 1, 1, 1], "x", [0]],
        nodes: [{
          node: "eu",
          t: NOW,
          status: 7,
          runs: [[NOW, NOW - 5, 1, 1, ""], [NOW, NOW, 1, 1, ""], "bad"],
        }],
        messages: [[NOW, { evil: true }, ""]],
      },
    ],
  });
  assert.equal(rollup.endpoints.size, 1);
  const a = [...rollup.endpoints.values()][0];
  assert.equal(a.nodes.get("eu")!.status, 3, "status codes are clamped");
  assert.equal(a.nodes.get("eu")!.runs.length, 1, "a run that ends before it starts is dropped");
  assert.equal(rttChecks(a), 3, "bins out of range are ignored");
  assert.deepEqual(rollup.messages.map((m) => m.text), ["<b>hi</b>"]);
  assert.equal(rollup.updated, -Infinity);
});

/** A summary in version 1, as `checkup` wrote them before: one JSON array per slot. */
function encodeV1(rollup: Rollup): Record<string, unknown> {
  const doc = encodeRollup(rollup) as unknown as { version: number; endpoints: Record<string, unknown>[] };
  const endpoints = [...rollup.endpoints.values()];
  doc.version = 1;
  doc.endpoints.forEach((out, i) => {
    const e = endpoints[i];
    const slots = [];
    for (let p = 0; p < e.keys.length; p++) {
      if (e.keys[p] < 0) continue;
      const row = [
        Math.floor(p / SLOTS),
        e.keys[p],
        e.count(p, 0),
        e.count(p, 1),
        e.count(p, 2),
        e.count(p, 3),
      ];
      for (let b = 0; b < BINS; b++) if (e.rtts(p, b)) row.push(b, e.rtts(p, b));
      slots.push(row);
    }
    out.slots = slots;
  });
  return doc;
}

/** Two nodes' day of 1-minute checks: RTTs spread over a few bins, an outage, a slow spell. */
function day(node: string): Rollup {
  const rollup = new Rollup();
  for (let i = 0; i < 1440; i++) {
    const t = NOW - (1439 - i) * 60_000;
    const down = i % 300 < 4, slow = i % 700 < 20;
    rollup.add({
      title: "API",
      endpoint: "https://api.example.com",
      times: down ? [{ rtt: 0, error: "refused" }] : [{ rtt: (slow ? 900 : 30 + (i * 37) % 11) * 1e6 }],
      ...(down ? { down: true } : slow ? { degraded: true, notice: "slow" } : { healthy: true }),
      node,
    }, t);
  }
  return rollup;
}

Deno.test("summaries written in version 1 still decode, and are rewritten in version 2", () => {
  const rollup = day("eu");
  const v1 = JSON.parse(JSON.stringify(encodeV1(rollup)));
  assert.equal(v1.version, 1);
  const back = decodeRollup(v1);
  for (const range of ["24h", "7d", "30d", "90d"]) {
    assert.deepEqual(statusView(back, { now: NOW, range }), statusView(rollup, { now: NOW, range }), range);
  }
  const v2 = encodeRollup(back);
  assert.equal(v2.version, 2);
  assert.deepEqual(v2, encodeRollup(rollup));
  // A page merging an old node's summary with a new one's sees the same as from two new ones.
  const [a, b] = [new Rollup(), new Rollup()];
  a.merge(back);
  a.merge(decodeRollup(JSON.parse(JSON.stringify(encodeRollup(day("us"))))));
  b.merge(rollup);
  b.merge(day("us"));
  assert.deepEqual(statusView(a, { now: NOW }), statusView(b, { now: NOW }));
});

Deno.test("version 2 slots are several times smaller; a typical endpoint's day is < 2.5 KB", () => {
  const rollup = day("eu");
  const v1 = encodeV1(rollup), v2 = encodeRollup(rollup);
  const v1Slots = JSON.stringify((v1.endpoints as { slots: unknown }[])[0].slots).length;
  const v2Slots = JSON.stringify(v2.endpoints[0].slots).length;
  assert.ok(v2Slots * 3 < v1Slots, `slots: version 2 ${v2Slots} bytes, version 1 ${v1Slots}`);
  const size = JSON.stringify(v2).length;
  assert.ok(size * 2 < JSON.stringify(v1).length && size < 2500, `a day of one endpoint in ${size} bytes`);
});

Deno.test("malformed version 2 slots: what precedes the fault is kept, bins out of range are skipped", () => {
  const e = (slots: unknown) =>
    decodeRollup({ format: SUMMARY_FORMAT, version: 2, endpoints: [{ title: "A", slots }] }).endpoint(
      "A",
      "",
    );
  // Range 0: 2 slots. Slot 5: 8 + 4 (down follows): healthy 2, down 3, one bin 40 (zigzag 80) with 7.
  // Slot 6: one bin at 200 (zigzag 400 = 16 + 12 × 32), out of range; then the other ranges: none.
  const good = "C" + "F" + "M" + "C" + "D" + "wC" + "H" + "A" + "I" + "B" + "w" + "M" + "B" + "AAA";
  const a = e(good);
  assert.deepEqual([a.keys[5], a.keys[6]], [5, 6]);
  assert.deepEqual([0, 1, 2, 3].map((c) => a.count(5, c)), [0, 2, 0, 3]);
  assert.equal(a.rtts(5, 40), 7);
  assert.equal(rttChecks(a), 7, "the bin out of range is skipped");
  assert.equal(a.count(6, 1), 1);
  const cut = e(good.slice(0, 8));
  assert.equal(cut.keys[5], 5, "a cut text keeps the slots before the cut");
  assert.equal(cut.rtts(5, 40), 7);
  assert.equal(cut.keys[6], -1);
  const foreign = e("CFMCD!" + good.slice(6));
  assert.deepEqual([...foreign.keys].filter((k) => k >= 0), [5], "a foreign character ends the slots");
  assert.equal(rttChecks(foreign), 0);
  assert.equal(e("B" + "_".repeat(12)).keys.some((k) => k >= 0), false, "an endless number is refused");
  assert.equal(e(42).keys.some((k) => k >= 0), false);
});

Deno.test("the summary text built one endpoint at a time is JSON.stringify of the document", () => {
  const rollup = new Rollup();
  assert.equal(encodeRollupText(rollup), JSON.stringify(encodeRollup(rollup)), "no endpoints");
  for (let i = 0; i < 300; i++) {
    const t = NOW - i * 300_000;
    for (
      const [node, title, endpoint] of [["eu", "A", "a"], ["us", "A", "a2"], [
        "eu",
        'Ünïcode \u2028 "q"',
        "c",
      ]]
    ) {
      rollup.add(
        {
          title,
          endpoint,
          times: i % 40 < 2 ? [{ rtt: 0, error: "refused\n\u0000" }] : [{ rtt: (20 + i % 9) * 1e6 }],
          down: i % 40 < 2,
          healthy: i % 40 >= 2,
          threshold: 5e7,
          node,
        },
        t,
        0,
        3,
      );
    }
  }
  rollup.add({ title: "A", endpoint: "a", message: "Looking into it" }, NOW - 1000);
  rollup.add({ message: "Maintenance tonight" }, NOW - 2000);
  const text = encodeRollupText(rollup);
  assert.equal(text, JSON.stringify(encodeRollup(rollup)));
  assert.equal(rollup.endpoints.size, 3);
  assert.equal(JSON.parse(text).endpoints.length, 3);
});
