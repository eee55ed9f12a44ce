/**
 * Feeds the in-memory rollup from any {@linkcode StorageReader}, reading only rounds it has not seen.
 * A server that starts reads only the newest rounds first ({@linkcode RollupLoader.prime}: the last
 * 15 minutes by default) so it answers within seconds with every endpoint's current status; a first
 * {@linkcode RollupLoader.refresh} reads the recent window (24 h by default) instead. Older history is read
 * afterwards by {@linkcode RollupLoader.backfill} while requests are served (answers say `complete: false`
 * until then), and later refreshes read only what was stored since (with a small overlap, deduplicated by
 * round name, for rounds that writers list late).
 *
 * A stored round that cannot be decoded costs that round only: it is skipped, counted, named once in the
 * log (at most {@linkcode LOGGED_PER_READ} lines per read) and kept among the last few unreadable names
 * (see {@linkcode LoaderState.unreadable}), and reading goes on past it.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { silentLogger } from "../log.ts";
import { redactPatterns } from "../_internal/redact.ts";
import { nowNs, type Result } from "../result.ts";
import { fetchRounds, type StorageReader, type StoredRound } from "../storage/storage.ts";
import { Rollup } from "../status/rollup.js";

/** Options of {@linkcode RollupLoader}. */
export interface LoaderOptions {
  /** Where rounds are read from. */
  reader: StorageReader;
  /** Where read errors and progress are reported; default silent. */
  logger?: Logger;
  /** The current time as UTC Unix nanoseconds. */
  now?: () => bigint;
  /** History read before the first answer by {@linkcode RollupLoader.refresh}, ns; default 24 h. */
  recent?: number;
  /**
   * History read before the first answer by {@linkcode RollupLoader.prime} (the server's start), ns;
   * default 15 min; grown fourfold, up to `recent`, while some endpoint's location has fewer than two
   * results in it.
   */
  first?: number;
  /** How far before the newest round seen each refresh looks again for late-listed rounds, ns; default 5 min. */
  overlap?: number;
  /** Rounds fetched at once from readers without their own query (fs, s3, github); default 8. */
  concurrency?: number;
  /**
   * Scrubs secrets from endpoints as rounds are read (default: credential patterns). Rounds stored before
   * redaction (by Go, or an older Checkup) then join the same endpoint as the redacted ones stored since.
   */
  redact?: (text: string) => string;
  /**
   * Awaited before each round of older history ({@linkcode RollupLoader.backfill}) is added: the server
   * holds the history there while a status document is built, so the first answers are built at the whole
   * CPU rather than between history slices. Default: none.
   */
  pause?: () => Promise<void>;
}

const DAY_NS = 86_400e9;
const FIRST_NS = 900e9;
/** How much a first window that is too short for the first answer grows each time. */
const WIDEN = 4n;
/** Unreadable rounds named in the log per read; more are summed up in one line. */
export const LOGGED_PER_READ = 10;
/** Names of unreadable rounds kept for `/healthz`, newest last. */
const NAMES_SHOWN = 10;
/** Names of unreadable rounds remembered, so none is counted or logged twice (bounded memory). */
const NAMES_REMEMBERED = 4096;
const SLICE_MS = 25;
/** How often a long read (the first window) publishes what it read so far. */
const PUBLISH_MS = 1000;
/**
 * How often reading older history publishes: each publish makes the next request rebuild the status
 * documents (all endpoints), and answers say `complete: false` until the end anyway.
 */
const BACKFILL_PUBLISH_MS = 5000;
/** Distinct endpoint texts whose redaction is remembered (a few per endpoint; cleared when full). */
const REDACTED_MEMO = 10_000;

/** Yields to the event loop so requests are answered during long reads. */
const yieldNow = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** What a loader tells about its reading, and how to make it read. */
export interface LoaderState {
  /** Whether the recent window has been read (the server can answer). */
  readonly ready: boolean;
  /** Whether all history has been read. */
  readonly complete: boolean;
  /** Changes when the data changed: a cache key. */
  readonly generation: number;
  /** Rounds read since start. */
  readonly rounds: number;
  /** Failed reads since start. */
  readonly failures: number;
  /** Stored rounds skipped because their data cannot be decoded: how many, and the last few names. */
  readonly unreadable: UnreadableRounds;
  /** When the last successful read finished (ms since the epoch; 0 before). */
  readonly refreshedAt: number;
  /** The last read's error, until a read succeeds. */
  readonly error?: Error;
  /** Reads the rounds stored since the last read (the recent window the first time). */
  refresh(signal?: AbortSignal): Promise<number>;
  /** The first read of a server that starts: the newest rounds only (then as `refresh`). */
  prime(signal?: AbortSignal): Promise<number>;
  /** Reads the history older than the recent window, once. */
  backfill(signal?: AbortSignal): Promise<number>;
}

/** Stored rounds that could not be decoded, skipped since the loader started. */
export interface UnreadableRounds {
  /** How many (each round counted once, however often it is read again). */
  readonly count: number;
  /** The names of the last few (at most 10), oldest first. */
  readonly latest: readonly string[];
}

