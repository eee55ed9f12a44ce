/**
 * The `http` checker: a GET (by default) to `endpoint_url`, judged by status code and body, exactly as
 * Go Checkup's (redirects not followed, 200–204 accepted unless `up_status` is set, RTT measured until
 * the response headers arrive, a fresh connection per attempt so the RTT includes connect and TLS).
 *
 * @module
 */
import { z } from "zod";
import type { Duration } from "../config/duration.ts";
import { duration, httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { httpRequest } from "../_internal/http.ts";
import { bodyError, type Checker, type CheckerContext, runCheck } from "./checker.ts";
import type { Result } from "../result.ts";

/** `checkup.json` options of an `http` checker (Go Checkup's keys). */
export interface HttpCheckerConfig {
  type: "http";
  /** The endpoint's name, shown as the result's title. */
  endpoint_name?: string;
  /** The URL requested. */
  endpoint_url: string;
  /** The only status that passes; 0 or unset accepts 200–204 (Go's default). */
  up_status?: number;
  /** Degraded when the median RTT is strictly above this. */
  threshold_rtt?: Duration;
  /** The body must contain this text. */
  must_contain?: string;
  /** The body must not contain this text. */
  must_not_contain?: string;
  /** Attempts per check (default 1). */
  attempts?: number;
  /** Pause after each attempt. */
  attempt_spacing?: Duration;
  /** Request headers; each value list is joined with ", ". A `Host` key sets the Host header. */
  headers?: Record<string, string | string[]>;
  /** Timeout of one attempt (default 10s, Go's fixed value). */
  timeout?: Duration;
}

/** Validated options of an `http` checker: defaults applied, durations in nanoseconds. */
export interface HttpCheckerOptions {
  type: "http";
  endpoint_name: string;
  endpoint_url: string;
  up_status: number;
  threshold_rtt: number;
  must_contain: string;
  must_not_contain: string;
  attempts: number;
  attempt_spacing: number;
  headers: Record<string, string | string[]>;
  timeout: number;
}

// The annotation keeps the schema and the two interfaces in lockstep: a mismatch fails type checking.
const schema: z.ZodType<HttpCheckerOptions, HttpCheckerConfig> = z.object({
  type: typeTag("http"),
  endpoint_name: z.string().default("").meta({
    description: "The endpoint's name, shown as the result title.",
  }),
  endpoint_url: httpUrl("The URL to request."),
  up_status: z.number().int().min(0).max(999).default(0).meta({
    description: "The only HTTP status that passes; 0 accepts 200-204.",
  }),
  threshold_rtt: duration("Degraded when the median round-trip time is above this.").default(0),
  must_contain: z.string().default("").meta({ description: "The response body must contain this text." }),
  must_not_contain: z.string().default("").meta({
    description: "The response body must not contain this text.",
  }),
  attempts: z.number().int().default(1).meta({ description: "Attempts per check; values below 1 mean 1." }),
  attempt_spacing: duration("Pause after each attempt.").default(0),
  headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}).meta({
    description: 'Request headers: name to value or list of values (joined with ", ").',
  }),
  timeout: duration("Timeout of one attempt.").default(10e9),
});

/** Checks an HTTP(S) endpoint. */
export class HttpChecker implements Checker {
  readonly type = "http";
  readonly title: string;
  readonly endpoint: string;
  readonly #o: HttpCheckerOptions;
  readonly #ctx: CheckerContext;

  constructor(options: HttpCheckerOptions, ctx: CheckerContext) {
    this.#o = options;
    this.#ctx = ctx;
    this.title = options.endpoint_name;
    this.endpoint = options.endpoint_url;
  }

  check(signal?: AbortSignal): Promise<Result> {
    const o = this.#o;
    const headers = new Headers();
    for (const [k, v] of Object.entries(o.headers)) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    return runCheck({
      ...o,
      type: this.type,
      title: this.title,
      endpoint: this.endpoint,
      now: this.#ctx.now,
      node: this.#ctx.node,
      signal,
      attempt: async (_i, signal) => {
        // A fresh connection per attempt, like Go's checker (keep-alive off): RTT includes connect + TLS.
        using client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
        const start = performance.now();
        const res = await httpRequest(o.endpoint_url, {
          headers,
          redirect: "manual",
          timeout: o.timeout / 1e6,
          signal,
          client,
          fetch: this.#ctx.fetch,
        }).catch((e) => ({ error: (e as Error).message }));
        const rtt = (performance.now() - start) * 1e6;
        if ("error" in res) return { rtt: 0, error: res.error, transportFailure: true };
        const ok = o.up_status > 0 ? res.status === o.up_status : res.status >= 200 && res.status <= 204;
        if (!ok) {
          await res.body?.cancel();
          return { rtt, error: `response status ${res.status} ${res.statusText}`.trimEnd() };
        }
        if (!o.must_contain && !o.must_not_contain) {
          await res.body?.cancel();
          return { rtt };
        }
        const body = await res.text().catch((e) => ({
          error: `reading response body: ${(e as Error).message}`,
        }));
        if (typeof body !== "string") return { rtt, error: body.error };
        const error = bodyError(body, o.must_contain, o.must_not_contain);
        return error ? { rtt, error } : { rtt };
      },
    });
  }
}

/** The `http` checker type. */
export const httpChecker: PluginDefinition<Checker, HttpCheckerOptions> = {
  type: "http",
  summary: "HTTP(S) request judged by status code, body and round-trip time.",
  schema,
  create: (options, ctx) => new HttpChecker(options, ctx),
};
