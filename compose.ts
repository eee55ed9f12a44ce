/**
 * The composition root: builds the plugins of a resolved config (checkers, the storage backend, notifiers)
 * and wires the storage pipeline, the one place that knows which decorators a round goes through:
 *
 * - `once` (a round stored by `checkup`, `Checkup.round`): `SummarizingStorage(backend)`; a storage error
 *   fails the round.
 * - `every` (a round stored by a long-running `checkup every` or `serve --every`):
 *   `SpooledStorage(SummarizingStorage(backend))`; an outage keeps the round in the spool, and rounds sent
 *   from it later are folded into the summaries too.
 *
 * The summaries are composed only over a backend that keeps them; the spool only when not turned off.
 * `Checkup` only orchestrates: it stores through a pipeline, ends the round, maintains the backend.
 *
 * @module
 */
import type { Logger } from "./log.ts";
import type { HttpClients } from "./http_clients.ts";
import type { ResolvedConfig } from "./config/resolve.ts";
import type { PluginContext } from "./config/plugin.ts";
import type { Checker } from "./checkers/checker.ts";
import type { Notifier } from "./notifiers/notifier.ts";
import { isSharedStore, type Storage } from "./storage/storage.ts";
import { ConfigError } from "./config/errors.ts";
import { defaultSpoolDir } from "./storage/spool_dir.ts";
import { SpooledStorage, type SpoolOptions } from "./storage/spooled.ts";
import { keepsSummaries, SummarizingStorage } from "./storage/summarizing.ts";

export type { SpoolOptions };

/** What the plugins and the storage pipeline are built with. */
export interface ComposeDeps {
  /** Where the plugins and decorators report. */
  logger: Logger;
  /** The fetch plugins use. */
  fetch: typeof fetch;
  /** The current time, UTC Unix nanoseconds. */
  now: () => bigint;
  /** Shared HTTP clients (owned and closed by the caller). */
  httpClients?: HttpClients;
  /** Scrubs what the summaries publish (the config's redactor). */
  redact: (text: string) => string;
  /** Where the `every` pipeline spools (default: {@linkcode defaultSpoolDir}); false: no spool. */
  spool?: Partial<SpoolOptions> | false;
}

/** The two ways a round reaches the storage (see the module doc). */
export interface StoragePipeline {
  /** A round stored once: storage errors propagate. */
  once: Storage;
  /** A round stored by a long-running loop: an outage keeps it in the spool. */
  every: Storage;
}

/** The plugins of a config, built, and the storage pipeline over its backend. */
export interface Composition {
  /** The checkers, in config order. */
  checkers: Checker[];
  /** The storage backend itself (read, maintain, provision, state), when one is configured. */
  storage?: Storage;
  /** How rounds reach the backend, when one is configured. */
  pipeline?: StoragePipeline;
  /** The notifiers, in config order. */
  notifiers: Notifier[];
}

/**
 * The storage pipeline over a backend: summaries when the backend keeps them, then the spool (unless
 * `deps.spool` is false) for the `every` pipeline. `options` are the backend's config options (they name
 * the default spool directory).
 */
export function composeStorage(
  backend: Storage,
  options: unknown,
  deps: Pick<ComposeDeps, "logger" | "now" | "redact" | "spool">,
): StoragePipeline {
  const once = keepsSummaries(backend)
    ? new SummarizingStorage(backend, { logger: deps.logger, redact: deps.redact })
    : backend;
  if (deps.spool === false) return { once, every: once };
  const dir = deps.spool?.dir ?? defaultSpoolDir(backend.type, options);
  return {
    once,
    every: new SpooledStorage(once, { ...deps.spool, dir }, { logger: deps.logger, now: deps.now }),
  };
}

/**
 * Builds the plugins of a resolved config and the storage pipeline.
 *
 * @example
 * ```ts
 * import { compose } from "./compose.ts";
 * import { resolveConfig } from "./config/load.ts";
 * import { silentLogger } from "./log.ts";
 * const resolved = resolveConfig({
 *   checkers: [{ type: "tcp", endpoint_name: "DB", endpoint_url: "127.0.0.1:9" }],
 *   storage: { type: "fs", dir: "/tmp/checkup-compose-example" },
 * });
 * const built = compose(resolved, {
 *   logger: silentLogger,
 *   fetch,
 *   now: () => 0n,
 *   redact: (t) => t,
 *   spool: false,
 * });
 * console.assert(built.checkers.length === 1 && built.pipeline?.once.type === "fs");
 * ```
 */
export function compose(resolved: ResolvedConfig, deps: ComposeDeps): Composition {
  const context: PluginContext = {
    logger: deps.logger,
    fetch: deps.fetch,
    now: deps.now,
    node: resolved.node,
    httpClients: deps.httpClients,
  };
  const storage = resolved.storage?.definition.create(resolved.storage.options, context);
  // Checkers that judge what is stored (heartbeats) get the storage's shared documents, or the config is refused.
  const shared = storage && isSharedStore(storage) ? storage : undefined;
  const unshared = resolved.checkers.filter((c) => c.definition.needsShared && !shared);
  if (unshared.length) {
    throw new ConfigError(
      resolved.source ?? "config",
      unshared.map((c) => ({
        path: c.path,
        message:
          `expected a storage with shared documents (a ${c.definition.type} checker keeps its data there), found ${
            storage ? `storage ${storage.type}, which has none` : "no storage"
          } (the README's storage section lists the types that have them)`,
      })),
    );
  }
  const checkers = resolved.checkers.map((c) => c.definition.create(c.options, { ...context, shared }));
  const pipeline = storage && composeStorage(storage, resolved.storage?.options, deps);
  const notifiers = resolved.notifiers.map((n) => n.definition.create(n.options, context));
  return { checkers, storage, pipeline, notifiers };
}
