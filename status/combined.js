// @ts-check
/**
 * The history of an endpoint's combined status over several locations: its nodes' status runs swept
 * together under the quorum. Uptime, incidents and the uptime bar of an endpoint checked from more than one
 * location come from here, so a failure below the quorum (one location of three) is shown as `partial`,
 * never charged as an outage, while one at the quorum is, for exactly as long as it lasted.
 *
 * A node's run holds its status from the run's first check until the node's next run starts (in between,
 * every check it made had that status); its last run holds until now while the node is live, and until its
 * last check plus its interval once it is silent (see `silentAfterMs`).
 * At every moment, the statuses of the nodes with a run covering it are combined with
 * {@link combineStatuses}; the moments with no node (before the first check, after every node went quiet)
 * are not observed and count for nothing.
 *
 * @module
 */
import { combineStatuses, isSilent, worseOf } from "./quorum.js";
import { RANGES, SLOTS, STATUSES } from "./slots.js";

/** @typedef {import("./quorum.js").QuorumRule} QuorumRule */
/** @typedef {import("./quorum.js").CombinedStatus} CombinedStatus */
/** @typedef {import("./runs.js").NodeSeries} NodeSeries */

/**
 * @typedef {object} Span A stretch of time with one combined status.
 * @property {number} s Start (ms).
 * @property {number} e End (ms, exclusive).
 * @property {CombinedStatus} status
 * @property {number} st Worst status code among its locations.
 * @property {string[]} failing The nodes reporting down or degraded.
 * @property {number} checks Failed checks of the runs that start in it.
 * @property {string} why A reason of the worst status.
 */

/**
 * The combined history of an endpoint from its nodes' runs, over the longest range (90 days) up to `now`,
 * oldest first. Adjacent
 * stretches with the same status and the same failing nodes are joined.
 *
 * @example
 * ```ts
 * import { Rollup } from "./rollup.js";
 * import { combinedSpans } from "./combined.js";
 * const r = new Rollup();
 * const ok = { title: "A", endpoint: "a", times: [{ rtt: 1e6 }], healthy: true };
 * const down = { title: "A", endpoint: "a", times: [{ rtt: 0, error: "503" }], down: true };
 * for (let t = 60_000; t <= 600_000; t += 60_000) {
 *   r.add({ ...ok, node: "eu" }, t);
 *   r.add({ ...(t >= 300_000 ? down : ok), node: "us" }, t);
 *   r.add({ ...ok, node: "asia" }, t);
 * }
 * const spans = combinedSpans([...r.endpoint("A", "a").nodes.values()], undefined, 700_000);
 * console.assert(spans.map((x) => x.status).join() === "healthy,partial");
 * ```
 * @param {NodeSeries[]} nodes @param {QuorumRule | undefined} rule @param {number} now
 * @param {number} [silentAfter] ms (default: three of a node's intervals, at least 5 minutes)
 * @returns {Span[]}
 */
export function combinedSpans(nodes, rule, now, silentAfter) {
  // From the start of the longest range: everything any range shows.
  const width = RANGES[RANGES.length - 1].slot;
  const from = (Math.floor(now / width) - SLOTS + 1) * width;
  /** @type {{ t: number, i: number, st: number, n: number, why: string }[]} */
  const events = [];
  nodes.forEach((node, i) => {
    const runs = node.runs;
    const interval = Number.isFinite(node.prevT) ? node.t - node.prevT : 0;
    const until = isSilent(now, node.t, interval, silentAfter) ? node.t + interval : now;
    for (let k = 0; k < runs.length; k++) {
      const r = runs[k];
      const end = Math.min(now, k + 1 < runs.length ? runs[k + 1].s : Math.max(r.e, until));
      if (end <= from || end <= r.s || r.s > now) continue;
      // A status that started before `from` counts from `from`; its failed checks are not counted in it.
      events.push({ t: Math.max(r.s, from), i, st: r.st, n: r.s >= from ? r.n : 0, why: r.why });
      events.push({ t: end, i, st: -1, n: 0, why: "" });
    }
  });
  // Ends before starts at the same moment: a node's next run begins where its previous one ends.
  events.sort((a, b) => a.t - b.t || a.st - b.st);
  /** @type {number[]} */
  const current = nodes.map(() => -1);
  /** @type {string[]} */
  const reasons = nodes.map(() => "");
  /** @type {Span[]} */
  const spans = [];
  let checks = 0;
  for (let k = 0; k < events.length;) {
    const t = events[k].t;
    for (; k < events.length && events[k].t === t; k++) {
      const ev = events[k];
      current[ev.i] = ev.st;
      reasons[ev.i] = ev.why;
      if (ev.st >= 2) checks += ev.n;
    }
    const next = k < events.length ? events[k].t : t;
    if (next <= t) continue;
    /** @type {string[]} */
    const statuses = [];
    /** @type {string[]} */
    const failing = [];
    let st = 0, why = "";
    current.forEach((c, i) => {
      if (c < 0) return;
      statuses.push(STATUSES[c]);
      if (c >= 2) failing.push(nodes[i].node);
      if (c > st) [st, why] = [c, reasons[i]];
      else if (c === st && !why) why = reasons[i];
    });
    const { status } = combineStatuses(statuses, rule);
    if (!statuses.length) {
      checks = 0;
      continue;
    }
    const last = spans[spans.length - 1];
    if (last && last.e === t && last.status === status && last.failing.join("\0") === failing.join("\0")) {
      last.e = next;
      last.checks += checks;
    } else spans.push({ s: t, e: next, status, st, failing, checks, why });
    checks = 0;
  }
  return spans;
}

