/**
 * The `tcp` checker: connects to `host:port` (optionally with a TLS handshake), as Go Checkup's does,
 * and optionally talks a banner protocol (`send` / `expect`, e.g. SMTP's greeting or Redis's PING).
 * The RTT covers the connect, the handshake and the exchange.
 *
 * @module
 */
import { checkClientCert, type ClientCertConfig, clientCertShape, readClientCert } from "./client_cert.ts";
import type tls from "node:tls";
import { z } from "zod";
import type { Duration, Nanoseconds } from "../duration.ts";
import { hostPort, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { readPemFile } from "./cert.ts";
import { inspectTls } from "./tls_inspect.ts";
import { attempts, attemptSpacing, endpointName, thresholdRtt, timeout } from "./_fields.ts";
import { exchange, openSocket, splitHostPort } from "./_net.ts";
import {
  abortMessage,
  AttemptChecker,
  type AttemptOutcome,
  attemptSignal,
  type Checker,
  type CheckerContext,
  errorText,
} from "./checker.ts";

/** `checkup.json` options of a `tcp` checker (Go Checkup's keys plus `send`, `expect`). */
export interface TcpCheckerConfig extends ClientCertConfig {
  /** The checker type, `"tcp"`. */
  type: "tcp";
  /** The endpoint's name, shown as the result's title. */
  endpoint_name?: string;
  /** `host:port` to connect to. */
  endpoint_url: string;
  /** Run a TLS handshake after connecting. */
  tls?: boolean;
  /** With `tls`: accept any certificate (no chain, host name or date checks). */
  tls_skip_verify?: boolean;
  /** With `tls`: a PEM file of CA certificates trusted in addition to the default (Mozilla) roots. */
  tls_ca_file?: string;
  /** Timeout of one attempt: connect, handshake and exchange (default 1s, Go's). */
  timeout?: Duration;
  /** Degraded when the median RTT is strictly above this. */
  threshold_rtt?: Duration;
  /** Attempts per check (default 1). */
  attempts?: number;
  /** Pause after each attempt (not after a connection failure). */
  attempt_spacing?: Duration;
  /** Text written once connected (e.g. `"PING\r\n"`). */
  send?: string;
  /** Text the server must send (after `send`, if set) before the timeout, e.g. `"+PONG"` or `"220"`. */
  expect?: string;
}

/** Validated options of a `tcp` checker: defaults applied, durations in nanoseconds. */
export interface TcpCheckerOptions extends Required<ClientCertConfig> {
  /** The checker type, always `"tcp"`. */
  type: "tcp";
  /** The result's title; `""` when unset. */
  endpoint_name: string;
  /** `host:port` connected to. */
  endpoint_url: string;
  /** Run a TLS handshake after connecting (default false). */
  tls: boolean;
  /** With `tls`: accept any certificate (default false). */
  tls_skip_verify: boolean;
  /** With `tls`: PEM file of extra trusted CA certificates; `""`: default roots only. */
  tls_ca_file: string;
  /** Timeout of one attempt (connect, handshake, exchange), nanoseconds (default 1 s). */
  timeout: number;
  /** Degraded when the median RTT is strictly above this, nanoseconds; 0: off. */
  threshold_rtt: Nanoseconds;
  /** Attempts per check (default 1). */
  attempts: number;
  /** Pause after each attempt, nanoseconds (default 0). */
  attempt_spacing: number;
  /** Text written once connected; `""`: nothing is sent. */
  send: string;
  /** Text the server must send before the timeout; `""`: connecting is enough. */
  expect: string;
}

const schema: z.ZodType<TcpCheckerOptions, TcpCheckerConfig> = z.lazy(() =>
  z.object({
    type: typeTag("tcp"),
    endpoint_name: endpointName(),
    endpoint_url: hostPort("The host:port to connect to."),
    tls: z.boolean().default(false).meta({ description: "Run a TLS handshake after connecting." }),
    tls_skip_verify: z.boolean().default(false).meta({
      description: "With tls: accept any certificate (no chain, host name or date checks).",
    }),
    tls_ca_file: z.string().default("").meta({
      description:
        "With tls: PEM file of the only CA certificates trusted (replacing the default roots, as Go).",
    }),
    timeout: timeout(1e9, "connect, TLS handshake and send/expect; default 1s"),
    threshold_rtt: thresholdRtt(),
    attempts: attempts(),
    attempt_spacing: attemptSpacing(),
    send: z.string().default("").meta({ description: 'Text written once connected, e.g. "PING\\r\\n".' }),
    expect: z.string().default("").meta({
      description:
        'Text the server must send (after send, if set) before the timeout, e.g. "+PONG" or "220".',
    }),
    ...clientCertShape,
  }).superRefine(checkClientCert)
);

/** Checks that a TCP (or TLS) service accepts connections and, optionally, answers as expected. */
export class TcpChecker extends AttemptChecker<TcpCheckerOptions> {
  /** Always `"tcp"`. */
  override readonly type = "tcp";

  /** Builds the checker from validated options (see the `parseChecker` config helper). */
  constructor(options: TcpCheckerOptions, ctx: CheckerContext) {
    super(options, ctx, options.endpoint_name, options.endpoint_url);
  }

  /** One connect (plus TLS handshake and `send`/`expect` exchange when configured). */
  protected override async attempt(outer: AbortSignal): Promise<AttemptOutcome> {
    const o = this.options;
    const { host, port } = splitHostPort(o.endpoint_url);
    const signal = attemptSignal(outer, o.timeout);
    const onAbort = (phase: string) => abortMessage(signal, o.timeout, phase);
    // As in Go, the clock starts before the CA file is read (Go reads it in the dialer).
    const start = performance.now();
    const elapsed = () => (performance.now() - start) * 1e6;
    let ca: string[] | undefined;
    let clientCert;
    if (o.tls) {
      try {
        // As Go's tcp checker (a new pool with only the file's certificates): the file replaces the roots.
        if (o.tls_ca_file) ca = [await readPemFile(o.tls_ca_file, "tls_ca_file")];
        clientCert = await readClientCert(o);
      } catch (e) {
        return { rtt: elapsed(), error: errorText(e), transportFailure: true };
      }
    }
    if (!o.tls && !o.send && !o.expect) {
      // A plain connect: Deno's own socket is about twice as cheap as node:net's, which matters at scale.
      try {
        const conn = await Deno.connect({ hostname: host, port, signal } as Deno.ConnectOptions);
        const rtt = elapsed();
        conn.close();
        return { rtt };
      } catch (e) {
        const error = signal.aborted ? onAbort("connect") : `connect: ${errorText(e)}`;
        return { rtt: elapsed(), error, transportFailure: true };
      }
    }
    let socket;
    try {
      socket = await openSocket({
        host,
        port,
        tls: o.tls ? { ca, ...clientCert } : undefined,
        signal,
        onAbort,
      });
    } catch (e) {
      return { rtt: elapsed(), error: errorText(e), transportFailure: true };
    }
    try {
      if (o.tls && !o.tls_skip_verify) {
        const { problem } = inspectTls(socket as tls.TLSSocket, host, true);
        if (problem) return { rtt: elapsed(), error: problem };
      }
      if (o.send || o.expect) {
        const error = await exchange(socket, { send: o.send, expect: o.expect, signal, onAbort });
        if (error) return { rtt: elapsed(), error };
      }
      return { rtt: elapsed() };
    } finally {
      socket.destroy();
    }
  }
}

/** The `tcp` checker type. */
export const tcpChecker: PluginDefinition<Checker, TcpCheckerOptions> = {
  type: "tcp",
  summary: "TCP connect (optionally TLS, optionally a send/expect exchange) judged by round-trip time.",
  schema,
  create: (options, ctx) => new TcpChecker(options, ctx),
};
