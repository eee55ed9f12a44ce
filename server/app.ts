/**
 * The `checkup serve` request handler (Hono): the embedded page, the JSON API `/api/v1/…`, SVG badges,
 * Prometheus `/metrics`, `/healthz`, and Go Checkup's `/index.json` and `/<ns>-check.json` reads. Every
 * answer about the status comes from the in-memory rollup; generated bodies are cached per rollup
 * generation, carry an ETag (304 on a match) and are gzipped when the client accepts it.
 *
 * The app is middleware plus one module per route group (`routes/`: page, health, api, badges, metrics,
 * Go reads), each given a small {@linkcode RouteContext}. Security headers are Hono's `secureHeaders`
 * (`security.ts`, which also sets CORS), the body limit of posted messages Hono's `bodyLimit`. CORS, the
 * bearer check (`write_access.ts`) and ETags and gzip (`http_cache.ts`) stay ours; their module docs say
 * why, with measurements.
 *
 * @module
 */
import { Hono } from "hono";
import { type Logger, silentLogger } from "../log.ts";
import { sleep } from "../clock.ts";
import { retry } from "../_internal/retry.ts";
import { redactPatterns } from "../_internal/redact.ts";
import { isSharedStore, type Storage, type StorageReader } from "../storage/storage.ts";
import { PresenceReader } from "../locations/presence.ts";
import { RANGE_NAMES } from "../status/view.js";
import type { QuorumRule } from "../config/top_level.ts";
import { jsonError, RouteContext } from "./context.ts";
import { type LoaderOptions, type LoaderState, RollupLoader } from "./loader.ts";
import type { DeliveryStats } from "../notifiers/delivery.ts";
import { securityHeaders } from "./security.ts";
import { apiRoutes } from "./routes/api.ts";
import { badgeRoutes } from "./routes/badges.ts";
import { goReadRoutes } from "./routes/go_reads.ts";
import { healthRoutes } from "./routes/health.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { pageRoutes } from "./routes/page.ts";
import { pingRoutes, type PingTarget } from "./routes/ping.ts";
import { maintenanceRoutes } from "./routes/maintenance.ts";
import { MaintenanceWindows } from "../maintenance/windows.ts";
import type { MaintenanceRule } from "../config/maintenance.ts";
import { incidentRoutes } from "./routes/incidents.ts";
import { IncidentReader } from "../incidents/reader.ts";
import { feedRoutes } from "./routes/feeds.ts";

/** Options of {@linkcode createStatusHandler}. */
export interface StatusServerOptions {
  /** The storage read for the status (any StorageReader). */
  reader: StorageReader;
  /** Where posted messages are stored (usually the same storage); writes also need `token`. */
  writer?: Storage;
  /** Bearer token that allows `POST /api/v1/messages`; without it the server is read-only. */
  token?: string;
  /** Page title; default "Status". */
  title?: string;
  /** A logo served at `/logo` instead of the Checkup logo. */
  logo?: { type: string; body: Uint8Array };
  /** The range the page shows first; default "24h". */
  range?: string;
  /** Seconds between the page's refreshes; default 60. */
  refresh?: number;
  /** The node name posted messages carry. */
  node?: string;
  /** Endpoint titles in config order: shown first, in this order (others follow in stored order). */
  order?: string[];
  /** Where the server reports storage errors and posted messages; default silent. */
  logger?: Logger;
  /**
   * Scrubs secrets from endpoints (as rounds are read, so an endpoint is one whether its rounds were stored
   * redacted or not) and from error texts; default: credential patterns (URL userinfo, credential-like
   * query parameters). `checkup serve` passes the config's redactor, which also knows its secret values.
   */
  redact?: (text: string) => string;
  /** Loader tuning (first and recent windows, overlap, fetch concurrency). */
  loader?: Omit<LoaderOptions, "reader" | "logger" | "redact">;
  /**
   * Several locations: the quorum of every endpoint, or a function giving each endpoint's (by title and
   * redacted endpoint); default a majority of the live locations.
   */
  quorum?: QuorumRule | ((title: string, endpoint: string) => QuorumRule | undefined);
  /** Several locations: ms without a result after which a location is silent (default 3 intervals, ≥ 5 min). */
  silentAfter?: number;
  /** The group of each endpoint (by title and redacted endpoint), its checker's `group`; none: no groups. */
  groups?: (title: string, endpoint: string) => string | undefined;
  /** Several locations: the known locations (display labels, names two processes write), asked per answer. */
  locations?: () => { node: string; location?: string; duplicate?: boolean }[];
  /** Alert delivery counters of this process (`serve --every`), added to `/metrics`. */
  deliveries?: () => DeliveryStats[];
  /** The heartbeat checkers pinged at `/api/v1/ping/<token>` (none: every ping is a 404). */
  heartbeats?: readonly PingTarget[];
  /** The monotonic clock (ms) of the ping rate limit; default `performance.now`. */
  monotonic?: () => number;
  /** The config's maintenance windows; ad hoc ones are read from the reader's shared documents. */
  maintenance?: readonly MaintenanceRule[];
}