/**
 * Percent of the observed time from `from` to `now` that the combined status was not down (degraded and
 * partial count as up), floored to 3 decimals; null when no moment was observed.
 * @param {Span[]} spans @param {number} from @param {number} now
 */
export function combinedUptime(spans, from, now) {
  let seen = 0, down = 0;
  for (const x of spans) {
    const len = Math.min(x.e, now) - Math.max(x.s, from);
    if (len <= 0 || x.status === "unknown") continue;
    seen += len;
    if (x.status === "down") down += len;
  }
  return seen > 0 ? Math.floor((1 - down / seen) * 100_000) / 1000 : null;
}

/**
 * The worst combined status seen in each of `count` slots of `width` ms from `start`; null where none
 * was observed.
 * @param {Span[]} spans @param {number} start @param {number} width @param {number} count
 * @returns {(CombinedStatus | null)[]}
 */
export function combinedSlots(spans, start, width, count) {
  /** @type {(CombinedStatus | null)[]} */
  const out = new Array(count).fill(null);
  for (const x of spans) {
    if (x.status === "unknown") continue;
    const first = Math.max(0, Math.floor((x.s - start) / width));
    const last = Math.min(count - 1, Math.floor((x.e - 1 - start) / width));
    for (let i = first; i <= last; i++) {
      out[i] = out[i] ? worseOf(/** @type {CombinedStatus} */ (out[i]), x.status) : x.status;
    }
  }
  return out;
}

/**
 * @typedef {object} CombinedIncident A period when the combined status was not healthy.
 * @property {"partial" | "degraded" | "down"} status The worst combined status in it.
 * @property {number} start
 * @property {number | null} end When it became healthy again; null while ongoing.
 * @property {string[]} nodes The locations that failed during it.
 * @property {number} checks Failed checks counted in it.
 * @property {string} why The first reason of its worst location status.
 */

/**
 * The periods the combined status was partial, degraded or down that overlap [start, end], newest first:
 * contiguous stretches that are not healthy make one period, named by its worst status (a period that was
 * only ever partial is a `partial` one: some locations failed, fewer than the quorum). A period that runs
 * to the end of what was observed is ongoing.
 * @param {Span[]} spans @param {number} start @param {number} end
 * @returns {CombinedIncident[]}
 */
export function combinedIncidents(spans, start, end) {
  /** @type {(CombinedIncident & { e: number, st: number })[]} */
  const out = [];
  /** @type {(CombinedIncident & { e: number, st: number }) | undefined} */
  let cur;
  for (const x of spans) {
    const status = x.status;
    if (status !== "partial" && status !== "degraded" && status !== "down") {
      cur = undefined;
      continue;
    }
    /** @type {CombinedIncident & { e: number, st: number }} */
    const c = cur && cur.e === x.s
      ? cur
      : { status, start: x.s, end: x.e, e: x.e, nodes: [], checks: 0, why: "", st: 0 };
    if (c !== cur) out.push(cur = c);
    c.e = c.end = x.e;
    c.status = /** @type {CombinedIncident["status"]} */ (worseOf(c.status, status));
    for (const n of x.failing) if (!c.nodes.includes(n)) c.nodes.push(n);
    c.checks += x.checks;
    if (x.st > c.st) [c.st, c.why] = [x.st, x.why || c.why];
    else c.why ||= x.why;
  }
  const lastEnd = spans.length ? spans[spans.length - 1].e : -Infinity;
  return out.filter((i) => i.e >= start && i.start <= end).reverse().map((i) => ({
    status: i.status,
    start: i.start,
    end: i.e >= lastEnd ? null : i.e,
    nodes: i.nodes.filter(Boolean).sort(),
    checks: i.checks,
    why: i.why,
  }));
}
