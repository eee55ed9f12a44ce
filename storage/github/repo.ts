/**
 * The github storage's access to one repository and branch through `npm:@octokit/rest` (loaded on first
 * use; every call through the one HTTP helper): read, commit and delete files, list the tree, and errors
 * that name the repository and say what the status means.
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

  /** A file's text and blob SHA, or undefined when it does not exist. */
  async read(path: string, signal?: AbortSignal): Promise<{ text: string; sha: string } | undefined> {
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

  /** Deletes blob `sha` at `path` in one commit (`[checkup] delete <path> <suffix>`). */
  async remove(path: string, sha: string, signal?: AbortSignal): Promise<void> {
    await (await this.#gh()).repos.deleteFile({
      ...this.#repo,
      path,
      message: this.#message("delete", path),
      sha,
      ...this.#branch("branch"),
      ...this.#committer(),
      request: { signal },
    });
  }

  /** Check files under `dir` (path, name, blob SHA) from the branch's recursive tree. */
  async listing(signal?: AbortSignal): Promise<TreeFile[]> {
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
}
