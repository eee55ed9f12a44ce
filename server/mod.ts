/**
 * `checkup serve` as a library: a request handler over any storage reader, answering the embedded
 * status page, the JSON API, badges, metrics and Go Checkup's reads from an incremental in-memory
 * rollup; plus the per-node summaries that let the same page be hosted statically.
 *
 * @example Serve a storage on a local port
 * ```ts
 * import { createStatusHandler } from "./mod.ts";
 * import { FsStorage } from "../storage/fs.ts";
 * import { nowNs } from "../result.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const storage = new FsStorage({ type: "fs", dir, url: "", check_expiry: 0 }, { now: nowNs });
 * const handler = createStatusHandler({ reader: storage, title: "Example" });
 * const stop = new AbortController();
 * const running = handler.run(stop.signal);
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler.fetch);
 * const res = await fetch(`http://127.0.0.1:${server.addr.port}/healthz`);
 * await res.body?.cancel();
 * stop.abort();
 * await Promise.all([server.shutdown(), running]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export { createStatusHandler, type StatusHandler, type StatusServerOptions } from "./app.ts";
export type { QuorumRule } from "../config/top_level.ts";
export type { MaintenanceRule } from "../config/maintenance.ts";
export type { LoaderOptions, LoaderState, UnreadableRounds } from "./loader.ts";
export { isSummaryStore, type SummaryStore } from "../storage/storage.ts";
export { keepsSummaries, summaryKey, summaryTarget, updateSummary } from "../storage/summarizing.ts";
export { type Asset, ASSETS, CONFIG_EXAMPLE, pageHtml, type PageSettings } from "./assets.ts";
export { CONTENT_SECURITY_POLICY } from "./security.ts";
export { PING_LIMIT, type PingTarget } from "./routes/ping.ts";
export type { RateLimit } from "./rate_limit.ts";
