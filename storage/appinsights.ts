/**
 * The `appinsights` storage: each result becomes one Azure Application Insights availability telemetry
 * item, as Go Checkup sent it (name = title, duration = mean RTT, success = healthy, message = status
 * plus notice, id = result timestamp, one measurement per attempt, `ThresholdRTT` and the `tags` as
 * properties), posted as v2 ingestion envelopes to the track endpoint with a timeout and retries.
 * Store only: Application Insights is not read back.
 *
 * @module
 */
import { z } from "zod";
import { HttpError, httpRequest, refusesContent } from "../_internal/http.ts";
import { retry } from "../_internal/retry.ts";
import { formatDuration } from "../duration.ts";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginContext, PluginDefinition } from "../config/plugin.ts";
import { computeStats, type Result, statusOf } from "../result.ts";
import { checkFileName, RejectedError, type Storage, type StoreOptions } from "./storage.ts";
import denoJson from "../deno.json" with { type: "json" };

/** The public ingestion endpoint. */
export const APPINSIGHTS_TRACK_URL = "https://dc.services.visualstudio.com/v2/track";

/** `checkup.json` options of the `appinsights` storage (Go Checkup's keys plus `endpoint`). */
export interface AppinsightsStorageConfig {
  /** The storage type, `"appinsights"`. */
  type: "appinsights";
  /** The Application Insights resource's instrumentation key. */
  instrumentation_key: string;
  /** Run location of the availability items (default "Checkup Monitor"). */
  test_location?: string;
  /** Extra properties on every item. */
  tags?: Record<string, string>;
  /** Extra tries after a failed send (default 0). */
  max_retries?: number;
  /** Seconds between tries (Go's unit; default 0, meaning 1 s between retries). */
  retry_interval?: number;
  /** Seconds to wait for one send (Go's unit; default 2). */
  timeout?: number;
  /** The track endpoint (regional ingestion endpoints, tests). */
  endpoint?: string;
}

/** Validated options of the `appinsights` storage. */
export interface AppinsightsStorageOptions {
  /** The storage type, always `"appinsights"`. */
  type: "appinsights";
  /** The Application Insights resource's instrumentation key (a secret). */
  instrumentation_key: string;
  /** Run location of the availability items (default `"Checkup Monitor"`). */
  test_location: string;
  /** Extra properties on every item (default none). */
  tags: Record<string, string>;
  /** Extra tries after a failed send (default 0). */
  max_retries: number;
  /** Seconds between tries (Go's unit); 0 (default) means 1 s. */
  retry_interval: number;
  /** Seconds to wait for one send (Go's unit; default 2). */
  timeout: number;
  /** The track endpoint URL (default the global ingestion endpoint). */
  endpoint: string;
}

const schema: z.ZodType<AppinsightsStorageOptions, AppinsightsStorageConfig> = z.lazy(() =>
  z.object({
    type: typeTag("appinsights"),
    instrumentation_key: z.string().min(1, { error: "required: expected the instrumentation key" }).meta({
      description: "The Application Insights instrumentation key.",
    }),
    test_location: z.string().default("Checkup Monitor").meta({ description: "Run location of the items." }),
    tags: z.record(z.string(), z.string()).default({}).meta({
      description: "Extra properties on every item.",
    }),
    max_retries: z.number().int().min(0).default(0).meta({ description: "Extra tries after a failed send." }),
    retry_interval: z.number().min(0).default(0).meta({ description: "Seconds between tries." }),
    timeout: z.number().min(0).default(0).transform((t) => t || 2).meta({
      description: "Seconds to wait for one send (0 means 2).",
    }),
    endpoint: httpUrl("The track endpoint.").default(APPINSIGHTS_TRACK_URL),
  })
);

