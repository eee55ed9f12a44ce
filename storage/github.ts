/**
 * The `github` storage: check files and Go's `index.json` committed to a GitHub repository (a status
 * page can then be served by GitHub Pages), through the contents and git APIs with `npm:@octokit/rest`.
 * Go Checkup's keys plus `api_url` for GitHub Enterprise. Lock-free like Go's, but lossless: a taken name
 * moves to the next nanosecond, and a concurrent update of `index.json` (SHA conflict) is retried on the
 * fresh index instead of failing. Maintenance deletes expired files and their index entries (Go left
 * the entries behind when `dir` was set). Each node also commits its summary, `<dir>/summary-<node>.json`
 * (one file per node, at most one commit per round), for the status page on GitHub Pages.
 *
 * @module
 */
import { z } from "zod";
import type { Octokit } from "@octokit/rest";
import { httpRequest } from "../_internal/http.ts";
import type { Duration } from "../duration.ts";
import { duration, httpUrl, typeTag } from "../config/fields.ts";
import type { PluginContext, PluginDefinition } from "../config/plugin.ts";
import { decodeResults, encodeResults, type Result } from "../result.ts";
import { encodeIndex, parseIndex } from "./fs.ts";
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
} from "./storage.ts";

/** `checkup.json` options of the `github` storage (Go Checkup's keys plus `api_url`). */
export interface GithubStorageConfig {
  /** The storage type, `"github"`. */
  type: "github";
  /** A token allowed to write the repository's contents. */
  access_token: string;
  /** The repository's owner (user or organisation). */
  repository_owner: string;
  /** The repository's name. */
  repository_name: string;
  /** Committer of the commits; both empty: the token's user. */
  committer_name?: string;
  /** Committer email of the commits (with `committer_name`). */
  committer_email?: string;
  /** The branch; empty: the repository's default branch. */
  branch?: string;
  /** Folder of the check files in the repository; empty: the root. */
  dir?: string;
  /** Delete check files older than this; 0 keeps them forever. */
  check_expiry?: Duration;
  /** Appended to commit messages; empty: `[ci skip]` (Go's default; `" "` drops it). */
  commit_message_suffix?: string;
  /** The API base URL; GitHub Enterprise: `https://ghe.example.com/api/v3`. */
  api_url?: string;
}

/** Validated options of the `github` storage. */
export interface GithubStorageOptions {
  /** The storage type, always `"github"`. */
  type: "github";
  /** A token allowed to write the repository's contents (a secret). */
  access_token: string;
  /** The repository's owner (user or organisation). */
  repository_owner: string;
  /** The repository's name. */
  repository_name: string;
  /** Committer name; `""` (with an empty email): the token's user. */
  committer_name: string;
  /** Committer email; `""` (with an empty name): the token's user. */
  committer_email: string;
  /** The branch; `""`: the repository's default branch. */
  branch: string;
  /** Folder of the check files, without leading or trailing slashes; `""`: the root. */
  dir: string;
  /** Delete check files older than this, nanoseconds; 0 (default) keeps them forever. */
  check_expiry: number;
  /** Appended to commit messages; `""`: `[ci skip]` (Go's default). */
  commit_message_suffix: string;
  /** The API base URL; `""`: `https://api.github.com`. */
  api_url: string;
}

const required = (what: string) => z.string().min(1, { error: `required: expected ${what}` });

