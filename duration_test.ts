import assert from "node:assert/strict";
import { formatDuration, humanDuration, parseDuration } from "./duration.ts";

Deno.test("parseDuration accepts Go nanoseconds and duration strings", () => {
  const cases: [number | string, number][] = [
    [0, 0],
    ["0", 0],
    [604800000000000, 604800e9],
    ["250ms", 250e6],
    ["10s", 10e9],
    ["5m", 300e9],
    ["7d", 604800e9],
    ["1h30m", 5400e9],
    ["1.5s", 1.5e9],
    ["2w", 14 * 86400e9],
    ["100us", 100e3],
    ["100µs", 100e3],
    [" 3s ", 3e9],
  ];
  for (const [input, want] of cases) assert.equal(parseDuration(input), want, String(input));
});

Deno.test("parseDuration rejects malformed durations with what was expected", () => {
  for (const bad of ["", "10", "ten seconds", "5x", "-5s", "s", "1.s2", "10 s"]) {
    assert.throws(
      () => parseDuration(bad),
      (e: Error) => e instanceof RangeError && /expected a duration/.test(e.message),
      bad,
    );
  }
  assert.throws(() => parseDuration(-1), RangeError);
  assert.throws(() => parseDuration(1.5), RangeError);
});

Deno.test("formatDuration matches Go's Duration.String", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [1, "1ns"],
    [1500, "1.5µs"],
    [12_300_000, "12.3ms"],
    [250e6, "250ms"],
    [1.5e9, "1.5s"],
    [60e9, "1m0s"],
    [90e9, "1m30s"],
    [3600e9, "1h0m0s"],
    [1_209_600e9, "336h0m0s"],
    [41_234_567, "41.234567ms"],
    [3_723_000_000_001, "1h2m3.000000001s"],
  ];
  for (const [ns, want] of cases) assert.equal(formatDuration(ns), want, String(ns));
  assert.equal(formatDuration(-1.5e9), "-1.5s");
});

Deno.test("humanDuration shows the two largest units", () => {
  assert.equal(humanDuration(90061e9), "1d 1h");
  assert.equal(humanDuration(250e6), "250ms");
  assert.equal(humanDuration(125e9), "2m 5s");
});
