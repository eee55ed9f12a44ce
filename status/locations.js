// @ts-check
/**
 * The locations as the page shows them: each endpoint's locations (nodes) with their latest result and
 * whether they are silent, and the page's list of every location (labels, silence, duplicate writers). A
 * location is silent when it stored no result for its silence threshold (`silentAfterMs`: `silent_after`,
 * default three of its check intervals, at least 5 minutes) plus the clock skew tolerated (`isSilent`); a
 * silent one is left out of the quorum.
 *
 * @module
 */
import { isSilent } from "./quorum.js";
import { STATUSES } from "./slots.js";

/** @typedef {import("./rollup.js").Rollup} Rollup */
/** @typedef {import("./view.js").NodeView} NodeView */
/** @typedef {import("./view.js").LocationView} LocationView */
/** @typedef {import("./view.js").EndpointOptions} EndpointOptions */
/** @typedef {import("./view.js").ViewOptions} ViewOptions */

/** @param {number} v */
const sig = (v) => Number(v.toPrecision(3));

/**
 * Nodes' latest state: silent after `silentAfter`, by default three of its check intervals (at least
 * 5 minutes).
 * @param {import("./endpoint.js").EndpointRollup} e @param {number} now @param {(s: string) => string} redact
 * @param {EndpointOptions} options
 */
export function nodesOf(e, now, redact, options) {
  return [...e.nodes.values()].map((n) => {
    const interval = Number.isFinite(n.prevT) ? n.t - n.prevT : 0;
    const silent = isSilent(now, n.t, interval, options.silentAfter);
    /** @type {NodeView} */
    const v = {
      node: n.node,
      location: options.labels?.get(n.node) || n.node,
      status: STATUSES[n.status],
      silent,
      silent_for: silent ? Math.round(now - n.t) : 0,
      stale: silent,
      updated: Math.round(n.t),
      rtt: n.rtt > 0 ? sig(n.rtt) : null,
    };
    if (n.reason) v.reason = redact(n.reason);
    return { v, series: n };
  });
}

/**
 * Every named location of the rollup (and the known ones): silent when it has no result on any endpoint
 * within its silence threshold.
 * @param {Rollup} rollup @param {ViewOptions} options @param {number} now
 * @returns {LocationView[]}
 */
export function locationsOf(rollup, options, now) {
  /** @type {Map<string, { updated: number, silent: boolean }>} */
  const seen = new Map();
  for (const e of rollup.endpoints.values()) {
    for (const n of e.nodes.values()) {
      const interval = Number.isFinite(n.prevT) ? n.t - n.prevT : 0;
      const silent = isSilent(now, n.t, interval, options.silentAfter);
      const cur = seen.get(n.node);
      if (!cur) seen.set(n.node, { updated: n.t, silent });
      else {
        cur.updated = Math.max(cur.updated, n.t);
        cur.silent &&= silent;
      }
    }
  }
  const known = new Map((options.locations ?? []).map((l) => [l.node, l]));
  const names = new Set([...seen.keys(), ...known.keys()]);
  if (names.size === 1 && names.has("")) names.delete("");
  return [...names].sort((a, b) => a.localeCompare(b)).map((node) => {
    const s = seen.get(node), k = known.get(node);
    const silent = s?.silent ?? false;
    return {
      node,
      location: k?.location || node,
      silent,
      silent_for: s && silent ? Math.round(now - s.updated) : 0,
      updated: s ? Math.round(s.updated) : null,
      duplicate: k?.duplicate === true,
    };
  });
}
