/**
 * The one HTTP helper: every outgoing request goes through {@linkcode httpRequest}, which adds a timeout,
 * an abort signal, bounded retries with backoff, and error messages that never carry the URL's secrets.
 */
import { formatDuration } from "../duration.ts";
import { backoffMs, retry } from "./retry.ts";

/** Options of {@linkcode httpRequest}. */
export interface HttpOptions {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit | null;
  /** A JSON body; sets `Content-Type: application/json`. */
  json?: unknown;
  /** Milliseconds for the whole request including the body; default 10 000. */
  timeout?: number;
  signal?: AbortSignal;
  client?: Deno.HttpClient;
  redirect?: RequestRedirect;
  /** Extra tries after a network error, 429 or 5xx; default 0. */
  retries?: number;
  /** Base backoff in milliseconds, doubled per retry; default 500. */
  retryDelay?: number;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof fetch;
  /** Throw an {@linkcode HttpError} unless the status is 2xx; default false. */
  expectOk?: boolean;
}

/** A request that got an unacceptable answer or none. The message names only the host, never the path. */
export class HttpError extends Error {
  override name = "HttpError";
  /**
   * @param status The answer's status; 0 when there was no answer (a network error or timeout).
   * @param retryAfter The answer's `Retry-After`, milliseconds (capped at 30 s), when it had one.
   */
  constructor(message: string, readonly status = 0, readonly body = "", readonly retryAfter?: number) {
    super(message);
  }
}

/** HTTP 4xx answers that say nothing about the request's content: credentials, addressing, races, timeouts, throttling. */
const NOT_ABOUT_THE_CONTENT = new Set([401, 403, 404, 407, 408, 409, 412, 425, 429]);

/**
 * Whether an error with an HTTP `status` (an {@linkcode HttpError}, Octokit's RequestError) is the server
 * refusing what was sent for good: any 4xx except 401, 403, 404, 407, 408, 409, 412, 425 and 429.
 */
export function refusesContent(error: unknown): boolean {
  const status = (error as { status?: unknown })?.status;
  return typeof status === "number" && status >= 400 && status < 500 && !NOT_ABOUT_THE_CONTENT.has(status);
}

/** `https://host:port` of a URL: safe to log (paths and queries of webhooks carry tokens). */
export function safeOrigin(url: string | URL): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}

function describeFailure(error: unknown, url: string | URL, timeout: number): string {
  const e = error as Error;
  if (e?.name === "TimeoutError") return `timeout after ${formatDuration(timeout * 1e6)}`;
  if (e?.name === "AbortError") return "aborted";
  let text = String(e?.message ?? e);
  // Deno's fetch errors quote the full URL: keep only its origin.
  text = text.split(String(url)).join(safeOrigin(url));
  const cause = (e as { cause?: Error })?.cause?.message;
  if (cause && !text.includes(cause)) text += `: ${cause.split(String(url)).join(safeOrigin(url))}`;
  return text.replace(
    /^(?:fetch failed: )?error sending request for url \(([^)]*)\)/,
    "request to $1 failed",
  );
}

function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Sends one request with a timeout; retries network errors, 429 and 5xx up to `retries` times with
 * exponential backoff (honouring a `Retry-After` of up to 30 s). Network failures throw an
 * {@linkcode HttpError} whose message names the origin only.
 */
export async function httpRequest(url: string | URL, options: HttpOptions = {}): Promise<Response> {
  const timeout = options.timeout ?? 10_000;
  const retries = options.retries ?? 0;
  const doFetch = options.fetch ?? fetch;
  // A Headers the caller built for this request is used as it is (a copy per request shows in a round of
  // thousands); it is changed only for a JSON body, so then it is copied.
  const headers = options.headers instanceof Headers && options.json === undefined
    ? options.headers
    : new Headers(options.headers);
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const method = options.method ?? (body == null ? "GET" : "POST");
  return await retry(async () => {
    const signals = [AbortSignal.timeout(timeout)];
    if (options.signal) signals.push(options.signal);
    const init: RequestInit & { client?: Deno.HttpClient } = {
      method,
      headers,
      body,
      redirect: options.redirect ?? "follow",
      signal: AbortSignal.any(signals),
    };
    if (options.client) init.client = options.client;
    let res: Response;
    try {
      res = await doFetch(url, init);
    } catch (e) {
      throw new HttpError(describeFailure(e, url, timeout));
    }
    if (!options.expectOk || res.ok) return res;
    const text = (await res.text().catch(() => "")).slice(0, 500);
    const after = Number(res.headers.get("retry-after"));
    throw new HttpError(
      `${safeOrigin(url)} answered ${res.status} ${res.statusText}${text ? `: ${text}` : ""}`,
      res.status,
      text,
      after > 0 ? Math.min(after * 1000, 30_000) : undefined,
    );
  }, {
    attempts: retries + 1,
    // Network errors (status 0), 429 and 5xx are worth another try.
    retryable: (e) => e instanceof HttpError && (e.status === 0 || retryable(e.status)),
    delay: (attempt, e) =>
      (e as HttpError).retryAfter ?? backoffMs({ base: options.retryDelay ?? 500 }, attempt),
    signal: options.signal,
  });
}
