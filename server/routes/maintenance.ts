/**
 * Maintenance windows through the API (mounted at `/api/v1`): `GET maintenance` (open and upcoming, from
 * the config and stored), and for the holder of the write token `POST maintenance` (start or schedule an
 * ad hoc window) and `POST maintenance/<id>/end` (end one early). Windows are stored in the storage's
 * shared documents, so every node and every `serve` sees them.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { JSON_TYPE, jsonError, NO_CACHE, type RouteContext } from "../context.ts";
import { representation, serve } from "../http_cache.ts";
import { type MessageWriter, writeAccess } from "../write_access.ts";
import { parseWindowRequest, type WindowInput } from "../../maintenance/request.ts";
import { MaintenanceStore, noSharedStore, TooManyWindowsError } from "../../maintenance/store.ts";
import { maintenanceView } from "../../status/maintenance_view.js";
import { isSharedStore } from "../../storage/storage.ts";

const ID = /^[a-z0-9._-]{1,200}$/;

function created(body: unknown, status: 200 | 201): Response {
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { "content-type": JSON_TYPE, "cache-control": "no-store" },
  });
}

/** The maintenance routes. */
export function maintenanceRoutes(ctx: RouteContext, writer: MessageWriter): Hono {
  const app = new Hono();
  const { logger } = ctx;

  app.get("/maintenance", (c) =>
    serve(
      c.req.raw,
      ctx.cached("maintenance", () => {
        const now = Date.now();
        const view = maintenanceView(ctx.maintenance?.windows(now) ?? [], now) ??
          { active: [], upcoming: [] };
        return representation(JSON.stringify(view), JSON_TYPE, NO_CACHE);
      }),
    ));

  /** The store, or the answer saying the storage cannot hold windows. */
  const store = (c: Context): MaintenanceStore | Response => {
    const storage = writer.writer!;
    if (!isSharedStore(storage)) return jsonError(c, 409, noSharedStore(storage).message);
    return new MaintenanceStore(storage, writer.node);
  };
  const reread = () =>
    ctx.maintenance?.refresh(Date.now()).catch((e) =>
      logger.warn("refresh after a maintenance change failed", { error: e })
    );

  const access = writeAccess(writer, "maintenance windows");
  app.post("/maintenance", access, async (c) => {
    let body: WindowInput;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return jsonError(
        c,
        400,
        'expected a JSON object like {"title": "DB upgrade", "about": ["API"], "duration": "1h"}',
      );
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) {
      return jsonError(c, 400, 'expected a JSON object like {"title": "DB upgrade", "duration": "1h"}');
    }
    const now = Date.now();
    const request = parseWindowRequest(body, now, ctx.names());
    if ("error" in request) return jsonError(c, 422, request.error);
    const s = store(c);
    if (s instanceof Response) return s;
    let window;
    try {
      window = await s.start(request, now);
    } catch (e) {
      if (e instanceof TooManyWindowsError) return jsonError(c, 409, e.message);
      throw e;
    }
    logger.info("maintenance window started", { id: window.id, about: window.about.join(", ") || "(all)" });
    await reread();
    return created({ window }, 201);
  });

  app.post("/maintenance/:id/end", access, async (c) => {
    const id = c.req.param("id");
    if (!ID.test(id)) return jsonError(c, 404, `no maintenance window with id ${JSON.stringify(id)}`);
    const s = store(c);
    if (s instanceof Response) return s;
    const window = await s.end(id, Date.now());
    if (!window) return jsonError(c, 404, `no maintenance window with id ${JSON.stringify(id)}`);
    logger.info("maintenance window ended", { id });
    await reread();
    return created({ window }, 200);
  });
  return app;
}
