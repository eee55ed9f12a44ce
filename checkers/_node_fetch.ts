/**
 * A `fetch` over `node:http`/`node:https`, for the one thing Deno's fetch cannot do: skip certificate
 * verification (`tls_skip_verify`). It is handed to `httpRequest` (the one HTTP wrapper) as its
 * `fetch`, so timeouts, abort and error wording stay those of every other request. It supports what
 * the http checker sends: a method, headers, a string body, an abort signal, and `redirect: "follow"`
 * (up to 20 hops) or `"manual"`. A fresh connection per request (no agent), like the checker's fetch.
 *
 * @module
 */
import http from "node:http";
import https from "node:https";

/** TLS options of {@linkcode nodeFetch}. */
export interface NodeFetchOptions {
  /** Verify the server's certificate (default true). */
  rejectUnauthorized?: boolean;
  /** PEM roots to trust instead of the default ones. */
  ca?: string[];
  /** A client certificate (mutual TLS), PEM. */
  cert?: string;
  /** Its private key, PEM. */
  key?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([204, 205, 304]);

function request(
  url: URL,
  method: string,
  headers: Headers,
  body: string | undefined,
  signal: AbortSignal | undefined,
  options: NodeFetchOptions,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const lib = url.protocol === "https:" ? https : http;
    const req = lib.request(url, {
      method,
      headers: Object.fromEntries(headers),
      agent: false,
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      ca: options.ca,
      cert: options.cert,
      key: options.key,
    });
    const onAbort = () => req.destroy(signal!.reason);
    const detach = () => signal?.removeEventListener("abort", onAbort);
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (e) => {
      detach();
      reject(e);
    });
    req.on("response", (res) => {
      const responseHeaders = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
        responseHeaders.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
      }
      const status = res.statusCode ?? 0;
      let stream: ReadableStream<Uint8Array> | null = null;
      if (method === "HEAD" || NULL_BODY.has(status)) {
        res.resume();
        res.on("end", detach);
      } else {
        let open = true; // a cancelled or finished stream must not be written to again
        const settle = (fn: () => void) => {
          if (!open) return;
          open = false;
          detach();
          fn();
        };
        stream = new ReadableStream<Uint8Array>({
          start(controller) {
            res.on("data", (chunk: Uint8Array) => {
              if (!open) return;
              controller.enqueue(new Uint8Array(chunk));
              if ((controller.desiredSize ?? 1) <= 0) res.pause();
            });
            res.on("end", () => settle(() => controller.close()));
            res.on("error", (e) => settle(() => controller.error(e)));
            res.on(
              "close",
              () => settle(() => controller.error(new Error("the connection closed mid-body"))),
            );
          },
          pull() {
            res.resume();
          },
          cancel() {
            settle(() => res.destroy());
          },
        });
      }
      resolve(
        new Response(stream, { status, statusText: res.statusMessage ?? "", headers: responseHeaders }),
      );
    });
    req.end(body);
  });
}

/**
 * Returns a fetch function with the given TLS options.
 *
 * @example
 * ```ts ignore
 * const insecure = nodeFetch({ rejectUnauthorized: false });
 * const res = await insecure("https://self-signed.example/", { redirect: "manual" });
 * ```
 */
export function nodeFetch(options: NodeFetchOptions = {}): typeof fetch {
  return async (input: string | URL | Request, init: RequestInit = {}) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    let method = (init.method ?? "GET").toUpperCase();
    if (init.body != null && typeof init.body !== "string") {
      throw new TypeError("nodeFetch sends string bodies only");
    }
    let body = init.body ?? undefined;
    const headers = new Headers(init.headers);
    for (let hops = 0;; hops++) {
      const res = await request(url, method, headers, body, init.signal ?? undefined, options);
      const location = res.headers.get("location");
      if (init.redirect !== "follow" || !REDIRECTS.has(res.status) || location === null) return res;
      await res.body?.cancel();
      if (hops >= 20) throw new TypeError(`too many redirects (more than 20) from ${url.origin}`);
      url = new URL(location, url);
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
        headers.delete("content-type");
        headers.delete("content-length");
      }
    }
  };
}
