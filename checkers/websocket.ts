/**
 * The `websocket` checker: opens a WebSocket (`ws://` or `wss://`) with Deno's client, optionally sends
 * one message and waits for a reply containing `expect` (and/or matching `expect_match`). The RTT is the
 * opening handshake's (connect, TLS and HTTP upgrade); the reply only has to come before the timeout.
 *
 * @module
 */
import { z } from "zod";
import type { Duration, Nanoseconds } from "../duration.ts";
import { headers, typeTag } from "../config/fields.ts";
import { describeValue } from "../config/errors.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { redactUrls } from "../_internal/redact.ts";
import { HttpClients } from "../http_clients.ts";
import { readPemFile } from "./cert.ts";
import { inspectTls } from "./tls_inspect.ts";
import { openSocket } from "./_net.ts";
import type tls from "node:tls";
import { attempts, attemptSpacing, endpointName, regex, thresholdRtt, timeout } from "./_fields.ts";
import {
  abortMessage,
  AttemptChecker,
  type AttemptOutcome,
  attemptSignal,
  type Checker,
  type CheckerContext,
  errorText,
  quoteSnippet,
} from "./checker.ts";

/** `checkup.json` options of a `websocket` checker. */
export interface WebSocketCheckerConfig {
  /** The checker type, `"websocket"`. */
  type: "websocket";
  /** The endpoint's name, shown as the result's title. */
  endpoint_name?: string;
  /** The `ws://` or `wss://` URL to open. */
  endpoint_url: string;
  /** Headers of the opening handshake (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /** With `wss://`: a PEM file of the only CA certificates trusted (it replaces the default roots, as in Go). */
  tls_ca_file?: string;
  /** A text message sent once the socket is open. */
  send?: string;
  /** Text a message from the server must contain before the timeout. */
  expect?: string;
  /** A regular expression a message from the server must match before the timeout. */
  expect_match?: string;
  /** Timeout of one attempt: handshake, send and reply (default 10s). */
  timeout?: Duration;
  /** Degraded when the median handshake RTT is strictly above this. */
  threshold_rtt?: Duration;
  /** Attempts per check (default 1). */
  attempts?: number;
  /** Pause after each attempt (not after a connection failure). */
  attempt_spacing?: Duration;
}

/** Validated options of a `websocket` checker: defaults applied, durations in nanoseconds. */
export interface WebSocketCheckerOptions {
  /** The checker type, always `"websocket"`. */
  type: "websocket";
  /** The result's title; `""` when unset. */
  endpoint_name: string;
  /** The `ws://` or `wss://` URL opened. */
  endpoint_url: string;
  /** Handshake headers. */
  headers: Record<string, string>;
  /** PEM file of extra trusted CA certificates; `""`: default roots only. */
  tls_ca_file: string;
  /** Message sent once open; `""`: nothing is sent. */
  send: string;
  /** Text a reply must contain; `""`: not checked. */
  expect: string;
  /** Regular expression a reply must match; `""`: not checked. */
  expect_match: string;
  /** Timeout of one attempt, nanoseconds (default 10 s). */
  timeout: number;
  /** Degraded when the median RTT is strictly above this, nanoseconds; 0: off. */
  threshold_rtt: Nanoseconds;
  /** Attempts per check (default 1). */
  attempts: number;
  /** Pause after each attempt, nanoseconds (default 0). */
  attempt_spacing: number;
}

