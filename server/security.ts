/**
 * Security headers set on every response of `checkup serve`: a strict Content-Security-Policy (same-origin
 * scripts, styles and requests only, no inline script, no HTML sinks through Trusted Types, no framing),
 * nosniff, no referrer. Badges and the read-only JSON API may be embedded or fetched cross-origin.
 *
 * @module
 */

/** The page's Content-Security-Policy. */
export const CONTENT_SECURITY_POLICY: string = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join("; ");

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

const COMMON: [string, string][] = [
  ["content-security-policy", CONTENT_SECURITY_POLICY],
  ["x-content-type-options", "nosniff"],
  ["referrer-policy", "no-referrer"],
  ["x-frame-options", "DENY"],
  ["cross-origin-opener-policy", "same-origin"],
  ["permissions-policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"],
  ["x-dns-prefetch-control", "off"],
];

/**
 * Adds the security headers to a response. `shared` marks public read-only resources (badges, GET API)
 * that other sites may embed or fetch: they get `Cross-Origin-Resource-Policy: cross-origin` and
 * `Access-Control-Allow-Origin: *`; everything else is same-origin.
 */
export function secure(res: Response, shared: boolean): Response {
  let headers = res.headers;
  try {
    headers.set("x-content-type-options", "nosniff");
  } catch {
    // Immutable headers (a response from fetch): copy it.
    res = new Response(res.body, res);
    headers = res.headers;
  }
  for (const [k, v] of COMMON) headers.set(k, v);
  headers.set("cross-origin-resource-policy", shared ? "cross-origin" : "same-origin");
  if (shared) headers.set("access-control-allow-origin", "*");
  else headers.delete("access-control-allow-origin");
  headers.delete("x-powered-by");
  headers.delete("server");
  return res;
}
