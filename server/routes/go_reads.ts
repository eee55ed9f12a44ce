/**
 * Go Checkup's reads: `/index.json` and `/<ns>-check.json` (see `../go_reads.ts`). Mounted last: the check
 * file route is the catch-all, and anything else is a JSON 404.
 *
 * @module
 */
import { Hono } from "hono";
import { ResultFormatError } from "../../result.ts";
import type { StorageReader } from "../../storage/storage.ts";
import { jsonError, type RouteContext, STORAGE_FAILED } from "../context.ts";
import { CHECK_FILE, GoReads } from "../go_reads.ts";
import { serve } from "../http_cache.ts";

/** Go Checkup's read routes over `reader`. */
export function goReadRoutes(ctx: RouteContext, reader: StorageReader): Hono {
  const { loader, logger } = ctx;
  const goReads = new GoReads(reader, ctx.redact);
  const app = new Hono();
  app.get("/index.json", async (c) => {
    try {
      return serve(c.req.raw, await goReads.index(`${loader.generation}:${ctx.tick()}`));
    } catch (e) {
      logger.error("index read failed", { error: e });
      return jsonError(c, 503, STORAGE_FAILED);
    }
  });
  app.get("*", async (c) => {
    const path = c.req.path.slice(1);
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
  return app;
}
