/**
 * The `http` checker: a request to `endpoint_url`, judged by status code and body, exactly as Go
 * Checkup's by default (GET, redirects not followed, 200–204 accepted unless `up_status` is set, RTT
 * measured until the response headers arrive, a fresh connection per attempt so the RTT includes connect
 * and TLS). Beyond Go: method and body, status lists and ranges, redirects, TLS options, regular
 * expressions, JSON and header expectations, and a certificate-expiry notice for https endpoints (read
 * with a separate `node:tls` probe, since fetch does not expose the peer certificate).
 *
 * @module
 */
import { z } from "zod";
import type { Duration, Nanoseconds } from "../duration.ts";
import { duration, headers, httpUrl, isHttpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { httpRequest } from "../_internal/http.ts";
import { HttpClients } from "../http_clients.ts";
import { expiryNotice, type LeafInfo, readPemFile } from "./cert.ts";
import { attempts, attemptSpacing, endpointName, regex, thresholdRtt, timeout } from "./_fields.ts";
import {
  headerError,
  jsonError,
  regexError,
  statusAccepted,
  type StatusRange,
  upStatus,
} from "./http_expect.ts";
import { type OAuth2Config, type OAuth2Options, oauth2Schema, TokenCache } from "./oauth2.ts";
import { checkClientCert, type ClientCertConfig, clientCertShape, readClientCert } from "./client_cert.ts";
import type tls from "node:tls";
import {
  abortMessage,
  AttemptChecker,
  type AttemptOutcome,
  attemptSignal,
  bodyError,
  type Checker,
  type CheckerContext,
  errorText,
} from "./checker.ts";
import type { Verdict } from "../result.ts";

/** `checkup.json` options of an `http` checker (Go Checkup's keys plus Checkup's extensions). */
export interface HttpCheckerConfig extends ClientCertConfig {
  /** The checker type, `"http"`. */
  type: "http";
  /** The endpoint's name, shown as the result's title. */
  endpoint_name?: string;
  /** The URL requested. */
  endpoint_url: string;
  /** Accepted statuses: a code, a `"300-399"` range or a list of them; 0 or unset accepts 200–204 (Go). */
  up_status?: number | string | (number | string)[];
  /** Degraded when the median RTT is strictly above this. */
  threshold_rtt?: Duration;
  /** The body must contain this text. */
  must_contain?: string;
  /** The body must not contain this text. */
  must_not_contain?: string;
  /** The body must match this regular expression. */
  must_match?: string;
  /** The body must not match this regular expression. */
  must_not_match?: string;
  /** JSON expectations: dotted path (`"checks.0.status"`) → the value expected there. */
  json?: Record<string, unknown>;
  /** Header expectations: header name → text its value must contain (`""`: only present). */
  header_contains?: Record<string, string>;
  /** Attempts per check (default 1). */
  attempts?: number;
  /** Pause after each attempt. */
  attempt_spacing?: Duration;
  /** Request headers; each value list is joined with ", ". A `Host` key sets the Host header. */
  headers?: Record<string, string | string[]>;
  /** Timeout of one attempt (default 10s, Go's fixed value). */
  timeout?: Duration;
  /** The request method (default `"GET"`). */
  method?: string;
  /** The request body (not with GET or HEAD). */
  body?: string;
  /** Follow redirects (up to 20) and judge the final response; default false, as in Go. */
  follow_redirects?: boolean;
  /**
   * Reuse connections between attempts and rounds (default false: a fresh connection each time, as in
   * Go, so the RTT includes connect and TLS; with reuse it is mostly time to first byte).
   */
  keep_alive?: boolean;
  /** Accept any certificate (https). */
  tls_skip_verify?: boolean;
  /** A PEM file of CA certificates trusted in addition to the system roots (https). */
  tls_ca_file?: string;
  /** Degraded when the https certificate expires sooner than this; unset or 0: not checked. */
  cert_expiry_threshold?: Duration;
  /**
   * A forward proxy for this check (`http://` or `https://`, may carry `user:password@`); unset: the
   * `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` environment variables, as every request.
   */
  proxy?: string;
  /** OAuth 2.0 client credentials: a bearer token fetched from `token_url` and kept until it expires. */
  oauth2?: OAuth2Config;
}

/** Validated options of an `http` checker: defaults applied, durations in nanoseconds. */
export interface HttpCheckerOptions extends Required<ClientCertConfig> {
  /** The checker type, always `"http"`. */
  type: "http";
  /** The result's title; `""` when unset. */
  endpoint_name: string;
  /** The URL requested. */
  endpoint_url: string;
  /** Accepted status ranges, inclusive (default `[[200, 204]]`, Go's). */
  up_status: StatusRange[];
  /** Degraded when the median RTT is strictly above this, nanoseconds; 0: off. */
  threshold_rtt: Nanoseconds;
  /** Text the body must contain; `""`: no rule. */
  must_contain: string;
  /** Text the body must not contain; `""`: no rule. */
  must_not_contain: string;
  /** Regular expression the body must match; `""`: no rule. */
  must_match: string;
  /** Regular expression the body must not match; `""`: no rule. */
  must_not_match: string;
  /** JSON expectations: dotted path → value expected there; `{}`: none. */
  json: Record<string, unknown>;
  /** Header name → text its value must contain (`""`: only present); `{}`: none. */
  header_contains: Record<string, string>;
  /** Attempts per check (default 1). */
  attempts: number;
  /** Pause after each attempt, nanoseconds (default 0). */
  attempt_spacing: number;
  /** Request headers; a list value is joined with `", "`. */
  headers: Record<string, string | string[]>;
  /** Timeout of one attempt until the whole body is read, nanoseconds (default 10 s). */
  timeout: number;
  /** The request method, upper case (default `"GET"`). */
  method: string;
  /** The request body; `""`: none. */
  body: string;
  /** Follow up to 20 redirects and judge the final response (default false, as in Go). */
  follow_redirects: boolean;
  /** Reuse connections between attempts and rounds (default false: a fresh connection each time). */
  keep_alive: boolean;
  /** Accept any certificate (https; default false). */
  tls_skip_verify: boolean;
  /** PEM file of CA certificates trusted besides the system roots; `""`: none. */
  tls_ca_file: string;
  /** Degraded when the certificate expires sooner than this, nanoseconds; 0 (default): not checked. */
  cert_expiry_threshold: number;
  /** A forward proxy for this check; `""`: the environment's. */
  proxy: string;
  /** OAuth 2.0 client credentials, when set. */
  oauth2?: OAuth2Options;
}

/** Rejects an empty key of a record, at that key's path. */
function nonEmptyKeys(what: string) {
  return (record: Record<string, unknown>, ctx: z.RefinementCtx) => {
    if ("" in record) {
      ctx.addIssue({
        code: "custom",
        path: [""],
        input: record,
        message: `expected ${what}, found an empty key`,
      });
    }
  };
}

// The annotation keeps the schema and the two interfaces in lockstep: a mismatch fails type checking.
const schema: z.ZodType<HttpCheckerOptions, HttpCheckerConfig> = z.lazy(() =>
  z.object({
    type: typeTag("http"),
    endpoint_name: endpointName(),
    endpoint_url: httpUrl("The URL to request."),
    up_status: upStatus(),
    threshold_rtt: thresholdRtt(),
    must_contain: z.string().default("").meta({ description: "The response body must contain this text." }),
    must_not_contain: z.string().default("").meta({
      description: "The response body must not contain this text.",
    }),
    must_match: regex("The response body must match this regular expression.").default(""),
    must_not_match: regex("The response body must not match this regular expression.").default(""),
    json: z.record(z.string(), z.unknown()).superRefine(nonEmptyKeys("a dotted path")).default({}).meta({
      description: 'JSON expectations: dotted path (e.g. "checks.0.status") to the value expected there.',
    }),
    header_contains: z.record(z.string(), z.string()).superRefine(nonEmptyKeys("a header name")).default({})
      .meta({
        description: 'Header expectations: header name to text its value must contain ("" = only present).',
      }),
    attempts: attempts(),
    attempt_spacing: attemptSpacing(),
    headers: headers('Request headers: name to value or list of values (joined with ", ").', true),
    timeout: timeout(10e9, "until the whole body is read; default 10s"),
    method: z.string().regex(/^[A-Za-z]+$/, { error: "expected an HTTP method such as GET, POST or HEAD" })
      .default("GET").transform((m) => m.toUpperCase()).meta({ description: "The request method." }),
    body: z.string().default("").meta({ description: "The request body (not with GET or HEAD)." }),
    follow_redirects: z.boolean().default(false).meta({
      description: "Follow redirects (up to 20) and judge the final response; off by default, as in Go.",
    }),
    keep_alive: z.boolean().default(false).meta({
      description:
        "Reuse connections (the RTT then excludes connect and TLS on a reused connection); off by default, as in Go.",
    }),
    tls_skip_verify: z.boolean().default(false).meta({ description: "Accept any certificate (https)." }),
    tls_ca_file: z.string().default("").meta({
      description: "PEM file of CA certificates trusted in addition to the system roots (https).",
    }),
    cert_expiry_threshold: duration(
      "Degraded when the https certificate expires sooner than this; 0 (the default) does not check.",
    ).default(0),
    ...clientCertShape,
    proxy: z.string().default("").refine((v) => !v || isHttpUrl(v), {
      // Never the value (httpUrl's error shows it): a proxy URL may carry a password.
      error: "expected an http:// or https:// proxy URL (e.g. http://proxy.internal:3128)",
    }).meta({
      description:
        "A forward proxy for this check (http:// or https://, may carry user:password@); default the HTTP_PROXY, HTTPS_PROXY and NO_PROXY environment variables.",
    }),
    oauth2: oauth2Schema.optional().meta({
      description:
        "OAuth 2.0 client credentials: a bearer token fetched from token_url, kept until it expires, sent as Authorization.",
    }),
  }).superRefine((o, ctx) => {
    checkClientCert(o, ctx);
    if (o.oauth2 && Object.keys(o.headers).some((h) => h.toLowerCase() === "authorization")) {
      ctx.addIssue({
        code: "custom",
        path: ["oauth2"],
        message: "oauth2 sets the Authorization header: remove it from headers",
      });
    }
    if (o.proxy && o.tls_skip_verify) {
      ctx.addIssue({
        code: "custom",
        path: ["proxy"],
        message:
          "proxy cannot be combined with tls_skip_verify (trust the endpoint's CA with tls_ca_file instead)",
      });
    }
    if (o.body && (o.method === "GET" || o.method === "HEAD")) {
      ctx.addIssue({
        code: "custom",
        path: ["body"],
        input: o.body,
        message: `a body cannot be sent with ${o.method}; set "method" (e.g. "POST")`,
      });
    }
    if (o.cert_expiry_threshold && !o.endpoint_url.startsWith("https:")) {
      ctx.addIssue({
        code: "custom",
        path: ["cert_expiry_threshold"],
        input: o.cert_expiry_threshold,
        message: "only applies to https:// URLs",
      });
    }
  })
);

/** Body bytes read at most for the body rules. */
const MAX_BODY = 16 * 1024 * 1024;

async function readBody(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_BODY) {
      await reader.cancel();
      throw new Error(`response body is larger than ${MAX_BODY / 1024 / 1024} MiB`);
    }
    parts.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const p of parts) (all.set(p, at), at += p.length);
  return new TextDecoder().decode(all);
}

