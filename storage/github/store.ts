/**
 * The `github` storage itself: check files and `index.json` committed lock-free (a taken name moves to the
 * next nanosecond; an `index.json` SHA conflict is redone on the fresh index), read back, expired files
 * deleted, and each node's summary committed at most once per round.
 *
 * @module
 */
import type { PluginContext } from "../../config/plugin.ts";
import { decodeResults, encodeResults, type Result } from "../../result.ts";
import { encodeIndex, parseIndex } from "../fs.ts";
import {
  checkFileName,
  type IndexEntry,
  type Maintainer,
  NotFoundError,
  parseCheckFileName,
  type Storage,
  type StorageReader,
  type StoreOptions,
  type SummaryStore,
} from "../storage.ts";
import type { GithubStorageOptions } from "./config.ts";
import { refusesContent } from "../../_internal/http.ts";
import { GithubRepo, status, type TreeFile } from "./repo.ts";
import { type Backoff, retry } from "../../_internal/retry.ts";

/** The wait after a conflict with another writer: 0 to 50 ms at random, so the two do not collide again. */
const CONFLICT: Backoff = { base: 50, factor: 1, jitter: 1 };

const INDEX = "index.json";

/** Stores rounds as check files plus `index.json` in a GitHub repository. */
export class GithubStorage implements Storage, StorageReader, Maintainer, SummaryStore {
  readonly type = "github";
  readonly #o: GithubStorageOptions;
  readonly #now: () => bigint;
  readonly #repo: GithubRepo;
  /** The summary files as last read or written by this node (their blob SHA is needed to replace them). */
  readonly #summaries = new Map<string, { text: string; sha: string } | undefined>();

  /** Keeps the options; Octokit is loaded on first use. */
  constructor(options: GithubStorageOptions, context: Pick<PluginContext, "now" | "fetch">) {
    this.#o = options;
    this.#now = context.now;
    this.#repo = new GithubRepo(options, context.fetch);
  }