const schema: z.ZodType<GithubStorageOptions, GithubStorageConfig> = z.object({
  type: typeTag("github"),
  access_token: z.string({
    error: "required: expected a GitHub token (Please specify access_token in storage configuration)",
  }).min(1, {
    error: "required: expected a GitHub token (Please specify access_token in storage configuration)",
  })
    .meta({ description: "A token allowed to write the repository's contents." }),
  repository_owner: required("the repository's owner (user or organisation)").meta({
    description: "The repository's owner.",
  }),
  repository_name: required("the repository's name").meta({ description: "The repository's name." }),
  committer_name: z.string().default("").meta({ description: "Committer name of the commits." }),
  committer_email: z.string().default("").meta({ description: "Committer email of the commits." }),
  branch: z.string().default("").meta({ description: "The branch; empty: the default branch." }),
  dir: z.string().default("").transform((d) => d.replace(/^\/+|\/+$/g, "")).meta({
    description: "Folder of the check files; empty: the repository root.",
  }),
  check_expiry: duration("Delete check files older than this; 0 keeps them forever.").default(0),
  commit_message_suffix: z.string().default("").meta({
    description: 'Appended to commit messages; empty means "[ci skip]".',
  }),
  api_url: z.union([httpUrl("The API base URL."), z.literal("")]).default("").meta({
    description: "API base URL (GitHub Enterprise: https://host/api/v3); empty: api.github.com.",
  }),
}).refine((o) => !o.committer_name === !o.committer_email, {
  error: "expected both committer_name and committer_email, or neither",
  path: ["committer_email"],
});

const INDEX = "index.json";

function status(e: unknown): number {
  return (e as { status?: number })?.status ?? 0;
}

