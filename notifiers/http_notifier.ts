/**
 * Delivery helpers shared by the providers: every HTTP call goes through `_internal/http.ts` with the
 * notifier's timeout and in-round retries (network errors, 429 and 5xx, with backoff), and batches
 * report exactly which alerts were not delivered.
 *
 * @module
 */
import { httpRequest } from "../_internal/http.ts";
import type { PluginContext } from "../config/plugin.ts";
import { type Alert, DeliveryError, type Notifier } from "./notifier.ts";
import { type AlertPolicy, policyOf } from "./policy.ts";

/** What a provider needs to send: the policy's limits, the injected fetch, the round's signal. */
export interface SendOptions {
  /** The notifier's delivery limits: `timeout` per attempt (ns) and `retries` after a transient failure. */
  policy: Pick<AlertPolicy, "timeout" | "retries">;
  /** The fetch to send with (the plugin context's). */
  fetch: PluginContext["fetch"];
  /** Cancels the request and any retry. */
  signal?: AbortSignal;
  /** The HTTP method (default `"POST"`). */
  method?: string;
  /** Extra request headers. */
  headers?: HeadersInit;
}

/**
 * Sends a request (a JSON body when `json` is given, else `body`) and returns the response text.
 * Throws an `HttpError` naming the origin only (never the path or query, which carry tokens) unless
 * the answer is 2xx.
 */
export async function send(
  url: string | URL,
  o: SendOptions & { json?: unknown; body?: BodyInit },
): Promise<{ status: number; text: string }> {
  const res = await httpRequest(url, {
    method: o.method ?? "POST",
    headers: o.headers,
    json: o.json,
    body: o.body,
    timeout: o.policy.timeout / 1e6,
    retries: o.policy.retries,
    retryDelay: 500,
    signal: o.signal,
    fetch: o.fetch,
    expectOk: true,
  });
  return { status: res.status, text: await res.text() };
}

/**
 * Delivers alerts one by one, in order, with `deliver`. Throws when none was delivered (the first
 * error) and a {@linkcode DeliveryError} listing the failed ones when only some were.
 */
export async function deliverEach(
  alerts: readonly Alert[],
  deliver: (alert: Alert) => Promise<void>,
): Promise<void> {
  const failed: Alert[] = [];
  let first: unknown;
  for (const alert of alerts) {
    try {
      await deliver(alert);
    } catch (e) {
      failed.push(alert);
      first ??= e;
    }
  }
  if (!failed.length) return;
  if (failed.length === alerts.length) throw first;
  throw new DeliveryError(
    `${failed.length} of ${alerts.length} alerts not delivered: ${(first as Error)?.message ?? first}`,
    failed,
    { cause: first },
  );
}

/**
 * The shared shape of an HTTP notifier: validated options, its alert policy, and `post`, which sends
 * through {@linkcode send} with the policy's timeout and retries and the injected fetch.
 */
export abstract class HttpNotifier<O extends AlertPolicy> implements Notifier {
  /** The config `type`, e.g. `"slack"`. */
  abstract readonly type: string;
  /** When this notifier is told (thresholds, reminders, which transitions). */
  readonly policy: AlertPolicy;
  /** Validated options. */
  protected readonly options: O;
  readonly #fetch: PluginContext["fetch"];

  /** Builds the notifier from validated options. */
  constructor(options: O, ctx: Pick<PluginContext, "fetch">) {
    this.options = options;
    this.#fetch = ctx.fetch;
    this.policy = policyOf(options);
  }

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  abstract notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void>;

  /** Sends one request with this notifier's timeout, retries and fetch. */
  protected post(
    url: string | URL,
    request: Omit<SendOptions, "policy" | "fetch"> & { json?: unknown; body?: BodyInit },
  ): Promise<{ status: number; text: string }> {
    return send(url, { ...request, policy: this.policy, fetch: this.#fetch });
  }
}
