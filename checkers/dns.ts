/**
 * The `dns` checker: asks the name server at `endpoint_url` for `hostname_fqdn` and judges the answer.
 * NXDOMAIN, SERVFAIL, REFUSED, an empty answer, a timeout or a missing `expect`ed record are down (Go
 * Checkup never read the answer). The RTT is the query's. Without `hostname_fqdn` it only opens a TCP
 * connection to the server, as Go's checker did.
 *
 * @module
 */
import net from "node:net";
import { z } from "zod";
import type { Duration, Nanoseconds } from "../duration.ts";
import { describeValue } from "../config/errors.ts";
import { hostPort, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import {
  describeRcode,
  type DnsRecord,
  encodeQuery,
  queryDns,
  RECORD_TYPES,
  type RecordType,
} from "./_dns_wire.ts";
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

/** `checkup.json` options of a `dns` checker (Go Checkup's keys plus `record_type`, `expect`). */
export interface DnsCheckerConfig {
  /** The checker type, `"dns"`. */
  type: "dns";
  /** The endpoint's name, shown as the result's title. */
  endpoint_name?: string;
  /** `host:port` of the name server to ask. */
  endpoint_url: string;
  /** The name to look up, with or without the trailing dot. Unset: only a TCP connect to the server. */
  hostname_fqdn?: string;
  /** The record type asked for (default `"A"`). */
  record_type?: "A" | "AAAA" | "CNAME" | "MX" | "NS" | "TXT";
  /** Records that must be in the answer: addresses, names, `"10 mx.example.com"` or TXT text. */
  expect?: string[];
  /** Timeout of one attempt (default 2s). */
  timeout?: Duration;
  /** Degraded when the median RTT is strictly above this. */
  threshold_rtt?: Duration;
  /** Attempts per check (default 1). */
  attempts?: number;
  /** Pause after each attempt (not after a network failure). */
  attempt_spacing?: Duration;
}

/** Validated options of a `dns` checker: defaults applied, durations in nanoseconds. */
export interface DnsCheckerOptions {
  /** The checker type, always `"dns"`. */
  type: "dns";
  /** The result's title; `""` when unset. */
  endpoint_name: string;
  /** `host:port` of the name server asked. */
  endpoint_url: string;
  /** The name looked up; `""`: only a TCP connect to the server. */
  hostname_fqdn: string;
  /** The record type asked for (default `"A"`). */
  record_type: "A" | "AAAA" | "CNAME" | "MX" | "NS" | "TXT";
  /** Records that must all be in the answer; `[]` checks only that the query succeeds. */
  expect: string[];
  /** Timeout of one attempt, nanoseconds (default 2 s). */
  timeout: number;
  /** Degraded when the median RTT is strictly above this, nanoseconds; 0: off. */
  threshold_rtt: Nanoseconds;
  /** Attempts per check (default 1). */
  attempts: number;
  /** Pause after each attempt, nanoseconds (default 0). */
  attempt_spacing: number;
}

const TYPE_NAMES: RecordType[] = ["A", "AAAA", "CNAME", "MX", "NS", "TXT"];

function hostName(): z.ZodType<string, string | undefined> {
  return z.string().superRefine((v, ctx) => {
    if (v === "") return;
    try {
      encodeQuery(0, v, "A");
    } catch (e) {
      ctx.addIssue({
        code: "custom",
        input: v,
        message: `expected a domain name (${(e as Error).message}), found ${describeValue(v)}`,
      });
    }
  }).default("").meta({
    description:
      "The name to look up, with or without the trailing dot. Unset: only a TCP connect to the server.",
  });
}

const schema: z.ZodType<DnsCheckerOptions, DnsCheckerConfig> = z.lazy(() =>
  z.object({
    type: typeTag("dns"),
    endpoint_name: endpointName(),
    endpoint_url: hostPort("The host:port of the name server to ask."),
    hostname_fqdn: hostName(),
    record_type: z.enum(TYPE_NAMES).default("A").meta({ description: "The record type asked for." }),
    expect: z.array(z.string().min(1)).default([]).meta({
      description:
        'Records that must be in the answer: addresses, names, "10 mx.example.com" (MX) or TXT text.',
    }),
    timeout: timeout(2e9, "the whole query; default 2s"),
    threshold_rtt: thresholdRtt(),
    attempts: attempts(),
    attempt_spacing: attemptSpacing(),
  }).superRefine((o, ctx) => {
    if (o.expect.length && !o.hostname_fqdn) {
      ctx.addIssue({
        code: "custom",
        path: ["expect"],
        input: o.expect,
        message: "needs hostname_fqdn (the name to look up)",
      });
    }
    o.expect.forEach((e, i) => {
      const want = o.record_type === "A" ? 4 : o.record_type === "AAAA" ? 6 : 0;
      if (want && net.isIP(e) !== want) {
        ctx.addIssue({
          code: "custom",
          path: ["expect", i],
          input: e,
          message: `expected an IPv${want} address for record_type ${o.record_type}, found ${
            JSON.stringify(e)
          }`,
        });
      }
    });
  })
);

function canonical(type: RecordType, value: string): string {
  const v = value.trim();
  if (type === "AAAA") return new URL(`http://[${v}]/`).hostname.slice(1, -1);
  if (type === "TXT") return v;
  return v.toLowerCase().replace(/\.$/, "");
}

function matches(type: RecordType, expected: string, record: DnsRecord): boolean {
  const want = canonical(type, expected);
  const got = canonical(type, record.data);
  if (type === "MX") return got === want || got.slice(got.indexOf(" ") + 1) === want;
  return got === want;
}

/** Checks a name server's answer for one name. */
export class DnsChecker extends AttemptChecker<DnsCheckerOptions> {
  /** Always `"dns"`. */
  override readonly type = "dns";

  /** Builds the checker from validated options (see the `parseChecker` config helper). */
  constructor(options: DnsCheckerOptions, ctx: CheckerContext) {
    super(options, ctx, options.endpoint_name, options.endpoint_url);
  }

  /** One query (or, without `hostname_fqdn`, one TCP connect) to the name server. */
  protected override async attempt(outer: AbortSignal): Promise<AttemptOutcome> {
    const o = this.options;
    const server = splitHostPort(o.endpoint_url);
    const signal = attemptSignal(outer, o.timeout);
    const onAbort = (phase: string) => abortMessage(signal, o.timeout, phase);
    const start = performance.now();
    const elapsed = () => (performance.now() - start) * 1e6;
    if (!o.hostname_fqdn) {
      try {
        (await openSocket({ ...server, signal, onAbort })).destroy();
        return { rtt: elapsed() };
      } catch (e) {
        return { rtt: elapsed(), error: errorText(e), transportFailure: true };
      }
    }
    const name = o.hostname_fqdn.replace(/\.$/, "");
    const what = `${name} ${o.record_type}`;
    let response;
    try {
      response = await queryDns(server, o.hostname_fqdn, o.record_type, { signal, onAbort });
    } catch (e) {
      return { rtt: elapsed(), error: `${what}: ${errorText(e)}`, transportFailure: true };
    }
    const rtt = elapsed();
    if (response.rcode !== "NOERROR") return { rtt, error: `${what}: ${describeRcode(response.rcode)}` };
    const records = response.answers.filter((r) => r.type === RECORD_TYPES[o.record_type]);
    if (records.length === 0) return { rtt, error: `${what}: no records in the answer` };
    const missing = o.expect.filter((e) => !records.some((r) => matches(o.record_type, e, r)));
    if (missing.length) {
      const got = records.map((r) => r.data).join(", ");
      return { rtt, error: `${what}: expected ${missing.join(", ")}; the answer has ${got}` };
    }
    return { rtt };
  }
}

/** The `dns` checker type. */
export const dnsChecker: PluginDefinition<Checker, DnsCheckerOptions> = {
  type: "dns",
  summary: "DNS query to a name server, judged by response code, expected records and round-trip time.",
  schema,
  create: (options, ctx) => new DnsChecker(options, ctx),
};