function isWsUrl(v: string): boolean {
  try {
    return ["ws:", "wss:"].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}

const schema: z.ZodType<WebSocketCheckerOptions, WebSocketCheckerConfig> = z.lazy(() =>
  z.object({
    type: typeTag("websocket"),
    endpoint_name: endpointName(),
    endpoint_url: z.string().refine(isWsUrl, {
      // The value without its credentials: a URL may carry user:password@.
      error: (iss) =>
        `expected a ws:// or wss:// URL, found ${describeValue(redactUrls(String(iss.input ?? "")))}`,
    }).meta({ description: "The ws:// or wss:// URL to open." }),
    headers: headers("Headers of the opening handshake, e.g. Authorization."),
    tls_ca_file: z.string().default("").meta({
      description:
        "With wss://: PEM file of the only CA certificates trusted (replacing the default roots, as Go).",
    }),
    send: z.string().default("").meta({ description: "A text message sent once the socket is open." }),
    expect: z.string().default("").meta({
      description: "Text a message from the server must contain before the timeout.",
    }),
    expect_match: regex("A regular expression a message from the server must match before the timeout.")
      .default(""),
    timeout: timeout(10e9, "handshake, send and reply; default 10s"),
    threshold_rtt: thresholdRtt(),
    attempts: attempts(),
    attempt_spacing: attemptSpacing(),
  })
);

/** Checks that a WebSocket endpoint opens and, optionally, answers a message as expected. */
export class WebSocketChecker extends AttemptChecker<WebSocketCheckerOptions> {
  /** Always `"websocket"`. */
  override readonly type = "websocket";
  readonly #match: RegExp | undefined;

  /** Builds the checker from validated options (see the `parseChecker` config helper). */
  constructor(options: WebSocketCheckerOptions, ctx: CheckerContext) {
    // The result shows the URL without credentials.
    super(options, ctx, options.endpoint_name, redactUrls(options.endpoint_url));
    this.#match = options.expect_match ? new RegExp(options.expect_match) : undefined;
  }

  /** One handshake, then the optional send and reply. */
  protected override async attempt(outer: AbortSignal): Promise<AttemptOutcome> {
    const o = this.options;
    const signal = attemptSignal(outer, o.timeout);
    let start = performance.now();
    const elapsed = () => (performance.now() - start) * 1e6;
    let client: Deno.HttpClient | undefined;
    using own = this.ctx.httpClients ? undefined : new HttpClients();
    if (o.tls_ca_file && o.endpoint_url.startsWith("wss:")) {
      try {
        const ca = [await readPemFile(o.tls_ca_file, "tls_ca_file")];
        // As Go's CA options: the file replaces the default roots. Deno's WebSocket client can only add to
        // them, so the server's certificate is first verified against the file alone on its own handshake.
        const pinned = await this.#verifyPinned(ca, signal);
        if (pinned) return { rtt: elapsed(), error: pinned };
        client = (this.ctx.httpClients ?? own!).get({ caCerts: ca });
      } catch (e) {
        return { rtt: elapsed(), error: errorText(e), transportFailure: true };
      }
      start = performance.now(); // the RTT is the WebSocket handshake's, as without a CA file
    }
    const init = { headers: o.headers, ...(client ? { client } : {}) };
    // Deno's WebSocketOptions; the DOM typing some type checks see knows only protocol lists.
    const ws = new WebSocket(o.endpoint_url, init as unknown as string[]);
    ws.binaryType = "arraybuffer";
    const received: string[] = [];
    let rtt = 0;
    try {
      const opened = await this.#open(ws, signal);
      if (opened) return { rtt: elapsed(), error: opened, transportFailure: true };
      rtt = elapsed();
      if (o.send) ws.send(o.send);
      if (!o.expect && !this.#match) return { rtt };
      const error = await this.#reply(ws, signal, received);
      return error ? { rtt, error } : { rtt };
    } finally {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
    }
  }

  /**
   * Verifies the server's certificate against `ca` only (one TLS handshake): the error when it is not
   * trusted by them (or the connection fails), undefined when it is.
   */
  async #verifyPinned(ca: string[], signal: AbortSignal): Promise<string | undefined> {
    const url = new URL(this.options.endpoint_url);
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const socket = await openSocket({
      host,
      port: Number(url.port || 443),
      tls: { ca },
      signal,
      onAbort: (phase) => abortMessage(signal, this.options.timeout, phase),
    });
    try {
      const { problem } = inspectTls(socket as tls.TLSSocket, host, true);
      return problem && `tls_ca_file: ${problem}`;
    } finally {
      socket.destroy();
    }
  }

  /** Waits for the handshake: undefined once open, else the attempt error. */
  #open(ws: WebSocket, signal: AbortSignal): Promise<string | undefined> {
    return new Promise((resolve) => {
      const done = (error?: string) => {
        signal.removeEventListener("abort", onAbort);
        ws.onopen = ws.onerror = ws.onclose = null;
        resolve(error);
      };
      const onAbort = () => done(abortMessage(signal, this.options.timeout, "WebSocket handshake"));
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      ws.onopen = () => done();
      ws.onerror = (e) =>
        done(`WebSocket handshake: ${redactUrls((e as ErrorEvent).message || "connection failed")}`);
      ws.onclose = (e) => done(`WebSocket handshake: the server closed (code ${e.code})`);
    });
  }

  /** Waits for a message meeting `expect` / `expect_match`: undefined when one came, else the error. */
  #reply(ws: WebSocket, signal: AbortSignal, received: string[]): Promise<string | undefined> {
    const o = this.options;
    const wanted = [o.expect && quoteSnippet(o.expect, 60), this.#match && `/${o.expect_match}/`]
      .filter(Boolean).join(" and ");
    const got = () =>
      received.length
        ? `; received ${received.length} message(s), the last ${quoteSnippet(received.at(-1)!, 120)}`
        : "; received nothing";
    return new Promise((resolve) => {
      const done = (error?: string) => {
        signal.removeEventListener("abort", onAbort);
        ws.onmessage = ws.onerror = ws.onclose = null;
        resolve(error);
      };
      const onAbort = () => done(abortMessage(signal, o.timeout, `waiting for ${wanted}`) + got());
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      const decoder = new TextDecoder();
      ws.onmessage = (e: MessageEvent) => {
        const text = typeof e.data === "string" ? e.data : decoder.decode(e.data as ArrayBuffer);
        if (received.length >= 100) received.shift(); // a chatty server: keep the last ones only
        received.push(text);
        if ((!o.expect || text.includes(o.expect)) && (!this.#match || this.#match.test(text))) done();
      };
      ws.onerror = (e) => done(`waiting for ${wanted}: ${(e as ErrorEvent).message || "connection error"}`);
      ws.onclose = (e) => done(`expected ${wanted}, the server closed (code ${e.code})${got()}`);
    });
  }
}

/** The `websocket` checker type. */
export const websocketChecker: PluginDefinition<Checker, WebSocketCheckerOptions> = {
  type: "websocket",
  summary: "WebSocket handshake (ws/wss), optionally a message and an expected reply, judged by RTT.",
  schema,
  create: (options, ctx) => new WebSocketChecker(options, ctx),
};
