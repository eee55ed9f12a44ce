/**
 * The result model: one {@linkcode Result} per checker per round, with Go Checkup's status rules and
 * its check-file JSON encoding (compact, Go key order, omitted empties, integer nanoseconds).
 *
 * @module
 */
import { exactNs, formatDuration, type Nanoseconds } from "./duration.ts";

export type { Nanoseconds } from "./duration.ts";

/** One try of a check: its round-trip time in nanoseconds and the error, if it failed. */
export interface Attempt {
  /**
   * Round-trip time in nanoseconds; for a failed attempt, the time it took until it failed (as Go
   * records it). 0 only when the attempt could not start (an unreadable CA file, a cancelled round).
   * A bigint beyond 2^53, so a value read from a check file is written back exactly.
   */
  rtt: Nanoseconds;
  /** Why the attempt failed; absent when it succeeded. */
  error?: string;
}

/** The outcome of one check. Field names are those of Go Checkup's check files. */
export interface Result {
  /** The endpoint's name (`endpoint_name`, or `name` for exec). */
  title?: string;
  /** The URL, address or command checked. */
  endpoint?: string;
  /** When the check ran, UTC Unix nanoseconds (exact, hence a bigint). */
  timestamp: bigint;
  /** One entry per attempt, in order. */
  times?: Attempt[];
  /** The `threshold_rtt` the result was judged against, in nanoseconds (a bigint beyond 2^53: exact). */
  threshold?: Nanoseconds;
  /** Set when the endpoint is healthy. */
  healthy?: boolean;
  /** Set when the endpoint works but slowly or with a warning. */
  degraded?: boolean;
  /** Set when the endpoint failed. */
  down?: boolean;
  /** Why the result is degraded (or a warning). */
  notice?: string;
  /** A human status message posted with `checkup message`. */
  message?: string;
  /** Which checkup node produced the result (Checkup extension; Go ignores it). */
  node?: string;
  /**
   * The incident whose update this message-only result repeats for Go's page (Checkup extension; Go
   * ignores it; our page shows the incident instead of the message).
   */
  incident?: string;
}

/** The four statuses, in Go Checkup's words. */
export type Status = "healthy" | "degraded" | "down" | "unknown";

/** Aggregate round-trip times of a result, nanoseconds, computed as Go Checkup does. */
export interface Stats {
  /** Sum of the attempts' RTTs, nanoseconds. */
  total: number;
  /** Mean RTT, nanoseconds. */
  mean: number;
  /** Median RTT, nanoseconds. */
  median: number;
  /** Shortest RTT, nanoseconds. */
  min: number;
  /** Longest RTT, nanoseconds. */
  max: number;
}

/**
 * The status of a result: down, then degraded, then healthy, else unknown (Go's precedence).
 *
 * @example
 * ```ts
 * import { statusOf } from "./result.ts";
 * import assert from "node:assert/strict";
 * assert.equal(statusOf({ timestamp: 0n, down: true, degraded: true }), "down");
 * assert.equal(statusOf({ timestamp: 0n }), "unknown");
 * ```
 */
export function statusOf(result: Partial<Result>): Status {
  if (result.down) return "down";
  if (result.degraded) return "degraded";
  if (result.healthy) return "healthy";
  return "unknown";
}

const RANK: Record<Status, number> = { unknown: 0, healthy: 1, degraded: 2, down: 3 };

/** Whether status `a` takes priority over `b` (down > degraded > healthy > unknown; equal never wins). */
export function priorityOver(a: Status, b: Status): boolean {
  return RANK[a] > RANK[b];
}

/** The worst of several statuses; `unknown` for none. */
export function worstStatus(statuses: Iterable<Status>): Status {
  let worst: Status = "unknown";
  for (const s of statuses) if (priorityOver(s, worst)) worst = s;
  return worst;
}

/**
 * Round-trip statistics exactly as Go's `ComputeStats`: min/max scan in order and replace a zero,
 * the median of an even count is the integer mean of the middle two, the mean counts failed attempts.
 * (In doubles: an RTT beyond 2^53 ns, some 104 days, is rounded here, never in the stored result.)
 */
