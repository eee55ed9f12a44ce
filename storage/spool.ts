/**
 * The spool: when the storage is unreachable or rejects a write, `checkup every` keeps checking and
 * keeps each unsent round in a local directory (bounded, on disk, so it survives a restart). When the
 * storage answers again the rounds are sent oldest first, each under its original store time, so names
 * and order are exactly what they would have been. A round whose acknowledgement was lost is recognised
 * by the storage when re-sent (same time, same content) and not stored twice.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Logger } from "../_internal/log.ts";
import { decodeResults, encodeResults, type Result } from "../result.ts";
import type { Storage } from "./storage.ts";

/** Where and how much to spool. */
export interface SpoolOptions {
  /** The spool directory (created when first needed). */
  dir: string;
  /** Rounds kept at most; the oldest are dropped beyond it (default 10 000). */
  maxRounds?: number;
  /** Bytes kept at most; the oldest rounds are dropped beyond it (default 64 MiB). */
  maxBytes?: number;
}

/** What {@linkcode Spool.store} did with a round. */
export interface SpoolReport {
  /** The name the round was stored under, when the storage took it. */
  stored?: string;
  /** Rounds still waiting in the spool afterwards. */
  pending: number;
  /** Spooled rounds sent by this call (older ones first). */
  sent: number;
}

const SUFFIX = ".round";

/**
 * The default spool directory for a storage: `$CHECKUP_SPOOL_DIR`, else
 * `$XDG_STATE_HOME/checkup/spool/<type>-<hash of the storage options>` (XDG_STATE_HOME defaults to
 * `~/.local/state`), else a directory under the system temp dir.
 */
export function defaultSpoolDir(type: string, options: unknown): string {
  const id = createHash("sha256")
    .update(JSON.stringify(options ?? null, (_k, v) => typeof v === "bigint" ? v.toString() : v)).digest(
      "hex",
    ).slice(0, 12);
  const leaf = `${type}-${id}`;
  const env = (k: string): string | undefined => {
    try {
      return Deno.env.get(k);
    } catch {
      return undefined; // no env permission
    }
  };
  const explicit = env("CHECKUP_SPOOL_DIR");
  if (explicit) return join(explicit, leaf);
  const home = env("HOME");
  const state = env("XDG_STATE_HOME") || (home ? join(home, ".local", "state") : undefined);
  if (state) return join(state, "checkup", "spool", leaf);
  return join(env("TMPDIR") || "/tmp", "checkup-spool", leaf);
}

interface Entry {
  file: string;
  at: bigint;
  size: number;
}

/** A storage front that never loses a round to an outage: see the module doc. */
export class Spool {
  readonly #storage: Storage;
  readonly #dir: string;
  readonly #maxRounds: number;
  readonly #maxBytes: number;
  readonly #logger: Logger;
  readonly #now: () => bigint;
  #failing = false;

  constructor(storage: Storage, options: SpoolOptions, deps: { logger: Logger; now: () => bigint }) {
    this.#storage = storage;
    this.#dir = options.dir;
    this.#maxRounds = options.maxRounds ?? 10_000;
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#logger = deps.logger;
    this.#now = deps.now;
  }

  /** The spool directory. */
  get dir(): string {
    return this.#dir;
  }

  async #entries(): Promise<Entry[]> {
    const out: Entry[] = [];
    try {
      for await (const e of Deno.readDir(this.#dir)) {
        const m = /^(\d+)-[\w]+\.round$/.exec(e.name);
        if (!e.isFile || !m) continue;
        const size = (await Deno.stat(join(this.#dir, e.name)).catch(() => undefined))?.size;
        if (size !== undefined) out.push({ file: e.name, at: BigInt(m[1]), size });
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw new Error(`spool: cannot list ${JSON.stringify(this.#dir)}: ${(e as Error).message}`);
    }
    return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.file < b.file ? -1 : 1));
  }

  /** Rounds waiting to be sent. */
  async pending(): Promise<number> {
    return (await this.#entries()).length;
  }

  async #add(results: readonly Result[], at: bigint): Promise<string> {
    await Deno.mkdir(this.#dir, { recursive: true });
    const name = `${at}-${crypto.randomUUID().slice(0, 8)}`;
    const tmp = join(this.#dir, `.${name}.tmp`);
    await Deno.writeTextFile(tmp, `${at}\n${encodeResults(results)}`);
    await Deno.rename(tmp, join(this.#dir, name + SUFFIX));
    const entries = await this.#entries();
    let bytes = entries.reduce((n, e) => n + e.size, 0);
    let dropped = 0;
    while (entries.length > 1 && (entries.length > this.#maxRounds || bytes > this.#maxBytes)) {
      const e = entries.shift()!;
      bytes -= e.size;
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
    return name + SUFFIX;
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

  /**
   * Sends the spooled rounds, oldest first, each under its original store time; stops at the first
   * failure (the rest stay, in order). Returns how many were sent.
   */
  async flush(signal?: AbortSignal): Promise<number> {
    return (await this.#flush(signal)).sent;
  }

  async #flush(signal?: AbortSignal): Promise<{ sent: number; names: Map<string, string> }> {
    const entries = await this.#entries();
    const names = new Map<string, string>();
    let sent = 0;
    for (const e of entries) {
      if (signal?.aborted) break;
      const path = join(this.#dir, e.file);
      let text: string;
      try {
        text = await Deno.readTextFile(path);
      } catch {
        continue; // sent and removed by another process sharing the spool
      }
      const nl = text.indexOf("\n");
      let results: Result[];
      try {
        results = decodeResults(text.slice(nl + 1), path);
      } catch (err) {
        this.#logger.error("spool: dropping an unreadable round", { file: path, error: err });
        await Deno.remove(path).catch(() => {});
        continue;
      }
      try {
        names.set(e.file, await this.#storage.store(results, signal, { at: e.at }));
      } catch (err) {
        this.#failed(err, entries.length - sent);
        return { sent, names };
      }
      await Deno.remove(path).catch(() => {});
      sent++;
    }
    if (this.#failing && sent === entries.length) {
      this.#logger.info("storage is back; spooled rounds sent", { storage: this.#storage.type, sent });
      this.#failing = false;
    }
    return { sent, names };
  }

  /**
   * Stores one round at the current time. When rounds are waiting, the new one joins the end of the
   * spool and the spool is sent in order; when the storage fails, the round is spooled.
   */
  async store(results: readonly Result[], signal?: AbortSignal): Promise<SpoolReport> {
    const at = this.#now();
    const waiting = await this.#entries();
    if (!waiting.length) {
      try {
        const stored = await this.#storage.store(results, signal, { at });
        if (this.#failing) {
          this.#logger.info("storage is back", { storage: this.#storage.type });
          this.#failing = false;
        }
        return { stored, pending: 0, sent: 0 };
      } catch (e) {
        await this.#add(results, at);
        this.#failed(e, 1);
        return { pending: await this.pending(), sent: 0 };
      }
    }
    const file = await this.#add(results, at);
    const { sent, names } = await this.#flush(signal);
    return { stored: names.get(file), pending: await this.pending(), sent };
  }
}
