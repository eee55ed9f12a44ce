// @ts-check
/**
 * Quorum over locations: how the latest results of several locations (nodes) make one combined status.
 * Shared by the nodes (which alert on the combined status), `checkup serve` (API, badges, metrics) and the
 * page, so all of them agree.
 *
 * Of the live locations (those not silent) with a result for the endpoint, the quorum is a count (`2`) or a
 * share (`"50%"`, rounded up); without one it is a majority. Then:
 * - `down` when at least the quorum report down;
 * - `degraded` when at least the quorum report down or degraded (fewer down);
 * - `partial` when some report down or degraded, fewer than the quorum: shown, never hidden;
 * - `healthy` when none does; `unknown` with no live location.
 *
 * One location is its own quorum (1 of 1): a single-location setup reads exactly as before.
 *
 * @module
 */

/**
 * A quorum rule: a number of locations, or a share of the live ones (0 < share ≤ 1).
 * @typedef {{ count: number } | { share: number }} QuorumRule
 */

/**
 * The combined statuses, by priority (the overall status of a page is the highest of its endpoints).
 * @typedef {"unknown" | "healthy" | "maintenance" | "partial" | "degraded" | "down"} CombinedStatus
 */

/**
 * Combined statuses in priority order: a later one wins. `maintenance` (a window covers the endpoint,
 * status/maintenance.js) ranks above healthy and below every failure: it is planned and announced, so it
 * says more than "all is well" but less than any outage nobody planned; a page with one endpoint in
 * maintenance and another down is down.
 */
export const COMBINED_STATUSES =
  /** @type {const} */ (["unknown", "healthy", "maintenance", "partial", "degraded", "down"]);

/**
 * Parses a `quorum` value: a whole number ≥ 1 or a percentage string like `"50%"` (1–100). Returns the
 * rule, or a message saying what was expected.
 *
 * @example
 * ```ts
 * import { parseQuorum } from "./quorum.js";
 * console.assert(JSON.stringify(parseQuorum(2)) === '{"count":2}');
 * console.assert(JSON.stringify(parseQuorum("50%")) === '{"share":0.5}');
 * console.assert(typeof parseQuorum("half") === "string");
 * ```
 * @param {unknown} value
 * @returns {QuorumRule | string}
 */
export function parseQuorum(value) {
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 1 && value <= 1000) return { count: value };
    return `expected a number of locations from 1 to 1000 or a share like "50%", found ${value}`;
  }
  if (typeof value === "string") {
    const m = /^\s*(\d{1,3}(?:\.\d+)?)\s*%\s*$/.exec(value);
    const pct = m ? Number(m[1]) : NaN;
    if (pct > 0 && pct <= 100) return { share: pct / 100 };
    return `expected a share of the locations like "50%" (above 0, at most 100%) or a number, found ${
      JSON.stringify(value)
    }`;
  }
  return `expected a number of locations like 2 or a share like "50%", found ${
    value === null ? "null" : Array.isArray(value) ? "an array" : typeof value
  }`;
}

/**
 * The rule as written in the config (`2`, `"50%"`), or "majority" for none.
 * @param {QuorumRule | undefined} rule
 */
export function quorumText(rule) {
  if (!rule) return "majority";
  return "count" in rule ? String(rule.count) : `${Math.round(rule.share * 1000) / 10}%`;
}

/**
 * How many of `live` locations make the quorum: the rule's count or share (rounded up), a majority
 * without a rule, never more than `live` nor less than 1 (0 when there is no live location).
 *
 * @example
 * ```ts
 * import { quorumNeeded } from "./quorum.js";
 * console.assert(quorumNeeded(undefined, 3) === 2 && quorumNeeded(undefined, 2) === 2);
 * console.assert(quorumNeeded({ share: 0.5 }, 3) === 2 && quorumNeeded({ share: 0.5 }, 2) === 1);
 * console.assert(quorumNeeded({ count: 3 }, 2) === 2 && quorumNeeded(undefined, 1) === 1);
 * ```
 * @param {QuorumRule | undefined} rule @param {number} live
 */
