// @ts-check
/**
 * Time and RTT buckets of the status model: the status codes, the page ranges and their 90 slots aligned
 * to the epoch, and the log-scale RTT histogram bins every slot counts into.
 *
 * @module
 */

/** @typedef {"unknown" | "healthy" | "degraded" | "down"} Status */

/** Status names by code: the code order is the priority order (down wins). */
export const STATUSES = /** @type {const} */ (["unknown", "healthy", "degraded", "down"]);

/** The page ranges: 90 slots each, aligned to the epoch (UTC). */
export const RANGES = /** @type {const} */ ([
  { name: "24h", slot: 16 * 60_000 },
  { name: "7d", slot: 112 * 60_000 },
  { name: "30d", slot: 8 * 3_600_000 },
  { name: "90d", slot: 86_400_000 },
]);

/** Slots per range (the uptime bar). */
export const SLOTS = 90;
/** RTT histogram bins: bin b holds RTTs around BASE × GROWTH^(b + 0.5) ms (±7 %). */
export const BINS = 96;
const BASE = 0.05;
const LOG_GROWTH = Math.log(1.15);
/** How many ranges (ring tiers). */
export const TIERS = RANGES.length;
/** Slot width (ms) of each range. */
export const WIDTHS = RANGES.map((r) => r.slot);
/** How far back anything is kept: the longest range. */
export const HORIZON = SLOTS * RANGES[TIERS - 1].slot;
/** Latest result time accepted (ms; the year 67,000): slot numbers stay 32-bit integers. */
export const MAX_TIME = 2 ** 31 * RANGES[0].slot - 1;

/** Where each histogram bin starts (ms): BASE × GROWTH^b. */
const BOUNDS = new Float64Array(BINS);
for (let b = 0; b < BINS; b++) BOUNDS[b] = BASE * Math.exp(b * LOG_GROWTH);

/**
 * The histogram bin of an RTT in ms: ⌊log(ms / BASE) / log(GROWTH)⌋, clamped to the bins (found by a
 * binary search over the bin starts, a few times faster than the logarithm).
 * @param {number} ms
 */
export function binOf(ms) {
  if (!(ms > BASE)) return 0;
  let lo = 0, hi = BINS - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (BOUNDS[mid] <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The representative RTT (ms) of a histogram bin. @param {number} b */
export function binValue(b) {
  return BASE * Math.exp((b + 0.5) * LOG_GROWTH);
}

/**
 * The RTT of a result in ms: the median of its successful attempts; -1 when none succeeded.
 * @param {{ rtt: number | bigint, error?: string }[]} times
 */
export function rttOf(times) {
  if (times.length === 1) return times[0].error || !(times[0].rtt > 0) ? -1 : Number(times[0].rtt) / 1e6;
  const ok = [];
  for (const a of times) if (!a.error && a.rtt > 0) ok.push(Number(a.rtt));
  if (!ok.length) return -1;
  ok.sort((a, b) => a - b);
  const mid = ok.length >> 1;
  return (ok.length % 2 ? ok[mid] : (ok[mid - 1] + ok[mid]) / 2) / 1e6;
}
