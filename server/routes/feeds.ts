/**
 * `/feed.atom` and `/feed.json`: incident updates and maintenance windows as Atom 1.0 and JSON Feed 1.1
 * (`../feeds.ts`), cached per change of the records with ETag and gzip as the other generated bodies.
 *
 * @module
 */
import { Hono } from "hono";
import type { Incident, MaintenanceWindow } from "../../status/operations.js";
import { NO_CACHE, type RouteContext } from "../context.ts";
import { atomFeed, jsonFeed } from "../feeds.ts";
import { representation, serve } from "../http_cache.ts";

/** What the feeds list, as the server knows it now (never waits on the storage). */
export interface FeedRecords {
  /** Changes whenever the records do (a cache key). */
  version: string;
  incidents: readonly Incident[];
  maintenance: readonly MaintenanceWindow[];
}

/** The feed routes; `records` gives the current incidents and windows, `base` the site's public URL. */
export function feedRoutes(ctx: RouteContext, records: () => FeedRecords, base?: string): Hono {
  const app = new Hono();
  const feed = (name: string, type: string, build: typeof atomFeed) => {
    app.get(`/${name}`, (c) => {
      const r = records();
      return serve(
        c.req.raw,
        ctx.cached(`${name}:${r.version}`, () =>
          representation(
            build({ title: ctx.title, redact: ctx.redact, base, now: Date.now(), ...r }),
            type,
            NO_CACHE,
          )),
      );
    });
  };
  feed("feed.atom", "application/atom+xml; charset=utf-8", atomFeed);
  feed("feed.json", "application/feed+json; charset=utf-8", jsonFeed);
  return app;
}
