/**
 * The JSON API `/api/v1/…`: the page's data (`status`), the endpoint list and one endpoint, recent
 * messages, and `POST messages` for the holder of the token.
 *
 * The token check is ours, not Hono's `bearerAuth`: that middleware refuses a header whose token has a
 * character outside RFC 6750's token68 alphabet before comparing (`CHECKUP_SERVE_TOKEN` is any 16+
 * characters, and a token that works today must keep working), and its string comparison loops over the
 * longer of the two strings, so its time tells the token's length. {@linkcode bearerMatches} compares
 * SHA-256 digests of both with `timingSafeEqual`: fixed-length, constant time. The body limit is Hono's
 * `bodyLimit`, which counts the bytes as they arrive, chunked or not, and stops reading at the limit.
 *
 * @module
 */
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Storage } from "../../storage/storage.ts";
import { JSON_TYPE, jsonError, NO_CACHE, type RouteContext } from "../context.ts";
import { representation, serve } from "../http_cache.ts";
import { bearerMatches, messageFromBody, recentMessages } from "../messages.ts";

/** Largest message body accepted, in bytes. */
const MAX_BODY = 16 * 1024;

/** Who may post messages: both a token and a storage to write to, or nobody. */
export interface MessageWriter {
  /** Bearer token that allows `POST /api/v1/messages`. */
  token?: string;
  /** Where posted messages are stored. */
  writer?: Storage;
  /** The node name posted messages carry. */
  node?: string;
}

/**
 * The guards of every write route: a token and a storage configured (else 403), the bearer token (401),
 * a JSON body (415) of at most {@linkcode MAX_BODY} bytes (413). `what` names what is refused in the 403.
 */
export function writeGuards(writer: MessageWriter, what: string): [MiddlewareHandler, MiddlewareHandler] {
  return [
    async (c, next) => {
      if (!writer.token || !writer.writer) {
        return jsonError(
          c,
          403,
          `this server is read-only: start it with CHECKUP_SERVE_TOKEN set to accept ${what}`,
        );
      }
      if (!bearerMatches(c.req.header("authorization"), writer.token)) {
        return jsonError(c, 401, "expected the header Authorization: Bearer <token>", {
          "www-authenticate": 'Bearer realm="checkup"',
        });
      }
      if (!/^application\/json\b/i.test(c.req.header("content-type") ?? "")) {
        return jsonError(c, 415, "expected Content-Type: application/json");
      }
      return await next();
    },
    bodyLimit({
      maxSize: MAX_BODY,
      onError: (c) => jsonError(c, 413, `body too large: at most ${MAX_BODY} bytes`),
    }),
  ];
}

/** The API routes (mounted at `/api/v1`). */
export function apiRoutes(ctx: RouteContext, messages: MessageWriter): Hono {
  const { loader, logger } = ctx;
  const app = new Hono();

  app.get("/status", (c) => {
    if (!loader.ready) return ctx.notReady(c);
    const range = ctx.rangeOf(c, ctx.defaultRange);
    if (range instanceof Response) return range;
    return serve(
      c.req.raw,
      ctx.cached(
        `status:${range}`,
        () => representation(JSON.stringify(ctx.view(range)), JSON_TYPE, NO_CACHE),
      ),
    );
  });

  app.get("/endpoints", (c) => {
    if (!loader.ready) return ctx.notReady(c);
    return serve(
      c.req.raw,
      ctx.cached("endpoints", () => {
        const list = ctx.view("24h").endpoints.map(({ slots: _s, incidents: _i, messages: _m, ...rest }) =>
          rest
        );
        return representation(JSON.stringify({ endpoints: list }), JSON_TYPE, NO_CACHE);
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
        () => representation(JSON.stringify(ctx.endpoint(e, id, range)), JSON_TYPE, NO_CACHE),
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

  const [auth, limit] = writeGuards(messages, "messages");
  app.post(
    "/messages",
    auth,
    limit,
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
