/**
 * The github storage's access to one repository and branch through `npm:@octokit/rest` (loaded on first
 * use; every call through the one HTTP helper): read files (at the branch or at a commit), commit several
 * changes at once through the git data API (one tree, one commit, a fast-forward of the branch), list the
 * tree, and errors that name the repository and say what the status means.
 *
 * @module
 */
import type { Octokit } from "@octokit/rest";
import { httpRequest } from "../../_internal/http.ts";
import { NotFoundError, parseCheckFileName } from "../storage.ts";
import type { GithubStorageOptions } from "./config.ts";

/** The HTTP status of an Octokit error (0 when there is none). */
export function status(e: unknown): number {
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

/** A check file in the tree: its path, name and blob SHA. */
export interface TreeFile {
  /** The path in the repository. */
  path: string;
  /** The file name (`<ns>-check.json`). */
  name: string;
  /** The blob SHA (needed to delete it). */
  sha: string;
}

/** The branch's head: its commit and that commit's tree. */
export interface Head {
  /** The commit SHA. */
  commit: string;
  /** The commit's tree SHA. */
  tree: string;
}

/** Changes of one commit: new text by path, or null to delete the file. */
export type Changes = Map<string, string | null>;

/** The branch moved while a commit was being made (another node committed): make it again on the new head. */
export class BranchMoved extends Error {
  /** Always `"BranchMoved"`. */
  override name = "BranchMoved";
}

/** One repository (and branch) as the github storage uses it. */
export class GithubRepo {
  readonly #o: GithubStorageOptions;
  readonly #fetch: typeof fetch;
  #client?: Promise<Octokit>;
  readonly #repo: { owner: string; repo: string };

  /** Keeps the options; Octokit is loaded on first use. */
  constructor(options: GithubStorageOptions, fetch: typeof globalThis.fetch) {
    this.#o = options;
    this.#repo = { owner: options.repository_owner, repo: options.repository_name };
    this.#fetch = fetch;
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

  /** The path of a file under `dir`. */
  path(name: string): string {
    if (this.#o.dir && name.startsWith(this.#o.dir + "/")) return name;
    return this.#o.dir ? `${this.#o.dir}/${name}` : name;
  }

  /** A commit message: `[checkup] <verb> <path> <suffix>`. */
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

  #branchName?: Promise<string>;

  /** The branch written: the configured one, else the repository's default branch (asked once). */
  #name(signal?: AbortSignal): Promise<string> {
    if (this.#o.branch) return Promise.resolve(this.#o.branch);
    return this.#branchName ??= this.#gh().then((gh) => gh.repos.get({ ...this.#repo, request: { signal } }))
      .then(({ data }) => data.default_branch)
      .catch((e) => {
        this.#branchName = undefined;
        throw e;
      });
  }

  /** The branch's head, or undefined when the branch has no commit yet (an empty repository). */
  async head(signal?: AbortSignal): Promise<Head | undefined> {
    try {
      const { data } = await (await this.#gh()).repos.getBranch({
        ...this.#repo,
        branch: await this.#name(signal),
        request: { signal },
      });
      return { commit: data.commit.sha, tree: data.commit.commit.tree.sha };
    } catch (e) {
      if (status(e) === 404 || status(e) === 409) return undefined; // no such branch, or an empty repository
      throw e;
    }
  }

  /**
   * Commits `changes` on top of `head` in one commit (`[checkup] <verb> <path> <suffix>`, the path of the
   * first change) and moves the branch to it, only as a fast-forward: throws {@linkcode BranchMoved} when
   * another writer moved the branch since `head` was read.
   */
  async commit(head: Head, changes: Changes, verb: string, signal?: AbortSignal): Promise<void> {
    const gh = await this.#gh();
    const tree = [...changes].map(([path, text]) =>
      text === null
        ? { path, mode: "100644" as const, type: "blob" as const, sha: null }
        : { path, mode: "100644" as const, type: "blob" as const, content: text }
    );
    const { data: t } = await gh.git.createTree({
      ...this.#repo,
      base_tree: head.tree,
      tree,
      request: { signal },
    });
    const first = changes.keys().next().value ?? "";
    const { data: c } = await gh.git.createCommit({
      ...this.#repo,
      message: this.#message(verb, first),
      tree: t.sha,
      parents: [head.commit],
      ...this.#committer(),
      request: { signal },
    });
    try {
      await gh.git.updateRef({
        ...this.#repo,
        ref: `heads/${await this.#name(signal)}`,
        sha: c.sha,
        force: false,
        request: { signal },
      });
    } catch (e) {
      // 422 "Update is not a fast forward" (409 on some servers): another writer committed first.
      if (status(e) === 422 || status(e) === 409) throw new BranchMoved(`the branch moved`, { cause: e });
      throw e;
    }
  }

  /** An error naming the repository, what failed and why (`NotFoundError` passes through). */
  fail(what: string, e: unknown): Error {
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

  /**
   * A file's text and blob SHA (at the branch's head, or at commit `at`), or undefined when it does not
   * exist.
   */
  async read(
    path: string,
    signal?: AbortSignal,
    at?: string,
  ): Promise<{ text: string; sha: string } | undefined> {
    try {
      const { data } = await (await this.#gh()).repos.getContent({
        ...this.#repo,
        path,
        ...(at ? { ref: at } : this.#branch("ref")),
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

  /** Commits `text` to `path` (replacing blob `sha`, or creating); returns the new blob SHA when GitHub says. */
  async write(
    path: string,
    text: string,
    sha: string | undefined,
    verb: string,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const { data } = await (await this.#gh()).repos.createOrUpdateFileContents({
      ...this.#repo,
      path,
      message: this.#message(verb, path),
      content: toBase64(text),
      ...(sha ? { sha } : {}),
      ...this.#branch("branch"),
      ...this.#committer(),
      request: { signal },
    });
    return data.content?.sha;
  }

  /** Check files under `dir` (path, name, blob SHA) from the branch's (or tree `at`'s) recursive tree. */
  async listing(signal?: AbortSignal, at?: string): Promise<TreeFile[]> {
    const { data } = await (await this.#gh()).git.getTree({
      ...this.#repo,
      tree_sha: at ?? (this.#o.branch || "HEAD"),
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
}
