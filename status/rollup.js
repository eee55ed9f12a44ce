// @ts-check
/**
 * The rollup: everything the status page shows, aggregated incrementally from check results, in memory
 * per endpoint that is bounded whatever the history length and grows only with what was seen. Shared by
 * `checkup serve` (which feeds it from storage) and the static page (which merges the per-node summaries
 * that `checkup` writes). Results may arrive in any order: counts and histograms are commutative, status
 * runs are kept sorted.
 *
 * Per endpoint (title + endpoint) it keeps, for each page range (24 h, 7 d, 30 d, 90 d), 90 time slots
 * aligned to the epoch with check counts per status and a log-scale RTT histogram (only the span of bins
 * that have checks); per node, the latest result and the runs of equal status (incidents are the runs
 * that are not healthy); and messages.
 *
 * @module
 */
import { binOf, MAX_TIME, rttOf, TIERS } from "./slots.js";
import { compactRuns, insertRun, NodeSeries } from "./runs.js";
import { clip, insertMessage, isMessageOnly } from "./messages.js";
import { EndpointRollup } from "./endpoint.js";

/** @typedef {import("./messages.js").Message} Message */

/**
 * The result fields the rollup reads (Go Checkup's check-file keys; durations in nanoseconds).
 * @typedef {object} ResultLike
 * @property {string} [title]
 * @property {string} [endpoint]
 * @property {{ rtt: number | bigint, error?: string }[]} [times] integer ns (a bigint beyond 2^53)
 * @property {number | bigint} [threshold]
 * @property {boolean} [healthy]
 * @property {boolean} [degraded]
 * @property {boolean} [down]
 * @property {string} [notice]
 * @property {string} [message]
 * @property {string} [node]
 * @property {string} [incident] Set on the message rounds that repeat an incident's updates for Go's page.
 */

/** A smaller round may set the order when the last full one is older than this (the config shrank). */
const REORDER_AFTER = 7 * 86_400_000;
const MAX_REASON = 300;

/** The aggregate of any number of rounds from any number of nodes. */
export class Rollup {
  constructor() {
    /** @type {Map<string, EndpointRollup>} */
    this.endpoints = new Map();
    /** Messages about no endpoint in particular. @type {Message[]} */
    this.messages = [];
    /** Time (ms) of the newest result. */
    this.updated = -Infinity;
    /** Changes on every update (cache key). */
    this.version = 0;
  }

  /**
   * Endpoints by title, then by endpoint: the endpoint itself while its title has only one (most do: a map
   * per title costs a few hundred bytes per endpoint at thousands).
   * @type {Map<string, EndpointRollup | Map<string, EndpointRollup>>}
   */
  #byTitle = new Map();

  /** @param {string} title @param {string} endpoint */
  endpoint(title, endpoint) {
    // Two lookups instead of a joined key: no string is built per result read.
    const held = this.#byTitle.get(title);
    if (held instanceof EndpointRollup) {
      if (held.endpoint === endpoint) return held;
    } else if (held) {
      const e = held.get(endpoint);
      if (e) return e;
    }
    const e = new EndpointRollup(title, endpoint);
    if (!held) this.#byTitle.set(title, e);
    else if (held instanceof EndpointRollup) {
      this.#byTitle.set(title, new Map([[held.endpoint, held], [endpoint, e]]));
    } else held.set(endpoint, e);
    this.endpoints.set(title + "\u0000" + endpoint, e);
    return e;
  }

  /**
   * Adds one result. A result with a message and no measurement is a message only (posted through
   * `checkup serve`, see {@link isMessageOnly}); one with neither title nor endpoint is a message about
   * everything.
   * @param {ResultLike} r @param {number} t its time, ms since the epoch
   * @param {number} [index] its position in the round @param {number} [size] the round's length
   */
  add(r, t, index = 0, size = 1) {
    if (!(t > 0 && t <= MAX_TIME)) return;
    // An incident update repeated for Go's page: the page shows the incident itself.
    if (r.incident && isMessageOnly(r)) return;
    this.version++;
    if (t > this.updated) this.updated = t;
    const title = r.title ?? "", endpoint = r.endpoint ?? "", node = r.node ?? "";
    if (!title && !endpoint) {
      if (r.message) insertMessage(this.messages, t, r.message, node);
      return;
    }
    const e = this.endpoint(title, endpoint);
    if (r.message) insertMessage(e.messages, t, r.message, node);
    const st = r.down ? 3 : r.degraded ? 2 : r.healthy ? 1 : 0;
    const times = r.times;
    if ((st === 0 && !times?.length) || isMessageOnly(r)) return;
    if (t >= e.orderAt && (size >= e.orderSize || t - e.orderAt > REORDER_AFTER)) {
      e.order = index;
      e.orderAt = t;
      e.orderSize = size;
    }
    if (t >= e.thresholdAt) {
      e.threshold = Number(r.threshold ?? 0) / 1e6;
      e.thresholdAt = t;
    }
    const rtt = times?.length ? rttOf(times) : -1;
    e.record(t, st, rtt > 0 ? binOf(rtt) : -1);
    let why = "";
    if (st >= 2) {
      const failed = times?.find((a) => a.error);
      why = clip(failed?.error || r.notice || "", MAX_REASON);
    }
    e.series(node).observe(t, st, rtt, why);
  }

  /** Joins status runs split by out-of-order reading (call after reading older history). */
  compact() {
    for (const e of this.endpoints.values()) for (const n of e.nodes.values()) compactRuns(n.runs);
    this.version++;
  }

  /** Adds another rollup into this one (e.g. the summaries of several nodes). @param {Rollup} other */
  merge(other) {
    this.version++;
    if (other.updated > this.updated) this.updated = other.updated;
    for (const m of other.messages) insertMessage(this.messages, m.t, m.text, m.node);
    for (const o of other.endpoints.values()) {
      const e = this.endpoint(o.title, o.endpoint);
      if (o.orderAt > e.orderAt) [e.order, e.orderAt, e.orderSize] = [o.order, o.orderAt, o.orderSize];
      if (o.thresholdAt > e.thresholdAt) [e.threshold, e.thresholdAt] = [o.threshold, o.thresholdAt];
      for (let tier = 0; tier < TIERS; tier++) {
        for (const p of o.held(tier)) {
          const k = o.key(p);
          const pos = e.slot(tier, k);
          if (pos < 0) continue;
          for (let c = 0; c < 4; c++) e.addChecks(pos, c, o.count(p, c));
          for (let b = o.lowBin(p), end = o.highBin(p); b < end; b++) e.addChecks(pos, 0, 0, b, o.rtts(p, b));
        }
      }
      for (let c = 0; c < 4; c++) e.totals[c] += o.totals[c];
      for (const m of o.messages) insertMessage(e.messages, m.t, m.text, m.node);
      for (const on of o.nodes.values()) {
        const mine = e.nodes.get(on.node);
        if (!mine) {
          const copy = Object.assign(new NodeSeries(on.node), on);
          copy.runs = on.runs.map((r) => ({ ...r }));
          e.nodes.set(on.node, copy);
          continue;
        }
        for (const r of on.runs) {
          insertRun(mine.runs, r.s, r.st, r.why, Math.max(1, r.n - 1));
          if (r.e > r.s) insertRun(mine.runs, r.e, r.st, r.why, 1);
        }
        compactRuns(mine.runs);
        if (on.t > mine.t) Object.assign(mine, { ...on, runs: mine.runs, prevT: Math.max(mine.t, on.prevT) });
      }
    }
  }
}
