/**
 * Where alert state lives between rounds, restarts and one-shot cron runs: in the storage when it is a
 * {@linkcode StateStore} (one document per node, so writers never contend), else in a local state file
 * (`$XDG_STATE_HOME/checkup/` or `~/.local/state/checkup/`, named after a hash of the config path).
 * A storage that fails falls back to the local file for that load or save.
 *
 * @module
 */
import { sha256Hex } from "../_internal/sha256.ts";
import { dirname, join, resolve } from "node:path";
import type { Logger } from "../log.ts";
import { isStateStore, type StateStore, type Storage } from "../storage/storage.ts";

/** Loads and saves the serialised alert state of one node. */
export interface AlertStateStore {
  /** Where the state lives, for logs (never a secret). */
  readonly where: string;
  /** The saved document, or undefined when there is none yet. */
  load(signal?: AbortSignal): Promise<string | undefined>;
  /** Replaces the saved document. */
  save(text: string, signal?: AbortSignal): Promise<void>;
}

function shortHash(text: string, length: number): string {
  return sha256Hex(text).slice(0, length);
}

/**
 * The state document key of a node: `alerts` without a node name, `alerts-<node>` when the name is
 * a safe file name, else `alerts-<slug>-<hash>`.
 *
 * @example
 * ```ts
 * import { alertStateKey } from "./state.ts";
 * import assert from "node:assert/strict";
 * assert.equal(alertStateKey(undefined), "alerts");
 * assert.equal(alertStateKey("eu-west-1"), "alerts-eu-west-1");
 * assert.match(alertStateKey("Frankfurt, DE"), /^alerts-Frankfurt_DE-[0-9a-f]{8}$/);
 * ```
 */
export function alertStateKey(node: string | undefined): string {
  if (!node) return "alerts";
  if (/^[\w-][\w.-]{0,59}$/.test(node)) return `alerts-${node}`;
  const slug = node.replace(/[^\w.-]+/g, "_").replace(/^[._]+|_+$/g, "").slice(0, 40);
  return `alerts-${slug ? slug + "-" : ""}${shortHash(node, 8)}`;
}

/** Keeps the state in a storage that holds per-node documents (fs, sqlite3, ...). */
export function storageAlertState(store: StateStore & { type?: string }, node?: string): AlertStateStore {
  const key = alertStateKey(node);
  return {
    where: `${store.type ?? "storage"} state "${key}"`,
    load: (signal) => store.loadState(key, signal),
    save: (text, signal) => store.saveState(key, text, signal),
  };
}

/** Keeps the state in a local file, written atomically (temporary file, then rename). */
export function fileAlertState(path: string): AlertStateStore {
  return {
    where: path,
    async load() {
      try {
        return await Deno.readTextFile(path);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw new Error(`alert state ${JSON.stringify(path)}: cannot read: ${(e as Error).message}`);
      }
    },
    async save(text) {
      const tmp = `${path}.${crypto.randomUUID()}.tmp`;
      try {
        await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
        await Deno.writeTextFile(tmp, text, { mode: 0o600 });
        await Deno.rename(tmp, path);
      } catch (e) {
        await Deno.remove(tmp).catch(() => {});
        throw new Error(`alert state ${JSON.stringify(path)}: cannot write: ${(e as Error).message}`);
      }
    },
  };
}

/** Keeps the state in memory only (library use, or when no state directory can be found). */
export function memoryAlertState(): AlertStateStore {
  let doc: string | undefined;
  return {
    where: "memory",
    load: () => Promise.resolve(doc),
    save: (text) => {
      doc = text;
      return Promise.resolve();
    },
  };
}

function updatedOf(text: string | undefined): bigint {
  const m = text === undefined ? null : /"updated":"(\d+)"/.exec(text);
  return m ? BigInt(m[1]) : -1n;
}

/**
 * Uses `primary`, and `fallback` for any load or save that `primary` fails (logged as a warning). A load
 * reads both and keeps the newer document, so state saved locally during a storage outage is not lost.
 */
export function fallbackAlertState(
  primary: AlertStateStore,
  fallback: AlertStateStore,
  logger: Logger,
): AlertStateStore {
  return {
    where: `${primary.where}, else ${fallback.where}`,
    async load(signal) {
      const local = await fallback.load(signal).catch(() => undefined);
      let main: string | undefined;
      try {
        main = await primary.load(signal);
      } catch (e) {
        logger.warn("cannot load alert state; using the local copy", { from: primary.where, error: e });
        return local;
      }
      return updatedOf(local) > updatedOf(main) ? local : main;
    },
    async save(text, signal) {
      try {
        await primary.save(text, signal);
      } catch (e) {
        logger.warn("cannot save alert state; keeping a local copy", { to: primary.where, error: e });
        await fallback.save(text, signal);
      }
    },
  };
}

function denoEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env
  }
}

/**
 * The local state directory: `$XDG_STATE_HOME/checkup`, else `~/.local/state/checkup`
 * (`%LOCALAPPDATA%\checkup` on Windows); undefined when none of those variables is readable.
 */
export function defaultStateDir(env: (name: string) => string | undefined = denoEnv): string | undefined {
  const xdg = env("XDG_STATE_HOME");
  if (xdg) return join(xdg, "checkup");
  const home = env("HOME");
  if (home) return join(home, ".local", "state", "checkup");
  const local = env("LOCALAPPDATA");
  if (local) return join(local, "checkup");
  return undefined;
}

/** Options of {@linkcode defaultAlertState}. */
export interface DefaultAlertStateOptions {
  /** The configured storage; used when it is a {@linkcode StateStore}. */
  storage?: Storage;
  /** The node name (`node` in the config). */
  node?: string;
  /** The config file: its absolute path names the local state file. */
  configPath?: string;
  /** Names the local state file when there is no config path (e.g. the endpoints checked). */
  identity?: string;
  /** The local state directory; default {@linkcode defaultStateDir}. */
  stateDir?: string;
  /** Receives the warnings: no state directory, or a load or save that fell back to the local copy. */
  logger: Logger;
}

/** The local state file of a config: `<dir>/<key>-<hash of the config path>.json`. */
export function localStatePath(dir: string, node: string | undefined, identity: string): string {
  return join(dir, `${alertStateKey(node)}-${shortHash(identity, 16)}.json`);
}

/**
 * Where alert state lives for a Checkup: the storage when it can hold it (with the local file as a
 * fallback), else the local file, else (no state directory) memory, with a warning.
 */
export function defaultAlertState(o: DefaultAlertStateOptions): AlertStateStore {
  const dir = o.stateDir ?? defaultStateDir();
  const identity = o.configPath ? `config:${resolve(o.configPath)}` : `endpoints:${o.identity ?? ""}`;
  let local: AlertStateStore;
  if (dir) local = fileAlertState(localStatePath(dir, o.node, identity));
  else {
    o.logger.warn("no state directory (set XDG_STATE_HOME or HOME); alert state lasts only this process");
    local = memoryAlertState();
  }
  if (o.storage && isStateStore(o.storage)) {
    return fallbackAlertState(storageAlertState(o.storage, o.node), local, o.logger);
  }
  return local;
}
