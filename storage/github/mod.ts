/**
 * The `github` storage: check files and Go's `index.json` committed to a GitHub repository (a status
 * page can then be served by GitHub Pages), through the contents and git APIs with `npm:@octokit/rest`.
 * Go Checkup's keys plus `api_url` for GitHub Enterprise. Lock-free like Go's, but lossless: a taken name
 * moves to the next nanosecond, and a concurrent update of `index.json` (SHA conflict) is retried on the
 * fresh index instead of failing. Maintenance deletes expired files and their index entries (Go left
 * the entries behind when `dir` was set). Each node also commits its summary, `<dir>/summary-<node>.json`
 * (one file per node, at most one commit per round), for the status page on GitHub Pages.
 * Files: `config.ts` (the options), `store.ts` (the storage), `repo.ts` (the repository through Octokit).
 *
 * @module
 */
import type { PluginDefinition } from "../../config/plugin.ts";
import type { Storage } from "../storage.ts";
import { type GithubStorageOptions, schema } from "./config.ts";
import { GithubStorage } from "./store.ts";

export { GithubStorage } from "./store.ts";
export type { GithubStorageConfig, GithubStorageOptions } from "./config.ts";

/** The `github` storage type. */
export const githubStorage: PluginDefinition<Storage, GithubStorageOptions> = {
  type: "github",
  summary: "Go Checkup check files and index.json committed to a GitHub repository (GitHub Pages).",
  schema,
  create: (options, context) => new GithubStorage(options, context),
};
