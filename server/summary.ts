/**
 * Summaries for static hosting: after each stored round, a node folds its results into its own summary
 * document (a rollup, see `statuspage/js/codec.js`) and writes it back. Each node rewrites only its own
 * document, so writers never contend; the static page reads one document per node and merges them.
 *
 * Where the document goes:
 * - a storage with the {@linkcode SummaryStore} capability publishes it beside its check files as
 *   `<key>.json` (fs `<dir>/summary-<node>.json`, s3 `<prefix>summary-<node>.json`, github
 *   `<dir>/summary-<node>.json`), readable wherever the check files are;
 * - otherwise a storage that keeps per-node state and is read by listing files (no query language, no
 *   `rounds()`) keeps it in its state, e.g. fs `<dir>/_state/summary-<node>.json`;
 * - storages read through `checkup serve` (SQL) get none.
 *
 * @module
 */
import type { Logger } from "../_internal/log.ts";
import { redactPatterns } from "../_internal/redact.ts";
import type { Result } from "../result.ts";
import { isStateStore, type Storage, type StorageReader } from "../storage/storage.ts";
import { decodeRollup, encodeRollup } from "../statuspage/js/codec.js";
import { Rollup } from "../statuspage/js/rollup.js";
import { redactResult } from "./go_reads.ts";

/** A storage that publishes per-node summary documents beside its check files (static hosting). */
export interface SummaryStore {
  /** The summary document stored under `key` (e.g. `summary-eu-west`), or undefined. */
  loadSummary(key: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Replaces the document under `key`, as `<key>.json` beside the check files, readable as they are. */
  saveSummary(key: string, text: string, signal?: AbortSignal): Promise<void>;
}

/** Whether a storage publishes summaries itself. */
export function isSummaryStore<S extends Storage>(s: S): s is S & SummaryStore {
  const o = s as unknown as Record<string, unknown>;
  return typeof o.loadSummary === "function" && typeof o.saveSummary === "function";
}

/**
 * The key of a node's summary: `summary` without a node name, else `summary-<slug of the node>`.
 *
 * @example
 * ```ts
 * import { summaryKey } from "./summary.ts";
 * console.assert(summaryKey("Frankfurt, DE") === "summary-frankfurt-de");
 * console.assert(summaryKey(undefined) === "summary");
 * ```
 */
export function summaryKey(node: string | undefined): string {
  const slug = (node ?? "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 100);
  return slug ? `summary-${slug}` : "summary";
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
 * Folds a stored round into its node's summary (read, add, write back). Does nothing for storages
 * without summaries. Never throws: a failure is logged and the round stands.
 */
export async function updateSummary(
  storage: Storage,
  results: readonly Result[],
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const target = summaryTarget(storage);
  if (!results.length || !target) return;
  const key = summaryKey(results[0].node);
  try {
    const text = await target.loadSummary(key, signal);
    let rollup = new Rollup();
    if (text) {
      try {
        rollup = decodeRollup(JSON.parse(text));
      } catch (e) {
        logger.warn("summary unreadable; starting a new one", { key, error: e });
      }
    }
    results.forEach((r, i) => {
      rollup.add(redactResult(r, redactPatterns), Number(r.timestamp) / 1e6, i, results.length);
    });
    await target.saveSummary(key, JSON.stringify(encodeRollup(rollup)), signal);
  } catch (e) {
    logger.error("summary update failed", { storage: storage.type, key, error: e });
  }
}
