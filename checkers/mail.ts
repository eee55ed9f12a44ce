/**
 * What the `smtp`, `imap` and `pop3` checkers share: their config fields, a line reader with bounds and
 * the attempt itself (connect, optionally implicit TLS, the greeting judged, optionally the protocol's
 * STARTTLS upgrade with the certificate verified as the tcp checker does, then a polite goodbye). Each
 * protocol file gives only its {@linkcode MailDialect}.
 *
 * @module
 */
import type net from "node:net";
import tls from "node:tls";
import { z } from "zod";
import type { Duration, Nanoseconds } from "../duration.ts";
import { hostPort } from "../config/fields.ts";
import { readPemFile } from "./cert.ts";
import { inspectTls } from "./tls_inspect.ts";
import { attempts, attemptSpacing, endpointName, thresholdRtt, timeout } from "./_fields.ts";
import { openSocket, splitHostPort } from "./_net.ts";
import {
  abortMessage,
  AttemptChecker,
  type AttemptOutcome,
  attemptSignal,
  type CheckerContext,
  errorText,
  quoteSnippet,
} from "./checker.ts";

/** `checkup.json` options shared by the mail checkers. */
export interface MailCheckerConfigBase {
  /** The endpoint's name, shown as the result's title. */
  endpoint_name?: string;
  /** `host:port` to connect to. */
  endpoint_url: string;
  /** Implicit TLS from the first byte (ports 465, 993, 995). */
  tls?: boolean;
  /** Upgrade with the protocol's STARTTLS command after the greeting (ports 25/587, 143, 110). */
  starttls?: boolean;
  /** With `tls` or `starttls`: accept any certificate. */
  tls_skip_verify?: boolean;
  /** With `tls` or `starttls`: PEM file of the only CA certificates trusted (replacing the default roots). */
  tls_ca_file?: string;
  /** Timeout of one attempt (default 10s). */
  timeout?: Duration;
  /** Degraded when the median RTT is strictly above this. */
  threshold_rtt?: Duration;
  /** Attempts per check (default 1). */
  attempts?: number;
  /** Pause after each attempt (not after a connection failure). */
  attempt_spacing?: Duration;
}

/** Validated options shared by the mail checkers. */
export interface MailCheckerOptionsBase {
  /** The result's title; `""` when unset. */
  endpoint_name: string;
  /** `host:port` connected to. */
  endpoint_url: string;
  /** Implicit TLS (default false). */
  tls: boolean;
  /** STARTTLS after the greeting (default false). */
  starttls: boolean;
  /** Accept any certificate (default false). */
  tls_skip_verify: boolean;
  /** PEM file of the only trusted CAs; `""`: the default roots. */
  tls_ca_file: string;
  /** Timeout of one attempt, nanoseconds (default 10 s). */
  timeout: number;
  /** Degraded when the median RTT is strictly above this, nanoseconds; 0: off. */
  threshold_rtt: Nanoseconds;
  /** Attempts per check (default 1). */
  attempts: number;
  /** Pause after each attempt, nanoseconds (default 0). */
  attempt_spacing: number;
}

/** The config fields of a mail checker (`type` apart); `protocol` names the STARTTLS command. */
export function mailFields(starttlsCommand: string) {
  return {
    endpoint_name: endpointName(),
    endpoint_url: hostPort("The host:port to connect to."),
    tls: z.boolean().default(false).meta({ description: "Implicit TLS from the first byte." }),
    starttls: z.boolean().default(false).meta({
      description: `Upgrade to TLS with ${starttlsCommand} after the greeting; refused servers are down.`,
    }),
    tls_skip_verify: z.boolean().default(false).meta({
      description: "With tls or starttls: accept any certificate (no chain, host name or date checks).",
    }),
    tls_ca_file: z.string().default("").meta({
      description:
        "With tls or starttls: PEM file of the only CA certificates trusted (replacing the default roots, as Go).",
    }),
    timeout: timeout(10e9, "connect, greeting, TLS and STARTTLS; default 10s"),
    threshold_rtt: thresholdRtt(),
    attempts: attempts(),
    attempt_spacing: attemptSpacing(),
  };
}

