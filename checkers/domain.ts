/**
 * The `domain` checker: a domain's registration expiry over RDAP (RFC 9083 JSON, the `expiration`
 * event). The registry's RDAP server comes from the IANA bootstrap file (RFC 9224), fetched once a day
 * per process, unless `rdap_url` names it. Degraded within `expiry_threshold`, down once expired or when
 * the registry does not know the domain (404).
 *
 * @module
 */
import { z } from "zod";
import type { Duration, Nanoseconds } from "../duration.ts";
import { duration, httpUrl, typeTag } from "../config/fields.ts";
import { describeValue } from "../config/errors.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { httpRequest, safeOrigin } from "../_internal/http.ts";
import type { Attempt, Verdict } from "../result.ts";
import { timeLeft } from "./cert.ts";
import { attempts, attemptSpacing, endpointName, thresholdRtt, timeout } from "./_fields.ts";
import {
  AttemptChecker,
  type AttemptOutcome,
  attemptSignal,
  type Checker,
  type CheckerContext,
  errorText,
} from "./checker.ts";

/** IANA's RDAP bootstrap file for domain names (RFC 9224). */
export const IANA_DNS_BOOTSTRAP = "https://data.iana.org/rdap/dns.json";

/** `checkup.json` options of a `domain` checker. */
export interface DomainCheckerConfig {
  /** The checker type, `"domain"`. */
  type: "domain";
  /** The endpoint's name, shown as the result's title. */
  endpoint_name?: string;
  /** The registered domain, e.g. `example.com`. */
  domain: string;
  /** Degraded when the registration expires sooner than this (default 30d). */
  expiry_threshold?: Duration;
  /** The registry's RDAP base URL (e.g. `https://rdap.verisign.com/com/v1/`); default: from the bootstrap file. */
  rdap_url?: string;
  /** The RFC 9224 bootstrap file (default IANA's). */
  bootstrap_url?: string;
  /** Timeout of one attempt: the bootstrap (when not cached) and the RDAP query (default 10s). */
  timeout?: Duration;
  /** Degraded when the median RTT is strictly above this. */
  threshold_rtt?: Duration;
  /** Attempts per check (default 1). */
  attempts?: number;
  /** Pause after each attempt (not after a network failure). */
  attempt_spacing?: Duration;
}

/** Validated options of a `domain` checker. */
export interface DomainCheckerOptions {
  /** The checker type, always `"domain"`. */
  type: "domain";
  /** The result's title; `""` when unset. */
  endpoint_name: string;
  /** The domain, lower case, without a trailing dot. */
  domain: string;
  /** Degraded within this, nanoseconds (default 30 days). */
  expiry_threshold: number;
  /** RDAP base URL; `""`: from the bootstrap file. */
  rdap_url: string;
  /** The bootstrap file's URL. */
  bootstrap_url: string;
  /** Timeout of one attempt, nanoseconds (default 10 s). */
  timeout: number;
  /** Degraded when the median RTT is strictly above this, nanoseconds; 0: off. */
  threshold_rtt: Nanoseconds;
  /** Attempts per check (default 1). */
  attempts: number;
  /** Pause after each attempt, nanoseconds (default 0). */
  attempt_spacing: number;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

const schema: z.ZodType<DomainCheckerOptions, DomainCheckerConfig> = z.lazy(() =>
  z.object({
    type: typeTag("domain"),
    endpoint_name: endpointName(),
    domain: z.string().transform((v) => v.trim().toLowerCase().replace(/\.$/, "")).refine(
      (v) => DOMAIN.test(v),
      { error: (iss) => `expected a domain name such as "example.com", found ${describeValue(iss.input)}` },
    ).meta({ description: 'The registered domain, e.g. "example.com" (punycode for IDNs).' }),
    expiry_threshold: duration("Degraded when the registration expires sooner than this.").default(
      30 * 86_400e9,
    ),
    rdap_url: z.union([z.literal(""), httpUrl("")]).default("").meta({
      description: "The registry's RDAP base URL (ending before domain/); default: from the bootstrap file.",
    }),
    bootstrap_url: httpUrl("").default(IANA_DNS_BOOTSTRAP).meta({
      description: "The RFC 9224 RDAP bootstrap file, fetched once a day (default IANA's).",
    }),
    timeout: timeout(10e9, "bootstrap file and RDAP query; default 10s"),
    threshold_rtt: thresholdRtt(),
    attempts: attempts(),
    attempt_spacing: attemptSpacing(),
  })
);

const DAY_MS = 86_400_000;
const MAX_JSON = 4 * 1024 * 1024;

/** A bootstrap file read: its services and when it was fetched (ms). */
interface Bootstrap {
  at: number;
  services: [string[], string[]][];
}

/** The bootstrap files read by this process, per URL (shared by every domain check). */
const bootstraps = new Map<string, Promise<Bootstrap>>();

/** Reads a response's JSON, bounded in size. */
async function readJson(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  if (text.length > MAX_JSON) throw new Error(`${what}: larger than ${MAX_JSON} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what}: not JSON`);
  }
}

/**
 * The RDAP base URL for `domain` from an RFC 9224 services list: the entry whose label suffix is the
 * longest match, its https URL first.
 *
 * @example
 * ```ts
 * import { rdapBaseFor } from "./domain.ts";
 * import assert from "node:assert/strict";
 * const services: [string[], string[]][] = [[["com"], ["http://a/", "https://a/"]], [["co.uk"], ["https://b/"]]];
 * assert.equal(rdapBaseFor("www.example.com", services), "https://a/");
 * assert.equal(rdapBaseFor("example.org", services), undefined);
 * ```
 */