export function quorumNeeded(rule, live) {
  if (live <= 0) return 0;
  const n = !rule
    ? Math.floor(live / 2) + 1
    : "count" in rule
    ? rule.count
    : Math.ceil(rule.share * live - 1e-9);
  return Math.max(1, Math.min(live, n));
}

/**
 * @typedef {object} Combined The combined status of one endpoint and how it came about.
 * @property {CombinedStatus} status
 * @property {number} live Live locations with a result for the endpoint.
 * @property {number} needed The quorum among them.
 * @property {number} down Live locations reporting down.
 * @property {number} failing Live locations reporting down or degraded.
 */

/**
 * Combines the latest status of each live location (`"healthy" | "degraded" | "down" | "unknown"`; unknown
 * ones do not count as live) under a quorum rule.
 *
 * @example
 * ```ts
 * import { combineStatuses } from "./quorum.js";
 * console.assert(combineStatuses(["healthy", "healthy", "down"]).status === "partial");
 * console.assert(combineStatuses(["healthy", "down", "down"]).status === "down");
 * console.assert(combineStatuses(["degraded", "down", "healthy"]).status === "degraded");
 * console.assert(combineStatuses(["down"]).status === "down");
 * console.assert(combineStatuses([]).status === "unknown");
 * ```
 * @param {readonly string[]} statuses @param {QuorumRule} [rule]
 * @returns {Combined}
 */
export function combineStatuses(statuses, rule) {
  let live = 0, down = 0, failing = 0;
  for (const s of statuses) {
    if (s !== "healthy" && s !== "degraded" && s !== "down") continue;
    live++;
    if (s === "down") down++;
    if (s !== "healthy") failing++;
  }
  const needed = quorumNeeded(rule, live);
  /** @type {CombinedStatus} */
  const status = !live
    ? "unknown"
    : down >= needed
    ? "down"
    : failing >= needed
    ? "degraded"
    : failing
    ? "partial"
    : "healthy";
  return { status, live, needed, down, failing };
}

/**
 * The worse of two combined statuses.
 * @param {CombinedStatus} a @param {CombinedStatus} b
 * @returns {CombinedStatus}
 */
export function worseOf(a, b) {
  return COMBINED_STATUSES.indexOf(b) > COMBINED_STATUSES.indexOf(a) ? b : a;
}

/** Default floor of the silence threshold: 5 minutes. */
export const MIN_SILENT_MS = 5 * 60_000;

/**
 * After how long without a round a location counts as silent (ms): `silentAfter` when configured, else
 * three of its check intervals, at least {@link MIN_SILENT_MS}.
 *
 * @example
 * ```ts
 * import { silentAfterMs } from "./quorum.js";
 * console.assert(silentAfterMs(60_000) === 300_000 && silentAfterMs(600_000) === 1_800_000);
 * console.assert(silentAfterMs(60_000, 10_000) === 10_000);
 * ```
 * @param {number} intervalMs its interval, 0 or NaN when unknown @param {number} [silentAfter] configured, ms
 */
export function silentAfterMs(intervalMs, silentAfter) {
  if (silentAfter && silentAfter > 0) return silentAfter;
  return Math.max(MIN_SILENT_MS, Number.isFinite(intervalMs) && intervalMs > 0 ? 3 * intervalMs : 0);
}

/**
 * How far apart two locations' clocks may be (each up to 30 s off true time) without changing anything: a
 * reader that judges a location by its own timestamps allows this much more before calling it silent.
 */
export const CLOCK_SKEW_MS = 60_000;

/**
 * Whether a location whose latest result is from `t` (ms, its own clock) is silent at `now` (the reader's
 * clock): older than its threshold ({@link silentAfterMs}) plus {@link CLOCK_SKEW_MS}.
 *
 * @example
 * ```ts
 * import { isSilent } from "./quorum.js";
 * console.assert(!isSilent(1_000_000, 1_000_000 - 6 * 60_000, 60_000));
 * console.assert(isSilent(1_000_000, 1_000_000 - 7 * 60_000, 60_000));
 * ```
 * @param {number} now @param {number} t @param {number} intervalMs @param {number} [silentAfter]
 */
export function isSilent(now, t, intervalMs, silentAfter) {
  return now - t > silentAfterMs(intervalMs, silentAfter) + CLOCK_SKEW_MS;
}