/** Refuses `tls` together with `starttls` (one or the other), naming both keys. */
export function oneTlsMode(o: { tls: boolean; starttls: boolean }, ctx: z.RefinementCtx): void {
  if (o.tls && o.starttls) {
    ctx.addIssue({
      code: "custom",
      path: ["starttls"],
      input: true,
      message: "expected tls (implicit, e.g. port 993) or starttls (an upgrade, e.g. port 143), found both",
    });
  }
}

const MAX_LINE = 8 * 1024;
const MAX_REPLY_LINES = 200;

/** Reads CRLF-terminated lines from a socket, bounded, each read ending by the attempt's signal. */
export class LineReader {
  #buffer = "";
  #lines: string[] = [];
  #closed: string | undefined;
  #wake: (() => void) | undefined;
  readonly #socket: net.Socket;
  readonly #decoder = new TextDecoder();
  readonly #onData = (chunk: Uint8Array) => {
    this.#buffer += this.#decoder.decode(chunk, { stream: true });
    let i;
    while ((i = this.#buffer.indexOf("\n")) >= 0) {
      this.#lines.push(this.#buffer.slice(0, i).replace(/\r$/, ""));
      this.#buffer = this.#buffer.slice(i + 1);
    }
    if (this.#buffer.length > MAX_LINE) this.#closed = `a line longer than ${MAX_LINE} bytes`;
    this.#wake?.();
  };
  readonly #onEnd = () => {
    this.#closed ??= "the server closed the connection";
    this.#wake?.();
  };
  readonly #onError = (e: Error) => {
    this.#closed ??= errorText(e);
    this.#wake?.();
  };

  /** Starts reading `socket`. */
  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("close", this.#onEnd);
    socket.on("error", this.#onError);
  }

  /** Stops reading (before the socket is wrapped in TLS); lines not read yet are dropped. */
  detach(): void {
    this.#socket.off("data", this.#onData);
    this.#socket.off("end", this.#onEnd);
    this.#socket.off("close", this.#onEnd);
    this.#socket.off("error", this.#onError);
  }

  /** The next line; rejects with the phase's error on a timeout, an abort or the connection ending. */
  async line(signal: AbortSignal, timeoutNs: number, phase: string): Promise<string> {
    while (this.#lines.length === 0) {
      if (signal.aborted) throw new Error(abortMessage(signal, timeoutNs, phase));
      if (this.#closed) throw new Error(`${phase}: ${this.#closed}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#wake = undefined;
          signal.removeEventListener("abort", done);
          resolve();
        };
        this.#wake = done;
        signal.addEventListener("abort", done, { once: true });
      });
    }
    return this.#lines.shift()!;
  }

  /** Lines until `last` says the reply is complete (at most 200 lines). */
  async reply(
    signal: AbortSignal,
    timeoutNs: number,
    phase: string,
    last: (line: string) => boolean,
  ): Promise<string[]> {
    const lines: string[] = [];
    for (let i = 0; i < MAX_REPLY_LINES; i++) {
      lines.push(await this.line(signal, timeoutNs, phase));
      if (last(lines.at(-1)!)) return lines;
    }
    throw new Error(`${phase}: a reply longer than ${MAX_REPLY_LINES} lines`);
  }
}

/** One protocol's dialogue. */
export interface MailDialect {
  /** Reads the greeting; returns the attempt error when it is not a ready greeting. */
  greeting(
    r: LineReader,
    write: (line: string) => void,
    signal: AbortSignal,
    t: number,
  ): Promise<string | undefined>;
  /** Asks for STARTTLS; returns the attempt error when the server will not upgrade. */
  starttls(
    r: LineReader,
    write: (line: string) => void,
    signal: AbortSignal,
    t: number,
  ): Promise<string | undefined>;
  /** The goodbye line sent before closing (not waited for). */
  quit: string;
}

/** A line shown in an error. */
export function shown(line: string): string {
  return quoteSnippet(line, 120);
}

/** The shared attempt of the mail checkers. */
export abstract class MailChecker<O extends MailCheckerOptionsBase> extends AttemptChecker<O> {
  /** The protocol's dialogue. */
  protected abstract readonly dialect: MailDialect;

