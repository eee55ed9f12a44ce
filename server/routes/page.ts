/**
 * The status page: `index.html` (at `/` too) with the server's settings written in, the page's files and
 * the status model's modules (see `../assets.ts`), and `/logo` when the server was given one. Every file is
 * built once, with its ETag and gzipped copy.
 *
 * @module
 */
import { Hono } from "hono";
import { ASSETS, pageHtml } from "../assets.ts";
import { NO_CACHE } from "../context.ts";
import { representation, serve } from "../http_cache.ts";

/** Settings of {@linkcode pageRoutes}. */
export interface PageOptions {
  /** Page title. */
  title: string;
  /** The range the page shows first. */
  range: string;
  /** Seconds between the page's refreshes. */
  refresh: number;
  /** A logo served at `/logo` instead of the Checkup logo. */
  logo?: { type: string; body: Uint8Array };
}

/** The page's routes. */
export function pageRoutes(options: PageOptions): Hono {
  const app = new Hono();
  const page = representation(
    pageHtml({
      title: options.title,
      source: "api/v1/status",
      refresh: options.refresh,
      range: options.range,
      ...(options.logo ? { logo: "logo" } : {}),
    }),
    ASSETS["index.html"].type,
    NO_CACHE,
  );
  app.get("/", (c) => serve(c.req.raw, page));
  app.get("/index.html", (c) => serve(c.req.raw, page));
  if (options.logo) {
    const logo = representation(options.logo.body, options.logo.type, "public, max-age=3600");
    app.get("/logo", (c) => serve(c.req.raw, logo));
  }
  for (const [path, asset] of Object.entries(ASSETS)) {
    if (path === "index.html") continue;
    const rep = representation(asset.text, asset.type, NO_CACHE);
    app.get(`/${path}`, (c) => serve(c.req.raw, rep));
  }
  return app;
}
