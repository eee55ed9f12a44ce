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
/** Smallest slot storage allocated, in words: a new endpoint's first slot in each range. */
const MIN_WORDS = TIERS * (HEAD + FIRST_WIDTH);
/** Ring positions: SLOTS per range tier (the positions callers address: `tier × SLOTS + k mod SLOTS`). */
const POSITIONS = TIERS * SLOTS;
/**
 * The sizes a range's ring grows through as the endpoint ages: each divides the next and SLOTS, so the
 * record of position `tier × SLOTS + r` is record `r mod size` of its tier, and two slots share a record
 * only when they would share a position in the full ring.
 */
const SIZES = [1, 2, 6, 18, SLOTS];
for (let i = 1; i < SIZES.length; i++) {
  if (SIZES[i] % SIZES[i - 1] || SLOTS % SIZES[i]) throw new Error("ring sizes must divide SLOTS");
}
/** Words of a record: the slot number held (-1: none), where its segment starts, and lo | width << 8. */
const REC = 3;
/** Words before the records: each tier's ring size, then where its records start. */
const HDR = 2 * TIERS;

/**
 * Everything kept about one endpoint (one title + endpoint pair).
 *
 * The slots' data grows with what was seen, not with the bins there could be. Each ring position in use
 * owns a segment of one typed array per endpoint: its checks per status, then the checks of a window of
 * adjacent RTT bins, only as wide as the RTTs it has seen need (a healthy endpoint's RTTs fall in a
 * handful of bins), at most all BINS. A window that must widen moves its segment to the end with at
 * least twice the room; the array is compacted (and grown when needed) when the end is reached.
 *
 * The rings grow with the endpoint's age too: a range's ring starts with one record and grows (through
 * {@link SIZES}) only when a slot needs a position that another held slot's record stands for. Callers
 * address positions as in a full ring of SLOTS per range, whatever size the rings are.
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
    /** @type {Map<string, NodeSeries>} */
    this.nodes = new Map();
    /** @type {Message[]} */
    this.messages = [];
    /** Checks ever counted, per status code (Prometheus counters). */
    this.totals = [0, 0, 0, 0];
  }

  /**
   * The rings of all ranges in one array (one allocation per endpoint): the header ({@link HDR}), then
   * each tier's records ({@link REC} words each).
   */
  #ring = EndpointRollup.#newRing([1, 1, 1, 1]);
  /** The segments; words from #top on are free (and zero). */
  #data = new Uint32Array(0);
  #top = 0;
  /** Words below #top no position owns (segments left by a widened window): none, and growing is one copy. */
  #holes = 0;

  /** An empty ring with the given size per tier. @param {number[]} sizes */
  static #newRing(sizes) {
    let words = HDR;
    for (const n of sizes) words += n * REC;
    const ring = new Int32Array(words).fill(-1);
    let at = HDR;
    for (let tier = 0; tier < TIERS; tier++) {
      ring[tier] = sizes[tier];
      ring[TIERS + tier] = at;
      at += sizes[tier] * REC;
    }
    return ring;
  }

  /**
   * Slot number held at each ring position (`tier × SLOTS + k mod SLOTS` for slot k of a range); -1 when
   * empty. A copy, built on each read: read one position with {@link key}.
   */
  get keys() {
    const keys = new Int32Array(POSITIONS).fill(-1), ring = this.#ring;
    for (let tier = 0; tier < TIERS; tier++) {
      for (let o = ring[TIERS + tier], end = o + ring[tier] * REC; o < end; o += REC) {
        if (ring[o] >= 0) keys[tier * SLOTS + (ring[o] % SLOTS)] = ring[o];
      }
    }
    return keys;
  }

  /** The slot number held at ring position pos; -1 when none. @param {number} pos */
  key(pos) {
    const o = this.#find(pos);
    return o < 0 ? -1 : this.#ring[o];
  }

  /** The ring positions of a range that hold a slot, in no particular order. @param {number} tier */
  held(tier) {
    const ring = this.#ring, out = [];
    for (let o = ring[TIERS + tier], end = o + ring[tier] * REC; o < end; o += REC) {
      if (ring[o] >= 0) out.push(tier * SLOTS + (ring[o] % SLOTS));
    }
    return out;
  }

  /** The record of ring position pos when it holds a slot, else -1. @param {number} pos */
  #find(pos) {
    if (!(pos >= 0 && pos < POSITIONS)) return -1;
    const ring = this.#ring, tier = (pos / SLOTS) | 0, r = pos - tier * SLOTS;
    const o = ring[TIERS + tier] + (r % ring[tier]) * REC, k = ring[o];
    return k >= 0 && k % SLOTS === r ? o : -1;
  }

  /**
   * The ring position of slot k of a range, cleared when it held an older slot; -1 when k is older
   * than what the ring holds.
   * @param {number} tier @param {number} k
   */
  slot(tier, k) {
    const r = k % SLOTS;
    let ring = this.#ring, o = ring[TIERS + tier] + (r % ring[tier]) * REC, held = ring[o];
    if (held === k) return tier * SLOTS + r;
    if (held >= 0 && held % SLOTS !== r) {
      // Another position's slot has this record: grow the ring until each has its own.
      this.#grow(tier, r);
      ring = this.#ring;
      o = ring[TIERS + tier] + (r % ring[tier]) * REC;
      held = ring[o];
    }
    if (held > k) return -1;
    if (held < 0) {
      ring[o + 2] = FIRST_WIDTH << 8;
      ring[o + 1] = this.#alloc(HEAD + FIRST_WIDTH); // may compact: #alloc writes the records it moves
    } else this.#data.fill(0, ring[o + 1], ring[o + 1] + HEAD + (ring[o + 2] >> 8));
    ring[o] = k;
    return tier * SLOTS + r;
  }

  /**
   * Grows a range's ring to the smallest size at which the slots it holds and position r (of that range)
   * all have records of their own.
   * @param {number} tier @param {number} r
   */
  #grow(tier, r) {
    const old = this.#ring, from = old[TIERS + tier], n = old[tier];
    const rs = [r];
    for (let o = from; o < from + n * REC; o += REC) if (old[o] >= 0) rs.push(old[o] % SLOTS);
    let size = n;
    for (const s of SIZES) {
      if (s <= n) continue;
      size = s;
      if (new Set(rs.map((x) => x % s)).size === rs.length) break;
    }
    const sizes = [];
    for (let t = 0; t < TIERS; t++) sizes.push(t === tier ? size : old[t]);
    const ring = EndpointRollup.#newRing(sizes);
    for (let t = 0; t < TIERS; t++) {
      for (let o = old[TIERS + t], end = o + old[t] * REC; o < end; o += REC) {
        if (old[o] < 0) continue;
        const to = ring[TIERS + t] + ((old[o] % SLOTS) % ring[t]) * REC;
        ring[to] = old[o];
        ring[to + 1] = old[o + 1];
        ring[to + 2] = old[o + 2];
      }
    }
    this.#ring = ring;
  }

  /**
   * Checks of status code st in the slot at ring position pos; 0 when it holds none.
   * @param {number} pos @param {number} st
   */
  count(pos, st) {
    const o = this.#find(pos);
    return o < 0 ? 0 : this.#data[this.#ring[o + 1] + st];
  }

  /**
   * The RTT bins that may have checks in the slot at ring position pos: [lowBin, highBin).
   * @param {number} pos
   */
  lowBin(pos) {
    const o = this.#find(pos);
    return o < 0 ? 0 : this.#ring[o + 2] & 255;
  }

  /** The end of {@link lowBin}'s range (exclusive). @param {number} pos */
  highBin(pos) {
    const o = this.#find(pos);
    return o < 0 ? 0 : (this.#ring[o + 2] & 255) + (this.#ring[o + 2] >> 8);
  }

  /**
   * Checks whose RTT fell in `bin` in the slot at ring position pos.
   * @param {number} pos @param {number} bin
   */
  rtts(pos, bin) {
    const o = this.#find(pos);
    if (o < 0) return 0;
    const w = this.#ring[o + 2], i = bin - (w & 255);
    return i < 0 || i >= w >> 8 ? 0 : this.#data[this.#ring[o + 1] + HEAD + i];
  }

  /**
   * Adds checks to a held slot (a position from {@link slot}): n of status code st, and `rtts` RTTs
   * in `bin` (ignored unless 0 ≤ bin < BINS).
   * @param {number} pos @param {number} st @param {number} n @param {number} [bin] @param {number} [rtts]
   */
  addChecks(pos, st, n, bin = -1, rtts = 0) {
    const o = this.#find(pos);
    if (o < 0) return;
    if (n > 0) this.#data[this.#ring[o + 1] + st] += n;
    if (bin >= 0 && bin < BINS && rtts > 0) {
      const j = this.#index(o, bin); // may move the segment: read #data and the record afterwards
      this.#data[this.#ring[o + 1] + HEAD + j] += rtts;
    }
  }

  /** Bytes of typed arrays held for the slots (the part that grows with the history). */
  get slotBytes() {
    return this.#ring.byteLength + this.#data.byteLength;
  }

  /** @param {number} t @param {number} st @param {number} bin (-1: no RTT) */
  record(t, st, bin) {
    for (let tier = 0; tier < TIERS; tier++) {
      const k = Math.floor(t / WIDTHS[tier]) | 0; // an int32 (t ≤ MAX_TIME): integer modulo, not fmod
      let ring = this.#ring, o = ring[TIERS + tier] + ((k % SLOTS) % ring[tier]) * REC;
      if (ring[o] !== k) {
        if (this.slot(tier, k) < 0) continue;
        ring = this.#ring; // the ring may have grown
        o = ring[TIERS + tier] + ((k % SLOTS) % ring[tier]) * REC;
      }
      this.#data[ring[o + 1] + st]++;
      if (bin < 0) continue;
      const w = ring[o + 2], i = bin - (w & 255);
      if (i >= 0 && i < w >> 8) this.#data[ring[o + 1] + HEAD + i]++;
      else {
        const j = this.#widen(o, bin); // may move the segment: read #data and the record afterwards
        this.#data[ring[o + 1] + HEAD + j]++;
      }
    }
    this.totals[st]++;
  }

  /** The index of `bin` in the window of record o, widening or moving the window when needed. */
  #index(/** @type {number} */ o, /** @type {number} */ bin) {
    const w = this.#ring[o + 2], i = bin - (w & 255);
    return i >= 0 && i < w >> 8 ? i : this.#widen(o, bin);
  }

  /**
   * Moves a slot's window (record o) to take in `bin`, widening it (to a new segment) when the bins it
   * has seen and `bin` do not fit; returns the index of `bin` in the window.
   * @param {number} o @param {number} bin
   */
  #widen(o, bin) {
    const ring = this.#ring;
    let d = this.#data;
    const at = ring[o + 1], bins = at + HEAD, lo = ring[o + 2] & 255, width = ring[o + 2] >> 8;
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
      const moved = this.#alloc(HEAD + wide); // may compact: read #data and the record afterwards
      d = this.#data;
      const from = ring[o + 1];
      for (let i = 0; i < HEAD; i++) d[moved + i] = d[from + i];
      for (let b = first; first >= 0 && b <= last; b++) d[moved + HEAD + b - to] = d[from + HEAD + b - lo];
      ring[o + 1] = moved;
      this.#holes += HEAD + width;
    }
    ring[o + 2] = to | (wide << 8);
    return bin - to;
  }

  /**
   * Room for `words` at the end; compacts (and grows) the segments first when needed.
   * @param {number} words
   */
  #alloc(words) {
    if (this.#top + words > this.#data.length) this.#growData(words, 1.5);
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
    if (this.#top + words > this.#data.length) this.#growData(words, 1);
  }

  /**
   * Compacts (when there are holes) and grows the segments to hold `words` more, times `slack`; writes the
   * records of the segments it moves.
   * @param {number} words @param {number} slack
   */
  #growData(words, slack) {
    const live = this.#top - this.#holes;
    const old = this.#data, data = new Uint32Array(Math.max(MIN_WORDS, Math.ceil((live + words) * slack)));
    if (!this.#holes) data.set(old.subarray(0, this.#top)); // no hole: the segments stay where they are
    else {
      const ring = this.#ring;
      let top = 0;
      for (let o = HDR; o < ring.length; o += REC) {
        if (ring[o] < 0) continue;
        const from = ring[o + 1], n = HEAD + (ring[o + 2] >> 8);
        for (let i = 0; i < n; i++) data[top + i] = old[from + i];
        ring[o + 1] = top;
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
