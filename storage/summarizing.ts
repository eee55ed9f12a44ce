/**
 * Summaries for static hosting, a storage decorator: each stored round is folded into its node's own
 * summary document (a rollup, see `status/codec.js`), written back once at the end of the round. Each node
 * rewrites only its own document, so writers never contend; the static page reads one document per node
 * and merges them.
 *
 * Where the document goes:
 * - a storage with the {@linkcode SummaryStore} capability publishes it beside its check files as
 *   `<key>.json` (fs `<dir>/summary-<node>.json`, s3 `<prefix>summary-<node>.json`, github
 *   `<dir>/summary-<node>.json`), readable wherever the check files are;
 * - otherwise a storage that keeps per-node state and is read by listing files (no query language, no
 *   `rounds()`) keeps it in its state, e.g. fs `<dir>/_state/summary-<node>.json`;
 * - storages read through `checkup serve` (SQL) get none.
 *
 * {@linkcode SummarizingStorage} implements `Storage` over the storage it fronts: `store` stores and
 * folds, `endRound` writes each node's document once (one write, so one GitHub commit, per round). Under
 * the spool (`storage/spooled.ts`), rounds sent later from the spool (after an outage) are folded in too,
 * in the round that sent them.
 *
 * A summary is published as it is, so everything in it goes through the config's redactor: each round
 * as it is folded in, and a summary written by an older version (which masked fewer credential shapes)
 * once, when it is read, so its endpoints join the redacted ones instead of standing beside them.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { redactPatterns, redactResult } from "../_internal/redact.ts";
import type { Result } from "../result.ts";
import {
  isRejection,
  isStateStore,
  isSummaryStore,
  type RoundEnd,
  type Storage,
  type StorageReader,
  type StoreOptions,
  type SummaryStore,
} from "./storage.ts";
import { decodeRollup, encodeRollupText } from "../status/codec.js";
import { Rollup } from "../status/rollup.js";
import { slug } from "../status/text.js";

/**
 * The key of a node's summary: `summary` without a node name, else `summary-<slug of the node>`.
 *
 * @example
 * ```ts
 * import { summaryKey } from "./summarizing.ts";
 * console.assert(summaryKey("Frankfurt, DE") === "summary-frankfurt-de");
 * console.assert(summaryKey(undefined) === "summary");
 * ```
 */
export function summaryKey(node: string | undefined): string {
  const name = slug(node ?? "");
  return name ? `summary-${name}` : "summary";
}

/** How a storage keeps summaries, or undefined when it keeps none. */
export function summaryTarget(storage: Storage): SummaryStore | undefined {
  if (isSummaryStore(storage)) return storage;
  if (isStateStore(storage) && typeof (storage as Partial<StorageReader>).rounds !== "function") {
    return {
      loadSummary: (key, signal) => storage.loadState(key, signal),
      saveSummary: (key, text, signal) => storage.saveState(key, text, signal),
    };
  }
  return undefined;
}

/** Whether a storage keeps summaries. */
export function keepsSummaries(storage: Storage): boolean {
  return summaryTarget(storage) !== undefined;
}

/**
 * A rollup with its endpoints, latest reasons and status-run reasons passed through `redact`: the same
 * rollup when nothing changed; a new one, endpoints that now read the same merged, when an endpoint did.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactRollup } from "./summarizing.ts";
 * import { redactPatterns } from "../_internal/redact.ts";
 * import { Rollup } from "../status/rollup.js";
import { slug } from "../status/text.js";
 * const old = new Rollup();
 * old.add({ title: "API", endpoint: "https://a.example/?auth_token=abc", healthy: true }, 1.8e12);
 * old.add({ title: "API", endpoint: "https://a.example/?auth_token=***", healthy: true }, 1.8e12 + 60e3);
 * const safe = redactRollup(old, redactPatterns);
 * assert.ok(safe.endpoints.size === 1 && [...safe.endpoints.values()][0].totals[1] === 2);
 * ```
 */
