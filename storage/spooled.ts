/**
 * The spool, a storage decorator: when the storage is unreachable or rejects a write, `checkup every`
 * keeps checking and keeps each unsent round in a local directory (bounded, on disk, so it survives a
 * restart). When the storage answers again the rounds are sent oldest first, each under its original store
 * time, so names and order are exactly what they would have been. A round whose acknowledgement was lost is recognised
 * by the storage when re-sent (same time, same content) and not stored twice.
 *
 * A round the storage refuses for good (too large for the column, rejected as invalid: see
 * {@linkcode isRejection}) does not hold up the rounds behind it: it is moved to the `rejected/`
 * subfolder (bounded like the spool), logged with the reason and counted, and the next rounds go on.
 * Moving a file from `rejected/` back into the spool directory sends it again after the next start.
 *
 * The directory is listed once, on first use; after that the spool keeps its own index in memory, so a
 * round costs the same however long the backlog is. A second process sharing the directory sends the
 * rounds it spooled itself (rounds it finds gone were sent by the other); leftovers of a process that
 * stopped are picked up at the next start.
 *
 * {@linkcode SpooledStorage} implements `Storage` over the storage it fronts (usually the summaries over
 * the backend, so rounds sent from the spool are folded in too): `store` answers the name a round was
 * stored under, or `""` when the round was kept in the spool or set aside; `endRound` says how many
 * rounds wait and how many were refused, and forwards the end of the round.
 *
 * @module
 */
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { decodeResults, encodeResults, type Result } from "../result.ts";
import { isRejection, type RoundEnd, type Storage, type StoreOptions } from "./storage.ts";

/** Where and how much to spool. */
export interface SpoolOptions {
  /** The spool directory (created when first needed). */
  dir: string;
  /** Rounds kept at most; the oldest are dropped beyond it (default 10 000). */
  maxRounds?: number;
  /** Bytes kept at most; the oldest rounds are dropped beyond it (default 64 MiB). */
  maxBytes?: number;
}

/** What {@linkcode SpooledStorage.send} did with a round. */
export interface SpoolReport {
  /** The name the round was stored under, when the storage took it. */
  stored?: string;
  /** Rounds still waiting in the spool afterwards. */
  pending: number;
  /** Spooled rounds sent by this call (older ones first). */
  sent: number;
  /** Rounds the storage refused for good during this call, set aside in `rejected/` (absent when none). */
  rejected?: number;
}

const SUFFIX = ".round";
const ROUND_FILE = /^(\d+)-\w+\.round$/;

/** The subfolder of rounds the storage refused for good. */
export const REJECTED_DIR = "rejected";

interface Entry {
  file: string;
  at: bigint;
  size: number;
}

function byTime(a: Entry, b: Entry): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

