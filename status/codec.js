// @ts-check
/**
 * The summary format: a {@link Rollup} as compact JSON. `checkup` keeps one per node beside the check
 * files (each node rewrites only its own, so writers never contend) and the static page merges them.
 * Decoding treats the input as untrusted: anything malformed is skipped, never executed or trusted
 * as markup.
 *
 * Version 2 (written) packs each endpoint's slots into one string of variable-length numbers, see
 * {@link encodeSlots}; version 1 (still read) had one JSON array per slot:
 * `[tier, k, unknown, healthy, degraded, down, bin, checks, bin, checks, …]`.
 *
 * @module
 */
import { BINS, RANGES } from "./slots.js";
import { NodeSeries } from "./runs.js";
import { insertMessage, MAX_MESSAGE } from "./messages.js";
import { Rollup } from "./rollup.js";

/** The `format` tag of a summary document. */
export const SUMMARY_FORMAT = "checkup-rollup";
/** The version written; versions 1 and 2 are read. */
const VERSION = 2;
/** Largest slot number kept (the ring's keys are 32-bit). */
const MAX_KEY = 2 ** 31 - 1;

/** Digit values 0–31 end a number, 32–63 carry 5 bits and say more follow (base64url alphabet). */
const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const DIGIT_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) DIGIT_VALUES[DIGITS.charCodeAt(i)] = i;

/** The character codes of DIGITS. */
const DIGIT_CODES = Uint8Array.from(DIGITS, (c) => c.charCodeAt(0));
const ASCII = new TextDecoder();

/**
 * The text being written by {@link put}: character codes in a buffer reused for every endpoint (one string
 * per endpoint, not one per digit).
 */
const written = { buf: new Uint8Array(4096), len: 0 };

/**
 * Appends a non-negative integer to {@link written}, 5 bits per character, least significant first.
 * @param {number} v
 */
function put(v) {
  if (written.len + 16 > written.buf.length) {
    const grown = new Uint8Array(written.buf.length * 2);
    grown.set(written.buf.subarray(0, written.len));
    written.buf = grown;
  }
  const buf = written.buf;
  while (v >= 32) {
    buf[written.len++] = DIGIT_CODES[32 + (v % 32)];
    v = Math.floor(v / 32);
  }
  buf[written.len++] = DIGIT_CODES[v];
}

/** Reads the numbers written by {@link put}; throws at a foreign character or the end of the text. */
class Reader {
  /** @param {string} text */
  constructor(text) {
    this.text = text;
    this.i = 0;
  }

  /** True when everything was read. */
  get done() {
    return this.i >= this.text.length;
  }

  next() {
    let v = 0, scale = 1;
    for (let n = 0; n < 10; n++) {
      const c = this.text.charCodeAt(this.i++);
      const d = c < 128 ? DIGIT_VALUES[c] : -1;
      if (d < 0) throw new Error(`not a slot digit at ${this.i - 1}`);
      if (d < 32) return v + d * scale;
      v += (d - 32) * scale;
      scale *= 32;
    }
    throw new Error(`number too long at ${this.i}`);
  }
}

/**
 * An endpoint's slots as a string of numbers ({@link put}). Per range, shortest first: the number of
 * slots held, then per slot in time order: its slot number (the first) or the gap since the previous
 * one minus 1; `bins × 8 + m` where bit 1, 2, 4 of m say whether unknown, degraded, down checks follow;
 * the healthy checks, then those that m announces; then per non-empty RTT bin in ascending order, the
 * bin (the first as a zigzag difference from the previous slot's first bin, the others as the gap from
 * the bin before minus 1) and its checks.
 * @param {import("./endpoint.js").EndpointRollup} e
 */
export function encodeSlots(e) {
  written.len = 0;
  for (let tier = 0; tier < RANGES.length; tier++) {
    const held = e.held(tier).sort((a, b) => e.key(a) - e.key(b));
    put(held.length);
    let prevK = -1, prevFirst = 0;
    for (const p of held) {
      const k = e.key(p), low = e.lowBin(p), high = e.highBin(p);
      let bins = 0;
      for (let b = low; b < high; b++) if (e.rtts(p, b)) bins++;
      const unknown = e.count(p, 0), healthy = e.count(p, 1), degraded = e.count(p, 2), down = e.count(p, 3);
      put(k - prevK - 1);
      prevK = k;
      put(bins * 8 + (unknown ? 1 : 0) + (degraded ? 2 : 0) + (down ? 4 : 0));
      put(healthy);
      if (unknown) put(unknown);
      if (degraded) put(degraded);
      if (down) put(down);
      let prev = -1;
      for (let b = low; b < high; b++) {
        const checks = e.rtts(p, b);
        if (!checks) continue;
        if (prev < 0) {
          const d = b - prevFirst;
          put(d >= 0 ? 2 * d : -2 * d - 1);
          prevFirst = b;
        } else put(b - prev - 1);
        prev = b;
        put(checks);
      }
    }
  }
  const codes = written.buf.subarray(0, written.len);
  // fromCharCode is the faster for the short texts most endpoints have; its arguments are bounded.
  return codes.length <= 8192
    ? String.fromCharCode.apply(null, /** @type {number[]} */ (/** @type {unknown} */ (codes)))
    : ASCII.decode(codes);
}