/** .NET TimeSpan text of nanoseconds, as the Application Insights SDKs send it: `d.hh:mm:ss.fffffff`. */
export function timeSpan(ns: number): string {
  const ticks = Math.round(ns / 100);
  const totalSeconds = Math.floor(ticks / 1e7);
  const frac = String(ticks % 1e7).padStart(7, "0");
  const days = Math.floor(totalSeconds / 86400);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${days}.${two(Math.floor(totalSeconds / 3600) % 24)}:${two(Math.floor(totalSeconds / 60) % 60)}:${
    two(totalSeconds % 60)
  }.${frac}`;
}

function isoOf(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  return new Date(ms > 0 ? ms : Date.now()).toISOString();
}

/** Sends rounds to Application Insights as availability telemetry. */
export class AppinsightsStorage implements Storage {
  readonly type = "appinsights";
  readonly #o: AppinsightsStorageOptions;
  readonly #now: () => bigint;
  readonly #fetch: typeof fetch;
  readonly #node?: string;

  /** Sends nothing yet: each stored round is posted as availability items. */
  constructor(options: AppinsightsStorageOptions, context: Pick<PluginContext, "now" | "fetch" | "node">) {
    this.#o = options;
    this.#now = context.now;
    this.#fetch = context.fetch;
    this.#node = context.node;
  }

  /** The v2 envelope of one result, with Go Checkup's field mapping. */
  envelope(r: Result): Record<string, unknown> {
    const stats = computeStats(r.times ?? []);
    const status = statusOf(r);
    const measurements: Record<string, number> = {};
    (r.times ?? []).forEach((a, i) => (measurements[String(i)] = Number(a.rtt)));
    const ikey = this.#o.instrumentation_key;
    return {
      name: `Microsoft.ApplicationInsights.${ikey.replaceAll("-", "")}.Availability`,
      time: isoOf(r.timestamp),
      iKey: ikey,
      tags: {
        "ai.internal.sdkVersion": `checkup:${denoJson.version}`,
        ...(this.#node ?? r.node ? { "ai.cloud.roleInstance": this.#node ?? r.node } : {}),
      },
      data: {
        baseType: "AvailabilityData",
        baseData: {
          ver: 2,
          id: r.timestamp.toString(),
          name: r.title ?? "",
          duration: timeSpan(stats.mean),
          success: !!r.healthy,
          runLocation: this.#o.test_location,
          message: r.notice ? `${status} - ${r.notice}` : status,
          properties: { ...this.#o.tags, ThresholdRTT: formatDuration(r.threshold ?? 0) },
          measurements,
        },
      },
    };
  }

  /** The track endpoint refusing the items for good: an HTTP 4xx about the content (not 408, 429, 401…). */
  isRejection(error: unknown): boolean {
    return refusesContent(error);
  }

  /** An error naming the host (never the key); `cause` keeps the answer so the spool can tell a rejection. */
  #fail(reason: string, cause?: unknown): Error {
    const host = new URL(this.#o.endpoint).host;
    const clean = reason.split(this.#o.instrumentation_key).join("***");
    return new Error(
      `storage appinsights: send to ${host}: ${clean}`,
      cause === undefined ? undefined : { cause },
    );
  }

  async store(results: readonly Result[], signal?: AbortSignal, options: StoreOptions = {}): Promise<string> {
    const at = options.at ?? this.#now();
    let items = results.map((r) => this.envelope(r));
    // A partial success (206) names the items refused: only those with a transient status are sent again,
    // so accepted items are never duplicated.
    const partial = new WeakSet<Error>();
    await retry(async () => {
      let res: Response;
      try {
        res = await httpRequest(this.#o.endpoint, {
          method: "POST",
          json: items,
          timeout: this.#o.timeout * 1000,
          retries: this.#o.max_retries,
          retryDelay: (this.#o.retry_interval || 1) * 1000,
          expectOk: true,
          signal,
          fetch: this.#fetch,
        });
      } catch (e) {
        throw this.#fail(e instanceof HttpError ? e.message : String(e), e);
      }
      const body = await res.json().catch(() => ({})) as {
        itemsAccepted?: number;
        errors?: { index?: number; statusCode?: number; message?: string }[];
      };
      if (res.status !== 206 && (body.itemsAccepted ?? items.length) >= items.length) return;
      const errors = body.errors ?? [];
      const transient = errors.filter((e) => [408, 429, 500, 503].includes(e.statusCode ?? 0));
      const first = errors.find((e) => !transient.includes(e)) ?? errors[0];
      const reason = `${body.itemsAccepted ?? 0} of ${items.length} items accepted${
        first ? ` (item ${first.index}: ${first.statusCode} ${first.message})` : ""
      }`;
      if (transient.length !== errors.length || !errors.length) {
        // Items refused for a lasting reason (e.g. 400: invalid): the round is rejected, not an outage.
        const lasting = errors.length > 0 && transient.length !== errors.length;
        throw this.#fail(reason, lasting ? new RejectedError(reason) : undefined);
      }
      items = transient.map((e) => items[e.index ?? -1]).filter((i) => i !== undefined);
      if (!items.length) return;
      const again = this.#fail(reason);
      partial.add(again);
      throw again;
    }, {
      attempts: this.#o.max_retries + 1,
      retryable: (e) => partial.has(e as Error),
      delay: { base: (this.#o.retry_interval || 1) * 1000, factor: 1 },
      signal,
    });
    return checkFileName(at);
  }
}

/** The `appinsights` storage type. */
export const appinsightsStorage: PluginDefinition<Storage, AppinsightsStorageOptions> = {
  type: "appinsights",
  summary: "Availability telemetry to Azure Application Insights (store only).",
  schema,
  create: (options, context) => new AppinsightsStorage(options, context),
};