/** A status server: its request handler and the loader behind it. */
export interface StatusHandler {
  /** Answers one request (give it to `Deno.serve`). */
  fetch(request: Request): Promise<Response>;
  /** The storage reader's state and statistics. */
  readonly loader: LoaderState;
  /** Reads new rounds now (e.g. right after this process stored one). Errors are logged, not thrown. */
  refresh(): Promise<void>;
  /**
   * Loads the newest rounds (retrying with backoff; see {@linkcode RollupLoader.prime}), then older
   * history, then polls storage every
   * `interval` ms until `signal` aborts. `onReady` is called once the newest rounds are read (or reading
   * them was given up): the handler can answer.
   */
  run(signal: AbortSignal, interval?: number, onReady?: () => void): Promise<void>;
}

/**
 * Builds the handler of `checkup serve` over a storage reader.
 *
 * @example
 * ```ts
 * import { createStatusHandler } from "./app.ts";
 * import { FsStorage } from "../storage/fs.ts";
 * import { nowNs } from "../result.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const storage = new FsStorage({ type: "fs", dir, url: "", check_expiry: 0 }, { now: nowNs });
 * await storage.store([{ title: "API", endpoint: "https://api.example", timestamp: nowNs(), times: [{ rtt: 2e7 }], healthy: true }]);
 * const handler = createStatusHandler({ reader: storage, title: "Example" });
 * await handler.refresh();
 * const res = await handler.fetch(new Request("http://localhost/api/v1/status"));
 * const view = await res.json();
 * console.assert(view.status === "healthy" && view.endpoints[0].title === "API");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function createStatusHandler(options: StatusServerOptions): StatusHandler {
  const logger = options.logger ?? silentLogger;
  const redact = options.redact ?? redactPatterns;
  const title = options.title ?? "Status";
  const defaultRange = options.range ?? "24h";
  if (!RANGE_NAMES.includes(defaultRange as typeof RANGE_NAMES[number])) {
    throw new RangeError(
      `range: expected one of ${RANGE_NAMES.join(", ")}, found ${JSON.stringify(defaultRange)}`,
    );
  }
  const loader: RollupLoader = new RollupLoader({
    ...options.loader,
    reader: options.reader,
    logger,
    redact,
    // Older history waits while a status document is built (the route context exists by then).
    pause: (): Promise<void> => ctx.idle(),
  });
  // Several locations: labels and duplicate writers from the nodes' presence documents, read beside the rounds.
  const reader = options.reader;
  const presence = !options.locations && isSharedStore(reader) ? new PresenceReader(reader) : undefined;
  // Maintenance windows: the config's, and the stored ones polled beside the rounds (never on a request).
  const maintenance = options.maintenance?.length || isSharedStore(reader)
    ? new MaintenanceWindows({ rules: options.maintenance, storage: reader, logger })
    : undefined;
  // Incidents: the shared documents `incidents/…`, read beside the rounds.
  const incidents = isSharedStore(reader) ? new IncidentReader(reader, redact) : undefined;
  const ctx: RouteContext = new RouteContext({
    loader,
    title,
    range: defaultRange,
    order: options.order,
    redact,
    logger,
    quorum: options.quorum,
    silentAfter: options.silentAfter,
    groups: options.groups,
    locations: options.locations ?? (presence && (() => presence.locations())),
    maintenance,
  });

  const app = new Hono();
  app.onError((err, c) => {
    logger.error("request failed", { path: c.req.path, error: err });
    return jsonError(c, 500, "internal error");
  });
  app.notFound((c) => jsonError(c, 404, `not found: ${c.req.path}`));
  app.use(securityHeaders());
  // What Hono's onError does not see (a thrown non-Error) still gets the JSON 500 and the headers.
  app.use(async (c, next) => {
    try {
      await next();
    } catch (e) {
      logger.error("request failed", { path: c.req.path, error: e });
      c.res = jsonError(c, 500, "internal error");
    }
  });
  app.route(
    "/",
    pageRoutes({ title, range: defaultRange, refresh: options.refresh ?? 60, logo: options.logo }),
  );
  app.route("/", healthRoutes(ctx));
  app.route(
    "/api/v1",
    pingRoutes({ heartbeats: options.heartbeats ?? [], monotonic: options.monotonic, logger }),
  );
  const access = { token: options.token, writer: options.writer, node: options.node };
  app.route("/api/v1", apiRoutes(ctx, access));
  app.route("/api/v1", maintenanceRoutes(ctx, access));
  app.route("/api/v1", incidentRoutes(ctx, access, incidents));
  app.route(
    "/",
    feedRoutes(ctx, () => ({
      version: `${incidents?.generation ?? 0}`,
      incidents: incidents?.incidents ?? [],
      maintenance: maintenance?.windows(Date.now()) ?? [],
    })),
  );
  app.route("/badges", badgeRoutes(ctx));
  app.route("/", metricsRoutes(ctx, options.deliveries));
  app.route("/", goReadRoutes(ctx, options.reader)); // last: its check-file route is the catch-all

  const refresh = async () => {
    try {
      await loader.refresh();
    } catch (e) {
      logger.error("storage read failed", { error: e });
    }
    await presence?.refresh().catch((e) => logger.warn("cannot read the locations", { error: e }));
    await maintenance?.refresh(Date.now());
    await incidents?.refresh().catch((e) => logger.warn("cannot read the incidents", { error: e }));
  };

  return {
    loader,
    refresh,
    fetch: (request: Request): Promise<Response> => Promise.resolve(app.fetch(request)),
    async run(signal: AbortSignal, interval = 15_000, onReady?: () => void): Promise<void> {
      if (!loader.ready) {
        await retry(async () => {
          const n = await loader.prime(signal);
          await presence?.refresh(signal).catch((e) =>
            logger.warn("cannot read the locations", { error: e })
          );
          await maintenance?.refresh(Date.now(), signal);
          await incidents?.refresh(signal).catch((e) =>
            logger.warn("cannot read the incidents", { error: e })
          );
          logger.info("recent checks read", { rounds: n, endpoints: loader.rollup.endpoints.size });
        }, {
          attempts: Infinity, // until the storage answers or the server stops
          retryable: () => !loader.ready, // a partly read window is served; the polls carry on from it
          delay: { base: 1000, max: 30_000 },
          signal,
          onRetry: (e, _, ms) =>
            logger.error("storage read failed; retrying", { error: e, retry: `${ms / 1000}s` }),
        }).catch((e) => logger.error("storage read failed", { error: e }));
      }
      onReady?.();
      // The default range's documents, built before older history is read: the first answer comes from
      // the newest rounds at once (a failed build is logged; the first request builds again).
      if (loader.ready && !signal.aborted) {
        await Promise.resolve(ctx.statusDocuments(defaultRange)).catch(() => {});
      }
      while (!signal.aborted) {
        if (!loader.complete) {
          try {
            await loader.backfill(signal);
          } catch (e) {
            logger.error("reading older history failed; will retry", { error: e });
          }
        }
        await sleep(interval, signal);
        if (!signal.aborted) await refresh();
      }
    },
  };
}