  /** Keeps the options; the endpoint is `host:port`. */
  constructor(options: O, ctx: CheckerContext) {
    super(options, ctx, options.endpoint_name, options.endpoint_url);
  }

  /** Connect (implicit TLS), greeting, STARTTLS when configured, certificate check, goodbye. */
  protected override async attempt(outer: AbortSignal): Promise<AttemptOutcome> {
    const o = this.options;
    const { host, port } = splitHostPort(o.endpoint_url);
    const signal = attemptSignal(outer, o.timeout);
    const onAbort = (phase: string) => abortMessage(signal, o.timeout, phase);
    const start = performance.now();
    const elapsed = () => (performance.now() - start) * 1e6;
    let ca: string[] | undefined;
    try {
      // As the tcp checker (and Go's): the file replaces the default roots.
      if ((o.tls || o.starttls) && o.tls_ca_file) ca = [await readPemFile(o.tls_ca_file, "tls_ca_file")];
    } catch (e) {
      return { rtt: elapsed(), error: errorText(e), transportFailure: true };
    }
    let socket: net.Socket;
    let raw: net.Socket | undefined; // the plain connection under a STARTTLS upgrade
    try {
      socket = await openSocket({ host, port, tls: o.tls ? { ca } : undefined, signal, onAbort });
    } catch (e) {
      return { rtt: elapsed(), error: errorText(e), transportFailure: true };
    }
    try {
      if (o.tls && !o.tls_skip_verify) {
        const { problem } = inspectTls(socket as tls.TLSSocket, host, true);
        if (problem) return { rtt: elapsed(), error: problem };
      }
      const reader = new LineReader(socket);
      const write = (line: string) => socket.write(line + "\r\n");
      const d = this.dialect;
      const greeting = await d.greeting(reader, write, signal, o.timeout);
      if (greeting) return { rtt: elapsed(), error: greeting };
      if (o.starttls) {
        const refused = await d.starttls(reader, write, signal, o.timeout);
        if (refused) return { rtt: elapsed(), error: refused };
        reader.detach();
        raw = socket;
        socket = await upgrade(socket, host, ca, signal, onAbort);
        if (!o.tls_skip_verify) {
          const { problem } = inspectTls(socket as tls.TLSSocket, host, true);
          if (problem) return { rtt: elapsed(), error: problem };
        }
      }
      const rtt = elapsed();
      await goodbye(socket, d.quit, signal);
      return { rtt };
    } catch (e) {
      return { rtt: elapsed(), error: errorText(e) };
    } finally {
      socket.destroy();
      raw?.destroy(); // destroying the TLS layer does not always close the connection under it
    }
  }
}

/**
 * Says goodbye and closes our side (TLS close_notify, FIN), then waits for the server's answer or its
 * close (or the attempt's end): a server wrapped in TLS after STARTTLS may miss an abrupt close.
 */
function goodbye(socket: net.Socket, quit: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed || signal.aborted) return resolve();
    const done = () => {
      signal.removeEventListener("abort", done);
      socket.off("data", done).off("end", done).off("close", done);
      resolve();
    };
    socket.on("data", done).on("end", done).on("close", done);
    signal.addEventListener("abort", done, { once: true });
    socket.end(quit + "\r\n");
  });
}

/** Runs the TLS handshake over an established connection (after STARTTLS). Verification is inspected later. */
function upgrade(
  socket: net.Socket,
  host: string,
  ca: string[] | undefined,
  signal: AbortSignal,
  onAbort: (phase: string) => string,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: string) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", aborted);
      if (error === undefined) resolve(secure);
      else {
        secure.destroy();
        reject(new Error(error));
      }
    };
    const aborted = () => settle(onAbort("TLS handshake after STARTTLS"));
    const servername = /^[\d.]+$|:/.test(host) ? undefined : host;
    const secure = tls.connect({ socket, servername, ca, rejectUnauthorized: false }, () => settle());
    secure.on("error", (e) => settle(`TLS handshake after STARTTLS: ${errorText(e)}`));
    if (signal.aborted) return aborted();
    signal.addEventListener("abort", aborted, { once: true });
  });
}
