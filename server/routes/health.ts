/**
 * `/healthz`: whether the server has read storage and can still read it (200 `ok` or `degraded`, 503
 * `starting` or `failing`), with the loader's counters. `degraded` also when rounds could not be decoded or
 * when two processes store under one node name (`duplicate_nodes`, several locations). Never cached.
 *
 * @module
 */
import { Hono } from "hono";
import { JSON_TYPE, type RouteContext, STORAGE_FAILED } from "../context.ts";

/** The health route. */
export function healthRoutes(ctx: RouteContext): Hono {
  const { loader, redact } = ctx;
  return new Hono().get("/healthz", (c) => {
    const ok = loader.ready && !loader.error;
    const { unreadable } = loader;
    const duplicates = ctx.duplicateNodes();
    const body = {
      status: !loader.ready
        ? "starting"
        : loader.error
        ? "failing"
        : unreadable.count || duplicates.length
        ? "degraded"
        : "ok",
      complete: loader.complete,
      rounds: loader.rounds,
      endpoints: loader.rollup.endpoints.size,
      refreshed: loader.refreshedAt ? new Date(loader.refreshedAt).toISOString() : null,
      unreadable: { rounds: unreadable.count, latest: unreadable.latest.map((n) => redact(n.slice(0, 200))) },
      ...(duplicates.length ? { duplicate_nodes: duplicates.map((n) => redact(n)) } : {}),
      ...(loader.error ? { error: STORAGE_FAILED } : {}),
    };
    return c.newResponse(JSON.stringify(body) + "\n", ok ? 200 : 503, {
      "content-type": JSON_TYPE,
      "cache-control": "no-store",
    });
  });
}