export function redactRollup(rollup: Rollup, redact: (text: string) => string): Rollup {
  let rekey = false;
  for (const e of rollup.endpoints.values()) {
    const shown = redact(e.endpoint);
    if (shown !== e.endpoint) [e.endpoint, rekey] = [shown, true];
    for (const n of e.nodes.values()) {
      n.reason = redact(n.reason);
      for (const run of n.runs) run.why = redact(run.why);
    }
  }
  if (!rekey) return rollup;
  // Endpoints are keyed by title + endpoint: merging into a fresh rollup keys them anew.
  const out = new Rollup();
  out.merge(rollup);
  return out;
}

/**
 * Folds stored rounds into their nodes' summaries: each summary is read once, when its first round comes,
 * and written once, by {@linkcode SummaryUpdate.save}, however many rounds went in (one write, so one
 * commit on github, per node and round: {@linkcode SummarizingStorage} saves at the end of each round). Does nothing for storages without summaries.
 * Never throws: failures are logged and the rounds stand.
 *
 * @example
 * ```ts
 * import { SummaryUpdate } from "./summarizing.ts";
 * import { parseStorage } from "../config/load.ts";
 * import { silentLogger } from "../log.ts";
 * const dir = await Deno.makeTempDir();
 * const update = new SummaryUpdate(parseStorage({ type: "fs", dir }), silentLogger);
 * for (const t of [1_800_000_000_000_000_000n, 1_800_000_060_000_000_000n]) {
 *   await update.add([{ title: "API", timestamp: t, healthy: true, node: "eu" }]);
 * }
 * console.assert(await update.save() === 1);
 * console.assert((await Deno.readTextFile(`${dir}/_state/summary-eu.json`)).length > 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SummaryUpdate {
  readonly #storage: Storage;
  readonly #target?: SummaryStore;
  readonly #logger: Logger;
  /**
   * Each node's summary, read on first use and then kept: one SummaryUpdate lives as long as its
   * Checkup, so a summary is parsed once, not every round (only this node writes it).
   */
  readonly #rollups = new Map<string, Rollup | undefined>();
  readonly #changed = new Set<string>();
  readonly #redact: (text: string) => string;

  /**
   * `redact` scrubs endpoints and error texts (pass the config's redactor, which knows its secret values;
   * default: credential patterns only).
   */
  constructor(storage: Storage, logger: Logger, redact: (text: string) => string = redactPatterns) {
    this.#storage = storage;
    this.#target = summaryTarget(storage);
    this.#logger = logger;
    this.#redact = redact;
  }

  async #load(key: string, signal?: AbortSignal): Promise<Rollup | undefined> {
    let text: string | undefined;
    try {
      text = await this.#target!.loadSummary(key, signal);
    } catch (e) {
      this.#logger.error("summary update failed", { storage: this.#storage.type, key, error: e });
      return undefined;
    }
    if (text) {
      try {
        return redactRollup(decodeRollup(JSON.parse(text)), this.#redact);
      } catch (e) {
        this.#logger.warn("summary unreadable; starting a new one", { key, error: e });
      }
    }
    return new Rollup();
  }

  /** Folds one stored round into its node's summary (read on first use). */
  async add(results: readonly Result[], signal?: AbortSignal): Promise<void> {
    if (!this.#target || !results.length) return;
    const key = summaryKey(results[0].node);
    if (!this.#rollups.has(key)) this.#rollups.set(key, await this.#load(key, signal));
    const rollup = this.#rollups.get(key);
    if (!rollup) {
      this.#rollups.delete(key); // unreadable now: try again with the next round
      return;
    }
    results.forEach((r, i) => {
      rollup.add(redactResult(r, this.#redact), Number(r.timestamp) / 1e6, i, results.length);
    });
    this.#changed.add(key);
  }

  /**
   * Folds a round in and gives its summary's key and text, for a storage that writes both at once
   * ({@linkcode SummaryStore.summaryWithRound}); undefined when there is no summary to write.
   */
  async folded(
    results: readonly Result[],
    signal?: AbortSignal,
  ): Promise<{ key: string; text: string } | undefined> {
    if (!this.#target?.summaryWithRound) return undefined;
    await this.add(results, signal);
    const key = summaryKey(results[0]?.node);
    const rollup = this.#rollups.get(key);
    return rollup && this.#changed.has(key) ? { key, text: encodeRollupText(rollup) } : undefined;
  }

  /** The round that {@linkcode folded} went into was written with its summary (true) or not at all (false). */
  committed(key: string, written: boolean): void {
    this.#changed.delete(key);
    // Not written: the summary in memory holds a round the storage does not; read it again next time.
    if (!written) this.#rollups.delete(key);
  }

  /** Writes every summary that rounds were folded into since the last save; returns how many. */
  async save(signal?: AbortSignal): Promise<number> {
    let saved = 0;
    for (const key of this.#changed) {
      try {
        await this.#target!.saveSummary(key, encodeRollupText(this.#rollups.get(key)!), signal);
        saved++;
      } catch (e) {
        this.#logger.error("summary update failed", { storage: this.#storage.type, key, error: e });
      }
    }
    this.#changed.clear();
    return saved;
  }
}

/**
 * Folds one stored round into its node's summary (read, add, write back). Does nothing for storages
 * without summaries. Never throws: a failure is logged and the round stands.
 */
export async function updateSummary(
  storage: Storage,
  results: readonly Result[],
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const update = new SummaryUpdate(storage, logger);
  await update.add(results, signal);
  await update.save(signal);
}

/**
 * A storage decorator that keeps each node's status page summary: every round stored through it is folded
 * in, and {@linkcode SummarizingStorage.endRound} writes each changed summary once. Summary failures are
 * logged, never thrown: the rounds stand. Compose it only over a storage that keeps summaries
 * ({@linkcode keepsSummaries}); over another it only passes rounds through.
 *
 * @example
 * ```ts
 * import { SummarizingStorage } from "./summarizing.ts";
 * import { parseStorage } from "../config/load.ts";
 * import { silentLogger } from "../log.ts";
 * const dir = await Deno.makeTempDir();
 * const storage = new SummarizingStorage(parseStorage({ type: "fs", dir }), { logger: silentLogger });
 * await storage.store([{ title: "API", timestamp: 1_800_000_000_000_000_000n, healthy: true, node: "eu" }]);
 * await storage.endRound();
 * console.assert((await Deno.readTextFile(`${dir}/_state/summary-eu.json`)).length > 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SummarizingStorage implements Storage {
  readonly #storage: Storage;
  readonly #update: SummaryUpdate;

  /** Fronts `storage`; `redact` scrubs what goes into a summary (default: credential patterns only). */
  constructor(storage: Storage, deps: { logger: Logger; redact?: (text: string) => string }) {
    this.#storage = storage;
    this.#update = new SummaryUpdate(storage, deps.logger, deps.redact);
  }

  /** The type of the storage it fronts. */
  get type(): string {
    return this.#storage.type;
  }

  /**
   * Stores the round, then folds it into its node's summary (written at the end of the round). A storage
   * whose rounds are commits (github) gets the summary with the round instead, in the same commit.
   */
  async store(results: readonly Result[], signal?: AbortSignal, options?: StoreOptions): Promise<string> {
    const summary = await this.#update.folded(results, signal);
    if (summary) {
      try {
        const name = await this.#storage.store(results, signal, { ...options, summary });
        this.#update.committed(summary.key, true);
        return name;
      } catch (e) {
        this.#update.committed(summary.key, false);
        throw e;
      }
    }
    const name = await this.#storage.store(results, signal, options);
    await this.#update.add(results, signal);
    return name;
  }

  /** Writes each summary that rounds went into since the last end (once), and ends the inner round. */
  async endRound(signal?: AbortSignal): Promise<RoundEnd> {
    await this.#update.save(signal);
    return await this.#storage.endRound?.(signal) ?? {};
  }

  /** Whether the storage it fronts refuses the round for good. */
  isRejection(error: unknown): boolean {
    return isRejection(error, this.#storage);
  }

  /** Closes the storage it fronts. */
  async close(): Promise<void> {
    await this.#storage.close?.();
  }
}
