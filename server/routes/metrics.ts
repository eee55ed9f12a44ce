/**
 * `/metrics`: the Prometheus exposition of the status (cached per data generation) followed by this
 * process's alert delivery counters (rendered afresh: they change between storage reads).
 *
 * @module
 */
import { Hono } from "hono";
import type { DeliveryStats } from "../../notifiers/delivery.ts";
import { endpointIds } from "../../status/view.js";
import type { RouteContext } from "../context.ts";
import { renderDeliveryMetrics } from "../delivery_metrics.ts";
import { representation, serve } from "../http_cache.ts";
import { renderMetrics } from "../metrics.ts";

const TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** The metrics route; `deliveries` adds the alert delivery counters of `serve --every`. */
export function metricsRoutes(ctx: RouteContext, deliveries?: () => DeliveryStats[]): Hono {
  const { loader } = ctx;
  return new Hono().get("/metrics", (c) => {
    if (!loader.ready) return ctx.notReady(c);
    const rep = ctx.cached("metrics", () => {
      const totals = new Map<string, readonly number[]>();
      for (const [e, id] of endpointIds(loader.rollup)) totals.set(id, e.totals);
      return representation(renderMetrics(ctx.view("24h"), totals, loader), TYPE, "no-store");
    });
    if (!deliveries) return serve(c.req.raw, rep);
    const text = new TextDecoder().decode(rep.body) + renderDeliveryMetrics(deliveries());
    return serve(c.req.raw, representation(text, TYPE, "no-store"));
  });
}
