// @ts-check
/**
 * One endpoint's aggregate: its slots (checks per status and an RTT histogram window per range slot, in
 * one growing typed array), its nodes' latest results and runs, and its messages.
 *
 * @module
 */
import { BINS, SLOTS, TIERS, WIDTHS } from "./slots.js";
import { NodeSeries } from "./runs.js";

/** @typedef {import("./messages.js").Message} Message */

/** Words before a slot's histogram: its checks per status code. */
const HEAD = 4;
/** RTT bins a slot has room for when first used. */
const FIRST_WIDTH = 4;
/** Smallest slot storage allocated, in words. */
const MIN_WORDS = 64;
/** Ring positions: SLOTS per range tier. */
const POSITIONS = TIERS * SLOTS;

/**
 * Everything kept about one endpoint (one title + endpoint pair).
 *
 * The slots' data grows with what was seen, not with the bins there could be. Each ring position in use
 * owns a segment of one typed array per endpoint: its checks per status, then the checks of a window of
 * adjacent RTT bins, only as wide as the RTTs it has seen need (a healthy endpoint's RTTs fall in a
 * handful of bins), at most all BINS. A window that must widen moves its segment to the end with at
 * least twice the room; the array is compacted (and grown when needed) when the end is reached.
 */
export class EndpointRollup {
  /** @param {string} title @param {string} endpoint */
  constructor(title, endpoint) {
    this.title = title;
    this.endpoint = endpoint;
    /** Position in the latest full round that had it (the config order). */
    this.order = 0;
    this.orderAt = -Infinity;
    /** Size of the round that set the order: smaller rounds (messages, partial flushes) do not reorder. */
    this.orderSize = 0;
    /** threshold_rtt in ms of the latest result; 0 when unset. */
    this.threshold = 0;
    this.thresholdAt = -Infinity;
    /**
     * Slot number held at each ring position (`tier × SLOTS + k mod SLOTS` for slot k of a range);
     * -1 when empty. A position's data is read with {@link count} and {@link rtts}.
     */
    this.keys = new Int32Array(this.#ring, 0, POSITIONS).fill(-1);
    /** @type {Map<string, NodeSeries>} */
    this.nodes = new Map();
    /** @type {Message[]} */
    this.messages = [];
    /** Checks ever counted, per status code (Prometheus counters). */
    this.totals = [0, 0, 0, 0];
  }

  /**
   * One buffer for the four per-position arrays (keys, #at, #lo, #width): one allocation per endpoint
   * instead of four, which at thousands of endpoints is megabytes of allocator and buffer overhead.
   */
  #ring = new ArrayBuffer(POSITIONS * 10);
  /** Where each held ring position's segment starts in #data. */
  #at = new Int32Array(this.#ring, POSITIONS * 4, POSITIONS);
  /** The first RTT bin of each position's window. */
  #lo = new Uint8Array(this.#ring, POSITIONS * 8, POSITIONS);
  /** The width of each position's window, in bins. */
  #width = new Uint8Array(this.#ring, POSITIONS * 9, POSITIONS);
  /** The segments; words from #top on are free (and zero). */
  #data = new Uint32Array(0);
  #top = 0;
  /** Words below #top no position owns (segments left by a widened window): none, and growing is one copy. */
  #holes = 0;

  /**
   * The ring position of slot k of a range, cleared when it held an older slot; -1 when k is older
   * than what the ring holds.
   * @param {number} tier @param {number} k
   */
  slot(tier, k) {
    const pos = tier * SLOTS + (k % SLOTS);
    const held = this.keys[pos];
    if (held === k) return pos;
    if (held > k) return -1;
    if (held < 0) {
      this.#width[pos] = FIRST_WIDTH;
      this.#at[pos] = this.#alloc(HEAD + FIRST_WIDTH);
    } else this.#data.fill(0, this.#at[pos], this.#at[pos] + HEAD + this.#width[pos]);
    this.keys[pos] = k;
    return pos;
  }

  /**
   * Checks of status code st in the slot at ring position pos; 0 when it holds none.
   * @param {number} pos @param {number} st
   */
  count(pos, st) {
    return this.keys[pos] < 0 ? 0 : this.#data[this.#at[pos] + st];
  }

  /**
   * The RTT bins that may have checks in the slot at ring position pos: [lowBin, highBin).
   * @param {number} pos
   */
  lowBin(pos) {
    return this.keys[pos] < 0 ? 0 : this.#lo[pos];
  }

  /** The end of {@link lowBin}'s range (exclusive). @param {number} pos */
  highBin(pos) {
    return this.keys[pos] < 0 ? 0 : this.#lo[pos] + this.#width[pos];
  }

  /**
   * Checks whose RTT fell in `bin` in the slot at ring position pos.
   * @param {number} pos @param {number} bin
   */
  rtts(pos, bin) {
    const i = bin - this.#lo[pos];
    if (this.keys[pos] < 0 || i < 0 || i >= this.#width[pos]) return 0;
    return this.#data[this.#at[pos] + HEAD + i];
  }

  /**
   * Adds checks to a held slot (a position from {@link slot}): n of status code st, and `rtts` RTTs
   * in `bin` (ignored unless 0 ≤ bin < BINS).
   * @param {number} pos @param {number} st @param {number} n @param {number} [bin] @param {number} [rtts]
   */
  addChecks(pos, st, n, bin = -1, rtts = 0) {
    if (n > 0) this.#data[this.#at[pos] + st] += n;
    if (bin >= 0 && bin < BINS && rtts > 0) {
      if (bin < this.#lo[pos] || bin >= this.#lo[pos] + this.#width[pos]) this.#widen(pos, bin);
      this.#data[this.#at[pos] + HEAD + bin - this.#lo[pos]] += rtts;
    }
  }

  /** Bytes of typed arrays held for the slots (the part that grows with the history). */
  get slotBytes() {
    return this.#ring.byteLength + this.#data.byteLength;
  }

  /** @param {number} t @param {number} st @param {number} bin (-1: no RTT) */
  record(t, st, bin) {
    const keys = this.keys;
    for (let tier = 0; tier < TIERS; tier++) {
      const k = Math.floor(t / WIDTHS[tier]) | 0; // an int32 (t ≤ MAX_TIME): integer modulo, not fmod
      let pos = tier * SLOTS + (k % SLOTS);
      if (keys[pos] !== k && (pos = this.slot(tier, k)) < 0) continue;
      const d = this.#data, at = this.#at[pos];
      d[at + st]++;
      if (bin < 0) continue;
      const i = bin - this.#lo[pos];
      if (i >= 0 && i < this.#width[pos]) d[at + HEAD + i]++;
      else {
        const j = this.#widen(pos, bin); // may move the segment: read #data and #at afterwards
        this.#data[this.#at[pos] + HEAD + j]++;
      }
    }
    this.totals[st]++;
  }

  /**
   * Moves a slot's window to take in `bin`, widening it (to a new segment) when the bins it has seen
   * and `bin` do not fit; returns the index of `bin` in the window.
   * @param {number} pos @param {number} bin
   */
  #widen(pos, bin) {
    let d = this.#data;
    const at = this.#at[pos], bins = at + HEAD, lo = this.#lo[pos], width = this.#width[pos];
    let first = -1, last = -1;
    for (let i = 0; i < width; i++) {
      if (!d[bins + i]) continue;
      if (first < 0) first = lo + i;
      last = lo + i;
    }
    const need = first < 0 ? 1 : Math.max(last, bin) - Math.min(first, bin) + 1;
    const wide = need > width ? Math.min(BINS, Math.max(need, 2 * width)) : width;
    // Room on the side the window grows to: further RTTs are likelier there.
    let to = first < 0 ? bin - ((wide - 1) >> 1) : bin < first ? last + 1 - wide : first;
    to = Math.max(0, Math.min(BINS - wide, to));
    if (wide === width) {
      // In place: shift the counts by the window's move (copyWithin handles the overlap; a window that
      // holds bins moves by less than its width, an empty one needs no copy).
      const shift = first < 0 ? 0 : lo - to;
      if (shift > 0) {
        d.copyWithin(bins + shift, bins, bins + width - shift);
        d.fill(0, bins, bins + shift);
      } else if (shift < 0) {
        d.copyWithin(bins, bins - shift, bins + width);
        d.fill(0, bins + width + shift, bins + width);
      }
    } else {
      const moved = this.#alloc(HEAD + wide); // may compact: read #data and #at afterwards
      d = this.#data;
      const from = this.#at[pos];
      for (let i = 0; i < HEAD; i++) d[moved + i] = d[from + i];
      for (let b = first; first >= 0 && b <= last; b++) d[moved + HEAD + b - to] = d[from + HEAD + b - lo];
      this.#at[pos] = moved;
      this.#width[pos] = wide;
      this.#holes += HEAD + width;
    }
    this.#lo[pos] = to;
    return bin - to;
  }

  /**
   * Room for `words` at the end; compacts (and grows) the segments first when needed.
   * @param {number} words
   */
  #alloc(words) {
    if (this.#top + words > this.#data.length) this.#grow(words, 1.5);
    const at = this.#top;
    this.#top += words;
    return at;
  }

  /**
   * Room for `slots` more slots (a decoder that knows how many follow): one growth, to the size they take
   * when their windows need no widening, instead of several on the way.
   * @param {number} slots
   */
  reserveSlots(slots) {
    const words = Math.min(Math.max(0, slots), POSITIONS) * (HEAD + FIRST_WIDTH);
    if (this.#top + words > this.#data.length) this.#grow(words, 1);
  }

  /**
   * Compacts (when there are holes) and grows the segments to hold `words` more, times `slack`.
   * @param {number} words @param {number} slack
   */
  #grow(words, slack) {
    const live = this.#top - this.#holes;
    const old = this.#data, data = new Uint32Array(Math.max(MIN_WORDS, Math.ceil((live + words) * slack)));
    if (!this.#holes) data.set(old.subarray(0, this.#top)); // no hole: the segments stay where they are
    else {
      let top = 0;
      for (let p = 0; p < this.keys.length; p++) {
        if (this.keys[p] < 0) continue;
        const from = this.#at[p], n = HEAD + this.#width[p];
        for (let i = 0; i < n; i++) data[top + i] = old[from + i];
        this.#at[p] = top;
        top += n;
      }
      this.#top = top;
      this.#holes = 0;
    }
    this.#data = data;
  }

  /** @param {string} node */
  series(node) {
    let s = this.nodes.get(node);
    if (!s) this.nodes.set(node, s = new NodeSeries(node));
    return s;
  }
}
