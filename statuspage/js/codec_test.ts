import assert from "node:assert/strict";
import { decodeRollup, encodeRollup, SUMMARY_FORMAT } from "./codec.js";
import { Rollup } from "./rollup.js";
import { statusView } from "./view.js";

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

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
  assert.equal(a.hist.reduce((x, y) => x + y, 0), 3, "bins out of range are ignored");
  assert.deepEqual(rollup.messages.map((m) => m.text), ["<b>hi</b>"]);
  assert.equal(rollup.updated, -Infinity);
});