/** Reads rounds into a {@linkcode Rollup}, incrementally. */
export class RollupLoader implements LoaderState {
  /** The aggregate of every round read so far. */
  readonly rollup: Rollup = new Rollup();
  readonly #reader: StorageReader;
  readonly #logger: Logger;
  readonly #now: () => bigint;
  readonly #recent: bigint;
  readonly #first: bigint;
  readonly #overlap: bigint;
  readonly #concurrency: number;
  readonly #redact: (text: string) => string;
  readonly #pause?: () => Promise<void>;
  /** Endpoint text as stored → as shown: redaction runs once per distinct endpoint, not per result. */
  readonly #endpoints = new Map<string, string>();
  /** Rounds read in the overlap window: name → store time. */
  readonly #seen = new Map<string, bigint>();
  #watermark = -1n;
  #ready = false;
  #recentSince = 0n;
  #running?: Promise<number>;
  #backfilled = false;
  #generation = 0;
  #publishedAt = 0;
  /** Names of unreadable rounds already counted and logged, oldest first (bounded). */
  readonly #reported = new Set<string>();
  #unreadable = 0;
  #latestUnreadable: string[] = [];
  /** Rounds read since start. */
  rounds = 0;
  /** The last refresh error (redaction is the caller's job), cleared by a successful refresh. */
  error?: Error;
  /** When the last successful refresh finished (ms since the epoch). */
  refreshedAt = 0;
  /** Failed refreshes since start. */
  failures = 0;

  /** A loader that has read nothing yet: call {@linkcode refresh}, then {@linkcode backfill}. */
  constructor(options: LoaderOptions) {
    this.#reader = options.reader;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? nowNs;
    this.#recent = BigInt(Math.round(options.recent ?? DAY_NS));
    this.#first = BigInt(Math.round(options.first ?? FIRST_NS));
    this.#overlap = BigInt(Math.round(options.overlap ?? 300e9));
    this.#concurrency = Math.max(1, options.concurrency ?? 8);
    this.#redact = options.redact ?? redactPatterns;
    this.#pause = options.pause;
  }

  /** The result with its endpoint redacted: the endpoint's identity, whoever wrote the round. */
  #redacted(r: Result): Result {
    const stored = r.endpoint;
    if (!stored) return r;
    let shown = this.#endpoints.get(stored);
    if (shown === undefined) {
      if (this.#endpoints.size >= REDACTED_MEMO) this.#endpoints.clear();
      this.#endpoints.set(stored, shown = this.#redact(stored));
    }
    return shown === stored ? r : { ...r, endpoint: shown };
  }

  /** Whether the recent window has been read (the server can answer). */
  get ready(): boolean {
    return this.#ready;
  }

  /** Whether all history has been read. */
  get complete(): boolean {
    return this.#backfilled;
  }

