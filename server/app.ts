/**
 * The `checkup serve` request handler (Hono): the embedded page, the JSON API `/api/v1/…`, SVG badges,
 * Prometheus `/metrics`, `/healthz`, and Go Checkup's `/index.json` and `/<ns>-check.json` reads. Every
 * answer about the status comes from the in-memory rollup; generated bodies are cached per rollup
 * generation, carry an ETag (304 on a match) and are gzipped when the client accepts it.
 *
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Context } from "hono";
import { type Logger, silentLogger } from "../_internal/log.ts";
import { redactPatterns } from "../_internal/redact.ts";
import { ResultFormatError } from "../result.ts";
import type { Storage, StorageReader } from "../storage/storage.ts";
import { endpointIds, endpointView, RANGE_NAMES, type StatusView, statusView } from "../status/view.js";
import { ASSETS, pageHtml } from "./assets.ts";
import { rttBadge, statusBadge, uptimeBadge } from "./badges.ts";
import { CHECK_FILE, GoReads } from "./go_reads.ts";
import { BodyCache, type Representation, representation, serve } from "./http_cache.ts";
import { type LoaderOptions, type LoaderState, RollupLoader } from "./loader.ts";
import { bearerMatches, messageFromBody, recentMessages } from "./messages.ts";
import { renderMetrics } from "./metrics.ts";
import { renderDeliveryMetrics } from "./delivery_metrics.ts";
import type { DeliveryStats } from "../notifiers/delivery.ts";
import { secure } from "./security.ts";

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
  /** Loader tuning (recent window, overlap, fetch concurrency). */
  loader?: Omit<LoaderOptions, "reader" | "logger" | "redact">;
  /** Alert delivery counters of this process (`serve --every`), added to `/metrics`. */
  deliveries?: () => DeliveryStats[];
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
   * Loads the recent window (retrying with backoff), then older history, then polls storage every
   * `interval` ms until `signal` aborts.
   */
  run(signal: AbortSignal, interval?: number): Promise<void>;
}

const JSON_TYPE = "application/json; charset=utf-8";
const NO_CACHE = "no-cache";
const TICK_MS = 15_000;
const MAX_BODY = 16 * 1024;
/**
 * What an unauthenticated answer says when storage cannot be read. The reason (paths, hosts, users,
 * driver messages) goes to the log only.
 */
const STORAGE_FAILED = "cannot read storage; the server log has the details";

