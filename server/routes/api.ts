/**
 * The JSON API `/api/v1/…`: the page's data (`status`; `status?detail=summary` its compact form, one small
 * entry per endpoint), the endpoint list, one endpoint, a batch of endpoints by id
 * (`endpoints?ids=a,b,c`: the cards a page has on screen), recent messages, and `POST messages` for the
 * holder of the token.
 *
 * Who may post is decided by `../write_access.ts` (the token, a JSON body of bounded size).
 *
 * @module
 */
import { Hono } from "hono";
import { JSON_TYPE, jsonError, NO_CACHE, type RouteContext } from "../context.ts";
import { representation, serve } from "../http_cache.ts";
import { messageFromBody, recentMessages } from "../messages.ts";
import { type MessageWriter, writeAccess } from "../write_access.ts";

export type { MessageWriter };

/** The most ids one `GET /api/v1/endpoints?ids=…` may name. */
export const MAX_BATCH = 100;

/** The API routes (mounted at `/api/v1`). */
export function apiRoutes(ctx: RouteContext, messages: MessageWriter): Hono {
  const { loader, logger } = ctx;
  const app = new Hono();

  app.get("/status", async (c) => {
    if (!loader.ready) return ctx.notReady(c);
    const range = ctx.rangeOf(c, ctx.defaultRange);
    if (range instanceof Response) return range;
    const detail = c.req.query("detail") ?? "full";
    if (detail !== "full" && detail !== "summary") {
      return jsonError(c, 400, `detail: expected "full" or "summary", found ${JSON.stringify(detail)}`);
    }
    // Built, serialised and gzipped once per change (data generation, time tick), then served from memory.
    return serve(c.req.raw, (await ctx.statusDocuments(range))[detail]);
  });

  app.get("/endpoints", async (c) => {
    if (!loader.ready) return ctx.notReady(c);
    const ids = c.req.query("ids");
    // The list: built with the 24 h status documents (in slices, served stale while rebuilt).
    if (ids === undefined) return serve(c.req.raw, (await ctx.statusDocuments("24h")).list!);
    const range = ctx.rangeOf(c, ctx.defaultRange);
    if (range instanceof Response) return range;
    const wanted = [...new Set(ids.split(",").map((id) => id.trim()).filter(Boolean))];
    if (!wanted.length) {
      return jsonError(c, 400, "ids: expected endpoint ids separated by commas, found none");
    }
    if (wanted.length > MAX_BATCH) {
      return jsonError(c, 400, `ids: expected at most ${MAX_BATCH} endpoint ids, found ${wanted.length}`);
    }
    return serve(
      c.req.raw,
      ctx.cached(`endpoints:${range}:${wanted.join(",")}`, () => {
        const found: string[] = [], missing: string[] = [];
        for (const id of wanted) {
          const e = ctx.findEndpoint(id);
          if (e) found.push(ctx.endpointJson(e, id, range));
          else missing.push(id);
        }
        const body = `{"endpoints":[${found.join(",")}],"missing":${JSON.stringify(missing)}}`;
        return representation(body, JSON_TYPE, NO_CACHE);
      }),
    );
  });

  app.get("/endpoints/:id", (c) => {
    if (!loader.ready) return ctx.notReady(c);
    const range = ctx.rangeOf(c, ctx.defaultRange);
    if (range instanceof Response) return range;
    const id = c.req.param("id");
    const e = ctx.findEndpoint(id);
    if (!e) return jsonError(c, 404, `no endpoint with id ${JSON.stringify(id)}`);
    return serve(
      c.req.raw,
      ctx.cached(
        `endpoint:${id}:${range}`,
        () => representation(ctx.endpointJson(e, id, range), JSON_TYPE, NO_CACHE),
      ),
    );
  });

  app.get("/messages", (c) => {
    if (!loader.ready) return ctx.notReady(c);
    return serve(
      c.req.raw,
      ctx.cached(
        "messages",
        () =>
          representation(JSON.stringify({ messages: recentMessages(loader.rollup) }), JSON_TYPE, NO_CACHE),
      ),
    );
  });

  app.post(
    "/messages",
    writeAccess(messages, "messages"),
    async (c) => {
      const posted = messageFromBody(await c.req.text(), loader.rollup, messages.node);
      if ("error" in posted) return jsonError(c, posted.status, posted.error);
      const name = await messages.writer!.store([posted.result]);
      logger.info("message posted", { about: posted.result.title ?? "(all)", stored: name });
      await loader.refresh().catch((e) => logger.warn("refresh after posting failed", { error: e }));
      return c.newResponse(JSON.stringify({ stored: name }) + "\n", 201, {
        "content-type": JSON_TYPE,
        "cache-control": "no-store",
      });
    },
  );
  return app;
}
