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

/** @typedef {"unknown" | "healthy" | "degraded" | "down"} Status */

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
 */

/** @typedef {{ s: number, e: number, st: number, n: number, why: string }} Run */
/** @typedef {{ t: number, text: string, node: string }} Message */

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
const TIERS = RANGES.length;
const WIDTHS = RANGES.map((r) => r.slot);
/** How far back anything is kept: the longest range. */
export const HORIZON = SLOTS * RANGES[TIERS - 1].slot;
/** Latest result time accepted (ms; the year 67,000): slot numbers stay 32-bit integers. */
export const MAX_TIME = 2 ** 31 * RANGES[0].slot - 1;
const MAX_RUNS = 2000;
/** A smaller round may set the order when the last full one is older than this (the config shrank). */
const REORDER_AFTER = 7 * 86_400_000;
const MAX_MESSAGES = 100;
const MAX_REASON = 300;
/** Longest message text kept, in characters. */
export const MAX_MESSAGE = 4000;

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

/** @param {string} s @param {number} max */
function clip(s, max) {
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

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

/**
 * Adds a message to a list sorted by time, without duplicates, keeping the newest MAX_MESSAGES.
 * @param {Message[]} list @param {number} t @param {string} text @param {string} node
 */
export function insertMessage(list, t, text, node) {
  text = clip(text, MAX_MESSAGE);
  let i = list.length;
  while (i > 0 && list[i - 1].t > t) i--;
  for (let j = i - 1; j >= 0 && list[j].t === t; j--) {
    if (list[j].text === text && list[j].node === node) return;
  }
  list.splice(i, 0, { t, text, node });
  if (list.length > MAX_MESSAGES) list.shift();
}

/**
 * Whether a result carries a message and no measurement: no attempts, or (as `checkup serve` stores a
 * posted message, so Go's page can read it) a single attempt with rtt 0 and no error. A real attempt
 * always takes time or fails with an error.
 * @param {ResultLike} r
 */
export function isMessageOnly(r) {
  if (!r.message) return false;
  const times = r.times ?? [];
  return times.length === 0 || (times.length === 1 && !times[0].rtt && !times[0].error);
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

/** Words before a slot's histogram: its checks per status code. */
const HEAD = 4;
/** RTT bins a slot has room for when first used. */
const FIRST_WIDTH = 4;
/** Smallest slot storage allocated, in words. */
const MIN_WORDS = 64;

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
    this.keys = new Int32Array(TIERS * SLOTS).fill(-1);
    /** @type {Map<string, NodeSeries>} */
    this.nodes = new Map();
    /** @type {Message[]} */
    this.messages = [];
    /** Checks ever counted, per status code (Prometheus counters). */
    this.totals = [0, 0, 0, 0];
  }

  /** Where each held ring position's segment starts in #data. */
  #at = new Int32Array(TIERS * SLOTS);
  /** The first RTT bin of each position's window. */
  #lo = new Uint8Array(TIERS * SLOTS);
  /** The width of each position's window, in bins. */
  #width = new Uint8Array(TIERS * SLOTS);
  /** The segments; words from #top on are free (and zero). */
  #data = new Uint32Array(0);
  #top = 0;

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
    return this.keys.byteLength + this.#at.byteLength + this.#lo.byteLength + this.#width.byteLength +
      this.#data.byteLength;
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
    }
    this.#lo[pos] = to;
    return bin - to;
  }

  /**
   * Room for `words` at the end; compacts (and grows) the segments first when needed.
   * @param {number} words
   */
  #alloc(words) {
    if (this.#top + words > this.#data.length) {
      let live = 0;
      for (let p = 0; p < this.keys.length; p++) if (this.keys[p] >= 0) live += HEAD + this.#width[p];
      const old = this.#data, data = new Uint32Array(Math.max(MIN_WORDS, Math.ceil((live + words) * 1.5)));
      let top = 0;
      for (let p = 0; p < this.keys.length; p++) {
        if (this.keys[p] < 0) continue;
        const from = this.#at[p], n = HEAD + this.#width[p];
        for (let i = 0; i < n; i++) data[top + i] = old[from + i];
        this.#at[p] = top;
        top += n;
      }
      this.#data = data;
      this.#top = top;
    }
    const at = this.#top;
    this.#top += words;
    return at;
  }

  /** @param {string} node */
  series(node) {
    let s = this.nodes.get(node);
    if (!s) this.nodes.set(node, s = new NodeSeries(node));
    return s;
  }
}

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

  /** @type {Map<string, Map<string, EndpointRollup>>} */
  #byTitle = new Map();

  /** @param {string} title @param {string} endpoint */
  endpoint(title, endpoint) {
    // Two lookups instead of a joined key: no string is built per result read.
    let byEndpoint = this.#byTitle.get(title);
    if (!byEndpoint) this.#byTitle.set(title, byEndpoint = new Map());
    let e = byEndpoint.get(endpoint);
    if (!e) {
      e = new EndpointRollup(title, endpoint);
      byEndpoint.set(endpoint, e);
      this.endpoints.set(title + "\u0000" + endpoint, e);
    }
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
      for (let p = 0; p < o.keys.length; p++) {
        const k = o.keys[p];
        if (k < 0) continue;
        const pos = e.slot(Math.floor(p / SLOTS), k);
        if (pos < 0) continue;
        for (let c = 0; c < 4; c++) e.addChecks(pos, c, o.count(p, c));
        for (let b = o.lowBin(p), end = o.highBin(p); b < end; b++) e.addChecks(pos, 0, 0, b, o.rtts(p, b));
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
