/**
 * The storage contract: `Storage` stores a round; optional capabilities `StorageReader` (list and read),
 * `Maintainer` (purge expired), `Provisioner` (create the backing store), `StateStore` (small per-node
 * state such as alert state), `SharedStore` (documents several nodes coordinate through) and `SummaryStore` (per-node status page summaries beside the check files).
 * Detect them with the exported type guards. A store that fails because of the round itself, not an
 * outage, is recognised by {@linkcode isRejection}, which asks the backend ({@linkcode Storage.isRejection}).
 *
 * A round reaches the storage as one or more `store` calls followed by one `endRound`: decorators (the
 * spool, the status page summaries; `storage/spooled.ts`, `storage/summarizing.ts`) implement `Storage`
 * themselves, forward both, and write what they hold once per round in `endRound`.
 *
 * @module
 */
import { decodeResults, type Result, ResultFormatError } from "../result.ts";

/** Options of {@linkcode Storage.store}. */
export interface StoreOptions {
  /**
   * The store time to use (UTC ns) instead of now: a round sent again from the spool keeps its original
   * time and name. Storing the same round again at the same time is recognised and not duplicated.
   */
  at?: bigint;
  /**
   * The node's summary with this round folded in (`<key>.json`), given by the summarizing decorator to a
   * storage whose rounds are commits ({@linkcode SummaryStore.summaryWithRound}): written in the round's own
   * commit. Other storages never get it.
   */
  summary?: { key: string; text: string };
}

/** Appends check rounds. Never read-modify-writes shared data except Go's `index.json`. */
export interface Storage {
  /** The config `type`, e.g. `"fs"`. */
  readonly type: string;
  /**
   * Stores one round; returns the name it was stored under (`<ns>-check.json`, where ns is the store time
   * or the next free nanosecond after it). A decorator that keeps the round instead (the spool, during an
   * outage) returns `""`, and its `endRound` reports the round as pending.
   */
  store(results: readonly Result[], signal?: AbortSignal, options?: StoreOptions): Promise<string>;
  /**
   * The round is over: write what was held back for once per round (a node's status page summary: one
   * write, so one GitHub commit, however many rounds were stored). Called once after each round's
   * `store` (or none). Decorators forward it to the storage they wrap; a backend needs none.
   */
  endRound?(signal?: AbortSignal): Promise<RoundEnd>;
  /**
   * Whether `error`, thrown by this storage's `store`, refuses the round itself for good (too large,
   * invalid: sending it again fails the same way), as opposed to an outage that may pass. Each backend
   * knows its driver's errors; {@linkcode isRejection} asks it for every error of the `cause` chain.
   */
  isRejection?(error: unknown): boolean;
  /** Releases connections and handles. */
  close?(): Promise<void>;
}

/** What a round's end reports, beyond the name the round was stored under. */
export interface RoundEnd {
  /** Rounds kept to be sent later (a spool, while the storage is unavailable), this round among them. */
  pending?: number;
  /** Rounds the storage refused for good during this round, set aside. */
  rejected?: number;
}

/** One stored round as listed: its name and its store time (UTC ns). */
export interface IndexEntry {
  /** The round's name: the check file's name or the row's `name` column. */
  name: string;
  /** When the round was stored, UTC Unix nanoseconds. */
  timestamp: bigint;
}

/** One stored round with its results. */
export interface StoredRound extends IndexEntry {
  /** The round's results, in check order (empty when the round is {@linkcode StoredRound.unreadable}). */
  results: Result[];
  /**
   * Set when the stored data cannot be decoded (a truncated file, a garbage row): why, naming the place.
   * Readers yield such a round, with no results, instead of stopping at it, so one bad round costs one
   * round; skip it and carry on.
   */
  unreadable?: Error;
}

/** A storage whose rounds can be listed and read back (what `checkup serve` needs). */
export interface StorageReader {
  /** Every stored round, oldest first. */
  index(signal?: AbortSignal): Promise<IndexEntry[]>;
  /** The results of one round; throws {@linkcode NotFoundError} when there is no such round. */
  fetch(name: string, signal?: AbortSignal): Promise<Result[]>;
  /** Rounds stored strictly after `since` (UTC ns), oldest first; backends with a query language override this. */
  rounds?(since: bigint, signal?: AbortSignal): AsyncIterable<StoredRound>;
}

/** A storage that deletes expired check data (`check_expiry`). */
export interface Maintainer {
  /** Deletes rounds older than the expiry; returns how many were deleted. */
  maintain(signal?: AbortSignal): Promise<number>;
}

/** What provisioning created, printed once (credentials are never shown again). */
export interface ProvisionInfo {
  /** One printed line per key, e.g. the bucket, its region, a created access key. */
  [key: string]: string | undefined;
}

/** A storage that can create its backing store (`checkup provision`). */
export interface Provisioner {
  /** Creates what the storage needs (bucket, policy, user); safe to run again. */
  provision(signal?: AbortSignal): Promise<ProvisionInfo>;
}

