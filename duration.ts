/**
 * Durations: Go's integer nanoseconds (for compatibility with Go Checkup's `checkup.json`) and
 * human-readable strings such as `"250ms"`, `"10s"`, `"1h30m"` or `"7d"`. A base module: results, the
 * HTTP helper, the config and the plugins all build on it, and it imports nothing of the project.
 *
 * @module
 */
/**
 * The largest duration Go can hold: `math.MaxInt64` nanoseconds (about 292 years). As a JavaScript number it
 * rounds up to 2^63, which is also what Go's own int64 maximum becomes when JSON is parsed here.
 */
export const MAX_DURATION_NS: number = 2 ** 63;
/** {@linkcode MAX_DURATION_NS} exactly, for messages. */
export const MAX_DURATION_EXACT = 9223372036854775807n;

/** A duration as written in a config: integer nanoseconds, or a string like `"10s"`. */
export type Duration = number | string;

/** Nanoseconds per unit, as accepted by {@linkcode parseDuration}. */
const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  "μs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
  w: 7 * 86400e9,
};

const PART = /([0-9]*(?:\.[0-9]*)?)([a-zµμ]+)/gy;

/**
 * Parses a duration into integer nanoseconds. Integers are taken as nanoseconds (Go's
 * `time.Duration` in JSON); strings use Go's `time.ParseDuration` syntax plus `d` (24h) and `w` (7d).
 * Throws a `RangeError` that says what was expected.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseDuration("1m30s"), 90e9);
 * assert.equal(parseDuration(500000000), 5e8);
 * assert.equal(parseDuration("7d"), 604800e9);
 * ```
 */
export function parseDuration(value: Duration): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value > MAX_DURATION_NS) throw tooLarge(value);
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(
        `expected a duration: integer nanoseconds ≥ 0 or a string like "10s", found ${value}`,
      );
    }
    return value;
  }
  const text = value.trim();
  const bad = () =>
    new RangeError(
      `expected a duration like "500ms", "10s", "5m", "2h" or "7d" (units ns, us, ms, s, m, h, d, w), found ${
        JSON.stringify(value)
      }`,
    );
  if (text === "0") return 0;
  if (text === "" || text.startsWith("-")) throw bad();
  const body = text.startsWith("+") ? text.slice(1) : text;
  let total = 0;
  PART.lastIndex = 0;
  let end = 0;
  for (let match = PART.exec(body); match; match = PART.exec(body)) {
    const [, num, unit] = match;
    if (num === "" || num === "." || !(unit in UNITS)) throw bad();
    total += Number(num) * UNITS[unit];
    end = PART.lastIndex;
  }
  if (end !== body.length || end === 0) throw bad();
  if (!(total <= MAX_DURATION_NS)) throw tooLarge(value);
  return Math.round(total);
}

function tooLarge(value: Duration): RangeError {
  const found = typeof value === "string"
    ? JSON.stringify(value)
    : Number.isFinite(value)
    ? String(value)
    : "a number too large to represent (beyond ±1.8e308)";
  return new RangeError(
    `expected a duration of at most ${
      formatDuration(MAX_DURATION_EXACT)
    } (Go's int64 nanoseconds, about 292 years), found ${found}`,
  );
}

function frac(v: bigint, prec: number): [string, bigint] {
  let out = "";
  let printed = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    printed ||= digit !== 0n;
    if (printed) out = digit.toString() + out;
    v /= 10n;
  }
  return [printed ? "." + out : "", v];
}

/**
 * Formats nanoseconds exactly like Go's `time.Duration.String()`: `0s`, `1.5s`, `250ms`, `336h0m0s`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatDuration(1_209_600e9), "336h0m0s");
 * assert.equal(formatDuration(12_300_000), "12.3ms");
 * ```
 */
export function formatDuration(ns: number | bigint): string {
  let u = BigInt(ns);
  const neg = u < 0n;
  if (neg) u = -u;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return "0s";
    let unit: string, prec: number;
    if (u < 1000n) [unit, prec] = ["ns", 0];
    else if (u < 1_000_000n) [unit, prec] = ["µs", 3];
    else [unit, prec] = ["ms", 6];
    const [f, whole] = frac(u, prec);
    out = whole.toString() + f + unit;
  } else {
    const [f, secs] = frac(u, 9);
    out = (secs % 60n).toString() + f + "s";
    let mins = secs / 60n;
    if (mins > 0n) {
      out = (mins % 60n).toString() + "m" + out;
      const hours = mins / 60n;
      if (hours > 0n) out = hours.toString() + "h" + out;
      mins = 0n;
    }
  }
  return neg ? "-" + out : out;
}

// The one formatter for people lives with the status model, so the page (no build step) shares it.
export { humanDuration } from "./status/duration.js";

/**
 * A duration in integer nanoseconds, as Go's `time.Duration` (an int64): a number while it is a safe
 * integer (the usual case), a bigint beyond ±2^53 so that it stays exact (Go rejects a check file whose
 * `9223372036854775807` was rounded to `9223372036854776000`).
 */
export type Nanoseconds = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The normal form of a nanosecond count: a number when it is a safe integer, else a bigint.
 *
 * @example
 * ```ts
 * import { exactNs } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(exactNs(5n), 5);
 * assert.equal(exactNs(9223372036854775807n), 9223372036854775807n);
 * ```
 */
export function exactNs(v: number | bigint): Nanoseconds {
  if (typeof v === "number") return v;
  return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;
}

/**
 * {@linkcode parseDuration}, exact beyond 2^53 ns: a bigint (an integer literal too large for a double,
 * as the config loader reads it) and a string of integer nanoseconds (`"9223372036854775807ns"`) keep
 * every digit. The result is in {@linkcode exactNs}'s normal form.
 *
 * @example
 * ```ts
 * import { parseExactDuration } from "./duration.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseExactDuration(9007199254740993n), 9007199254740993n);
 * assert.equal(parseExactDuration("9223372036854775807ns"), 9223372036854775807n);
 * assert.equal(parseExactDuration("10s"), 10e9);
 * ```
 */
export function parseExactDuration(value: Duration | bigint): Nanoseconds {
  if (typeof value === "bigint") {
    if (value < 0n) {
      throw new RangeError(
        `expected a duration: integer nanoseconds ≥ 0 or a string like "10s", found ${value}`,
      );
    }
    if (value > MAX_DURATION_EXACT) throw tooLarge(String(value));
    return exactNs(value);
  }
  const ns = typeof value === "string" ? /^\s*\+?(\d+)ns\s*$/.exec(value) : null;
  if (ns && BigInt(ns[1]) > MAX_DURATION_EXACT) throw tooLarge(value);
  return ns ? exactNs(BigInt(ns[1])) : parseDuration(value);
}
