/**
 * The `udp` checker: sends one datagram to `host:port` and waits for a reply from that peer containing
 * `expect` (and/or matching `expect_match`), for UDP services that are not DNS (game servers, syslog
 * relays with an echo, custom health ports). UDP has no connection: only a reply proves the service is up.
 * The RTT runs from the send to the reply.
 *
 * @module
 */
import dgram from "node:dgram";
import { lookup } from "node:dns/promises";
import { z } from "zod";
import type { Duration, Nanoseconds } from "../duration.ts";
import { hostPort, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { attempts, attemptSpacing, endpointName, regex, thresholdRtt, timeout } from "./_fields.ts";
import { splitHostPort } from "./_net.ts";
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

/** `checkup.json` options of a `udp` checker. */
export interface UdpCheckerConfig {
  /** The checker type, `"udp"`. */
  type: "udp";
  /** The endpoint's name, shown as the result's title. */
  endpoint_name?: string;
  /** `host:port` to send to. */
  endpoint_url: string;
  /** The datagram's text (JSON escapes such as `\r\n` apply); empty sends an empty datagram. */
  send?: string;
  /** Text the reply must contain. */
  expect?: string;
  /** A regular expression the reply must match. */
  expect_match?: string;
  /** Timeout of one attempt: send and reply (default 1s). */
  timeout?: Duration;
  /** Degraded when the median RTT is strictly above this. */
  threshold_rtt?: Duration;
  /** Attempts per check (default 1). */
  attempts?: number;
  /** Pause after each attempt (not after a network failure). */
  attempt_spacing?: Duration;
}

/** Validated options of a `udp` checker: defaults applied, durations in nanoseconds. */
export interface UdpCheckerOptions {
  /** The checker type, always `"udp"`. */
  type: "udp";
  /** The result's title; `""` when unset. */
  endpoint_name: string;
  /** `host:port` sent to. */
  endpoint_url: string;
  /** The datagram's text. */
  send: string;
  /** Text the reply must contain; `""`: any reply. */
  expect: string;
  /** Regular expression the reply must match; `""`: not checked. */
  expect_match: string;
  /** Timeout of one attempt, nanoseconds (default 1 s). */
  timeout: number;
  /** Degraded when the median RTT is strictly above this, nanoseconds; 0: off. */
  threshold_rtt: Nanoseconds;
  /** Attempts per check (default 1). */
  attempts: number;
  /** Pause after each attempt, nanoseconds (default 0). */
  attempt_spacing: number;
}

/** The largest datagram payload over IPv4 (65,535 minus the IP and UDP headers). */
const MAX_DATAGRAM = 65_507;

const schema: z.ZodType<UdpCheckerOptions, UdpCheckerConfig> = z.lazy(() =>
  z.object({
    type: typeTag("udp"),
    endpoint_name: endpointName(),
    endpoint_url: hostPort("The host:port to send the datagram to."),
    send: z.string().default("").refine((v) => new TextEncoder().encode(v).length <= MAX_DATAGRAM, {
      error: `expected at most ${MAX_DATAGRAM} bytes (one UDP datagram)`,
    }).meta({
      description: 'The datagram\'s text, e.g. "status\\r\\n"; empty sends an empty datagram.',
    }),
    expect: z.string().default("").meta({ description: "Text the reply must contain; empty: any reply." }),
    expect_match: regex("A regular expression the reply must match.").default(""),
    timeout: timeout(1e9, "send and reply; default 1s"),
    threshold_rtt: thresholdRtt(),
    attempts: attempts(),
    attempt_spacing: attemptSpacing(),
  })
);

/** Checks that a UDP service answers a datagram as expected. */
export class UdpChecker extends AttemptChecker<UdpCheckerOptions> {
  /** Always `"udp"`. */
  override readonly type = "udp";
  readonly #match: RegExp | undefined;

  /** Builds the checker from validated options (see the `parseChecker` config helper). */
  constructor(options: UdpCheckerOptions, ctx: CheckerContext) {
    super(options, ctx, options.endpoint_name, options.endpoint_url);
    this.#match = options.expect_match ? new RegExp(options.expect_match) : undefined;
  }

  /** One datagram out, one matching reply back (replies that do not match are noted, and waited past). */
  protected override async attempt(outer: AbortSignal): Promise<AttemptOutcome> {
    const o = this.options;
    const { host, port } = splitHostPort(o.endpoint_url);
    const signal = attemptSignal(outer, o.timeout);
    const start = performance.now();
    const elapsed = () => (performance.now() - start) * 1e6;
    let address: { address: string; family: number };
    try {
      address = await Promise.race([
        lookup(host),
        new Promise<never>((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        }),
      ]);
    } catch (e) {
      const error = signal.aborted
        ? abortMessage(signal, o.timeout, "resolving")
        : `resolving: ${errorText(e)}`;
      return { rtt: elapsed(), error, transportFailure: true };
    }
    const socket = dgram.createSocket(address.family === 6 ? "udp6" : "udp4");
    try {
      const error = await this.#exchange(socket, address.address, port, signal);
      return error ? { rtt: elapsed(), ...error } : { rtt: elapsed() };
    } finally {
      try {
        socket.close();
      } catch { /* already closed */ }
    }
  }

  /** Sends the datagram and waits for a matching reply: undefined when one came, else the failure. */
  #exchange(
    socket: dgram.Socket,
    address: string,
    port: number,
    signal: AbortSignal,
  ): Promise<{ error: string; transportFailure?: boolean } | undefined> {
    const o = this.options;
    const wanted = [o.expect && quoteSnippet(o.expect, 60), this.#match && `/${o.expect_match}/`]
      .filter(Boolean).join(" and ") || "a reply";
    let last: string | undefined;
    let count = 0;
    const got = () =>
      last === undefined
        ? "; received nothing"
        : `; received ${count} datagram(s), the last ${quoteSnippet(last, 120)}`;
    return new Promise((resolve) => {
      const done = (result?: { error: string; transportFailure?: boolean }) => {
        signal.removeEventListener("abort", onAbort);
        socket.removeAllListeners("message");
        resolve(result);
      };
      const onAbort = () => done({ error: abortMessage(signal, o.timeout, `waiting for ${wanted}`) + got() });
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      const decoder = new TextDecoder();
      // A connected socket only receives from the peer, and reports its ICMP "port unreachable".
      socket.on("error", (e) => done({ error: `udp: ${errorText(e)}`, transportFailure: true }));
      socket.on("message", (data: Uint8Array) => {
        count++;
        last = decoder.decode(data);
        if ((!o.expect || last.includes(o.expect)) && (!this.#match || this.#match.test(last))) done();
      });
      socket.connect(port, address, () => {
        socket.send(new TextEncoder().encode(o.send), (e) => {
          if (e) done({ error: `sending: ${errorText(e)}`, transportFailure: true });
        });
      });
    });
  }
}

/** The `udp` checker type. */
export const udpChecker: PluginDefinition<Checker, UdpCheckerOptions> = {
  type: "udp",
  summary: "UDP datagram and an expected reply (substring or regular expression), judged by round-trip time.",
  schema,
  create: (options, ctx) => new UdpChecker(options, ctx),
};
