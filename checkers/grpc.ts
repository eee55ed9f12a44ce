/**
 * The `grpc` checker: the standard gRPC health-checking protocol (`grpc.health.v1.Health/Check`, with an
 * optional `service`), over plaintext or TLS, with `@grpc/grpc-js` (loaded on first use: about 0.2-0.3 s).
 * `SERVING` is healthy; any other status, or a gRPC error, is down with it. A fresh connection per
 * attempt, so the RTT includes connect, TLS and the call.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { z } from "zod";
import type { Duration, Nanoseconds } from "../duration.ts";
import { hostPort, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { readPemFile } from "./cert.ts";
import { attempts, attemptSpacing, endpointName, thresholdRtt, timeout } from "./_fields.ts";
import {
  abortMessage,
  AttemptChecker,
  type AttemptOutcome,
  attemptSignal,
  type Checker,
  type CheckerContext,
  errorText,
} from "./checker.ts";

/** `checkup.json` options of a `grpc` checker. */
export interface GrpcCheckerConfig {
  /** The checker type, `"grpc"`. */
  type: "grpc";
  /** The endpoint's name, shown as the result's title. */
  endpoint_name?: string;
  /** `host:port` of the gRPC server. */
  endpoint_url: string;
  /** The service name asked about; `""` (the default) asks about the server as a whole. */
  service?: string;
  /** Connect with TLS. */
  tls?: boolean;
  /** With `tls`: a PEM file of the only CA certificates trusted (replacing the default roots). */
  tls_ca_file?: string;
  /** Timeout of one attempt: connect, TLS and the call (default 10s). */
  timeout?: Duration;
  /** Degraded when the median RTT is strictly above this. */
  threshold_rtt?: Duration;
  /** Attempts per check (default 1). */
  attempts?: number;
  /** Pause after each attempt (not after a connection failure). */
  attempt_spacing?: Duration;
}

/** Validated options of a `grpc` checker. */
export interface GrpcCheckerOptions {
  /** The checker type, always `"grpc"`. */
  type: "grpc";
  /** The result's title; `""` when unset. */
  endpoint_name: string;
  /** `host:port` called. */
  endpoint_url: string;
  /** The service asked about; `""`: the server. */
  service: string;
  /** TLS (default false). */
  tls: boolean;
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

const schema: z.ZodType<GrpcCheckerOptions, GrpcCheckerConfig> = z.lazy(() =>
  z.object({
    type: typeTag("grpc"),
    endpoint_name: endpointName(),
    endpoint_url: hostPort("The host:port of the gRPC server."),
    service: z.string().default("").meta({
      description: 'The service name asked about; "" asks about the server as a whole.',
    }),
    tls: z.boolean().default(false).meta({ description: "Connect with TLS." }),
    tls_ca_file: z.string().default("").meta({
      description: "With tls: PEM file of the only CA certificates trusted (replacing the default roots).",
    }),
    timeout: timeout(10e9, "connect, TLS and the health call; default 10s"),
    threshold_rtt: thresholdRtt(),
    attempts: attempts(),
    attempt_spacing: attemptSpacing(),
  })
);

/** `grpc.health.v1.HealthCheckResponse.ServingStatus` names. */
const STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];

/** gRPC status code names (the canonical codes 0-16). */
const CODES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** A protobuf varint. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/**
 * `HealthCheckRequest { string service = 1; }` in protobuf wire format.
 *
 * @example
 * ```ts
 * import { encodeHealthRequest } from "./grpc.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...encodeHealthRequest("ab")], [0x0a, 2, 0x61, 0x62]);
 * assert.equal(encodeHealthRequest("").length, 0);
 * ```
 */
export function encodeHealthRequest(service: string): Uint8Array {
  const bytes = new TextEncoder().encode(service);
  return bytes.length ? new Uint8Array([0x0a, ...varint(bytes.length), ...bytes]) : new Uint8Array();
}

/**
 * The `status` of a `HealthCheckResponse` (field 1, a varint; absent means 0, UNKNOWN); other fields skipped.
 *
 * @example
 * ```ts
 * import { decodeHealthStatus } from "./grpc.ts";
 * import assert from "node:assert/strict";
 * assert.equal(decodeHealthStatus(new Uint8Array([0x08, 1])), 1);
 * assert.equal(decodeHealthStatus(new Uint8Array()), 0);
 * ```
 */
