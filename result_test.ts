import assert from "node:assert/strict";
import {
  computeStats,
  decodeResults,
  encodeResults,
  judge,
  priorityOver,
  ResultFormatError,
  statusOf,
  worstStatus,
} from "./result.ts";

Deno.test("status precedence is down > degraded > healthy > unknown", () => {
  assert.equal(statusOf({ healthy: true, degraded: true }), "degraded");
  assert.equal(statusOf({ healthy: true }), "healthy");
  assert.ok(priorityOver("down", "degraded"));
  assert.ok(priorityOver("degraded", "healthy"));
  assert.ok(priorityOver("healthy", "unknown"));
  assert.ok(!priorityOver("healthy", "healthy"));
  assert.ok(!priorityOver("unknown", "healthy"));
  assert.equal(worstStatus(["healthy", "down", "degraded"]), "down");
});

Deno.test("stats follow Go's ComputeStats, including its zero-RTT quirks", () => {
  assert.deepEqual(computeStats([{ rtt: 5 }, { rtt: 3 }, { rtt: 0 }]), {
    total: 8,
    mean: 2,
    median: 3,
    min: 0,
    max: 5,
  });
  assert.deepEqual(computeStats([{ rtt: 5 }, { rtt: 0 }, { rtt: 3 }]).min, 3);
  assert.equal(
    computeStats([{ rtt: 1 }, { rtt: 4 }]).median,
    2,
    "even count: integer mean of the middle two",
  );
  assert.deepEqual(computeStats([]), { total: 0, mean: 0, median: 0, min: 0, max: 0 });
});

Deno.test("judge: any error is down, median strictly above threshold is degraded", () => {
  const ts = 1n;
  assert.equal(
    judge({ timestamp: ts, times: [{ rtt: 1 }, { rtt: 0, error: "x" }] }, { threshold: 10 }).down,
    true,
  );
  const warn = judge({ timestamp: ts, times: [{ rtt: 0, error: "disk 91%" }] }, { warnOnly: true });
  assert.deepEqual([warn.degraded, warn.notice, warn.down], [true, "disk 91%", undefined]);
  assert.equal(
    judge({ timestamp: ts, times: [{ rtt: 200 }] }, { threshold: 200 }).healthy,
    true,
    "equal is not above",
  );
  const slow = judge({ timestamp: ts, times: [{ rtt: 100 }, { rtt: 300 }, { rtt: 250 }] }, {
    threshold: 200e0,
  });
  assert.equal(slow.degraded, true);
  assert.equal(slow.notice, "median round trip time exceeded threshold (200ns)");
  assert.equal(slow.threshold, 200);
  const noticed = judge({ timestamp: ts, times: [{ rtt: 1 }] }, {
    degradedNotice: "certificate expiring soon (72h0m0s)",
  });
  assert.deepEqual([noticed.degraded, noticed.notice], [true, "certificate expiring soon (72h0m0s)"]);
});

Deno.test("encoding matches Go's json.Marshal: key order, omitted empties, HTML escapes", () => {
  const json = encodeResults([{
    title: "A & <B>",
    endpoint: "x",
    timestamp: 1593180000123456789n,
    times: [{ rtt: 0, error: "line\nbreak \u2028" }],
    threshold: 0,
    down: true,
    message: "",
  }]);
  assert.equal(
    json,
    '[{"title":"A \\u0026 \\u003cB\\u003e","endpoint":"x","timestamp":1593180000123456789,"times":[{"rtt":0,"error":"line\\nbreak \\u2028"}],"down":true}]',
  );
  assert.equal(encodeResults([]), "[]");
});

Deno.test("Go-written check files round-trip byte for byte", async () => {
  const dir = new URL("./tests/fixtures/go/fs/", import.meta.url);
  let n = 0;
  for await (const e of Deno.readDir(dir)) {
    if (!e.name.endsWith("-check.json")) continue;
    const text = await Deno.readTextFile(new URL(e.name, dir));
    assert.equal(encodeResults(decodeResults(text, e.name)), text.trimEnd(), e.name);
    n++;
  }
  assert.equal(n, 3);
});

Deno.test("decoding tolerates Go's variations and keeps 19-digit timestamps exact", () => {
  const [r] = decodeResults(
    '[{"Title":"x","timestamp":1593180000123456789,"times":[{"RTT":5}],"healthy":false}]\n',
  );
  assert.deepEqual(r, { title: "x", timestamp: 1593180000123456789n, times: [{ rtt: 5 }] });
  assert.equal(statusOf(r), "unknown");
  assert.deepEqual(decodeResults("null"), []);
  assert.deepEqual(decodeResults("[{}]"), [{ timestamp: 0n }]);
  assert.throws(
    () => decodeResults("{}", "f.json"),
    (e: Error) => e instanceof ResultFormatError && e.message === "f.json: expected a JSON array of results",
  );
  assert.throws(() => decodeResults('[{"times":5}]', "f.json"), /f\.json\[0\]\.times: expected an array/);
  assert.throws(() => decodeResults("[", "f.json"), /f\.json: not valid JSON/);
});

Deno.test("durations beyond 2^53 ns keep every digit through encode and decode (Go reads int64)", () => {
  const max = 9223372036854775807n, above = 2n ** 53n + 1n;
  const round = [{
    title: "t",
    timestamp: 1593180000123456789n,
    times: [{ rtt: max }, { rtt: above, error: "x" }, { rtt: 41234567 }],
    threshold: max,
    down: true,
  }];
  const text = encodeResults(round);
  assert.equal(
    text,
    '[{"title":"t","timestamp":1593180000123456789,"times":[{"rtt":9223372036854775807},' +
      '{"rtt":9007199254740993,"error":"x"},{"rtt":41234567}],"threshold":9223372036854775807,"down":true}]',
  );
  const back = decodeResults(text);
  assert.deepEqual(back, round);
  assert.equal(encodeResults(back), text);
  // Values that fit a double stay numbers; other spellings and Go's whitespace are read too.
  assert.deepEqual(decodeResults('[{"times":[{"rtt": 9007199254740991}],"threshold" : 9007199254740993}]'), [
    { timestamp: 0n, times: [{ rtt: 9007199254740991 }], threshold: 9007199254740993n },
  ]);
  // Any key spelling; a decimal beyond 2^53 stays a (rounded) number, as before.
  assert.deepEqual(decodeResults('[{"Times":[{"RTT":9007199254740993}],"THRESHOLD":9007199254740993.0}]'), [
    { timestamp: 0n, times: [{ rtt: 9007199254740993n }], threshold: 9007199254740992 },
  ]);
  // A long number quoted by the writer is still a string, refused as Go refuses it.
  assert.throws(() => decodeResults('[{"threshold":"9007199254740993"}]'), ResultFormatError);
  // A double beyond int64 (library code) is saturated, not written as 9223372036854776000 or 1e+21.
  assert.equal(
    encodeResults([{ timestamp: 1n, times: [{ rtt: 1e21 }], threshold: 2 ** 63 }]),
    '[{"timestamp":1,"times":[{"rtt":9223372036854775807}],"threshold":9223372036854775807}]',
  );
  // The degraded rule compares exactly: a median of 2^53+2 is above a threshold of 2^53+1.
  const slow = judge({ timestamp: 1n, times: [{ rtt: above + 1n }] }, { threshold: above });
  assert.equal(slow.degraded, true);
  assert.equal(judge({ timestamp: 1n, times: [{ rtt: 5 }] }, { threshold: max }).healthy, true);
});
