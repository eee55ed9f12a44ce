/**
 * The `fs` storage: Go Checkup's directory layout (`<ns>-check.json` files plus `index.json`), written
 * lock-free by any number of processes. Check files are created atomically under unique names; the
 * index is rebuilt from the directory listing on every write and verified after it, so concurrent
 * writers never lose an entry. Per-node state lives in `_state/`, the shared documents of several locations
 * in `_shared/` (`fs_shared.ts`); neither is listed as a round.
 *
 * @module
 */
import { z } from "zod";
import { join } from "node:path";
import { retry } from "../_internal/retry.ts";
import type { Duration } from "../duration.ts";
import { duration, typeTag } from "../config/fields.ts";
import type { PluginContext, PluginDefinition } from "../config/plugin.ts";
import { decodeResults, encodeResults, type Result } from "../result.ts";
import { FsSharedDocs } from "./fs_shared.ts";
import {
  checkFileName,
  type IndexEntry,
  type Maintainer,
  NotFoundError,
  parseCheckFileName,
  type SharedStore,
  type StateStore,
  type Storage,
  type StorageReader,
  type StoreOptions,
} from "./storage.ts";

/** `checkup.json` options of the `fs` storage (Go Checkup's keys). */
export interface FsStorageConfig {
  /** The storage type, `"fs"`. */
  type: "fs";
  /** Directory of the check files; created if missing. */
  dir: string;
  /** Where the status page finds the files (a hint for static hosting; not used for storing). */
  url?: string;
  /** Delete check files older than this; 0 keeps them forever. */
  check_expiry?: Duration;
}

/** Validated options of the `fs` storage. */
export interface FsStorageOptions {
  /** The storage type, always `"fs"`. */
  type: "fs";
  /** Directory of the check files; created on the first store. */
  dir: string;
  /** Where a static status page finds the files; `""`: not set (never used for storing). */
  url: string;
  /** Delete check files older than this, nanoseconds; 0 (default) keeps them forever. */
  check_expiry: number;
}

const schema: z.ZodType<FsStorageOptions, FsStorageConfig> = z.lazy(() =>
  z.object({
    type: typeTag("fs"),
    dir: z.string().min(1).meta({ description: "Directory of the check files; created if missing." }),
    url: z.string().default("").meta({
      description: "Where the status page reads the files (static hosting).",
    }),
    check_expiry: duration("Delete check files older than this; 0 keeps them forever.").default(0),
  })
);

const INDEX = "index.json";
const STATE_DIR = "_state";

function describeFsError(e: unknown, what: string, path: string): Error {
  const reason = e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable
    ? "permission denied"
    : e instanceof Deno.errors.NotFound
    ? "no such file or directory"
    : (e as Error).message;
  return new Error(`storage fs: cannot ${what} ${JSON.stringify(path)}: ${reason}`);
}

/** Parses Go's index.json (`{name: ns}`) keeping nanoseconds exact. Corrupt content reads as empty. */
export function parseIndex(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  try {
    // deno-lint-ignore no-explicit-any
    const obj = JSON.parse(text, (_k, v, ctx?: any) => typeof v === "number" ? BigInt(ctx?.source ?? v) : v);
    if (obj && typeof obj === "object" && !Array.isArray(obj)) {
      for (const [k, v] of Object.entries(obj)) if (typeof v === "bigint") out.set(k, v);
    }
  } catch { /* rebuilt from the listing */ }
  return out;
}

/** Encodes an index like Go's json.Marshal of map[string]int64: sorted keys, compact. */
export function encodeIndex(index: Map<string, bigint>): string {
  const keys = [...index.keys()].sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${index.get(k)}`).join(",")}}`;
}

/** Stores rounds as files in a directory, exactly as Go Checkup lays them out. */
export class FsStorage implements Storage, StorageReader, Maintainer, StateStore, SharedStore {
  readonly type = "fs";
  readonly #o: FsStorageOptions;
  readonly #now: () => bigint;
  readonly #shared: FsSharedDocs;

  /** Opens nothing yet: the directory is created on the first store. */
  constructor(options: FsStorageOptions, context: Pick<PluginContext, "now">) {
    this.#o = options;
    this.#now = context.now;
    this.#shared = new FsSharedDocs(options.dir, describeFsError);
  }

  /** The directory this storage writes to. */
  get dir(): string {
    return this.#o.dir;
  }