export function decodeHealthStatus(data: Uint8Array): number {
  let status = 0;
  let i = 0;
  const read = () => {
    let n = 0;
    for (let shift = 0; i < data.length && shift < 35; shift += 7) {
      const b = data[i++];
      n += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return n;
    }
    throw new Error("a malformed health response");
  };
  while (i < data.length) {
    const key = read();
    const wire = key & 7;
    if (wire === 0) {
      const v = read();
      if (key >>> 3 === 1) status = v;
    } else if (wire === 2) {
      const length = read(); // read first: `i += read()` would add to the old i
      i += length;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error("a malformed health response");
  }
  return status;
}

type GrpcModule = typeof import("@grpc/grpc-js");
let grpcModule: Promise<GrpcModule> | undefined;
/** `@grpc/grpc-js`, loaded on first use (it costs a few hundred milliseconds to load). */
function loadGrpc(): Promise<GrpcModule> {
  return grpcModule ??= import("@grpc/grpc-js");
}

const identity = (b: Buffer) => b;

/** Checks a gRPC server with the standard health-checking protocol. */
export class GrpcChecker extends AttemptChecker<GrpcCheckerOptions> {
  /** Always `"grpc"`. */
  override readonly type = "grpc";

  /** Builds the checker from validated options (see the `parseChecker` config helper). */
  constructor(options: GrpcCheckerOptions, ctx: CheckerContext) {
    super(options, ctx, options.endpoint_name, options.endpoint_url);
  }

  /** One `Health/Check` call over a fresh connection. */
  protected override async attempt(outer: AbortSignal): Promise<AttemptOutcome> {
    const o = this.options;
    const grpc = await loadGrpc();
    const signal = attemptSignal(outer, o.timeout);
    const start = performance.now();
    const elapsed = () => (performance.now() - start) * 1e6;
    let credentials;
    try {
      const ca = o.tls && o.tls_ca_file ? await readPemFile(o.tls_ca_file, "tls_ca_file") : undefined;
      credentials = o.tls
        ? grpc.credentials.createSsl(ca ? Buffer.from(ca) : null)
        : grpc.credentials.createInsecure();
    } catch (e) {
      return { rtt: elapsed(), error: errorText(e), transportFailure: true };
    }
    const client = new grpc.Client(o.endpoint_url, credentials, {
      // A fresh connection per attempt, as the other checkers; no retries inside one attempt.
      "grpc.use_local_subchannel_pool": 1,
      "grpc.enable_retries": 0,
    });
    try {
      const reply = await new Promise<Uint8Array>((resolve, reject) => {
        if (signal.aborted) return reject(new Error(abortMessage(signal, o.timeout, "gRPC health check")));
        const call = client.makeUnaryRequest(
          "/grpc.health.v1.Health/Check",
          identity,
          identity,
          Buffer.from(encodeHealthRequest(o.service)),
          { deadline: Date.now() + o.timeout / 1e6 },
          (e, v) => (e ? reject(e) : resolve(v!)),
        );
        signal.addEventListener("abort", () => {
          call.cancel();
          reject(new Error(abortMessage(signal, o.timeout, "gRPC health check")));
        }, { once: true });
      });
      const rtt = elapsed();
      let status: number;
      try {
        status = decodeHealthStatus(reply);
      } catch (e) {
        return { rtt, error: errorText(e) };
      }
      if (status === 1) return { rtt };
      const name = STATUS[status] ?? `status ${status}`;
      return { rtt, error: `health status ${name}${o.service ? ` for service "${o.service}"` : ""}` };
    } catch (e) {
      const err = e as { code?: number; details?: string };
      if (typeof err.code !== "number") {
        return { rtt: elapsed(), error: errorText(e), transportFailure: true };
      }
      const code = CODES[err.code] ?? `code ${err.code}`;
      const error = err.code === 4 && signal.aborted
        ? abortMessage(signal, o.timeout, "gRPC health check")
        : `gRPC ${code}${err.details ? `: ${err.details}` : ""}`;
      return { rtt: elapsed(), error, transportFailure: err.code === 14 };
    } finally {
      client.close();
    }
  }
}

/** The `grpc` checker type. */
export const grpcChecker: PluginDefinition<Checker, GrpcCheckerOptions> = {
  type: "grpc",
  summary: "gRPC health check (grpc.health.v1.Health/Check), SERVING healthy, judged by round-trip time.",
  schema,
  create: (options, ctx) => new GrpcChecker(options, ctx),
};