export function computeStats(times: readonly Attempt[] = []): Stats {
  if (times.length === 0) return { total: 0, mean: 0, median: 0, min: 0, max: 0 };
  let total = 0, min = 0, max = 0;
  const sorted = new Array<number>(times.length);
  for (let i = 0; i < times.length; i++) {
    const rtt = Number(times[i].rtt);
    sorted[i] = rtt;
    total += rtt;
    if (rtt < min || min === 0) min = rtt;
    if (rtt > max || max === 0) max = rtt;
  }
  sorted.sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : Math.floor((sorted[mid - 1] + sorted[mid]) / 2);
  return { total, mean: Math.floor(total / times.length), median, min, max };
}

/** How a checker wants its attempts judged. */
export interface Verdict {
  /** `threshold_rtt` in nanoseconds; 0 disables the degraded-by-latency rule. */
  threshold?: Nanoseconds;
  /** A failed attempt makes the result degraded instead of down (exec `raise: "warn"`). */
  warnOnly?: boolean;
  /** A reason to call an otherwise healthy result degraded (e.g. a certificate expiring soon). */
  degradedNotice?: string;
}

/**
 * Applies Go Checkup's status rules to a result's attempts and sets exactly one status flag:
 * any attempt error → down (or degraded with `warnOnly`); else median RTT strictly above the threshold →
 * degraded; else healthy.
 *
 * @example
 * ```ts
 * import { judge } from "./result.ts";
 * import assert from "node:assert/strict";
 * const r = judge({ timestamp: 0n, times: [{ rtt: 3e8 }] }, { threshold: 2e8 });
 * assert.equal(r.degraded, true);
 * assert.equal(r.notice, "median round trip time exceeded threshold (200ms)");
 * ```
 */
export function judge(result: Result, verdict: Verdict = {}): Result {
  const out: Result = { ...result, healthy: undefined, degraded: undefined, down: undefined };
  if (verdict.threshold) out.threshold = verdict.threshold;
  const failed = (out.times ?? []).find((a) => a.error);
  if (failed) {
    if (verdict.warnOnly) {
      out.degraded = true;
      out.notice = failed.error;
    } else out.down = true;
  } else if (verdict.degradedNotice) {
    out.degraded = true;
    out.notice = verdict.degradedNotice;
  } else if (verdict.threshold && computeStats(out.times).median > verdict.threshold) {
    out.degraded = true;
    out.notice = `median round trip time exceeded threshold (${formatDuration(verdict.threshold)})`;
  } else out.healthy = true;
  return out;
}

