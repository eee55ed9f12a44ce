/**
 * The one HTTP helper: every outgoing request goes through {@linkcode httpRequest}, which adds a timeout,
 * an abort signal, bounded retries with backoff, and error messages that never carry the URL's secrets.
 */
import { formatDuration } from "../duration.ts";

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
  constructor(message: string, readonly status = 0, readonly body = "") {
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

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

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
  const headers = new Headers(options.headers);
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  for (let attempt = 0;; attempt++) {
    const signals = [AbortSignal.timeout(timeout)];
    if (options.signal) signals.push(options.signal);
    const init: RequestInit & { client?: Deno.HttpClient } = {
      method: options.method ?? (body == null ? "GET" : "POST"),
      headers,
      body,
      redirect: options.redirect ?? "follow",
      signal: AbortSignal.any(signals),
    };
    if (options.client) init.client = options.client;
    let failure: HttpError;
    let wait = (options.retryDelay ?? 500) * 2 ** attempt;
    try {
      const res = await doFetch(url, init);
      if (!options.expectOk || res.ok) return res;
      const text = (await res.text().catch(() => "")).slice(0, 500);
      failure = new HttpError(
        `${safeOrigin(url)} answered ${res.status} ${res.statusText}${text ? `: ${text}` : ""}`,
        res.status,
        text,
      );
      const after = Number(res.headers.get("retry-after"));
      if (after > 0) wait = Math.min(after * 1000, 30_000);
      if (!retryable(res.status) || attempt >= retries) throw failure;
    } catch (e) {
      if (e instanceof HttpError) throw e;
      failure = new HttpError(describeFailure(e, url, timeout));
      if (options.signal?.aborted || attempt >= retries) throw failure;
    }
    await sleep(wait, options.signal);
    if (options.signal?.aborted) throw failure;
  }
}
