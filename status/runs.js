// @ts-check
/**
 * Runs of equal status: what incidents are made of. Each node of an endpoint keeps its latest result and
 * its runs, sorted and non-overlapping, whatever order results arrive in.
 *
 * @module
 */
import { HORIZON } from "./slots.js";

/** @typedef {{ s: number, e: number, st: number, n: number, why: string }} Run */

const MAX_RUNS = 2000;

/**
 * Adds a result's status at time t to sorted, non-overlapping runs of equal status. Appending is O(1);
 * an older result extends or splits the run it falls in.
 * @param {Run[]} runs @param {number} t @param {number} st @param {string} why @param {number} [n]
 */
export function insertRun(runs, t, st, why, n = 1) {
  const last = runs[runs.length - 1];
  if (!last || t > last.e) {
    if (last && last.st === st) {
      last.e = t;
      last.n += n;
    } else {
      runs.push({ s: t, e: t, st, n, why });
      while (runs.length > MAX_RUNS || runs[0].e < t - HORIZON) runs.shift();
    }
    return;
  }
  let lo = 0, hi = runs.length - 1, i = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (runs[mid].s <= t) {
      i = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const prev = i >= 0 ? runs[i] : undefined;
  if (prev && t <= prev.e) {
    if (prev.st === st) {
      prev.n += n;
      return;
    }
    const parts = [];
    const share = prev.e > prev.s ? (t - prev.s) / (prev.e - prev.s) : 0;
    if (t > prev.s) parts.push({ ...prev, e: t - 1, n: Math.max(1, Math.round(prev.n * share)) });
    parts.push({ s: t, e: t, st, n, why });
    if (t < prev.e) parts.push({ ...prev, s: t + 1, n: Math.max(1, Math.round(prev.n * (1 - share))) });
    runs.splice(i, 1, ...parts);
    return;
  }
  // Between two runs. Joining the next run would claim the unseen time up to it (older history is read
  // later, oldest first, and fills it), so only the run before grows; compactRuns() joins what touches.
  if (prev && prev.st === st) {
    prev.e = t;
    prev.n += n;
  } else runs.splice(i + 1, 0, { s: t, e: t, st, n, why });
}

/**
 * Joins neighbouring runs of the same status (left apart when older history was inserted before them).
 * @param {Run[]} runs
 */
export function compactRuns(runs) {
  for (let i = runs.length - 1; i > 0; i--) {
    const a = runs[i - 1], b = runs[i];
    if (a.st !== b.st) continue;
    a.e = b.e;
    a.n += b.n;
    runs.splice(i, 1);
  }
}

/** The latest state of one endpoint as seen by one node, and its status runs. */
export class NodeSeries {
  /** @param {string} node */
  constructor(node) {
    this.node = node;
    /** Time (ms) of the latest result. */
    this.t = -Infinity;
    /** Time of the result before it (for the check interval). */
    this.prevT = -Infinity;
    this.status = 0;
    /** RTT (ms) of the latest result; -1 when it failed. */
    this.rtt = -1;
    this.reason = "";
    /** @type {Run[]} */
    this.runs = [];
  }

  /** @param {number} t @param {number} st @param {number} rtt @param {string} why */
  observe(t, st, rtt, why) {
    if (t >= this.t) {
      if (t > this.t) this.prevT = this.t;
      this.t = t;
      this.status = st;
      this.rtt = rtt;
      this.reason = why;
    } else if (t > this.prevT) this.prevT = t;
    insertRun(this.runs, t, st, why);
  }
}
