/**
 * Security headers set on every response of `checkup serve`: a strict Content-Security-Policy (same-origin
 * scripts, styles and requests only, no inline script, no HTML sinks through Trusted Types, no framing),
 * nosniff, no referrer. Badges and the read-only JSON API may be embedded or fetched cross-origin.
 *
 * The headers are set by Hono's `secureHeaders` (with the headers it adds by default that this server
 * never sent turned off: HSTS belongs to the TLS proxy in front, the others are for old browsers).
 * `Access-Control-Allow-Origin: *` is set by hand after the handler, not by Hono's `cors`: that one sets
 * it on a placeholder response before the handler runs, so Hono copies every answer of the API and the
 * badges (the hot paths) into a new Response to merge it, which doubled the cost of serving a cached
 * body (12.6 → 23.4 µs at best, 38 → 54 µs at p75, `deno bench` through `app.request`). This server
 * answers no preflight (its public reads are simple requests; writes are same-origin), the one thing
 * `cors` would add.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/** The page's policy, directive by directive (Hono's names: camelCase of the directive). */
const DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  manifestSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
  requireTrustedTypesFor: ["'script'"],
  trustedTypes: ["'none'"],
};

/** The page's Content-Security-Policy. */
export const CONTENT_SECURITY_POLICY: string = Object.entries(DIRECTIVES)
  .map(([name, sources]) => [name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), ...sources].join(" "))
  .join("; ");

/** Directives a `<meta http-equiv>` policy cannot carry (browsers ignore them there). */
const HEADER_ONLY = /^(frame-ancestors|report-uri|report-to|sandbox)\b/;

/** Sources added to a meta policy: e.g. the origins of a static page's summaries and logo. */
export interface MetaPolicySources {
  /** Origins the page fetches data from, besides its own (`connect-src`). */
  connect?: readonly string[];
  /** Origins of images, besides its own (`img-src`). */
  img?: readonly string[];
}

/**
 * The page's policy as a `<meta http-equiv="Content-Security-Policy">` carries it, for pages served
 * without `checkup serve` (the static export): the header's policy without what a meta tag cannot hold
 * (`frame-ancestors`: only a header stops framing), plus the origins given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metaPolicy } from "./security.ts";
 * const p = metaPolicy({ connect: ["https://bucket.example"] });
 * assert.ok(p.includes("connect-src 'self' https://bucket.example") && !p.includes("frame-ancestors"));
 * ```
 */
export function metaPolicy(sources: MetaPolicySources = {}): string {
  const extra: Record<string, readonly string[] | undefined> = {
    "connect-src": sources.connect,
    "img-src": sources.img,
  };
  return CONTENT_SECURITY_POLICY.split("; ")
    .filter((d) => !HEADER_ONLY.test(d))
    .map((d) => {
      const more = extra[d.split(" ")[0]]?.filter((o) => !d.split(" ").includes(o));
      return more?.length ? [d, ...new Set(more)].join(" ") : d;
    })
    .join("; ");
}

type SecureHeadersOptions = NonNullable<Parameters<typeof secureHeaders>[0]>;

const HEADERS: SecureHeadersOptions = {
  contentSecurityPolicy: DIRECTIVES,
  xFrameOptions: "DENY",
  // interest-cohort (FLoC's opt-out) is not in Hono's list of features; it writes any name the same way.
  permissionsPolicy: { camera: [], microphone: [], geolocation: [], interestCohort: [] } as NonNullable<
    SecureHeadersOptions["permissionsPolicy"]
  >,
  originAgentCluster: false,
  strictTransportSecurity: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

/** Whether a request reads a public resource: a GET or HEAD of the API or of a badge. */
function isShared(request: Request): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  // The path starts at the first "/" after "scheme://host" (no URL parse on the hot path).
  const url = request.url;
  const at = url.indexOf("/", url.indexOf("//") + 2);
  return url.startsWith("/api/", at) || url.startsWith("/badges/", at);
}

/**
 * The middleware that sets the security headers on every answer, errors and 404s included. Public
 * read-only resources (badges, GET API) that other sites may embed or fetch get
 * `Cross-Origin-Resource-Policy: cross-origin` and `Access-Control-Allow-Origin: *`; everything else is
 * same-origin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hono } from "hono";
 * import { securityHeaders } from "./security.ts";
 * const app = new Hono().use(securityHeaders()).get("/api/x", (c) => c.text("x")).get("/", (c) => c.text("page"));
 * const api = await app.request("/api/x");
 * assert.equal(api.headers.get("access-control-allow-origin"), "*");
 * const page = await app.request("/");
 * assert.equal(page.headers.get("cross-origin-resource-policy"), "same-origin");
 * assert.equal(page.headers.get("x-frame-options"), "DENY");
 * ```
 */
export function securityHeaders(): MiddlewareHandler {
  const own = secureHeaders({ ...HEADERS, crossOriginResourcePolicy: "same-origin" });
  const embeddable = secureHeaders({ ...HEADERS, crossOriginResourcePolicy: "cross-origin" });
  return async (c, next) => {
    if (isShared(c.req.raw)) {
      await embeddable(c, next);
      c.res.headers.set("access-control-allow-origin", "*");
    } else {
      await own(c, next);
      c.res.headers.delete("access-control-allow-origin");
    }
    c.res.headers.delete("server");
  };
}
