/**
 * SVG badges (see `../badges.ts`): `/badges/status.svg` for the whole page and
 * `/badges/<id>/{status,uptime,rtt}.svg` per endpoint, with `?label=` and `?range=`. Cached per data
 * generation; public for a minute.
 *
 * @module
 */
import { Hono } from "hono";
import { rttBadge, statusBadge, uptimeBadge } from "../badges.ts";
import { jsonError, type RouteContext } from "../context.ts";
import { representation, serve } from "../http_cache.ts";

const SVG = "image/svg+xml";
const CACHE = "public, max-age=60";

/** The badge routes (mounted at `/badges`). */
export function badgeRoutes(ctx: RouteContext): Hono {
  const { loader } = ctx;
  const app = new Hono();

  app.get("/:file", async (c) => {
    if (c.req.param("file") !== "status.svg") return jsonError(c, 404, `not found: ${c.req.path}`);
    if (!loader.ready) return ctx.notReady(c);
    const label = (c.req.query("label") ?? ctx.title).slice(0, 60);
    // The status of the 24 h documents (built in slices), not a view built here at once.
    const { status } = await ctx.statusDocuments("24h");
    return serve(
      c.req.raw,
      ctx.cached(`badge::${label}:${status}`, () => representation(statusBadge(label, status), SVG, CACHE)),
    );
  });

  app.get("/:id/:file", (c) => {
    if (!loader.ready) return ctx.notReady(c);
    const id = c.req.param("id"), file = c.req.param("file");
    const kind = /^(status|uptime|rtt)\.svg$/.exec(file)?.[1];
    if (!kind) return jsonError(c, 404, `not found: ${c.req.path} (badges: status.svg, uptime.svg, rtt.svg)`);
    const e = ctx.findEndpoint(id);
    if (!e) return jsonError(c, 404, `no endpoint with id ${JSON.stringify(id)}`);
    const range = ctx.rangeOf(c, kind === "uptime" ? "30d" : "24h");
    if (range instanceof Response) return range;
    const label = c.req.query("label")?.slice(0, 60);
    return serve(
      c.req.raw,
      ctx.cached(`badge:${id}:${file}:${range}:${label ?? ""}`, () => {
        const v = ctx.endpoint(e, id, range);
        let svg: string;
        if (kind === "status") svg = statusBadge(label ?? v.title, v.status);
        else if (kind === "uptime") svg = uptimeBadge(label ?? `uptime ${range}`, v.uptime[range as "24h"]);
        else {
          const p50s = v.slots.p50.filter((x): x is number => x !== null).sort((a, b) => a - b);
          svg = rttBadge(label ?? "response", p50s.length ? p50s[p50s.length >> 1] : null, v.threshold);
        }
        return representation(svg, SVG, CACHE);
      }),
    );
  });
  return app;
}