/** Encodes a string the way Go's encoding/json does (HTML-safe escapes, U+2028/2029 escaped). */
export function goString(s: string): string {
  return JSON.stringify(s.toWellFormed()).replace(
    /[<>&\u2028\u2029]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Integer nanoseconds as Go's int64 reads them: every digit of a bigint, a number rounded to an integer
 * and written in full (never `1e+21`), anything beyond int64 saturated to its bound (Go rejects the whole
 * file otherwise).
 *
 * @example
 * ```ts
 * import { int64Text } from "./result.ts";
 * import assert from "node:assert/strict";
 * assert.equal(int64Text(9223372036854775807n), "9223372036854775807");
 * assert.equal(int64Text(2 ** 63), "9223372036854775807");
 * assert.equal(int64Text(41234567.4), "41234567");
 * ```
 */
export function int64Text(ns: Nanoseconds): string {
  if (typeof ns === "number") {
    if (Number.isSafeInteger(ns)) return String(ns);
    if (Number.isNaN(ns)) return "0";
    if (Math.abs(ns) < 2 ** 53) return String(Math.round(ns));
    if (!Number.isFinite(ns)) return ns > 0 ? String(INT64_MAX) : String(INT64_MIN);
    ns = BigInt(ns);
  }
  return String(ns > INT64_MAX ? INT64_MAX : ns < INT64_MIN ? INT64_MIN : ns);
}

function encodeResult(r: Result): string {
  const parts: string[] = [];
  if (r.title) parts.push(`"title":${goString(r.title)}`);
  if (r.endpoint) parts.push(`"endpoint":${goString(r.endpoint)}`);
  if (r.timestamp) parts.push(`"timestamp":${r.timestamp}`);
  if (r.times?.length) {
    const times = r.times.map((a) =>
      a.error ? `{"rtt":${int64Text(a.rtt)},"error":${goString(a.error)}}` : `{"rtt":${int64Text(a.rtt)}}`
    );
    parts.push(`"times":[${times.join(",")}]`);
  }
  if (r.threshold) parts.push(`"threshold":${int64Text(r.threshold)}`);
  if (r.healthy) parts.push(`"healthy":true`);
  if (r.degraded) parts.push(`"degraded":true`);
  if (r.down) parts.push(`"down":true`);
  if (r.notice) parts.push(`"notice":${goString(r.notice)}`);
  if (r.message) parts.push(`"message":${goString(r.message)}`);
  if (r.node) parts.push(`"node":${goString(r.node)}`);
  if (r.incident) parts.push(`"incident":${goString(r.incident)}`);
  return `{${parts.join(",")}}`;
}

/**
 * Encodes a round as a Go Checkup check file body: a compact JSON array, byte-compatible with Go's
 * `json.Marshal` (no trailing newline; the fs storage adds one, as Go's does).
 *
 * @example
 * ```ts
 * import { encodeResults } from "./result.ts";
 * import assert from "node:assert/strict";
 * const json = encodeResults([{ title: "<Site>", timestamp: 1n, times: [{ rtt: 0, error: "x" }], down: true }]);
 * assert.equal(json, '[{"title":"\\u003cSite\\u003e","timestamp":1,"times":[{"rtt":0,"error":"x"}],"down":true}]');
 * ```
 */
export function encodeResults(results: readonly Result[]): string {
  return `[${results.map(encodeResult).join(",")}]`;
}

/** A check file or row that is not a valid array of results. */
export class ResultFormatError extends Error {
  /** Always `"ResultFormatError"`. */
  override name = "ResultFormatError";
}

const KEYS = [
  "title",
  "endpoint",
  "timestamp",
  "times",
  "threshold",
  "healthy",
  "degraded",
  "down",
  "notice",
  "message",
  "node",
  "incident",
];
const KEY_BY_LOWER = new Map(KEYS.map((k) => [k.toLowerCase(), k]));

/** Marks an integer that {@linkcode decodeResults} quoted before parsing, to keep it exact. */
const EXACT = "\u0001";
/** A duration that may be beyond 2^53 (16 digits or more), not part of a decimal. */
const LONG_DURATION = /"(rtt|threshold)"(\s*:\s*)(-?\d{16,})(?![\d.eE])/gi;

/** Thrown by {@linkcode num} (when `retry`) for an integer JSON.parse rounded: the text is parsed again. */
class Inexact {}

function num(v: unknown, where: string, retry: boolean): Nanoseconds {
  if (typeof v === "number") {
    if (retry && Number.isInteger(v) && !Number.isSafeInteger(v)) throw new Inexact();
    return v;
  }
  if (v === undefined || v === null) return 0;
  if (typeof v === "string" && v.startsWith(EXACT)) return exactNs(BigInt(v.slice(1)));
  throw new ResultFormatError(`${where}: expected a number, found ${JSON.stringify(v)}`);
}

function str(v: unknown, where: string): string | undefined {
  if (typeof v === "string") return v === "" ? undefined : v;
  if (v === undefined || v === null) return undefined;
  throw new ResultFormatError(`${where}: expected a string, found ${JSON.stringify(v)}`);
}

function decodeAttempt(a: unknown, result: string, j: number, retry: boolean): Attempt {
  const where = `${result}.times[${j}]`; // cheap: V8 builds it lazily as a rope
  if (typeof a !== "object" || a === null) {
    throw new ResultFormatError(`${where}: expected an attempt object`);
  }
  let rtt: Nanoseconds = 0, error: string | undefined;
  for (const k in a) {
    const v = (a as Record<string, unknown>)[k];
    const key = k === "rtt" || k === "error" ? k : k.toLowerCase();
    if (key === "rtt") rtt = num(v, `${where}.rtt`, retry);
    else if (key === "error") error = str(v, `${where}.error`);
  }
  return error === undefined ? { rtt } : { rtt, error };
}

function decodeResult(item: unknown, where: string, retry: boolean): Result {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw new ResultFormatError(`${where}: expected a result object`);
  }
  const r: Result = { timestamp: 0n };
  for (const k in item) {
    const v = (item as Record<string, unknown>)[k];
    switch (KEY_BY_LOWER.get(k) ?? KEY_BY_LOWER.get(k.toLowerCase())) {
      case "title": {
        const t = str(v, `${where}.title`);
        if (t !== undefined) r.title = t;
        break;
      }
      case "endpoint": {
        const e = str(v, `${where}.endpoint`);
        if (e !== undefined) r.endpoint = e;
        break;
      }
      case "timestamp":
        if (typeof v === "string" && /^-?\d+$/.test(v)) r.timestamp = BigInt(v);
        else if (typeof v === "number") r.timestamp = BigInt(Math.trunc(v));
        else if (v !== undefined && v !== null) {
          throw new ResultFormatError(`${where}.timestamp: expected integer nanoseconds`);
        }
        break;
      case "times":
        if (v === undefined || v === null) break;
        if (!Array.isArray(v)) throw new ResultFormatError(`${where}.times: expected an array`);
        r.times = new Array<Attempt>(v.length);
        for (let j = 0; j < v.length; j++) r.times[j] = decodeAttempt(v[j], where, j, retry);
        break;
      case "threshold": {
        const t = num(v, `${where}.threshold`, retry);
        if (t) r.threshold = t;
        break;
      }
      case "healthy":
        if (v === true) r.healthy = true;
        break;
      case "degraded":
        if (v === true) r.degraded = true;
        break;
      case "down":
        if (v === true) r.down = true;
        break;
      case "notice":
      case "message":
      case "node":
      case "incident": {
        const key = KEY_BY_LOWER.get(k.toLowerCase()) as "notice" | "message" | "node" | "incident";
        const t = str(v, `${where}.${key}`);
        if (t !== undefined) r[key] = t;
        break;
      }
    }
  }
  return r;
}

/**
 * Decodes a check file (Go's or ours) into results. Tolerates everything Go writes: missing keys,
 * `\u003c` escapes, a trailing newline, keys in any case. Timestamps, and durations beyond 2^53 ns, are
 * kept exact as bigints.
 * Errors name `source` and the element at fault.
 */
export function decodeResults(text: string, source = "check file"): Result[] {
  // Keep 19-digit nanosecond timestamps exact: quote them before JSON.parse rounds them to a double.
  // (Writers use the lower-case key; another spelling is still read, to the nearest 256 ns.)
  const quoted = text.replace(/"timestamp"(\s*:\s*)(-?\d+)/g, '"timestamp"$1"$2"');
  try {
    return decodeParsed(parseJson(quoted, source), source, true);
  } catch (e) {
    if (!(e instanceof Inexact)) throw e;
  }
  // Rare: a duration (rtt, threshold) beyond 2^53. Parse again with the long ones quoted, marked so that a
  // string written as such is still refused.
  return decodeParsed(parseJson(quoted.replace(LONG_DURATION, '"$1"$2"\\u0001$3"'), source), source, false);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ResultFormatError(`${source}: not valid JSON (${(e as Error).message})`);
  }
}

function decodeParsed(raw: unknown, source: string, retry: boolean): Result[] {
  if (raw === null) return [];
  if (!Array.isArray(raw)) throw new ResultFormatError(`${source}: expected a JSON array of results`);
  const out = new Array<Result>(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = decodeResult(raw[i], `${source}[${i}]`, retry);
  return out;
}

/** The current time as UTC Unix nanoseconds, with sub-millisecond precision where the runtime has it. */
export function nowNs(): bigint {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.floor((ms % 1) * 1e6));
}
