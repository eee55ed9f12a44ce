// @ts-check
/**
 * The summary format: a {@link Rollup} as compact JSON. `checkup` keeps one per node beside the check
 * files (each node rewrites only its own, so writers never contend) and the static page merges them.
 * Decoding treats the input as untrusted: anything malformed is skipped, never executed or trusted
 * as markup.
 *
 * @module
 */
import { BINS, insertMessage, MAX_MESSAGE, NodeSeries, RANGES, Rollup, SLOTS } from "./rollup.js";

/** The `format` tag of a summary document. */
export const SUMMARY_FORMAT = "checkup-rollup";
const VERSION = 1;

/** @param {number} v */
const finite = (v) => (Number.isFinite(v) ? Math.round(v) : null);

/**
 * Encodes a rollup as a summary document (plain JSON data).
 * @param {Rollup} rollup
 */
export function encodeRollup(rollup) {
  const endpoints = [];
  for (const e of rollup.endpoints.values()) {
    const slots = [];
    for (let p = 0; p < e.keys.length; p++) {
      if (e.keys[p] < 0) continue;
      const row = [Math.floor(p / SLOTS), e.keys[p]];
      for (let c = 0; c < 4; c++) row.push(e.counts[p * 4 + c]);
      for (let b = 0; b < BINS; b++) {
        const n = e.hist[p * BINS + b];
        if (n) row.push(b, n);
      }
      slots.push(row);
    }
    endpoints.push({
      title: e.title,
      endpoint: e.endpoint,
      order: e.order,
      orderAt: finite(e.orderAt),
      orderSize: e.orderSize,
      threshold: e.threshold,
      thresholdAt: finite(e.thresholdAt),
      totals: e.totals,
      slots,
      nodes: [...e.nodes.values()].map((n) => ({
        node: n.node,
        t: finite(n.t),
        prevT: finite(n.prevT),
        status: n.status,
        rtt: n.rtt,
        reason: n.reason,
        runs: n.runs.map((r) => [Math.round(r.s), Math.round(r.e), r.st, r.n, r.why]),
      })),
      messages: e.messages.map((m) => [Math.round(m.t), m.text, m.node]),
    });
  }
  return {
    format: SUMMARY_FORMAT,
    version: VERSION,
    updated: finite(rollup.updated),
    messages: rollup.messages.map((m) => [Math.round(m.t), m.text, m.node]),
    endpoints,
  };
}

/** @param {unknown} v @param {number} fallback */
function num(v, fallback = 0) {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

/** @param {unknown} v */
function str(v) {
  return typeof v === "string" ? v : "";
}

/** @param {unknown} v @returns {unknown[]} */
function arr(v) {
  return Array.isArray(v) ? v : [];
}

/** @param {unknown} list @param {import("./rollup.js").Message[]} into */
function decodeMessages(list, into) {
  for (const m of arr(list)) {
    const [t, text, node] = arr(m);
    if (num(t) > 0 && typeof text === "string") {
      insertMessage(into, num(t), text.slice(0, MAX_MESSAGE), str(node));
    }
  }
}

/**
 * Decodes a summary document. Throws when it is not one; skips malformed parts.
 * @param {unknown} doc parsed JSON
 * @returns {Rollup}
 */
export function decodeRollup(doc) {
  const d = /** @type {Record<string, unknown>} */ (doc ?? {});
  if (typeof doc !== "object" || d.format !== SUMMARY_FORMAT) {
    throw new Error(`expected a summary document with "format": "${SUMMARY_FORMAT}"`);
  }
  if (d.version !== VERSION) throw new Error(`unsupported summary version ${JSON.stringify(d.version)}`);
  const rollup = new Rollup();
  rollup.updated = num(d.updated, -Infinity);
  decodeMessages(d.messages, rollup.messages);
  for (const raw of arr(d.endpoints)) {
    const o = /** @type {Record<string, unknown>} */ (raw ?? {});
    const title = str(o.title), endpoint = str(o.endpoint);
    if (!title && !endpoint) continue;
    const e = rollup.endpoint(title, endpoint);
    e.order = num(o.order);
    e.orderAt = num(o.orderAt, -Infinity);
    e.orderSize = num(o.orderSize);
    e.threshold = Math.max(0, num(o.threshold));
    e.thresholdAt = num(o.thresholdAt, -Infinity);
    const totals = arr(o.totals);
    for (let c = 0; c < 4; c++) e.totals[c] = Math.max(0, num(totals[c]));
    for (const rowRaw of arr(o.slots)) {
      const row = arr(rowRaw).map((v) => Math.max(0, Math.floor(num(v))));
      const [tier, k] = row;
      if (row.length < 6 || tier >= RANGES.length) continue;
      const pos = e.slot(tier, k);
      if (pos < 0) continue;
      for (let c = 0; c < 4; c++) e.counts[pos * 4 + c] += row[2 + c];
      for (let i = 6; i + 1 < row.length; i += 2) {
        if (row[i] < BINS) e.hist[pos * BINS + row[i]] += row[i + 1];
      }
    }
    for (const nRaw of arr(o.nodes)) {
      const n = /** @type {Record<string, unknown>} */ (nRaw ?? {});
      const s = new NodeSeries(str(n.node));
      s.t = num(n.t, -Infinity);
      s.prevT = num(n.prevT, -Infinity);
      s.status = Math.min(3, Math.max(0, Math.floor(num(n.status))));
      s.rtt = num(n.rtt, -1);
      s.reason = str(n.reason);
      for (const rRaw of arr(n.runs)) {
        const [rs, re, st, cnt, why] = arr(rRaw);
        const sN = num(rs), eN = num(re), stN = Math.floor(num(st));
        if (sN > 0 && eN >= sN && stN >= 0 && stN <= 3) {
          const last = s.runs[s.runs.length - 1];
          if (!last || sN > last.e) {
            s.runs.push({ s: sN, e: eN, st: stN, n: Math.max(1, num(cnt)), why: str(why) });
          }
        }
      }
      e.nodes.set(s.node, s);
    }
    decodeMessages(o.messages, e.messages);
  }
  return rollup;
}