  /** Stored rounds skipped because their data cannot be decoded: how many, and the last few names. */
  get unreadable(): UnreadableRounds {
    return { count: this.#unreadable, latest: this.#latestUnreadable };
  }

  /** Counts and logs an unreadable round once; returns whether it was new. */
  #skip(round: StoredRound): boolean {
    if (this.#reported.has(round.name)) return false;
    this.#reported.add(round.name);
    if (this.#reported.size > NAMES_REMEMBERED) this.#reported.delete(this.#reported.values().next().value!);
    this.#unreadable++;
    this.#latestUnreadable = [...this.#latestUnreadable.slice(1 - NAMES_SHOWN), round.name];
    return true;
  }

  /** Changes when the rollup changed (at most every 5 s while reading older history): a cache key. */
  get generation(): number {
    return this.#generation;
  }

  #publish(force: boolean, every = PUBLISH_MS): void {
    const t = performance.now();
    if (force || t - this.#publishedAt >= every) {
      this.#generation++;
      this.#publishedAt = t;
    }
  }

  async #ingest(rounds: AsyncIterable<StoredRound>, track: boolean, signal?: AbortSignal): Promise<number> {
    let n = 0, skipped = 0;
    let slice = performance.now();
    for await (const round of rounds) {
      if (signal?.aborted) break;
      if (track) {
        this.#seen.set(round.name, round.timestamp);
        if (round.timestamp > this.#watermark) this.#watermark = round.timestamp;
      }
      if (round.unreadable) {
        if (this.#skip(round) && ++skipped <= LOGGED_PER_READ) {
          this.#logger.warn("stored round unreadable; skipped", {
            name: round.name,
            error: round.unreadable,
          });
        }
        continue;
      }
      if (!track && this.#pause) await this.#pause();
      const fallback = Number(round.timestamp) / 1e6;
      const results = round.results;
      for (let i = 0; i < results.length; i++) {
        const r = this.#redacted(results[i]);
        this.rollup.add(r, r.timestamp ? Number(r.timestamp) / 1e6 : fallback, i, results.length);
      }
      n++;
      this.rounds++;
      if (performance.now() - slice > SLICE_MS) {
        this.#publish(false, track ? PUBLISH_MS : BACKFILL_PUBLISH_MS);
        await yieldNow();
        slice = performance.now();
      }
    }
    if (skipped > LOGGED_PER_READ) {
      this.#logger.warn("more stored rounds unreadable; skipped", {
        rounds: skipped - LOGGED_PER_READ,
        total: this.#unreadable,
      });
    }
    return n;
  }

  /**
   * Reads the rounds stored since the last refresh (the recent window on the first call); concurrent
   * calls share one read. Resolves to the number of new rounds; throws what the storage threw.
   */
  refresh(signal?: AbortSignal): Promise<number> {
    this.#running ??= this.#refresh(this.#recent, signal).finally(() => (this.#running = undefined));
    return this.#running;
  }

  /**
   * The first read of a server that starts: like {@linkcode refresh}, but only the newest rounds (the
   * `first` window, 15 min by default) are read before the server answers, so the first answer shows the
   * current status of every endpoint within seconds whatever the history's length; everything older is
   * {@linkcode backfill}'s. When the window holds fewer than two results of some endpoint's location
   * (rounds further apart), it grows fourfold (1 h, 4 h, …) up to the recent window. Once ready, the same
   * as {@linkcode refresh}. Each round is read once either way: the windows split the rounds by their
   * store time.
   */
  prime(signal?: AbortSignal): Promise<number> {
    if (this.#ready) return this.refresh(signal);
    this.#running ??= this.#refresh(this.#first, signal).finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Whether every location of every endpoint read has two results (and there is one endpoint). */
  #settled(): boolean {
    if (!this.rollup.endpoints.size) return false;
    for (const e of this.rollup.endpoints.values()) {
      for (const n of e.nodes.values()) if (n.prevT === -Infinity) return false;
    }
    return true;
  }

  async #refresh(window: bigint, signal?: AbortSignal): Promise<number> {
    const first = !this.#ready;
    const now = this.#now();
    if (first) this.#recentSince = now - window;
    // Rounds up to the recent window's start belong to backfill(); later ones to refreshes.
    const lookBack = this.#watermark - this.#overlap;
    const since = first || lookBack < this.#recentSince ? this.#recentSince : lookBack;
    try {
      let n = await this.#ingest(this.#unseen(since, undefined, signal), true, signal);
      // A short first window (prime) widens, each time reading only the span before what was read, until
      // every location of every endpoint has two results (its interval: whether it is silent is judged
      // right) or the recent window is read.
      for (let span = window; first && span < this.#recent && !signal?.aborted && !this.#settled();) {
        const until = this.#recentSince;
        span = span * WIDEN < this.#recent ? span * WIDEN : this.#recent;
        this.#recentSince = now - span;
        n += await this.#ingest(this.#unseen(this.#recentSince, until, signal), true, signal);
      }
      if (first && this.#watermark < 0n) this.#watermark = this.#recentSince;
      this.#ready = true;
      for (const [name, ts] of this.#seen) if (ts <= this.#watermark - this.#overlap) this.#seen.delete(name);
      this.error = undefined;
      this.refreshedAt = Date.now();
      if (n || first) this.#publish(true);
      return n;
    } catch (e) {
      this.failures++;
      this.error = e as Error;
      // Part of the recent window was read: answer with it, and carry on from there next time.
      if (first && this.#watermark >= 0n) {
        this.#ready = true;
        this.#publish(true);
      }
      throw e;
    }
  }

  /**
   * Reads the history older than the recent window, once, yielding to the event loop as it goes.
   * Call after the first successful {@linkcode refresh}.
   */
  async backfill(signal?: AbortSignal): Promise<number> {
    if (this.#backfilled) return 0;
    if (!this.ready) throw new Error("backfill before the first refresh");
    const started = performance.now();
    const n = await this.#ingest(this.#unseen(-1n, this.#recentSince, signal), false, signal);
    if (signal?.aborted) return n;
    this.rollup.compact();
    this.#backfilled = true;
    this.#publish(true);
    this.#logger.info("history read", { rounds: n, ms: Math.round(performance.now() - started) });
    return n;
  }

  /** Rounds stored in (since, until], skipping the ones already read, oldest first. */
  async *#unseen(since: bigint, until: bigint | undefined, signal?: AbortSignal): AsyncIterable<StoredRound> {
    const reader = this.#reader;
    if (reader.rounds) {
      for await (const r of reader.rounds(since < 0n ? 0n : since, signal)) {
        if (until !== undefined && r.timestamp > until) return;
        if (!this.#seen.has(r.name)) yield r;
      }
      return;
    }
    const entries = (await reader.index(signal)).filter((e) =>
      e.timestamp > since && (until === undefined || e.timestamp <= until) && !this.#seen.has(e.name)
    );
    // Fetch a few rounds ahead (remote storages), yield them in order.
    yield* fetchRounds(reader, entries, this.#concurrency, signal);
  }
}
