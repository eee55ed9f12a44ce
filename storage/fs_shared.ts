/**
 * The `fs` storage's shared documents (several locations): `<dir>/_shared/<key>`, each `/` of a key a
 * folder. A document is created atomically with its content: a temporary file written beside it is linked
 * to its name, and a link never replaces an existing name, so of any number of concurrent creates (threads,
 * processes, hosts on one network file system with hard links) exactly one succeeds, and a reader never sees
 * a partial file. A replacement is a temporary file renamed over the name (atomic too). Temporary files
 * (`~<uuid>.tmp`, never a valid key) are skipped by listings.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { isSharedKey, type SharedStore } from "./storage.ts";
import { SHARED_LIST_LIMIT, sharedKey, sharedPrefix, tooManyShared } from "./shared_keys.ts";

/** The folder of the shared documents inside the storage's directory. */
export const SHARED_DIR = "_shared";

/** Turns a file system error into the storage's error: what failed, on which path, why. */
export type DescribeFsError = (e: unknown, what: string, path: string) => Error;

/** The shared documents of one fs storage directory. */
export class FsSharedDocs implements SharedStore {
  readonly #root: string;
  readonly #fail: DescribeFsError;

  /** Documents under `<dir>/_shared/`; `fail` words file system errors. */
  constructor(dir: string, fail: DescribeFsError) {
    this.#root = join(dir, SHARED_DIR);
    this.#fail = fail;
  }

  #path(key: string): string {
    return join(this.#root, ...sharedKey("fs", key).split("/"));
  }

  /** Writes `value` to a new temporary file in the folder of `path` (created if missing); its path. */
  async #temp(path: string, value: string): Promise<string> {
    const tmp = join(dirname(path), `~${crypto.randomUUID()}.tmp`);
    try {
      await Deno.mkdir(dirname(path), { recursive: true });
      await Deno.writeTextFile(tmp, value, { createNew: true });
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw this.#fail(e, "write", path);
    }
    return tmp;
  }

  async create(key: string, value: string): Promise<boolean> {
    const path = this.#path(key);
    const tmp = await this.#temp(path, value);
    try {
      await Deno.link(tmp, path);
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) return false;
      throw this.#fail(e, "create", path);
    } finally {
      await Deno.remove(tmp).catch(() => {});
    }
  }

  async put(key: string, value: string): Promise<void> {
    const path = this.#path(key);
    const tmp = await this.#temp(path, value);
    try {
      await Deno.rename(tmp, path);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw this.#fail(e, "write", path);
    }
  }

  /**
   * Walks the deepest folder the prefix names completely (`alerts/web` walks `alerts/`), reading every file
   * whose key starts with the prefix; at most {@linkcode SHARED_LIST_LIMIT} documents and as many folders.
   */
  async list(prefix: string): Promise<Map<string, string>> {
    sharedPrefix("fs", prefix);
    const out = new Map<string, string>();
    const base = prefix.slice(0, prefix.lastIndexOf("/") + 1);
    const folders = [base];
    for (let visited = 0; folders.length; visited++) {
      if (visited >= SHARED_LIST_LIMIT) throw tooManyShared("fs", prefix);
      const folder = folders.pop()!;
      const path = join(this.#root, ...folder.split("/"));
      const entries: Deno.DirEntry[] = [];
      try {
        for await (const e of Deno.readDir(path)) if (entries.push(e) > SHARED_LIST_LIMIT) break;
      } catch (e) {
        // No such folder (yet), removed meanwhile, or a document where the prefix names a folder.
        if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) continue;
        throw this.#fail(e, "list", path);
      }
      if (entries.length > SHARED_LIST_LIMIT) throw tooManyShared("fs", prefix);
      for (const e of entries) {
        const key = folder + e.name;
        if (e.isDirectory && `${key}/`.startsWith(prefix)) folders.push(`${key}/`);
        if (!e.isFile || !key.startsWith(prefix) || !isSharedKey(key)) continue;
        if (out.size >= SHARED_LIST_LIMIT) throw tooManyShared("fs", prefix);
        const text = await this.#read(join(path, e.name));
        if (text !== undefined) out.set(key, text);
      }
    }
    return out;
  }

  /** A document's text, or undefined when it was removed meanwhile. */
  async #read(path: string): Promise<string | undefined> {
    try {
      return await Deno.readTextFile(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw this.#fail(e, "read", path);
    }
  }

  async remove(keys: readonly string[]): Promise<void> {
    const paths = keys.map((k) => this.#path(k)); // every key checked before anything is removed
    for (const path of paths) {
      try {
        await Deno.remove(path);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw this.#fail(e, "delete", path);
      }
    }
  }
}