  /**
   * Applies `change` to index.json with optimistic concurrency: on a SHA conflict (another writer got
   * there first) it reads the fresh index and applies the change again.
   */
  async #updateIndex(change: (index: Map<string, bigint>) => void, signal?: AbortSignal): Promise<void> {
    const path = this.#repo.path(INDEX);
    await retry(async () => {
      const current = await this.#repo.read(path, signal);
      const index = parseIndex(current?.text ?? "{}");
      change(index);
      await this.#repo.write(path, encodeIndex(index), current?.sha, "store", signal);
    }, {
      attempts: 51,
      retryable: (e) => [409, 422].includes(status(e)),
      delay: { base: 50, max: 500, jitter: 1 }, // the busier the index, the longer the wait
      signal,
    });
  }

  async store(results: readonly Result[], signal?: AbortSignal, options: StoreOptions = {}): Promise<string> {
    const body = encodeResults(results);
    let name: string;
    try {
      for (let ns = options.at ?? this.#now(), tries = 0;; tries++) {
        name = checkFileName(ns);
        const path = this.#repo.path(name);
        try {
          await retry(() => this.#repo.write(path, body, undefined, "store", signal), {
            attempts: 51,
            retryable: (e) => status(e) === 409, // the branch moved under us: try again
            delay: CONFLICT,
            signal,
          });
          break;
        } catch (e) {
          if (status(e) !== 422 || tries >= 1000) throw e;
          // The name is taken: by this very round (re-sent), or by another writer (next nanosecond).
          const taken = await this.#repo.read(path, signal);
          if (!taken) throw e; // not taken: GitHub refused the file itself (a 422 that trying again won't fix)
          if (taken.text === body) break;
          ns++;
        }
      }
      const stored = options.at ?? this.#now();
      await this.#updateIndex((index) => void index.set(name, stored), signal);
    } catch (e) {
      throw this.#repo.fail("store in", e);
    }
    return name;
  }

  async #merged(
    signal?: AbortSignal,
  ): Promise<{ entries: IndexEntry[]; files: TreeFile[] }> {
    const [files, index] = await Promise.all([
      this.#repo.listing(signal).catch((e) => {
        if (status(e) === 404 || status(e) === 409) return []; // an empty repository has no tree
        throw e;
      }),
      this.#repo.read(this.#repo.path(INDEX), signal),
    ]);
    const recorded = parseIndex(index?.text ?? "{}");
    const entries = files.map((f) => ({
      name: f.name,
      timestamp: recorded.get(f.name) ?? parseCheckFileName(f.name)!,
    }))
      .sort((
        a,
        b,
      ) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.name < b.name ? -1 : 1));
    return { entries, files };
  }

  /** Every check file under `dir` (the listing), with the store time recorded in index.json. */
  async index(signal?: AbortSignal): Promise<IndexEntry[]> {
    try {
      return (await this.#merged(signal)).entries;
    } catch (e) {
      throw this.#repo.fail("list", e);
    }
  }

  async fetch(name: string, signal?: AbortSignal): Promise<Result[]> {
    if (parseCheckFileName(name) === undefined || name.includes("/") || name.includes("\\")) {
      throw new NotFoundError(`no check file named ${JSON.stringify(name)}`);
    }
    let file: { text: string } | undefined;
    try {
      file = await this.#repo.read(this.#repo.path(name), signal);
    } catch (e) {
      throw this.#repo.fail("read", e);
    }
    if (!file) throw new NotFoundError(`no check file named ${JSON.stringify(name)}`);
    return decodeResults(file.text, `github ${this.#repo.path(name)}`);
  }

  /** Deletes expired check files and drops them from index.json (by name, also when `dir` is set). */
  async maintain(signal?: AbortSignal): Promise<number> {
    if (!this.#o.check_expiry) return 0;
    const cutoff = this.#now() - BigInt(this.#o.check_expiry);
    const deleted = new Set<string>();
    try {
      const { entries, files } = await this.#merged(signal);
      const sha = new Map(files.map((f) => [f.name, f]));
      for (const e of entries) {
        if (e.timestamp >= cutoff) continue;
        const f = sha.get(e.name)!;
        await retry(async () => {
          try {
            await this.#repo.remove(f.path, f.sha, signal);
          } catch (err) {
            if (status(err) !== 404) throw err; // 404: deleted by another node
          }
        }, { attempts: 21, retryable: (err) => status(err) === 409, delay: CONFLICT, signal });
        deleted.add(e.name);
      }
      if (deleted.size) {
        await this.#updateIndex((index) => {
          for (const n of deleted) index.delete(n);
        }, signal);
      }
    } catch (e) {
      throw this.#repo.fail("maintain", e);
    }
    return deleted.size;
  }

  #summaryPath(key: string): string {
    if (!/^[\w.-]{1,200}$/.test(key) || key.startsWith(".")) {
      throw new Error(`storage github: invalid summary key ${JSON.stringify(key)}`);
    }
    return this.#repo.path(`${key}.json`);
  }

  /** The summary file `<dir>/<key>.json`, or undefined. */
  async loadSummary(key: string, signal?: AbortSignal): Promise<string | undefined> {
    const path = this.#summaryPath(key);
    try {
      const file = await this.#repo.read(path, signal);
      this.#summaries.set(path, file);
      return file?.text;
    } catch (e) {
      throw this.#repo.fail("read summary from", e);
    }
  }

  /**
   * Replaces the summary file `<dir>/<key>.json` in one commit (`[checkup] update <path> <suffix>`), none
   * when the text is unchanged. The file is this node's own, so a SHA conflict only means it changed
   * behind this process's back (edited by hand, or a node with the same name): it is read again and
   * replaced.
   */
  async saveSummary(key: string, text: string, signal?: AbortSignal): Promise<void> {
    const path = this.#summaryPath(key);
    try {
      if (!this.#summaries.has(path)) this.#summaries.set(path, await this.#repo.read(path, signal));
      await retry(async (attempt) => {
        // After a conflict, read it again: it changed behind this process's back.
        if (attempt) this.#summaries.set(path, await this.#repo.read(path, signal));
        const current = this.#summaries.get(path);
        if (current?.text === text) return;
        const sha = await this.#repo.write(path, text, current?.sha, "update", signal);
        if (sha) this.#summaries.set(path, { text, sha });
        else this.#summaries.delete(path);
      }, {
        attempts: 21,
        // 409 is also "the branch moved" (another node committed meanwhile): read again and retry.
        retryable: (e) => [409, 422].includes(status(e)),
        delay: CONFLICT,
        signal,
      });
    } catch (e) {
      this.#summaries.delete(path);
      throw this.#repo.fail("save summary in", e);
    }
  }

  /** GitHub refusing the file itself (a 4xx such as 422) rejects the round; 401, 403, 404, 409, 429… do not. */
  isRejection(error: unknown): boolean {
    return refusesContent(error);
  }
}