function fromBase64(text: string): string {
  const bin = atob(text.replace(/\s/g, ""));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

function toBase64(text: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stores rounds as check files plus `index.json` in a GitHub repository. */
export class GithubStorage implements Storage, StorageReader, Maintainer, SummaryStore {
  readonly type = "github";
  readonly #o: GithubStorageOptions;
  readonly #now: () => bigint;
  readonly #fetch: typeof fetch;
  #client?: Promise<Octokit>;
  readonly #repo: { owner: string; repo: string };
  /** The summary files as last read or written by this node (their blob SHA is needed to replace them). */
  readonly #summaries = new Map<string, { text: string; sha: string } | undefined>();

  /** Keeps the options; Octokit is loaded on first use. */
  constructor(options: GithubStorageOptions, context: Pick<PluginContext, "now" | "fetch">) {
    this.#o = options;
    this.#now = context.now;
    this.#repo = { owner: options.repository_owner, repo: options.repository_name };
    this.#fetch = context.fetch;
  }

  /** The Octokit client, loaded on first use. */
  #gh(): Promise<Octokit> {
    return this.#client ??= import("@octokit/rest").then(({ Octokit }) => {
      const silent = () => {};
      return new Octokit({
        auth: this.#o.access_token,
        baseUrl: this.#o.api_url || undefined,
        userAgent: "checkup",
        log: { debug: silent, info: silent, warn: silent, error: silent },
        request: {
          // Every call goes through the one HTTP helper: timeout, abort, secrets kept out of errors.
          fetch: (url: string, init: RequestInit) =>
            httpRequest(url, {
              method: init.method,
              headers: init.headers,
              body: init.body,
              signal: init.signal ?? undefined,
              redirect: init.redirect,
              timeout: 30_000,
              fetch: this.#fetch,
            }),
        },
      });
    });
  }

  #path(name: string): string {
    if (this.#o.dir && name.startsWith(this.#o.dir + "/")) return name;
    return this.#o.dir ? `${this.#o.dir}/${name}` : name;
  }

  #message(verb: string, path: string): string {
    return `[checkup] ${verb} ${path} ${this.#o.commit_message_suffix || "[ci skip]"}`;
  }

  #committer() {
    return this.#o.committer_name
      ? { committer: { name: this.#o.committer_name, email: this.#o.committer_email } }
      : {};
  }

  #branch(key: "ref" | "branch") {
    return this.#o.branch ? { [key]: this.#o.branch } : {};
  }

  #fail(what: string, e: unknown): Error {
    if (e instanceof NotFoundError) return e;
    const where = `${this.#o.repository_owner}/${this.#o.repository_name}${
      this.#o.branch ? ` (branch ${this.#o.branch})` : ""
    } at ${new URL(this.#o.api_url || "https://api.github.com").host}`;
    const s = status(e);
    const reason = s === 401
      ? "the access_token was refused (401 Bad credentials)"
      : s === 403
      ? "forbidden (403): the token cannot write this repository, or a rate limit was hit"
      : s === 404
      ? "repository or branch not found (404), or the token cannot see it"
      : ((e as Error)?.message ?? String(e)).replace(/\s+/g, " "); // GitHub's messages span lines
    return new Error(`storage github: ${what} ${where}: ${reason}`, { cause: e });
  }

  /** A file's text and blob SHA, or undefined when it does not exist. */
  async #read(path: string, signal?: AbortSignal): Promise<{ text: string; sha: string } | undefined> {
    try {
      const { data } = await (await this.#gh()).repos.getContent({
        ...this.#repo,
        path,
        ...this.#branch("ref"),
        request: { signal },
      });
      if (Array.isArray(data) || data.type !== "file") return undefined;
      const file = data as { content?: string; sha: string; size: number; encoding?: string };
      if (file.content || !file.size) return { text: fromBase64(file.content ?? ""), sha: file.sha };
      // Files over 1 MB come without content: read the blob.
      const blob = await (await this.#gh()).git.getBlob({
        ...this.#repo,
        file_sha: file.sha,
        request: { signal },
      });
      return { text: fromBase64(blob.data.content), sha: file.sha };
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw e;
    }
  }

  async #write(path: string, text: string, sha: string | undefined, verb: string, signal?: AbortSignal) {
    await (await this.#gh()).repos.createOrUpdateFileContents({
      ...this.#repo,
      path,
      message: this.#message(verb, path),
      content: toBase64(text),
      ...(sha ? { sha } : {}),
      ...this.#branch("branch"),
      ...this.#committer(),
      request: { signal },
    });
  }

  /**
   * Applies `change` to index.json with optimistic concurrency: on a SHA conflict (another writer got
   * there first) it reads the fresh index and applies the change again.
   */
  async #updateIndex(change: (index: Map<string, bigint>) => void, signal?: AbortSignal): Promise<void> {
    const path = this.#path(INDEX);
    for (let attempt = 0;; attempt++) {
      const current = await this.#read(path, signal);
      const index = parseIndex(current?.text ?? "{}");
      change(index);
      try {
        await this.#write(path, encodeIndex(index), current?.sha, "store", signal);
        return;
      } catch (e) {
        if (![409, 422].includes(status(e)) || attempt >= 50 || signal?.aborted) throw e;
        await pause(Math.random() * 50 * Math.min(attempt + 1, 10));
      }
    }
  }

  async store(results: readonly Result[], signal?: AbortSignal, options: StoreOptions = {}): Promise<string> {
    const body = encodeResults(results);
    let name: string;
    try {
      for (let ns = options.at ?? this.#now(), tries = 0;; tries++) {
        name = checkFileName(ns);
        const path = this.#path(name);
        try {
          await this.#write(path, body, undefined, "store", signal);
          break;
        } catch (e) {
          const s = status(e);
          if (s === 409 && tries < 50) { // the branch moved under us: try again
            await pause(Math.random() * 50);
            continue;
          }
          if (s !== 422 || tries >= 1000) throw e;
          // The name is taken: by this very round (re-sent), or by another writer (next nanosecond).
          const taken = await this.#read(path, signal);
          if (!taken) throw e; // not taken: GitHub refused the file itself (a 422 that trying again won't fix)
          if (taken.text === body) break;
          ns++;
        }
      }
      const stored = options.at ?? this.#now();
      await this.#updateIndex((index) => void index.set(name, stored), signal);
    } catch (e) {
      throw this.#fail("store in", e);
    }
    return name;
  }

  /** Check files under `dir` (path, name, blob SHA) from the branch's recursive tree. */
  async #listing(signal?: AbortSignal): Promise<{ path: string; name: string; sha: string }[]> {
    const { data } = await (await this.#gh()).git.getTree({
      ...this.#repo,
      tree_sha: this.#o.branch || "HEAD",
      recursive: "1",
      request: { signal },
    });
    const prefix = this.#o.dir ? this.#o.dir + "/" : "";
    return data.tree.flatMap((t) => {
      if (t.type !== "blob" || !t.path?.startsWith(prefix)) return [];
      const name = t.path.slice(prefix.length);
      return !name.includes("/") && parseCheckFileName(name) !== undefined
        ? [{ path: t.path, name, sha: t.sha! }]
        : [];
    });
  }

  async #merged(
    signal?: AbortSignal,
  ): Promise<{ entries: IndexEntry[]; files: { path: string; name: string; sha: string }[] }> {
    const [files, index] = await Promise.all([
      this.#listing(signal).catch((e) => {
        if (status(e) === 404 || status(e) === 409) return []; // an empty repository has no tree
        throw e;
      }),
      this.#read(this.#path(INDEX), signal),
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
      throw this.#fail("list", e);
    }
  }

  async fetch(name: string, signal?: AbortSignal): Promise<Result[]> {
    if (parseCheckFileName(name) === undefined || name.includes("/") || name.includes("\\")) {
      throw new NotFoundError(`no check file named ${JSON.stringify(name)}`);
    }
    let file: { text: string } | undefined;
    try {
      file = await this.#read(this.#path(name), signal);
    } catch (e) {
      throw this.#fail("read", e);
    }
    if (!file) throw new NotFoundError(`no check file named ${JSON.stringify(name)}`);
    return decodeResults(file.text, `github ${this.#path(name)}`);
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
        for (let tries = 0;; tries++) {
          try {
            await (await this.#gh()).repos.deleteFile({
              ...this.#repo,
              path: f.path,
              message: this.#message("delete", f.path),
              sha: f.sha,
              ...this.#branch("branch"),
              ...this.#committer(),
              request: { signal },
            });
            break;
          } catch (err) {
            if (status(err) === 404) break; // deleted by another node
            if (status(err) !== 409 || tries >= 20) throw err;
            await pause(Math.random() * 50);
          }
        }
        deleted.add(e.name);
      }
      if (deleted.size) {
        await this.#updateIndex((index) => {
          for (const n of deleted) index.delete(n);
        }, signal);
      }
    } catch (e) {
      throw this.#fail("maintain", e);
    }
    return deleted.size;
  }

  #summaryPath(key: string): string {
    if (!/^[\w.-]{1,200}$/.test(key) || key.startsWith(".")) {
      throw new Error(`storage github: invalid summary key ${JSON.stringify(key)}`);
    }
    return this.#path(`${key}.json`);
  }

  /** The summary file `<dir>/<key>.json`, or undefined. */
  async loadSummary(key: string, signal?: AbortSignal): Promise<string | undefined> {
    const path = this.#summaryPath(key);
    try {
      const file = await this.#read(path, signal);
      this.#summaries.set(path, file);
      return file?.text;
    } catch (e) {
      throw this.#fail("read summary from", e);
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
      if (!this.#summaries.has(path)) this.#summaries.set(path, await this.#read(path, signal));
      for (let attempt = 0;; attempt++) {
        const current = this.#summaries.get(path);
        if (current?.text === text) return;
        try {
          const { data } = await (await this.#gh()).repos.createOrUpdateFileContents({
            ...this.#repo,
            path,
            message: this.#message("update", path),
            content: toBase64(text),
            ...(current ? { sha: current.sha } : {}),
            ...this.#branch("branch"),
            ...this.#committer(),
            request: { signal },
          });
          const sha = data.content?.sha;
          if (sha) this.#summaries.set(path, { text, sha });
          else this.#summaries.delete(path);
          return;
        } catch (e) {
          // 409 is also "the branch moved" (another node committed meanwhile): read again and retry.
          if (![409, 422].includes(status(e)) || attempt >= 20 || signal?.aborted) throw e;
          await pause(Math.random() * 50);
          this.#summaries.set(path, await this.#read(path, signal));
        }
      }
    } catch (e) {
      this.#summaries.delete(path);
      throw this.#fail("save summary in", e);
    }
  }
}

/** The `github` storage type. */
export const githubStorage: PluginDefinition<Storage, GithubStorageOptions> = {
  type: "github",
  summary: "Go Checkup check files and index.json committed to a GitHub repository (GitHub Pages).",
  schema,
  create: (options, context) => new GithubStorage(options, context),
};
