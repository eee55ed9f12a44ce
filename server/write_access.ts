/**
 * Who may write through `checkup serve` (posted messages, incidents): the holder of the token, with a JSON
 * body of bounded size. One middleware chain for every write route.
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
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import type { Storage } from "../storage/storage.ts";
import { jsonError } from "./context.ts";
import { bearerMatches } from "./messages.ts";

/** Largest body a write route accepts, in bytes. */
export const MAX_BODY = 16 * 1024;

/** Who may write: both a token and a storage to write to, or nobody. */
export interface MessageWriter {
  /** Bearer token that allows writes (`POST /api/v1/messages`, `/api/v1/incidents`). */
  token?: string;
  /** Where writes are stored. */
  writer?: Storage;
  /** The node name posted messages and incident updates carry. */
  node?: string;
}

/**
 * The middleware of a write route: 403 on a read-only server (`what`: what it would accept), 401 without
 * the token, 415 without a JSON body, 413 beyond {@linkcode MAX_BODY}.
 */
export function writeAccess(access: MessageWriter, what: string): MiddlewareHandler {
  return every(
    async (c, next) => {
      if (!access.token || !access.writer) {
        return jsonError(
          c,
          403,
          `this server is read-only: start it with CHECKUP_SERVE_TOKEN set to accept ${what}`,
        );
      }
      if (!bearerMatches(c.req.header("authorization"), access.token)) {
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
  );
}