export function rdapBaseFor(domain: string, services: [string[], string[]][]): string | undefined {
  let best: { length: number; urls: string[] } | undefined;
  for (const [labels, urls] of services) {
    for (const label of labels) {
      const l = label.toLowerCase();
      if ((domain === l || domain.endsWith("." + l)) && (!best || l.length > best.length)) {
        best = { length: l.length, urls };
      }
    }
  }
  return best && (best.urls.find((u) => u.startsWith("https:")) ?? best.urls[0]);
}

/** Checks a domain's registration expiry over RDAP. */
export class DomainChecker extends AttemptChecker<DomainCheckerOptions, { expires?: number }> {
  /** Always `"domain"`. */
  override readonly type = "domain";

  /** Builds the checker from validated options (see the `parseChecker` config helper). */
  constructor(options: DomainCheckerOptions, ctx: CheckerContext) {
    super(options, ctx, options.endpoint_name, options.domain);
  }

  /** Scratch space: the expiry found. */
  protected override newState(): { expires?: number } {
    return {};
  }

  /** Degraded when the registration expires within `expiry_threshold`. */
  protected override verdict(state: { expires?: number }, _times: Attempt[]): Verdict {
    if (state.expires === undefined) return {};
    const left = state.expires - this.#nowMs();
    if (left >= this.options.expiry_threshold / 1e6) return {};
    return {
      degradedNotice: `domain registration expiring soon: ${timeLeft(left)} left (expires ${
        new Date(state.expires).toISOString().replace(/\.\d+Z$/, "Z")
      })`,
    };
  }

  #nowMs(): number {
    return Number(this.ctx.now() / 1_000_000n);
  }

  /** The bootstrap file, from this process's cache when read less than a day ago. */
  #bootstrap(signal: AbortSignal): Promise<Bootstrap> {
    const url = this.options.bootstrap_url;
    const cached = bootstraps.get(url);
    const now = this.#nowMs();
    if (cached) {
      return cached.then((
        b,
      ) => (now - b.at < DAY_MS ? b : (bootstraps.delete(url), this.#bootstrap(signal))));
    }
    const pending = (async () => {
      const res = await httpRequest(url, {
        timeout: this.options.timeout / 1e6,
        signal,
        fetch: this.ctx.fetch,
        expectOk: true,
        headers: { accept: "application/json" },
      });
      const json = await readJson(res, `RDAP bootstrap ${safeOrigin(url)}`) as { services?: unknown };
      if (!Array.isArray(json.services)) {
        throw new Error(`RDAP bootstrap ${safeOrigin(url)}: no services list`);
      }
      return { at: now, services: json.services as [string[], string[]][] };
    })();
    bootstraps.set(url, pending);
    pending.catch(() => bootstraps.delete(url)); // a failure is not cached
    return pending;
  }

  /** One RDAP query: the expiration event read. */
  protected override async attempt(outer: AbortSignal, state: { expires?: number }): Promise<AttemptOutcome> {
    const o = this.options;
    const signal = attemptSignal(outer, o.timeout);
    const start = performance.now();
    const elapsed = () => (performance.now() - start) * 1e6;
    let base = o.rdap_url;
    try {
      if (!base) {
        base = rdapBaseFor(o.domain, (await this.#bootstrap(signal)).services) ?? "";
        if (!base) {
          return { rtt: elapsed(), error: `no RDAP server for ${o.domain} in the bootstrap file` };
        }
      }
    } catch (e) {
      return { rtt: elapsed(), error: errorText(e), transportFailure: true };
    }
    const url = new URL(`domain/${o.domain}`, base.endsWith("/") ? base : base + "/");
    let res: Response;
    try {
      res = await httpRequest(url, {
        timeout: o.timeout / 1e6,
        signal,
        fetch: this.ctx.fetch,
        headers: { accept: "application/rdap+json, application/json" },
      });
    } catch (e) {
      return { rtt: elapsed(), error: `RDAP ${safeOrigin(url)}: ${errorText(e)}`, transportFailure: true };
    }
    const rtt = elapsed();
    if (res.status === 404) {
      await res.body?.cancel();
      return { rtt, error: `${o.domain} is not registered (RDAP ${safeOrigin(url)} answered 404)` };
    }
    if (!res.ok) {
      await res.body?.cancel();
      return { rtt, error: `RDAP ${safeOrigin(url)} answered ${res.status} ${res.statusText}`.trimEnd() };
    }
    let json: { events?: { eventAction?: unknown; eventDate?: unknown }[] };
    try {
      json = await readJson(res, `RDAP ${safeOrigin(url)}`) as typeof json;
    } catch (e) {
      return { rtt, error: errorText(e) };
    }
    const event = Array.isArray(json.events)
      ? json.events.find((e) => e?.eventAction === "expiration" && typeof e.eventDate === "string")
      : undefined;
    const expires = event ? Date.parse(event.eventDate as string) : NaN;
    if (Number.isNaN(expires)) {
      return { rtt, error: `RDAP ${safeOrigin(url)} gives no expiration date for ${o.domain}` };
    }
    state.expires = expires;
    const iso = new Date(expires).toISOString().replace(/\.\d+Z$/, "Z");
    const left = expires - this.#nowMs();
    if (left <= 0) return { rtt, error: `domain registration expired ${timeLeft(-left)} ago (${iso})` };
    return { rtt };
  }
}

/** The `domain` checker type. */
export const domainChecker: PluginDefinition<Checker, DomainCheckerOptions> = {
  type: "domain",
  summary: "Domain registration expiry over RDAP (IANA bootstrap), degraded within a threshold.",
  schema,
  create: (options, ctx) => new DomainChecker(options, ctx),
};
