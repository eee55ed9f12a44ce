/**
 * Summaries for static hosting: after each stored round, a node folds its results into its own summary
 * document (a rollup, see `statuspage/js/codec.js`) kept in the storage's per-node state, e.g.
 * `<dir>/_state/summary-<node>.json` for fs. Each node rewrites only its own document, so writers never
 * contend; the static page reads one document per node and merges them.
 *
 * Storages with their own query language (SQL: they implement `rounds()`) are read through
 * `checkup serve` and get no summaries.
 *
 * @module
 */
import type { Logger } from "../_internal/log.ts";
import { redactPatterns } from "../_internal/redact.ts";
import type { Result } from "../result.ts";
import { isStateStore, type StateStore, type Storage, type StorageReader } from "../storage/storage.ts";
import { decodeRollup, encodeRollup } from "../statuspage/js/codec.js";
import { Rollup } from "../statuspage/js/rollup.js";

/**
 * The state key of a node's summary: `summary` without a node name, else `summary-<slug of the node>`.
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

/** Whether a storage gets summaries: it holds per-node state and has no query language of its own. */
export function keepsSummaries(storage: Storage): storage is Storage & StateStore {
  return isStateStore(storage) && typeof (storage as Partial<StorageReader>).rounds !== "function";
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
  if (!results.length || !keepsSummaries(storage)) return;
  const key = summaryKey(results[0].node);
  try {
    const text = await storage.loadState(key, signal);
    let rollup = new Rollup();
    if (text) {
      try {
        rollup = decodeRollup(JSON.parse(text));
      } catch (e) {
        logger.warn("summary unreadable; starting a new one", { key, error: e });
      }
    }
    results.forEach((r, i) => {
      const safe = {
        ...r,
        endpoint: r.endpoint && redactPatterns(r.endpoint),
        notice: r.notice && redactPatterns(r.notice),
        times: r.times?.map((a) => (a.error ? { ...a, error: redactPatterns(a.error) } : a)),
      };
      rollup.add(safe, Number(r.timestamp) / 1e6, i, results.length);
    });
    await storage.saveState(key, JSON.stringify(encodeRollup(rollup)), signal);
  } catch (e) {
    logger.error("summary update failed", { storage: storage.type, key, error: e });
  }
}