function jsonError(
  c: Context,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return c.newResponse(JSON.stringify({ error: { status, message } }) + "\n", status as 400, {
    "content-type": JSON_TYPE,
    "cache-control": "no-store",
    ...headers,
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
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
  const loader = new RollupLoader({ ...options.loader, reader: options.reader, logger, redact });
  const goReads = new GoReads(options.reader, redact);
  const cache = new BodyCache();
  const staticReps = new Map<string, Representation>();
  for (const [path, asset] of Object.entries(ASSETS)) {
    if (path !== "index.html") staticReps.set(path, representation(asset.text, asset.type, NO_CACHE));
  }
  const page = representation(
    pageHtml({
      title,
      source: "api/v1/status",
      refresh: options.refresh ?? 60,
      range: defaultRange,
      ...(options.logo ? { logo: "logo" } : {}),
    }),
    ASSETS["index.html"].type,
    NO_CACHE,
  );
  const logo = options.logo
    ? representation(options.logo.body, options.logo.type, "public, max-age=3600")
    : undefined;

  const tick = () => Math.floor(Date.now() / TICK_MS);
  const cached = (key: string, build: () => Representation) =>
    cache.get(key, loader.generation, tick(), build);
  const view = (range: string): StatusView => ({
    ...statusView(loader.rollup, { range, title, redact, order: options.order }),
    complete: loader.complete,
  });
  const notReady = (c: Context) =>
    jsonError(c, 503, loader.error ? STORAGE_FAILED : "reading stored checks, try again shortly", {
      "retry-after": "2",
    });
  const rangeOf = (c: Context, fallback: string): string | Response => {
    const r = c.req.query("range") ?? fallback;
    return RANGE_NAMES.includes(r as typeof RANGE_NAMES[number])
      ? r
      : jsonError(c, 400, `range: expected one of ${RANGE_NAMES.join(", ")}, found ${JSON.stringify(r)}`);
  };
  const findEndpoint = (id: string) => {
    for (const [e, eid] of endpointIds(loader.rollup)) if (eid === id) return e;
    return undefined;
  };

  const app = new Hono();
  app.onError((err, c) => {
    logger.error("request failed", { path: c.req.path, error: err });
    return jsonError(c, 500, "internal error");
  });
  app.notFound((c) => jsonError(c, 404, `not found: ${c.req.path}`));

  app.get("/", (c) => serve(c.req.raw, page));
  app.get("/index.html", (c) => serve(c.req.raw, page));
  if (logo) app.get("/logo", (c) => serve(c.req.raw, logo));

  app.get("/healthz", (c) => {
    const ok = loader.ready && !loader.error;
    const { unreadable } = loader;
    const body = {
      status: !loader.ready ? "starting" : loader.error ? "failing" : unreadable.count ? "degraded" : "ok",
      complete: loader.complete,
      rounds: loader.rounds,
      endpoints: loader.rollup.endpoints.size,
      refreshed: loader.refreshedAt ? new Date(loader.refreshedAt).toISOString() : null,
      unreadable: { rounds: unreadable.count, latest: unreadable.latest.map((n) => redact(n.slice(0, 200))) },
      ...(loader.error ? { error: STORAGE_FAILED } : {}),
    };
    return c.newResponse(JSON.stringify(body) + "\n", ok ? 200 : 503, {
      "content-type": JSON_TYPE,
      "cache-control": "no-store",
    });
  });

  app.get("/api/v1/status", (c) => {
    if (!loader.ready) return notReady(c);
    const range = rangeOf(c, defaultRange);
    if (range instanceof Response) return range;
    return serve(
      c.req.raw,
      cached(`status:${range}`, () => representation(JSON.stringify(view(range)), JSON_TYPE, NO_CACHE)),
    );
  });

  app.get("/api/v1/endpoints", (c) => {
    if (!loader.ready) return notReady(c);
    return serve(
      c.req.raw,
      cached("endpoints", () => {
        const v = view("24h");
        const list = v.endpoints.map(({ slots: _s, incidents: _i, messages: _m, ...rest }) => rest);
        return representation(JSON.stringify({ endpoints: list }), JSON_TYPE, NO_CACHE);
      }),
    );
  });

  app.get("/api/v1/endpoints/:id", (c) => {
    if (!loader.ready) return notReady(c);
    const range = rangeOf(c, defaultRange);
    if (range instanceof Response) return range;
    const id = c.req.param("id");
    const e = findEndpoint(id);
    if (!e) return jsonError(c, 404, `no endpoint with id ${JSON.stringify(id)}`);
    const tier = RANGE_NAMES.indexOf(range as typeof RANGE_NAMES[number]);
    return serve(
      c.req.raw,
      cached(
        `endpoint:${id}:${range}`,
        () =>
          representation(JSON.stringify(endpointView(e, id, tier, Date.now(), redact)), JSON_TYPE, NO_CACHE),
      ),
    );
  });

  app.get("/api/v1/messages", (c) => {
    if (!loader.ready) return notReady(c);
    return serve(
      c.req.raw,
      cached(
        "messages",
        () =>
          representation(JSON.stringify({ messages: recentMessages(loader.rollup) }), JSON_TYPE, NO_CACHE),
      ),
    );
  });

  app.post(
    "/api/v1/messages",
    async (c, next) => {
      if (!options.token || !options.writer) {
        return jsonError(
          c,
          403,
          "this server is read-only: start it with CHECKUP_SERVE_TOKEN set to accept messages",
        );
      }
      if (!bearerMatches(c.req.header("authorization"), options.token)) {
        return jsonError(c, 401, "expected the header Authorization: Bearer <token>", {
          "www-authenticate": 'Bearer realm="checkup"',
        });
      }
      if (!/^application\/json\b/i.test(c.req.header("content-type") ?? "")) {
        return jsonError(c, 415, "expected Content-Type: application/json");
      }
      return await next();
    },
    // Counts the bytes as they arrive, chunked or not, and stops reading at the limit.
    bodyLimit({
      maxSize: MAX_BODY,
      onError: (c) => jsonError(c, 413, `body too large: at most ${MAX_BODY} bytes`),
    }),
    async (c) => {
      const text = await c.req.text();
      const posted = messageFromBody(text, loader.rollup, options.node);
      if ("error" in posted) return jsonError(c, posted.status, posted.error);
      const name = await options.writer!.store([posted.result]);
      logger.info("message posted", { about: posted.result.title ?? "(all)", stored: name });
      await loader.refresh().catch((e) => logger.warn("refresh after posting failed", { error: e }));
      return c.newResponse(JSON.stringify({ stored: name }) + "\n", 201, {
        "content-type": JSON_TYPE,
        "cache-control": "no-store",
      });
    },
  );

  app.get("/badges/:file", (c) => {
    if (c.req.param("file") !== "status.svg") return jsonError(c, 404, `not found: ${c.req.path}`);
    if (!loader.ready) return notReady(c);
    const label = (c.req.query("label") ?? title).slice(0, 60);
    return serve(
      c.req.raw,
      cached(
        `badge::${label}`,
        () => representation(statusBadge(label, view("24h").status), "image/svg+xml", "public, max-age=60"),
      ),
    );
  });

  app.get("/badges/:id/:file", (c) => {
    if (!loader.ready) return notReady(c);
    const id = c.req.param("id"), file = c.req.param("file");
    const kind = /^(status|uptime|rtt)\.svg$/.exec(file)?.[1];
    if (!kind) return jsonError(c, 404, `not found: ${c.req.path} (badges: status.svg, uptime.svg, rtt.svg)`);
    const e = findEndpoint(id);
    if (!e) return jsonError(c, 404, `no endpoint with id ${JSON.stringify(id)}`);
    const range = rangeOf(c, kind === "uptime" ? "30d" : "24h");
    if (range instanceof Response) return range;
    const label = c.req.query("label")?.slice(0, 60);
    return serve(
      c.req.raw,
      cached(`badge:${id}:${file}:${range}:${label ?? ""}`, () => {
        const tier = RANGE_NAMES.indexOf(range as typeof RANGE_NAMES[number]);
        const v = endpointView(e, id, tier, Date.now(), redact);
        let svg: string;
        if (kind === "status") svg = statusBadge(label ?? v.title, v.status);
        else if (kind === "uptime") svg = uptimeBadge(label ?? `uptime ${range}`, v.uptime[range as "24h"]);
        else {
          const p50s = v.slots.p50.filter((x): x is number => x !== null).sort((a, b) => a - b);
          svg = rttBadge(label ?? "response", p50s.length ? p50s[p50s.length >> 1] : null, v.threshold);
        }
        return representation(svg, "image/svg+xml", "public, max-age=60");
      }),
    );
  });

  app.get("/metrics", (c) => {
    if (!loader.ready) return notReady(c);
    const rep = cached("metrics", () => {
      const totals = new Map<string, readonly number[]>();
      for (const [e, id] of endpointIds(loader.rollup)) totals.set(id, e.totals);
      const text = renderMetrics(view("24h"), totals, loader);
      return representation(text, "text/plain; version=0.0.4; charset=utf-8", "no-store");
    });
    if (!options.deliveries) return serve(c.req.raw, rep);
    // Delivery counters change between storage reads: rendered afresh, after the cached part.
    const deliveries = renderDeliveryMetrics(options.deliveries());
    return serve(
      c.req.raw,
      representation(
        new TextDecoder().decode(rep.body) + deliveries,
        "text/plain; version=0.0.4; charset=utf-8",
        "no-store",
      ),
    );
  });

  app.get("/index.json", async (c) => {
    try {
      return serve(c.req.raw, await goReads.index(`${loader.generation}:${tick()}`));
    } catch (e) {
      logger.error("index read failed", { error: e });
      return jsonError(c, 503, STORAGE_FAILED);
    }
  });

  app.get("*", async (c) => {
    const path = c.req.path.slice(1);
    const asset = staticReps.get(path);
    if (asset) return serve(c.req.raw, asset);
    if (!CHECK_FILE.test(path)) return jsonError(c, 404, `not found: ${c.req.path}`);
    try {
      const rep = await goReads.checkFile(path);
      return rep ? serve(c.req.raw, rep) : jsonError(c, 404, `no check file named ${path}`);
    } catch (e) {
      logger.error("check file read failed", { name: path, error: e });
      return e instanceof ResultFormatError
        ? jsonError(c, 500, `stored round ${path} is unreadable; the server log has the details`)
        : jsonError(c, 503, STORAGE_FAILED);
    }
  });

  const refresh = async () => {
    try {
      await loader.refresh();
    } catch (e) {
      logger.error("storage read failed", { error: e });
    }
  };

  return {
    loader,
    refresh,
    async fetch(request: Request): Promise<Response> {
      let res: Response;
      try {
        res = await app.fetch(request);
      } catch (e) {
        logger.error("request failed", { error: e });
        res = new Response('{"error":{"status":500,"message":"internal error"}}\n', {
          status: 500,
          headers: { "content-type": JSON_TYPE },
        });
      }
      // The path starts at the first "/" after "scheme://host" (no URL parse on the hot path).
      const at = request.url.indexOf("/", request.url.indexOf("//") + 2);
      const shared = (request.method === "GET" || request.method === "HEAD") &&
        (request.url.startsWith("/api/", at) || request.url.startsWith("/badges/", at));
      return secure(res, shared);
    },
    async run(signal: AbortSignal, interval = 15_000): Promise<void> {
      for (let backoff = 1000; !signal.aborted && !loader.ready; backoff = Math.min(backoff * 2, 30_000)) {
        try {
          const n = await loader.refresh(signal);
          logger.info("recent checks read", { rounds: n, endpoints: loader.rollup.endpoints.size });
        } catch (e) {
          logger.error("storage read failed; retrying", { error: e, retry: `${backoff / 1000}s` });
          await sleep(backoff, signal);
        }
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
