/**
 * The `signal` notifier: one Signal message per alert to each recipient, through a signal-cli REST API
 * server (bbernhard/signal-cli-rest-api) that runs a registered or linked Signal number.
 *
 * Follows the signal-cli-rest-api's API (https://bbernhard.github.io/signal-cli-rest-api/, `POST /v2/send`):
 * a JSON body of `message`, `number` (the sending account, E.164) and `recipients` (numbers, usernames or
 * `group.<id>` group ids). It answers `201 {"timestamp": "…"}`; errors are `400 {"error": …}`. The server has
 * no auth of its own: put it behind a proxy and give that proxy's credentials in `headers`. A recovery is the
 * same message.
 *
 * @module
 */
import { z } from "zod";
import { headers, httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertText, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `signal` notifier. */
export interface SignalNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"signal"`. */
  type: "signal";
  /** The signal-cli REST API's URL, e.g. `http://signal-api:8080`. */
  url: string;
  /** The sending account's number (E.164). */
  number: string;
  /** Recipients: numbers (E.164), usernames or `group.<id>` groups. */
  recipients: string[];
  /** Extra request headers, e.g. a proxy's `Authorization` (secrets). */
  headers?: Record<string, string>;
}

/** Validated options of the `signal` notifier. */
export interface SignalNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"signal"`. */
  type: "signal";
  /** The signal-cli REST API's URL. */
  url: string;
  /** The sending account's number. */
  number: string;
  /** Recipients. */
  recipients: string[];
  /** Extra request headers. */
  headers: Record<string, string>;
}

const schema: z.ZodType<SignalNotifierOptions, SignalNotifierConfig> = z.object({
  type: typeTag("signal"),
  ...alertPolicyShape,
  url: httpUrl("The signal-cli REST API's URL."),
  number: z.string().regex(/^\+[1-9]\d{6,14}$/, { error: "expected an E.164 number like +4915112345678" })
    .meta({
      description: "The sending account's number (E.164).",
    }),
  recipients: z.array(z.string().min(1)).min(1).meta({
    description: "Numbers (E.164), usernames or group.<id> groups.",
  }),
  headers: headers("Extra request headers, e.g. a proxy's Authorization."),
});

/** Sends alerts through a signal-cli REST API server. */
export class SignalNotifier extends HttpNotifier<SignalNotifierOptions> {
  /** Always `"signal"`. */
  override readonly type = "signal";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.options;
    const url = `${o.url.replace(/\/+$/, "")}/v2/send`;
    return deliverEach(alerts, async (alert) => {
      await this.post(url, {
        json: { message: truncate(alertText(alert), 4000), number: o.number, recipients: o.recipients },
        headers: o.headers,
        signal,
      });
    });
  }
}

/** The `signal` notifier type. */
export const signalNotifier: PluginDefinition<Notifier, SignalNotifierOptions> = {
  type: "signal",
  summary: "Signal through a signal-cli REST API server: one message per alert.",
  schema,
  create: (options, ctx) => new SignalNotifier(options, ctx),
};
