/**
 * Heartbeat pings: `GET|POST /api/v1/ping/<token>` (a success), `/<token>/start`, `/<token>/fail` and
 * `/<token>/<exit code>` (0 a success, 1–255 a failure). The token in the URL is the credential: no bearer
 * token is needed. It is matched against every heartbeat's token in constant time (SHA-256 digests, no early
 * exit, `_internal/token.ts`), and it is a secret: no answer, log line or error carries it or the path. An
 * unknown token, action or path gets a bare 404. Each heartbeat has a token bucket ({@linkcode PING_LIMIT}:
 * 429 with `Retry-After` past it). A request body (a job's output) is accepted and ignored: it is not meant
 * for a public page.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { Logger } from "../../log.ts";
import type { Ping, PingKind } from "../../checkers/heartbeat/pings.ts";
import { matchToken } from "../../_internal/token.ts";
import { errorText } from "../../checkers/checker.ts";
import { JSON_TYPE, jsonError } from "../context.ts";
import { type RateLimit, RateLimiter } from "../rate_limit.ts";

/** Pings accepted per heartbeat: 10 at once, then 10 a minute. */
export const PING_LIMIT: RateLimit = { burst: 10, perMinute: 10 };
/** How long recording a ping may take before the answer is 503. */
const RECORD_TIMEOUT_MS = 10_000;

/** A heartbeat as the ping route sees it (a `HeartbeatChecker`). */
export interface PingTarget {
  /** Its name, for the log. */
  readonly title: string;
  /** SHA-256 of its token; a heartbeat without one cannot be pinged over HTTP. */
  readonly tokenDigest?: Uint8Array;
  /** Stores a ping received now. */
  record(ping: { kind?: PingKind; exit?: number; via: Ping["via"] }, signal?: AbortSignal): Promise<Ping>;
}

/** Options of {@linkcode pingRoutes}. */
export interface PingRouteOptions {
  /** The heartbeats of the config. */
  heartbeats: readonly PingTarget[];
  /** The monotonic clock of the rate limit, ms (default `performance.now`). */
  monotonic?: () => number;
  /** Where recorded pings and storage failures are reported (by heartbeat name, never by token). */
  logger: Logger;
  /** Pings accepted per heartbeat (default {@linkcode PING_LIMIT}). */
  limit?: RateLimit;
}

/** `/<token>` or `/<token>/<action>`: what the ping says, or undefined for an action that does not exist. */
function actionOf(action: string | undefined): { kind?: PingKind; exit?: number } | undefined {
  if (action === undefined) return { kind: "success" };
  if (action === "start" || action === "fail") return { kind: action };
  if (/^\d{1,3}$/.test(action) && Number(action) <= 255) return { exit: Number(action) };
  return undefined;
}

/** A 404 that says nothing: not whether the token, the action or the path was wrong. */
function notFound(c: Context): Response {
  return jsonError(c, 404, "not found");
}

/** The ping routes (mounted at `/api/v1`). */
export function pingRoutes(options: PingRouteOptions): Hono {
  const { heartbeats, logger } = options;
  const limiter = new RateLimiter<PingTarget>(
    options.limit ?? PING_LIMIT,
    options.monotonic ?? (() => performance.now()),
  );
  const app = new Hono();
  const ping = async (c: Context): Promise<Response> => {
    await c.req.raw.body?.cancel().catch(() => {});
    const action = actionOf(c.req.param("action"));
    const target = matchToken(c.req.param("token") ?? "", heartbeats);
    if (!action || !target) return notFound(c);
    const wait = limiter.take(target);
    if (wait > 0) {
      logger.debug("ping refused: too many", { heartbeat: target.title });
      return jsonError(c, 429, "too many pings; retry later", {
        "retry-after": String(Math.ceil(wait / 1000)),
      });
    }
    let recorded: Ping;
    try {
      recorded = await target.record({ ...action, via: "serve" }, AbortSignal.timeout(RECORD_TIMEOUT_MS));
    } catch (e) {
      logger.error("cannot store a ping", { heartbeat: target.title, error: errorText(e) });
      return jsonError(c, 503, "cannot store the ping; the server log has the details", {
        "retry-after": "5",
      });
    }
    logger.info("ping", {
      heartbeat: target.title,
      kind: recorded.kind,
      ...(recorded.exit !== undefined ? { exit: recorded.exit } : {}),
    });
    const body = { recorded: recorded.kind, ...(recorded.exit !== undefined ? { exit: recorded.exit } : {}) };
    return c.newResponse(JSON.stringify(body) + "\n", 200, {
      "content-type": JSON_TYPE,
      "cache-control": "no-store",
    });
  };
  // Whatever happens, nothing below reaches the app's error handler, which logs the path (with the token).
  app.on(["GET", "POST"], ["/ping/:token/:action?", "/ping/:token/"], async (c) => {
    try {
      return await ping(c);
    } catch (e) {
      logger.error("ping failed", { error: errorText(e) });
      return jsonError(c, 500, "internal error");
    }
  });
  app.all("/ping/*", notFound);
  app.all("/ping", notFound);
  return app;
}
