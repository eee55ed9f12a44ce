/**
 * OAuth 2.0 client credentials for http checks (RFC 6749 §4.4): the `oauth2` key. The checker fetches an
 * access token from `token_url` with its client id and secret, sends it as `Authorization: Bearer …`, and
 * keeps it until shortly before it expires (`expires_in`; 5 minutes when the server says nothing), so a
 * check every minute asks for a token about once per token lifetime, not once per round. A 401 from the
 * endpoint drops the token, so the next attempt fetches a fresh one (a token revoked early).
 *
 * The secret and the token never reach a result, an error or a log: a failed token request is reported by
 * the token endpoint's origin, status and RFC 6749 `error` code only (its body may echo what was sent).
 *
 * @module
 */
import { z } from "zod";
import { httpUrl } from "../config/fields.ts";
import { HttpError, httpRequest, safeOrigin } from "../_internal/http.ts";

/** The `oauth2` key as written in `checkup.json`. */
export interface OAuth2Config {
  /** The authorization server's token endpoint. */
  token_url: string;
  /** The client id. */
  client_id: string;
  /** The client secret (put it in the environment: `"${CLIENT_SECRET}"`). */
  client_secret: string;
  /** Scopes asked for (none: the server's default). */
  scopes?: string[];
  /** An `audience` parameter, for servers that want one (Auth0, Okta). */
  audience?: string;
  /** How the client authenticates: HTTP Basic (`"basic"`, the default, RFC 6749 §2.3.1) or form fields (`"body"`). */
  auth?: "basic" | "body";
}

/** Validated `oauth2` options. */
export interface OAuth2Options {
  /** The authorization server's token endpoint. */
  token_url: string;
  /** The client id. */
  client_id: string;
  /** The client secret. */
  client_secret: string;
  /** Scopes asked for (empty: the server's default). */
  scopes: string[];
  /** The `audience` parameter, when the server wants one. */
  audience?: string;
  /** How the client authenticates: HTTP Basic or form fields. */
  auth: "basic" | "body";
}

/** The zod schema of the `oauth2` key. */
export const oauth2Schema: z.ZodType<OAuth2Options, OAuth2Config> = z.object({
  token_url: httpUrl("The authorization server's token endpoint."),
  client_id: z.string().min(1, "expected a client id").meta({ description: "The client id." }),
  client_secret: z.string().min(1, 'expected a client secret (from the environment: "${CLIENT_SECRET}")')
    .meta({ description: "The client secret; put it in the environment." }),
  scopes: z.array(z.string().min(1)).default([]).meta({ description: "Scopes asked for." }),
  audience: z.string().min(1).optional().meta({ description: "An audience parameter (Auth0, Okta)." }),
  auth: z.enum(["basic", "body"]).default("basic").meta({
    description: "Client authentication: HTTP Basic (default) or client_id/client_secret form fields.",
  }),
});

/** Lifetime assumed when the token response has no `expires_in`, ms. */
const DEFAULT_LIFETIME_MS = 300_000;
/** Dropped this long before it expires (at most a tenth of its lifetime), ms. */
const MARGIN_MS = 30_000;

/** RFC 6749 §2.3.1: the id and secret are form-encoded before they go into Basic. */
function formEncoded(text: string): string {
  return encodeURIComponent(text).replace(/%20/g, "+");
}

/** The access token of one checker, fetched on demand and kept until shortly before it expires. */
export class TokenCache {
  readonly #o: OAuth2Options;
  readonly #deps: { fetch: typeof fetch; now: () => number };
  #token?: { value: string; until: number };
  #pending?: Promise<string>;

  /** `now` in ms (the checker's clock); `fetch` the context's. */
  constructor(options: OAuth2Options, deps: { fetch: typeof fetch; now: () => number }) {
    this.#o = options;
    this.#deps = deps;
  }

  /** A valid access token: the kept one, or a new one (one request at a time). */
  token(timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const t = this.#token;
    if (t && this.#deps.now() < t.until) return Promise.resolve(t.value);
    return this.#pending ??= this.#fetch(timeoutMs, signal).finally(() => (this.#pending = undefined));
  }

  /** Forgets the token (the endpoint refused it). */
  drop(): void {
    this.#token = undefined;
  }

  async #fetch(timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const o = this.#o;
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (o.scopes.length) form.set("scope", o.scopes.join(" "));
    if (o.audience) form.set("audience", o.audience);
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    if (o.auth === "basic") {
      headers.authorization = `Basic ${btoa(`${formEncoded(o.client_id)}:${formEncoded(o.client_secret)}`)}`;
    } else {
      form.set("client_id", o.client_id);
      form.set("client_secret", o.client_secret);
    }
    const where = `oauth2: token request to ${safeOrigin(o.token_url)}`;
    let res: Response;
    try {
      res = await httpRequest(o.token_url, {
        method: "POST",
        headers,
        body: form.toString(),
        timeout: timeoutMs,
        signal,
        fetch: this.#deps.fetch,
      });
    } catch (e) {
      throw new Error(`${where} failed: ${e instanceof HttpError ? e.message : "no answer"}`);
    }
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown; token_type?: unknown };
    try {
      body = await res.json();
    } catch {
      body = {};
    }
    if (!res.ok || typeof body.access_token !== "string" || !body.access_token) {
      // Only the RFC 6749 error code (a fixed vocabulary), never the rest of the body.
      const code = typeof body.error === "string" && /^[\w.-]{1,64}$/.test(body.error)
        ? `: ${body.error}`
        : "";
      throw new Error(
        res.ok ? `${where}: the answer has no access_token` : `${where} answered ${res.status}${code}`,
      );
    }
    if (typeof body.token_type === "string" && body.token_type.toLowerCase() !== "bearer") {
      throw new Error(
        `${where}: expected a bearer token, found token_type ${JSON.stringify(body.token_type)}`,
      );
    }
    const lifetime = typeof body.expires_in === "number" && body.expires_in > 0
      ? body.expires_in * 1000
      : DEFAULT_LIFETIME_MS;
    this.#token = {
      value: body.access_token,
      until: this.#deps.now() + lifetime - Math.min(MARGIN_MS, lifetime / 10),
    };
    return body.access_token;
  }
}