/** Checks an HTTP(S) endpoint. */
export class HttpChecker extends AttemptChecker<HttpCheckerOptions, LeafInfo[]> {
  /** Always `"http"`. */
  override readonly type = "http";

  /** The OAuth 2.0 access token, when `oauth2` is set (kept across rounds). */
  readonly #tokens?: TokenCache;

  /** Builds the checker from validated options (see the `parseChecker` config helper). */
  constructor(options: HttpCheckerOptions, ctx: CheckerContext) {
    super(options, ctx, options.endpoint_name, options.endpoint_url);
    if (options.oauth2) {
      this.#tokens = new TokenCache(options.oauth2, {
        fetch: ctx.fetch,
        now: () => Number(ctx.now() / 1_000_000n),
      });
    }
  }

  /** Collects the leaf certificate of each https attempt (for `cert_expiry_threshold`). */
  protected override newState(): LeafInfo[] {
    return [];
  }

  /** Degraded when the certificate of the first https attempt expires within `cert_expiry_threshold`. */
  protected override verdict(leaves: LeafInfo[]): Verdict {
    return { degradedNotice: leaves[0] && expiryNotice(leaves[0], this.options.cert_expiry_threshold) };
  }

  /** One request: status, headers and body judged against the expectations. */
  protected override async attempt(signal: AbortSignal, leaves: LeafInfo[]): Promise<AttemptOutcome> {
    const o = this.options;
    const headers = new Headers();
    for (const [k, v] of Object.entries(o.headers)) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    const https = o.endpoint_url.startsWith("https:");
    let ca: string[] | undefined;
    let clientCert;
    try {
      if (https && o.tls_ca_file && !o.tls_skip_verify) {
        ca = [await readPemFile(o.tls_ca_file, "tls_ca_file")];
      }
      if (https) clientCert = await readClientCert(o);
    } catch (e) {
      return { rtt: 0, error: errorText(e), transportFailure: true };
    }
    if (this.#tokens) {
      try {
        headers.set("authorization", `Bearer ${await this.#tokens.token(o.timeout / 1e6, signal)}`);
      } catch (e) {
        return { rtt: 0, error: errorText(e), transportFailure: true };
      }
    }
    // A fresh connection per attempt, like Go's checker (keep-alive off): RTT includes connect + TLS.
    // The client itself is shared (building one is costly); keep_alive opts into connection reuse.
    const shared = this.ctx.httpClients;
    using own = shared ? undefined : new HttpClients();
    const client = (shared ?? own!).get({
      caCerts: ca,
      keepAlive: o.keep_alive,
      clientCert,
      proxy: o.proxy || undefined,
    });
    const start = performance.now();
    const res = await httpRequest(o.endpoint_url, {
      method: o.method,
      headers,
      body: o.body || undefined,
      redirect: o.follow_redirects ? "follow" : "manual",
      timeout: o.timeout / 1e6,
      signal,
      client,
      // node:https (imported only for these checks) is how a request skips verification.
      fetch: https && o.tls_skip_verify
        ? (await import("./_node_fetch.ts")).nodeFetch({ rejectUnauthorized: false, ...clientCert })
        : this.ctx.fetch,
    }).catch((e) => ({ error: (e as Error).message }));
    const rtt = (performance.now() - start) * 1e6;
    if (!("error" in res) && res.status === 401) this.#tokens?.drop(); // revoked early: fetch a new one
    // Go records the time a failed request took (until the error), not 0; the error names the phase.
    if ("error" in res) return { rtt, error: res.error, transportFailure: true };
    const error = await this.#judge(res).catch((e) => `reading response body: ${errorText(e)}`);
    if (error) return { rtt, error };
    if (o.cert_expiry_threshold && leaves.length === 0) {
      const probe = await this.#probe(signal);
      if (typeof probe === "string") return { rtt, error: probe };
      leaves.push(probe);
    }
    return { rtt };
  }

  /** The first failed expectation of a response, or undefined; always consumes or cancels the body. */
  async #judge(res: Response): Promise<string | undefined> {
    const o = this.options;
    const statusError = !statusAccepted(res.status, o.up_status)
      ? `response status ${res.status} ${res.statusText}`.trimEnd()
      : headerError(res.headers, o.header_contains);
    const readsBody = o.must_contain || o.must_not_contain || o.must_match || o.must_not_match ||
      Object.keys(o.json).length > 0;
    if (statusError || !readsBody) {
      await res.body?.cancel();
      return statusError;
    }
    const body = await readBody(res);
    return bodyError(body, o.must_contain, o.must_not_contain) ??
      regexError(body, o.must_match, o.must_not_match) ??
      jsonError(body, o.json);
  }

  /** Reads the endpoint's certificate over a separate TLS connection (fetch does not expose it). */
  async #probe(outer: AbortSignal): Promise<LeafInfo | string> {
    const url = new URL(this.options.endpoint_url);
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const signal = attemptSignal(outer, this.options.timeout);
    try {
      // The probe's node:net and node:tls are imported only by checks that read the certificate.
      const [{ openSocket }, { inspectTls }] = await Promise.all([
        import("./_net.ts"),
        import("./tls_inspect.ts"),
      ]);
      // A server that asks for a client certificate refuses the handshake without one.
      const clientCert = await readClientCert(this.options);
      const socket = await openSocket({
        host,
        port: Number(url.port || 443),
        tls: { ...clientCert },
        signal,
        onAbort: (phase) => abortMessage(signal, this.options.timeout, phase),
      });
      try {
        // Trust was the request's business; the probe only reads dates.
        const { leaf, problem } = inspectTls(socket as tls.TLSSocket, host, false);
        return problem ? problem : leaf!;
      } finally {
        socket.destroy();
      }
    } catch (e) {
      return `reading the certificate: ${errorText(e)}`;
    }
  }
}

/** The `http` checker type. */
export const httpChecker: PluginDefinition<Checker, HttpCheckerOptions> = {
  type: "http",
  summary: "HTTP(S) request judged by status code, headers, body and round-trip time.",
  schema,
  create: (options, ctx) => new HttpChecker(options, ctx),
};
