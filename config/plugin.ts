/**
 * The plugin contract shared by checkers, storages and notifiers: each type is one
 * {@linkcode PluginDefinition} in its kind's registry list, and the config union, the JSON Schema, the
 * "unknown type" error and construction all derive from that list.
 *
 * @module
 */
import type { z } from "zod";
import type { Logger } from "../log.ts";
import type { HttpClients } from "../http_clients.ts";
import type { SharedStore } from "../storage/storage.ts";
import type { ConfigIssue } from "./errors.ts";

/** What every plugin instance is given: dependencies, never module-level state. */
export interface PluginContext {
  /** Where the plugin reports what it does. */
  logger: Logger;
  /** The fetch to use (tests inject a fake). */
  fetch: typeof fetch;
  /** The current time as UTC Unix nanoseconds. */
  now: () => bigint;
  /** The node name results are tagged with, when configured. */
  node?: string;
  /** Shared HTTP clients (owned and closed by the Checkup); checkers make their own when absent. */
  httpClients?: HttpClients;
  /** The storage's shared documents, when it has them: for checkers that judge what is stored (heartbeat). */
  shared?: SharedStore;
}

/**
 * A plugin's options schema: a zod 4 schema whose output is the validated options. (Hidden from the
 * generated docs only because `deno doc` cannot document a type from another package; see zod's docs.)
 *
 * @ignore
 */
export type PluginSchema<Options> = z.ZodType<Options>;

/** One plugin type: its name, its config schema and how to build it from validated options. */
export interface PluginDefinition<Instance, Options = unknown> {
  /** The `"type"` value in `checkup.json` (e.g. `"http"`). */
  readonly type: string;
  /** Other accepted type names (e.g. `"sqlite"` for `"sqlite3"`). */
  readonly aliases?: readonly string[];
  /** One line for docs and the JSON Schema. */
  readonly summary: string;
  /** A deprecation message printed as a warning when this type is used. */
  readonly deprecated?: string;
  /** Validates and normalises the JSON object (including `type`) into options. */
  readonly schema: PluginSchema<Options>;
  /** Builds the plugin from options that passed the schema. */
  create(options: Options, context: PluginContext): Instance;
  /**
   * The plugin cannot work without the storage's shared documents (`PluginContext.shared`): a config that
   * uses it without a storage that has them is refused when the Checkup is built.
   */
  readonly needsShared?: boolean;
  /**
   * Problems between the entries of this type in one config (two heartbeats with one token), found once
   * each entry passed its schema; each issue names its entry's path.
   */
  crossCheck?(entries: readonly { options: Options; path: string }[]): ConfigIssue[];
}

/** A definition of any options type, as held in a registry list. */
// deno-lint-ignore no-explicit-any
export type AnyDefinition<Instance> = PluginDefinition<Instance, any>;

/** Finds a definition by type name or alias. */
export function findDefinition<I>(
  list: readonly AnyDefinition<I>[],
  type: string,
): AnyDefinition<I> | undefined {
  return list.find((d) => d.type === type || d.aliases?.includes(type));
}
