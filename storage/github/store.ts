/**
 * The `github` storage itself: each round is one commit (the check file, `index.json` and, through the
 * summarizing decorator, the node's summary), made with the git data API on top of the branch's head and
 * moved in only as a fast-forward. When another node committed first, the commit is made again on the new
 * head (lock-free: a taken check file name moves to the next nanosecond, the index is re-read). Expired
 * files go in one commit per maintenance pass; a summary saved on its own is one commit, none when unchanged.
 *
 * One commit per round matters: GitHub Pages rebuilds on every push (at most about ten builds an hour), and
 * three commits a round at 1-minute checks made 4,320 commits a day.
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
import { BranchMoved, type Changes, GithubRepo, type Head, status, type TreeFile } from "./repo.ts";
import { retry } from "../../_internal/retry.ts";

const INDEX = "index.json";
/** Commits made again at most this many times when other nodes keep moving the branch first. */
const COMMIT_ATTEMPTS = 51;

/** Stores rounds as check files plus `index.json` in a GitHub repository, one commit per round. */
export class GithubStorage implements Storage, StorageReader, Maintainer, SummaryStore {
  readonly type = "github";
  /** `store` takes the round's summary ({@linkcode StoreOptions.summary}) into the round's commit. */
  readonly summaryWithRound = true;
  readonly #o: GithubStorageOptions;
  readonly #now: () => bigint;
  readonly #repo: GithubRepo;

  /** Keeps the options; Octokit is loaded on first use. */
  constructor(options: GithubStorageOptions, context: Pick<PluginContext, "now" | "fetch">) {
    this.#o = options;
    this.#now = context.now;
    this.#repo = new GithubRepo(options, context.fetch);
  }

  /**
   * Makes one commit from what `plan` decides on the branch's current head (nothing when it returns no
   * change); when another writer moved the branch meanwhile, plans again on the new head. An empty branch
   * first gets an `index.json` through the contents API (the git data API needs a first commit).
   */
  async #transact(
    verb: string,
    plan: (head: Head) => Promise<Changes | undefined>,
    signal?: AbortSignal,
  ): Promise<void> {
    await retry(async () => {
      let head = await this.#repo.head(signal);
      if (!head) {
        try {
          await this.#repo.write(this.#repo.path(INDEX), "{}", undefined, verb, signal);
        } catch (e) {
          if (status(e) !== 422 && status(e) !== 409) throw e; // created meanwhile by another node
        }
        head = await this.#repo.head(signal);
        if (!head) throw new Error("the branch has no commit after its first write");
      }
      const changes = await plan(head);
      if (changes?.size) await this.#repo.commit(head, changes, verb, signal);
    }, {
      attempts: COMMIT_ATTEMPTS,
      retryable: (e) => e instanceof BranchMoved,
      delay: { base: 50, max: 500, jitter: 1 }, // the busier the branch, the longer the wait
      signal,
    });
  }

  async store(results: readonly Result[], signal?: AbortSignal, options: StoreOptions = {}): Promise<string> {
    const body = encodeResults(results);
    const stored = options.at ?? this.#now();
    let name = checkFileName(stored);
    try {
      await this.#transact("store", async (head) => {
        const indexPath = this.#repo.path(INDEX);
        const index = parseIndex((await this.#repo.read(indexPath, signal, head.commit))?.text ?? "{}");
        const changes: Changes = new Map();
        for (let ns = stored, tries = 0;; ns++, tries++) {
          name = checkFileName(ns);
          if (!index.has(name)) {
            const taken = await this.#repo.read(this.#repo.path(name), signal, head.commit);
            if (!taken) break;
            if (taken.text === body) break; // this very round, committed before its index entry
          } else {
            // The name is taken: by this very round (sent again), or by another writer (next nanosecond).
            const taken = await this.#repo.read(this.#repo.path(name), signal, head.commit);
            if (taken?.text === body) return this.#summary(head, options, changes);
          }
          if (tries >= 1000) throw new Error(`no free check file name after ${checkFileName(stored)}`);
        }
        changes.set(this.#repo.path(name), body);
        index.set(name, stored);
        changes.set(indexPath, encodeIndex(index));
        return await this.#summary(head, options, changes);
      }, signal);
    } catch (e) {
      throw this.#repo.fail("store in", e);
    }
    return name;
  }

  /** Adds the round's summary to `changes` when it differs from the one at `head`. */
  async #summary(head: Head, options: StoreOptions, changes: Changes): Promise<Changes> {
    if (!options.summary) return changes;
    const path = this.#summaryPath(options.summary.key);
    const current = await this.#repo.read(path, undefined, head.commit);
    if (current?.text !== options.summary.text) changes.set(path, options.summary.text);
    return changes;
  }

  /** The check files and their store times, at the branch's head (or at `head`). */
  async #merged(
    signal?: AbortSignal,
    head?: Head,
  ): Promise<{ entries: IndexEntry[]; files: TreeFile[] }> {
    const [files, index] = await Promise.all([
      this.#repo.listing(signal, head?.tree).catch((e) => {
        if (status(e) === 404 || status(e) === 409) return []; // an empty repository has no tree
        throw e;
      }),
      this.#repo.read(this.#repo.path(INDEX), signal, head?.commit),
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

  /**
   * Deletes expired check files and drops them from index.json (by name, also when `dir` is set), in one
   * commit (`[checkup] delete <first path> <suffix>`).
   */
  async maintain(signal?: AbortSignal): Promise<number> {
    if (!this.#o.check_expiry) return 0;
    const cutoff = this.#now() - BigInt(this.#o.check_expiry);
    let deleted = 0;
    try {
      await this.#transact("delete", async (head) => {
        const { entries, files } = await this.#merged(signal, head);
        const paths = new Map(files.map((f) => [f.name, f.path]));
        const expired = entries.filter((e) => e.timestamp < cutoff);
        deleted = expired.length;
        if (!expired.length) return undefined;
        const changes: Changes = new Map(expired.map((e) => [paths.get(e.name)!, null]));
        const indexPath = this.#repo.path(INDEX);
        const index = parseIndex((await this.#repo.read(indexPath, signal, head.commit))?.text ?? "{}");
        for (const e of expired) index.delete(e.name);
        changes.set(indexPath, encodeIndex(index));
        return changes;
      }, signal);
    } catch (e) {
      throw this.#repo.fail("maintain", e);
    }
    return deleted;
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
      return (await this.#repo.read(path, signal))?.text;
    } catch (e) {
      throw this.#repo.fail("read summary from", e);
    }
  }

  /**
   * Replaces the summary file `<dir>/<key>.json` in one commit (`[checkup] update <path> <suffix>`), none
   * when the text is unchanged. (Rounds stored through the summarizing decorator carry their summary in the
   * round's own commit instead.)
   */
  async saveSummary(key: string, text: string, signal?: AbortSignal): Promise<void> {
    const path = this.#summaryPath(key);
    try {
      await this.#transact(
        "update",
        (head) => this.#summary(head, { summary: { key, text } }, new Map()),
        signal,
      );
    } catch (e) {
      throw this.#repo.fail("save summary in", e);
    }
  }

  /** GitHub refusing the file itself (a 4xx such as 422) rejects the round; 401, 403, 404, 409, 429… do not. */
  isRejection(error: unknown): boolean {
    return refusesContent(error);
  }
}