/**
 * A storage front that never loses a round to an outage: see the module doc.
 *
 * @example
 * ```ts
 * import { SpooledStorage } from "./spooled.ts";
 * import { parseStorage } from "../config/load.ts";
 * import { silentLogger } from "../log.ts";
 * const dir = await Deno.makeTempDir();
 * const backend = parseStorage({ type: "fs", dir: `${dir}/checks` });
 * const storage = new SpooledStorage(backend, { dir: `${dir}/spool` }, { logger: silentLogger, now: () => 1n });
 * console.assert(await storage.store([{ title: "API", timestamp: 1n, healthy: true }]) === "1-check.json");
 * console.assert((await storage.endRound()).pending === undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SpooledStorage implements Storage {
  readonly #storage: Storage;
  readonly #dir: string;
  readonly #maxRounds: number;
  readonly #maxBytes: number;
  readonly #logger: Logger;
  readonly #now: () => bigint;
  #failing = false;
  /** The spooled rounds, oldest first: listed from disk once, then kept up to date here. */
  #index?: Promise<Entry[]>;
  #bytes = 0;
  /** Calls that change the spool run one after another. */
  #queue: Promise<unknown> = Promise.resolve();
  /** What the stores of the round under way left waiting, and refused (reported by `endRound`). */
  #round: { pending?: number; rejected: number } = { rejected: 0 };

  /** Fronts `storage`; nothing is written to `options.dir` until a round cannot be stored. */
  constructor(storage: Storage, options: SpoolOptions, deps: { logger: Logger; now: () => bigint }) {
    this.#storage = storage;
    this.#dir = options.dir;
    this.#maxRounds = options.maxRounds ?? 10_000;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#logger = deps.logger;
    this.#now = deps.now;
  }

  /** The type of the storage it fronts. */
  get type(): string {
    return this.#storage.type;
  }

  /** The spool directory. */
  get dir(): string {
    return this.#dir;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Round files of a directory (name, store time, size), oldest first; none when it does not exist. */
  async #scan(dir: string): Promise<Entry[]> {
    const out: Entry[] = [];
    try {
      for await (const e of Deno.readDir(dir)) {
        const m = ROUND_FILE.exec(e.name);
        if (!e.isFile || !m) continue;
        const size = (await Deno.stat(join(dir, e.name)).catch(() => undefined))?.size;
        if (size !== undefined) out.push({ file: e.name, at: BigInt(m[1]), size });
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw new Error(`spool: cannot list ${JSON.stringify(dir)}: ${(e as Error).message}`);
    }
    return out.sort(byTime);
  }

  #entries(): Promise<Entry[]> {
    return this.#index ??= this.#scan(this.#dir).then((entries) => {
      this.#bytes = entries.reduce((n, e) => n + e.size, 0);
      return entries;
    }, (e) => {
      this.#index = undefined; // list again next time
      throw e;
    });
  }

  #forget(index: Entry[], e: Entry): void {
    const i = index[0] === e ? 0 : index.indexOf(e);
    if (i < 0) return;
    index.splice(i, 1);
    this.#bytes -= e.size;
  }

  /** Rounds waiting to be sent. */
  async pending(): Promise<number> {
    return (await this.#entries()).length;
  }

  /** Rounds set aside in `rejected/` because the storage refused them for good. */
  async rejected(): Promise<number> {
    return (await this.#scan(join(this.#dir, REJECTED_DIR))).length;
  }

  static #text(results: readonly Result[], at: bigint): string {
    return `${at}\n${encodeResults(results)}`;
  }

  /** Writes a round file atomically into `dir`; returns its entry. */
  async #write(dir: string, results: readonly Result[], at: bigint): Promise<Entry> {
    await Deno.mkdir(dir, { recursive: true });
    const file = `${at}-${crypto.randomUUID().slice(0, 8)}${SUFFIX}`;
    const text = SpooledStorage.#text(results, at);
    const tmp = join(dir, `.${file}.tmp`);
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, join(dir, file));
    return { file, at, size: new TextEncoder().encode(text).length };
  }

  async #add(results: readonly Result[], at: bigint): Promise<Entry> {
    const index = await this.#entries();
    const entry = await this.#write(this.#dir, results, at);
    // Store times only grow, so the new round almost always goes last.
    const last = index.at(-1);
    if (!last || byTime(last, entry) <= 0) index.push(entry);
    else index.splice(index.findIndex((e) => byTime(e, entry) > 0), 0, entry);
    this.#bytes += entry.size;
    let dropped = 0;
    while (index.length > 1 && (index.length > this.#maxRounds || this.#bytes > this.#maxBytes)) {
      const e = index[0];
      this.#forget(index, e);
      await Deno.remove(join(this.#dir, e.file)).catch(() => {});
      dropped++;
    }
    if (dropped) {
      this.#logger.warn("spool full: dropped the oldest rounds", {
        dropped,
        max_rounds: this.#maxRounds,
        max_bytes: this.#maxBytes,
        spool: this.#dir,
      });
    }
    return entry;
  }

  /**
   * Sets a refused round aside in `rejected/` (moves its spool file, or writes it there when it was never
   * spooled), logs why, and keeps `rejected/` within the spool's bounds.
   */
  async #reject(error: unknown, round: { entry: Entry } | { results: readonly Result[]; at: bigint }) {
    const dir = join(this.#dir, REJECTED_DIR);
    let file: string;
    if ("entry" in round) {
      await Deno.mkdir(dir, { recursive: true });
      file = round.entry.file;
      try {
        await Deno.rename(join(this.#dir, file), join(dir, file));
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
        return; // taken meanwhile by another process sharing the spool
      }
    } else file = (await this.#write(dir, round.results, round.at)).file;
    const kept = await this.#scan(dir);
    let bytes = kept.reduce((n, e) => n + e.size, 0);
    let dropped = 0;
    while (kept.length > 1 && (kept.length > this.#maxRounds || bytes > this.#maxBytes)) {
      const e = kept.shift()!;
      bytes -= e.size;
      await Deno.remove(join(dir, e.file)).catch(() => {});
      dropped++;
    }
    this.#logger.error("storage refused a round for good; set it aside, the next rounds go on", {
      storage: this.#storage.type,
      error,
      round: join(dir, file),
      rejected: kept.length,
      ...(dropped ? { dropped_oldest: dropped } : {}),
    });
  }

  #failed(e: unknown, pending: number): void {
    if (!this.#failing) {
      this.#logger.error("storage unavailable; keeping rounds in the spool until it is back", {
        storage: this.#storage.type,
        error: e,
        spool: this.#dir,
      });
    } else {
      this.#logger.debug("storage still unavailable", { storage: this.#storage.type, error: e, pending });
    }
    this.#failing = true;
  }

  #back(sent: number): void {
    // Not failing in this process but rounds were sent: an earlier process spooled them.
    if (!this.#failing && !sent) return;
    this.#logger.info(sent ? "storage is back; spooled rounds sent" : "storage is back", {
      storage: this.#storage.type,
      ...(sent ? { sent } : {}),
    });
    this.#failing = false;
  }

  /**
   * Sends the spooled rounds, oldest first, each under its original store time, and stops at the first
   * failure that may pass (the rest stay, in order); a round refused for good is set aside and the next
   * one goes on. Returns how many were sent.
   */
  flush(signal?: AbortSignal): Promise<number> {
    return this.#serial(async () => (await this.#flush(signal)).sent);
  }

  async #flush(
    signal?: AbortSignal,
  ): Promise<{ sent: number; rejected: number; names: Map<string, string> }> {
    const index = await this.#entries();
    const names = new Map<string, string>();
    let sent = 0, rejected = 0;
    while (index.length && !signal?.aborted) {
      const e = index[0];
      const path = join(this.#dir, e.file);
      let text: string;
      try {
        text = await Deno.readTextFile(path);
      } catch {
        this.#forget(index, e); // sent and removed by another process sharing the spool
        continue;
      }
      let results: Result[];
      try {
        results = decodeResults(text.slice(text.indexOf("\n") + 1), path);
      } catch (err) {
        this.#logger.error("spool: dropping an unreadable round", { file: path, error: err });
        await Deno.remove(path).catch(() => {});
        this.#forget(index, e);
        continue;
      }
      let name: string;
      try {
        name = await this.#storage.store(results, signal, { at: e.at });
      } catch (err) {
        if (!isRejection(err, this.#storage)) {
          this.#failed(err, index.length);
          return { sent, rejected, names };
        }
        await this.#reject(err, { entry: e });
        this.#forget(index, e);
        rejected++;
        continue;
      }
      await Deno.remove(path).catch(() => {});
      this.#forget(index, e);
      names.set(e.file, name);
      sent++;
    }
    if (!index.length) this.#back(sent);
    return { sent, rejected, names };
  }

  /**
   * Stores one round: the name it was stored under, or `""` when it was kept in the spool (the storage is
   * unavailable, or rounds wait before it) or set aside (refused for good); {@linkcode endRound} says which.
   * The storage's errors are never thrown (the round is kept); the spool directory's own are.
   */
  async store(results: readonly Result[], signal?: AbortSignal, options: StoreOptions = {}): Promise<string> {
    const report = await this.send(results, signal, options.at);
    this.#round.pending = report.pending;
    this.#round.rejected += report.rejected ?? 0;
    return report.stored ?? "";
  }

  /** Ends the round of the storage it fronts, and reports the rounds waiting and refused since the last end. */
  async endRound(signal?: AbortSignal): Promise<RoundEnd> {
    const { pending, rejected } = this.#round;
    this.#round = { rejected: 0 };
    const end = await this.#storage.endRound?.(signal) ?? {};
    return { ...end, ...(pending ? { pending } : {}), ...(rejected ? { rejected } : {}) };
  }

  /** Whether the storage it fronts refuses the round for good. */
  isRejection(error: unknown): boolean {
    return isRejection(error, this.#storage);
  }

  /** Closes the storage it fronts. */
  async close(): Promise<void> {
    await this.#storage.close?.();
  }

  /**
   * Stores one round at `at` (default now) and says what happened. When rounds are waiting, the new one
   * joins the end of the spool and the spool is sent in order; when the storage fails, the round is
   * spooled; when it refuses the round for good, the round is set aside.
   */
  send(results: readonly Result[], signal?: AbortSignal, at?: bigint): Promise<SpoolReport> {
    return this.#serial(async () => {
      at ??= this.#now();
      const index = await this.#entries();
      if (!index.length) {
        let stored: string;
        try {
          stored = await this.#storage.store(results, signal, { at });
        } catch (e) {
          if (isRejection(e, this.#storage)) {
            await this.#reject(e, { results, at });
            return { pending: 0, sent: 0, rejected: 1 };
          }
          await this.#add(results, at);
          this.#failed(e, 1);
          return { pending: index.length, sent: 0 };
        }
        this.#back(0);
        return { stored, pending: 0, sent: 0 };
      }
      const entry = await this.#add(results, at!);
      const { sent, rejected, names } = await this.#flush(signal);
      return {
        stored: names.get(entry.file),
        pending: index.length,
        sent,
        ...(rejected ? { rejected } : {}),
      };
    });
  }
}
