/**
 * The `tls` checker: a TLS handshake with `host:port`, judged by Go Checkup's rules in Go's order: an
 * attempt error (no connection, untrusted chain, wrong host, no certificate, expired) is down; a leaf
 * expiring within `cert_expiry_threshold` is degraded with the time left; then the median-RTT rule.
 * The RTT covers the connect and the handshake; the result's timestamp is taken after the attempts.
 *
 * @module
 */
import { checkClientCert, type ClientCertConfig, clientCertShape, readClientCert } from "./client_cert.ts";
import type tls from "node:tls";
import { z } from "zod";
import type { Duration, Nanoseconds } from "../duration.ts";
import { duration, hostPort, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { expiryNotice, type LeafInfo, readPemFile } from "./cert.ts";
import { inspectTls } from "./tls_inspect.ts";
import { attempts, attemptSpacing, endpointName, thresholdRtt, timeout } from "./_fields.ts";
import { openSocket, splitHostPort } from "./_net.ts";
import {
  abortMessage,
  AttemptChecker,
  type AttemptOutcome,
  attemptSignal,
  type Checker,
  type CheckerContext,
  errorText,
} from "./checker.ts";
import type { Verdict } from "../result.ts";

/** Go's default `cert_expiry_threshold`: 14 days. */
export const DEFAULT_CERT_EXPIRY_THRESHOLD = 14 * 86_400e9;

/** `checkup.json` options of a `tls` checker (Go Checkup's keys plus `tls_skip_verify`). */
export interface TlsCheckerConfig extends ClientCertConfig {
  /** The checker type, `"tls"`. */
  type: "tls";
  /** The endpoint's name, shown as the result's title. */
  endpoint_name?: string;
  /** `host:port` to connect to; the host is also the name the certificate must cover (and the SNI). */
  endpoint_url: string;
  /** Timeout of one attempt, connect plus handshake (default 10s; Go had none). */
  timeout?: Duration;
  /** Degraded when the median RTT is strictly above this. */
  threshold_rtt?: Duration;
  /** Attempts per check (default 1). */
  attempts?: number;
  /** Pause after each attempt (not after a connection failure). */
  attempt_spacing?: Duration;
  /** Degraded when the certificate expires sooner than this (default 14 days). */
  cert_expiry_threshold?: Duration;
  /** PEM files of the only roots to trust, instead of the system roots. */
  trusted_roots?: string[];
  /** Skip the chain and host-name checks (expiry is still checked). */
  tls_skip_verify?: boolean;
}

/** Validated options of a `tls` checker: defaults applied, durations in nanoseconds. */
export interface TlsCheckerOptions extends Required<ClientCertConfig> {
  /** The checker type, always `"tls"`. */
  type: "tls";
  /** The result's title; `""` when unset. */
  endpoint_name: string;
  /** `host:port` connected to; the host is the name the certificate must cover. */
  endpoint_url: string;
  /** Timeout of one attempt (connect plus handshake), nanoseconds (default 10 s). */
  timeout: number;
  /** Degraded when the median RTT is strictly above this, nanoseconds; 0: off. */
  threshold_rtt: Nanoseconds;
  /** Attempts per check (default 1). */
  attempts: number;
  /** Pause after each attempt, nanoseconds (default 0). */
  attempt_spacing: number;
  /** Degraded when the certificate expires sooner than this, nanoseconds (default 14 days). */
  cert_expiry_threshold: number;
  /** PEM files of the only roots trusted; `[]`: the system roots. */
  trusted_roots: string[];
  /** Skip the chain and host-name checks; expiry is still checked (default false). */
  tls_skip_verify: boolean;
}

const schema: z.ZodType<TlsCheckerOptions, TlsCheckerConfig> = z.lazy(() =>
  z.object({
    type: typeTag("tls"),
    endpoint_name: endpointName(),
    endpoint_url: hostPort("The host:port to connect to; the certificate must cover the host."),
    timeout: timeout(10e9, "connect plus TLS handshake; default 10s"),
    threshold_rtt: thresholdRtt(),
    attempts: attempts(),
    attempt_spacing: attemptSpacing(),
    cert_expiry_threshold: duration(
      "Degraded when the certificate expires sooner than this; 0 means the default, 14 days.",
    ).default(0).transform((v) => v || DEFAULT_CERT_EXPIRY_THRESHOLD),
    trusted_roots: z.array(z.string().min(1)).default([]).meta({
      description: "PEM files of the only root certificates to trust (replacing the system roots).",
    }),
    tls_skip_verify: z.boolean().default(false).meta({
      description: "Skip the chain and host-name checks; expiry is still checked.",
    }),
    ...clientCertShape,
  }).superRefine(checkClientCert)
);

/** Checks a TLS endpoint's certificate: trusted, for the right host, not expired or expiring soon. */
export class TlsChecker extends AttemptChecker<TlsCheckerOptions, LeafInfo[]> {
  /** Always `"tls"`. */
  override readonly type = "tls";

  /** Builds the checker from validated options (see the `parseChecker` config helper). */
  constructor(options: TlsCheckerOptions, ctx: CheckerContext) {
    super(options, ctx, options.endpoint_name, options.endpoint_url);
  }

  /** The timestamp is taken after the attempts, as Go's tls checker does. */
  protected override readonly timestampAfter = true;

  /** Collects the leaf certificate of each attempt. */
  protected override newState(): LeafInfo[] {
    return [];
  }

  /** Degraded when a certificate expires within `cert_expiry_threshold`. */
  protected override verdict(leaves: LeafInfo[]): Verdict {
    const soonest = leaves.reduce<LeafInfo | undefined>(
      (min, l) => (min === undefined || l.validTo < min.validTo ? l : min),
      undefined,
    );
    return { degradedNotice: soonest && expiryNotice(soonest, this.options.cert_expiry_threshold) };
  }

  /** One connect and handshake; the certificate is judged (trust, host name, dates). */
  protected override async attempt(outer: AbortSignal, leaves: LeafInfo[]): Promise<AttemptOutcome> {
    const o = this.options;
    const { host, port } = splitHostPort(o.endpoint_url);
    const signal = attemptSignal(outer, o.timeout);
    let ca: string[] | undefined;
    let clientCert;
    try {
      if (o.trusted_roots.length) {
        ca = await Promise.all(o.trusted_roots.map((p, i) => readPemFile(p, `trusted_roots[${i}]`)));
      }
      clientCert = await readClientCert(o);
    } catch (e) {
      return { rtt: 0, error: errorText(e), transportFailure: true };
    }
    const start = performance.now();
    let socket;
    try {
      socket = await openSocket({
        host,
        port,
        tls: { ca, ...clientCert },
        signal,
        onAbort: (phase) => abortMessage(signal, o.timeout, phase),
      });
    } catch (e) {
      return { rtt: (performance.now() - start) * 1e6, error: errorText(e), transportFailure: true };
    }
    const rtt = (performance.now() - start) * 1e6;
    try {
      const { leaf, problem } = inspectTls(socket as tls.TLSSocket, host, !o.tls_skip_verify);
      if (leaf) leaves.push(leaf);
      return problem ? { rtt, error: problem } : { rtt };
    } finally {
      socket.destroy();
    }
  }
}

/** The `tls` checker type. */
export const tlsChecker: PluginDefinition<Checker, TlsCheckerOptions> = {
  type: "tls",
  summary: "TLS handshake judged by certificate trust, host name, expiry and round-trip time.",
  schema,
  create: (options, ctx) => new TlsChecker(options, ctx),
};