/** A storage that can hold small named documents for one node (alert state, summaries). */
export interface StateStore {
  /** The document stored under `key`, or undefined. */
  loadState(key: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Replaces the document under `key` (keys are per node, so writers never contend). */
  saveState(key: string, value: string, signal?: AbortSignal): Promise<void>;
}

/**
 * A storage that publishes per-node summary documents beside its check files, readable wherever the
 * check files are (static status pages; see `storage/summarizing.ts`).
 */
export interface SummaryStore {
  /** The summary document stored under `key` (e.g. `summary-eu-west`), or undefined. */
  loadSummary(key: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Replaces the document under `key`, as `<key>.json` beside the check files, readable as they are. */
  saveSummary(key: string, text: string, signal?: AbortSignal): Promise<void>;
  /**
   * True when `store` writes the round's summary ({@linkcode StoreOptions.summary}) in the same write as the
   * round (github: one commit per round instead of two).
   */
  readonly summaryWithRound?: boolean;
}

/**
 * A storage several nodes share for small coordination documents (several locations: each node's latest
 * results, alert claims). Lock-free: a key is written by one node only ({@linkcode SharedStore.put}), or
 * created once by whichever node comes first ({@linkcode SharedStore.create}: fs an exclusive create, SQL a
 * unique key, S3 `If-None-Match: *`).
 *
 * Keys are `/`-separated segments of `[a-z0-9._-]` (at most 240 characters); backends keep them apart from
 * check data (fs `<dir>/_shared/<key>`, SQL table `checkup_shared`, S3 `<prefix>_shared/<key>`).
 */
export interface SharedStore {
  /**
   * Creates `key` holding `value` unless it exists: true when this call created it, false when it existed
   * (whoever created it, this node included). Atomic across processes and hosts: of any number of
   * concurrent creates of one key exactly one returns true, and a reader never sees a partial value.
   */
  create(key: string, value: string, signal?: AbortSignal): Promise<boolean>;
  /** Replaces (or creates) `key`: for keys only one node writes. */
  put(key: string, value: string, signal?: AbortSignal): Promise<void>;
  /** Every document whose key starts with `prefix`, by key (order unspecified). */
  list(prefix: string, signal?: AbortSignal): Promise<Map<string, string>>;
  /** Deletes the keys; absent ones are ignored. */
  remove(keys: readonly string[], signal?: AbortSignal): Promise<void>;
}

/** The requested round does not exist. */
export class NotFoundError extends Error {
  /** Always `"NotFoundError"`. */
  override name = "NotFoundError";
}

function has(s: unknown, method: string): boolean {
  return typeof (s as Record<string, unknown>)?.[method] === "function";
}

/** Whether a storage can list and read rounds. */
export function isStorageReader<S extends Storage>(s: S): s is S & StorageReader {
  return has(s, "index") && has(s, "fetch");
}

/** Whether a storage purges expired rounds. */
export function isMaintainer<S extends Storage>(s: S): s is S & Maintainer {
  return has(s, "maintain");
}

/** Whether a storage can provision its backing store. */
export function isProvisioner<S extends Storage>(s: S): s is S & Provisioner {
  return has(s, "provision");
}

/** Whether a storage holds per-node state documents. */
export function isStateStore<S extends Storage>(s: S): s is S & StateStore {
  return has(s, "loadState") && has(s, "saveState");
}

/** Whether a storage publishes summaries itself. */
export function isSummaryStore<S extends Storage>(s: S): s is S & SummaryStore {
  return has(s, "loadSummary") && has(s, "saveSummary");
}

/** Whether a storage holds shared coordination documents (several locations). */
export function isSharedStore<S extends object>(s: S): s is S & SharedStore {
  return has(s, "create") && has(s, "put") && has(s, "list") && has(s, "remove");
}

/** Whether `key` is a valid {@linkcode SharedStore} key. */
export function isSharedKey(key: string): boolean {
  return key.length > 0 && key.length <= 240 && /^[a-z0-9._-]+(?:\/[a-z0-9._-]+)*$/.test(key) &&
    !key.split("/").some((s) => s === "." || s === "..");
}

/** Go's check file name for a store time: `<ns>-check.json`. */
export function checkFileName(ns: bigint): string {
  return `${ns}-check.json`;
}

/** The store time encoded in a check file name, or undefined if the name is not a check file. */
export function parseCheckFileName(name: string): bigint | undefined {
  const m = /^(?:.*\/)?(\d+)-check\.json$/.exec(name);
  return m ? BigInt(m[1]) : undefined;
}

/**
 * One listed round decoded from its stored text: marked {@linkcode StoredRound.unreadable} (no results)
 * when the text is not a Go-format check round, so a reader can go past it.
 *
 * @example
 * ```ts
 * import { decodeRound } from "./storage.ts";
 * const entry = { name: "1-check.json", timestamp: 1n };
 * console.assert(decodeRound(entry, '[{"title":"API"}]', "row 1").results.length === 1);
 * console.assert(decodeRound(entry, '[{"title":', "row 1").unreadable !== undefined);
 * ```
 */
export function decodeRound(entry: IndexEntry, text: string, source: string): StoredRound {
  try {
    return { ...entry, results: decodeResults(text, source) };
  } catch (e) {
    if (!(e instanceof ResultFormatError)) throw e;
    return { ...entry, results: [], unreadable: e };
  }
}

/**
 * Fetches one listed round: undefined when it vanished meanwhile (expired), marked
 * {@linkcode StoredRound.unreadable} when its data cannot be decoded; other errors (the storage is
 * unavailable) are thrown.
 */
async function fetchRound(
  reader: StorageReader,
  entry: IndexEntry,
  signal?: AbortSignal,
): Promise<StoredRound | undefined> {
  try {
    return { ...entry, results: await reader.fetch(entry.name, signal) };
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    if (e instanceof ResultFormatError) return { ...entry, results: [], unreadable: e };
    throw e;
  }
}

/**
 * Fetches listed rounds, up to `concurrency` at once (remote storages), and yields them in the listed
 * order. Rounds that vanished are skipped; a round whose data cannot be decoded is yielded with no results
 * and {@linkcode StoredRound.unreadable} set; other errors (the storage is unavailable) are thrown.
 *
 * @example
 * ```ts
 * import { fetchRounds, type StorageReader } from "./storage.ts";
 * const files: Record<string, string> = { "1-check.json": "[]", "2-check.json": "[{" };
 * const reader: StorageReader = {
 *   index: () => Promise.resolve([{ name: "1-check.json", timestamp: 1n }, { name: "2-check.json", timestamp: 2n }]),
 *   fetch: (name) => import("../result.ts").then((m) => m.decodeResults(files[name], name)),
 * };
 * const read = [];
 * for await (const r of fetchRounds(reader, await reader.index(), 4)) read.push(r.unreadable ? "bad" : "ok");
 * console.assert(read.join() === "ok,bad");
 * ```
 */
export async function* fetchRounds(
  reader: StorageReader,
  entries: readonly IndexEntry[],
  concurrency = 1,
  signal?: AbortSignal,
): AsyncIterable<StoredRound> {
  const pending: Promise<StoredRound | undefined>[] = [];
  let next = 0;
  const start = () => {
    const p = fetchRound(reader, entries[next++], signal);
    p.catch(() => {}); // awaited below; never an unhandled rejection if the consumer stops early
    pending.push(p);
  };
  while (next < entries.length && pending.length < Math.max(1, concurrency)) start();
  while (pending.length) {
    const round = await pending.shift()!;
    if (next < entries.length) start();
    if (round) yield round;
  }
}

/**
 * Rounds stored after `since`, oldest first, through the reader's own query when it has one, else by
 * listing the index and fetching each round. A round that vanished meanwhile (expired) is skipped; a
 * round whose data cannot be decoded is yielded with no results and {@linkcode StoredRound.unreadable}
 * set, and reading goes on.
 */
export async function* readRounds(
  reader: StorageReader,
  since = 0n,
  signal?: AbortSignal,
): AsyncIterable<StoredRound> {
  if (reader.rounds) {
    yield* reader.rounds(since, signal);
    return;
  }
  const entries = (await reader.index(signal)).filter((e) => e.timestamp > since);
  yield* fetchRounds(reader, entries, 1, signal);
}

/**
 * The storage refused a round for a reason in the round itself (too large, invalid), so sending it again
 * will not help. A backend may throw it, or classify its driver's own errors ({@linkcode Storage.isRejection}).
 */
export class RejectedError extends Error {
  /** Always `"RejectedError"`. */
  override name = "RejectedError";
}

/**
 * Whether a store failure is a permanent rejection of the round (sending it again will fail the same
 * way), rather than an outage that may pass: some error of the `cause` chain is a
 * {@linkcode RejectedError}, or one that `storage` classifies as a rejection
 * ({@linkcode Storage.isRejection}: the SQL backends a data error, s3 a body too large, github a 4xx about
 * the file). Anything else, connection errors and timeouts included, is not.
 *
 * @example
 * ```ts
 * import { isRejection, RejectedError } from "./storage.ts";
 * console.assert(isRejection(new Error("storage x: store", { cause: new RejectedError("too large") })));
 * console.assert(!isRejection(new Error("connection refused")));
 * const picky = { type: "picky", store: () => Promise.resolve(""), isRejection: (e: unknown) => e === 413 };
 * console.assert(isRejection(new Error("storage picky: store", { cause: 413 }), picky));
 * ```
 */
export function isRejection(error: unknown, storage?: Pick<Storage, "isRejection">): boolean {
  let e = error;
  for (let depth = 0; depth < 8 && e !== undefined && e !== null; depth++) {
    if (e instanceof RejectedError || storage?.isRejection?.(e)) return true;
    if (typeof e !== "object") return false;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
