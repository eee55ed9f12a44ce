/**
 * The storage contract: `Storage` stores a round; optional capabilities `StorageReader` (list and read),
 * `Maintainer` (purge expired), `Provisioner` (create the backing store) and `StateStore` (small per-node
 * state such as alert state). Detect them with the exported type guards.
 *
 * @module
 */
import type { Result } from "../result.ts";

/** Options of {@linkcode Storage.store}. */
export interface StoreOptions {
  /**
   * The store time to use (UTC ns) instead of now: a round sent again from the spool keeps its original
   * time and name. Storing the same round again at the same time is recognised and not duplicated.
   */
  at?: bigint;
}

/** Appends check rounds. Never read-modify-writes shared data except Go's `index.json`. */
export interface Storage {
  /** The config `type`, e.g. `"fs"`. */
  readonly type: string;
  /**
   * Stores one round; returns the name it was stored under (`<ns>-check.json`, where ns is the store time
   * or the next free nanosecond after it).
   */
  store(results: readonly Result[], signal?: AbortSignal, options?: StoreOptions): Promise<string>;
  /** Releases connections and handles. */
  close?(): Promise<void>;
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
  /** The round's results, in check order. */
  results: Result[];
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

/** The requested round does not exist. */
export class NotFoundError extends Error {
  override name = "NotFoundError";
}

function has(s: unknown, method: string): boolean {
  return typeof (s as Record<string, unknown>)?.[method] === "function";
}

/** Whether a storage can list and read rounds. */
export function isStorageReader<S extends Storage>(s: S): s is S & StorageReader {
  return has(s, "index") && has(s, "fetch");
}
  /** Always `"NotFoundError"`. */

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
 * Rounds stored after `since`, oldest first, through the reader's own query when it has one, else by
 * listing the index and fetching each round. A round that vanished meanwhile (expired) is skipped.
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
  for (const entry of await reader.index(signal)) {
    if (entry.timestamp <= since) continue;
    try {
      yield { ...entry, results: await reader.fetch(entry.name, signal) };
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }
}