/**
 * Adds the slots of {@link encodeSlots} to an endpoint. Stops at the first malformed number, keeping
 * what came before; bins out of range are skipped.
 * @param {import("./endpoint.js").EndpointRollup} e @param {string} text
 */
function decodeSlots(e, text) {
  const r = new Reader(text);
  try {
    for (let tier = 0; tier < RANGES.length && !r.done; tier++) {
      const n = r.next();
      e.reserveSlots(n);
      let prevK = -1, prevFirst = 0;
      for (let j = 0; j < n; j++) {
        const k = prevK + 1 + r.next();
        prevK = k;
        const head = r.next(), bins = Math.floor(head / 8), m = head % 8;
        const healthy = r.next();
        const counts = [m & 1 ? r.next() : 0, healthy, m & 2 ? r.next() : 0, m & 4 ? r.next() : 0];
        const pos = k <= MAX_KEY ? e.slot(tier, k) : -1;
        if (pos >= 0) { for (let c = 0; c < 4; c++) e.addChecks(pos, c, counts[c]); }
        let prev = -1;
        for (let i = 0; i < bins; i++) {
          const v = r.next();
          const b = i === 0 ? prevFirst + (v % 2 ? -(v + 1) / 2 : v / 2) : prev + 1 + v;
          if (i === 0) prevFirst = b;
          prev = b;
          const checks = r.next();
          if (pos >= 0 && b >= 0 && b < BINS) e.addChecks(pos, 0, 0, b, checks);
        }
      }
    }
  } catch {
    // malformed: keep what was read
  }
}

/** @param {number} v */
const finite = (v) => (Number.isFinite(v) ? Math.round(v) : null);

/**
 * Encodes a rollup as a summary document (plain JSON data).
 * @param {Rollup} rollup
 */
export function encodeRollup(rollup) {
  return { ...head(rollup), endpoints: [...rollup.endpoints.values()].map(encodeEndpoint) };
}

/**
 * The summary document of {@link encodeRollup} as JSON text, the same text `JSON.stringify` makes of it,
 * built one endpoint at a time: no document of every endpoint is held beside the text.
 * @param {Rollup} rollup
 */
export function encodeRollupText(rollup) {
  const parts = [JSON.stringify(head(rollup)).slice(0, -1) + ',"endpoints":['];
  let first = true;
  for (const e of rollup.endpoints.values()) {
    parts.push((first ? "" : ",") + JSON.stringify(encodeEndpoint(e)));
    first = false;
  }
  parts.push("]}");
  return parts.join("");
}

/** The fields of a summary document before its endpoints. @param {Rollup} rollup */
function head(rollup) {
  return {
    format: SUMMARY_FORMAT,
    version: VERSION,
    updated: finite(rollup.updated),
    messages: rollup.messages.map((m) => [Math.round(m.t), m.text, m.node]),
  };
}

/** One endpoint of a summary document. @param {import("./endpoint.js").EndpointRollup} e */
function encodeEndpoint(e) {
  return {
    title: e.title,
    endpoint: e.endpoint,
    order: e.order,
    orderAt: finite(e.orderAt),
    orderSize: e.orderSize,
    threshold: e.threshold,
    thresholdAt: finite(e.thresholdAt),
    totals: e.totals,
    slots: encodeSlots(e),
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

/** @param {unknown} list @param {import("./messages.js").Message[]} into */
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
  if (d.version !== 1 && d.version !== VERSION) {
    throw new Error(`unsupported summary version ${JSON.stringify(d.version)}`);
  }
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
    if (typeof o.slots === "string") decodeSlots(e, o.slots);
    else {
      for (const rowRaw of arr(o.slots)) {
        const row = arr(rowRaw).map((v) => Math.max(0, Math.floor(num(v))));
        const [tier, k] = row;
        if (row.length < 6 || tier >= RANGES.length || k > MAX_KEY) continue;
        const pos = e.slot(tier, k);
        if (pos < 0) continue;
        for (let c = 0; c < 4; c++) e.addChecks(pos, c, row[2 + c]);
        for (let i = 6; i + 1 < row.length; i += 2) {
          if (row[i] < BINS) e.addChecks(pos, 0, 0, row[i], row[i + 1]);
        }
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