  async #tmpWrite(text: string): Promise<string> {
    const tmp = join(this.#o.dir, `.${crypto.randomUUID()}.tmp`);
    try {
      await Deno.writeTextFile(tmp, text);
    } catch (e) {
      throw describeFsError(e, "write to", this.#o.dir);
    }
    return tmp;
  }

  async store(
    results: readonly Result[],
    _signal?: AbortSignal,
    options: StoreOptions = {},
  ): Promise<string> {
    try {
      await Deno.mkdir(this.#o.dir, { recursive: true });
    } catch (e) {
      throw describeFsError(e, "create directory", this.#o.dir);
    }
    const text = encodeResults(results) + "\n";
    const tmp = await this.#tmpWrite(text);
    let ns = options.at ?? this.#now();
    let name: string;
    try {
      // link() refuses to replace an existing file: names stay unique across writers without locks.
      for (;; ns++) {
        name = checkFileName(ns);
        try {
          await Deno.link(tmp, join(this.#o.dir, name));
          break;
        } catch (e) {
          if (!(e instanceof Deno.errors.AlreadyExists)) {
            throw describeFsError(e, "create", join(this.#o.dir, name));
          }
          // The same round sent again (from the spool): it is stored already.
          if (
            options.at !== undefined &&
            await Deno.readTextFile(join(this.#o.dir, name)).catch(() => "") === text
          ) {
            break;
          }
        }
      }
    } finally {
      await Deno.remove(tmp).catch(() => {});
    }
    await this.#updateIndex(new Map([[name, this.#now()]]));
    return name;
  }

  async #listing(): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const e of Deno.readDir(this.#o.dir)) {
        if (e.isFile && parseCheckFileName(e.name) !== undefined && !e.name.includes("/")) names.push(e.name);
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw describeFsError(e, "list", this.#o.dir);
    }
    return names;
  }

  async #readIndex(): Promise<Map<string, bigint>> {
    try {
      return parseIndex(await Deno.readTextFile(join(this.#o.dir, INDEX)));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return new Map();
      throw describeFsError(e, "read", join(this.#o.dir, INDEX));
    }
  }

  /** The index as the listing says it is: every check file, with its recorded store time. */
  #merge(
    index: Map<string, bigint>,
    listing: string[],
    added = new Map<string, bigint>(),
  ): Map<string, bigint> {
    return new Map(listing.map((n) => [n, index.get(n) ?? added.get(n) ?? parseCheckFileName(n)!]));
  }

  /**
   * Rewrites index.json from the listing (keeping recorded times), then verifies that it holds every
   * file listed afterwards; another writer's concurrent rename makes it go round again.
   */
  async #updateIndex(added: Map<string, bigint>): Promise<void> {
    const path = join(this.#o.dir, INDEX);
    const changing = new Error(
      `storage fs: index ${JSON.stringify(path)} kept changing under concurrent writers`,
    );
    await retry(async () => {
      const next = this.#merge(await this.#readIndex(), await this.#listing(), added);
      // Newline-terminated, as Go's json.Encoder writes it (github's index, like Go's, has none).
      const tmp = await this.#tmpWrite(encodeIndex(next) + "\n");
      try {
        await Deno.rename(tmp, path);
      } catch (e) {
        await Deno.remove(tmp).catch(() => {});
        throw describeFsError(e, "write", path);
      }
      const [written, listing] = [await this.#readIndex(), await this.#listing()];
      if (listing.length === written.size && listing.every((n) => written.has(n))) return;
      for (const [n, t] of written) if (!added.has(n)) added.set(n, t);
      throw changing;
    }, { attempts: 100, retryable: (e) => e === changing, delay: { base: 5, max: 500, jitter: 1 } });
  }

  async index(): Promise<IndexEntry[]> {
    const merged = this.#merge(await this.#readIndex(), await this.#listing());
    return [...merged].map(([name, timestamp]) => ({ name, timestamp }))
      .sort((
        a,
        b,
      ) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.name < b.name ? -1 : 1));
  }

  async fetch(name: string): Promise<Result[]> {
    if (parseCheckFileName(name) === undefined || name.includes("/") || name.includes("\\")) {
      throw new NotFoundError(`no check file named ${JSON.stringify(name)}`);
    }
    const path = join(this.#o.dir, name);
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new NotFoundError(`no check file named ${JSON.stringify(name)}`);
      }
      throw describeFsError(e, "read", path);
    }
    return decodeResults(text, path);
  }

  async maintain(): Promise<number> {
    if (!this.#o.check_expiry) return 0;
    const cutoff = this.#now() - BigInt(this.#o.check_expiry);
    let deleted = 0;
    for (const { name, timestamp } of await this.index()) {
      if (timestamp >= cutoff) continue;
      try {
        await Deno.remove(join(this.#o.dir, name));
        deleted++;
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw describeFsError(e, "delete", join(this.#o.dir, name));
      }
    }
    if (deleted) await this.#updateIndex(new Map());
    return deleted;
  }

  #statePath(key: string): string {
    if (!/^[\w.-]{1,200}$/.test(key) || key.startsWith(".")) {
      throw new Error(`storage fs: invalid state key ${JSON.stringify(key)}`);
    }
    return join(this.#o.dir, STATE_DIR, `${key}.json`);
  }

  async loadState(key: string): Promise<string | undefined> {
    try {
      return await Deno.readTextFile(this.#statePath(key));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw describeFsError(e, "read", this.#statePath(key));
    }
  }

  async saveState(key: string, value: string): Promise<void> {
    const path = this.#statePath(key);
    try {
      await Deno.mkdir(join(this.#o.dir, STATE_DIR), { recursive: true });
      const tmp = `${path}.${crypto.randomUUID()}.tmp`;
      await Deno.writeTextFile(tmp, value);
      await Deno.rename(tmp, path);
    } catch (e) {
      throw describeFsError(e, "write", path);
    }
  }

  /** Creates `<dir>/_shared/<key>` holding `value` unless it exists (see `storage/fs_shared.ts`). */
  create(key: string, value: string): Promise<boolean> {
    return this.#shared.create(key, value);
  }

  /** Replaces (or creates) `<dir>/_shared/<key>` atomically. */
  put(key: string, value: string): Promise<void> {
    return this.#shared.put(key, value);
  }

  /** Every shared document whose key starts with `prefix`. */
  list(prefix: string): Promise<Map<string, string>> {
    return this.#shared.list(prefix);
  }

  /** Deletes the shared documents; absent ones are ignored. */
  remove(keys: readonly string[]): Promise<void> {
    return this.#shared.remove(keys);
  }
}

/** The `fs` storage type. */
export const fsStorage: PluginDefinition<Storage, FsStorageOptions> = {
  type: "fs",
  summary: "A directory of Go Checkup check files plus index.json (the embedded default).",
  schema,
  create: (options, context) => new FsStorage(options, context),
};
