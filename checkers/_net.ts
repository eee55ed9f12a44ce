/**
 * Sockets for the tcp and tls checkers (and the http checker's certificate probe): a TCP connection,
 * optionally with a TLS handshake, that always ends by the attempt's signal, plus a send/expect
 * exchange for banner protocols. Uses `node:net`/`node:tls`, the only Deno API that exposes the peer
 * certificate and lets verification be inspected rather than enforced.
 *
 * @module
 */
import net from "node:net";
import tls from "node:tls";
import { errorText, quoteSnippet } from "./checker.ts";

/** A host and port, as split from `host:port` or `[v6]:port`. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * Splits `host:port` (or `[::1]:port`); the config schema has already checked the shape.
 *
 * @example
 * ```ts
 * import { splitHostPort } from "./_net.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(splitHostPort("[::1]:53"), { host: "::1", port: 53 });
 * ```
 */
export function splitHostPort(address: string): HostPort {
  const i = address.lastIndexOf(":");
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  return { host, port: Number(address.slice(i + 1)) };
}

/** TLS settings of {@linkcode openSocket}. Verification is reported, never enforced here. */
export interface TlsSettings {
  /** SNI name; defaults to the host unless it is an IP address. */
  servername?: string;
  /** PEM roots to trust instead of the default ones. */
  ca?: string[];
  /** A client certificate presented when the server asks (mutual TLS), PEM. */
  cert?: string;
  /** Its private key, PEM. */
  key?: string;
}

/** Options of {@linkcode openSocket}. */
export interface OpenOptions extends HostPort {
  /** Run a TLS handshake after connecting. */
  tls?: TlsSettings;
  /** Ends the attempt (timeout or cancellation); the socket is destroyed. */
  signal: AbortSignal;
  /** Turns an abort into the attempt error for a phase ("connect", "TLS handshake"). */
  onAbort: (phase: string) => string;
}

/** A connection that failed: the message is the attempt error. */
export class SocketError extends Error {
  override name = "SocketError";
}

/**
 * Connects (and handshakes) to `host:port`; rejects with a {@linkcode SocketError} naming the phase
 * that failed or timed out. The caller must `destroy()` the socket it gets.
 */
export function openSocket(o: OpenOptions): Promise<net.Socket | tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    let phase = "connect";
    let settled = false;
    let socket: net.Socket | tls.TLSSocket | undefined;
    const settle = (error?: string) => {
      if (settled) return;
      settled = true;
      o.signal.removeEventListener("abort", onAbort);
      if (error === undefined) return resolve(socket!);
      socket?.destroy();
      reject(new SocketError(error));
    };
    const onAbort = () => settle(o.onAbort(phase));
    if (o.signal.aborted) return onAbort();
    o.signal.addEventListener("abort", onAbort, { once: true });
    if (o.tls) {
      const servername = o.tls.servername ?? (net.isIP(o.host) ? undefined : o.host);
      socket = tls.connect({
        host: o.host,
        port: o.port,
        servername,
        ca: o.tls.ca,
        cert: o.tls.cert,
        key: o.tls.key,
        rejectUnauthorized: false,
      }, () => settle());
      socket.once("connect", () => (phase = "TLS handshake"));
    } else {
      socket = net.connect({ host: o.host, port: o.port }, () => settle());
    }
    // A listener stays for the socket's lifetime: an unhandled 'error' event would crash the process.
    socket.on("error", (e) => settle(`${phase}: ${errorText(e)}`));
    socket.once("close", () => settle(`${phase}: connection closed by the server`));
  });
}

/** Options of {@linkcode exchange}. */
export interface ExchangeOptions {
  /** Written to the socket first, when set. */
  send?: string;
  /** Read until the received text contains this, when set. */
  expect?: string;
  signal: AbortSignal;
  onAbort: (phase: string) => string;
}

const MAX_READ = 64 * 1024;

/**
 * Writes `send`, then reads until `expect` shows up. Resolves `undefined` on success or the attempt
 * error: a timeout, the connection closing early, or the text received instead.
 */
export function exchange(socket: net.Socket, o: ExchangeOptions): Promise<string | undefined> {
  return new Promise((resolve) => {
    let received = "";
    let settled = false;
    const decoder = new TextDecoder();
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      o.signal.removeEventListener("abort", onAbort);
      socket.off("data", onData);
      resolve(error);
    };
    const phase = o.expect ? `waiting for ${quoteSnippet(o.expect, 60)}` : "sending";
    const got = () => (received ? `; received ${quoteSnippet(received, 120)}` : "; received nothing");
    const onAbort = () => finish(o.onAbort(phase) + (o.expect ? got() : ""));
    const onData = (chunk: Uint8Array) => {
      if (received.length < MAX_READ) received += decoder.decode(chunk, { stream: true });
      if (o.expect && received.includes(o.expect)) finish();
      else if (received.length >= MAX_READ) finish(`expected ${quoteSnippet(o.expect!, 60)}${got()}`);
    };
    if (o.signal.aborted) return onAbort();
    o.signal.addEventListener("abort", onAbort, { once: true });
    socket.on("data", onData);
    socket.once("error", (e) => finish(`${phase}: ${errorText(e)}`));
    socket.once(
      "end",
      () => finish(`expected ${quoteSnippet(o.expect ?? "", 60)}, the server closed${got()}`),
    );
    if (o.send) {
      socket.write(o.send, (e) => {
        if (e) finish(`sending: ${errorText(e)}`);
        else if (!o.expect) finish();
      });
    } else if (!o.expect) finish();
  });
}
