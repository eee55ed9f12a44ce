/**
 * The `pushover` notifier: one message per round through the Pushover messages API (Go Checkup's
 * keys: `token`, `recipient`, `subject`), plain text in Go's layout, linking to the status page.
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { HttpNotifier } from "./http_notifier.ts";
import { isProblem, roundSubject, roundText, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `pushover` notifier. */
export interface PushoverNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"pushover"`. */
  type: "pushover";
  /** The application's API token (a secret). */
  token: string;
  /** The user or group key to notify. */
  recipient: string;
  /** The message title; by default it says what happened. */
  subject?: string;
  /** Pushover priority of down/degraded messages, -2 to 1 (default 0); recoveries use 0. */
  priority?: number;
  /** The API base URL (default `https://api.pushover.net`). */
  api_url?: string;
}

/** Validated options of the `pushover` notifier. */
export interface PushoverNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"pushover"`. */
  type: "pushover";
  /** The application's API token (a secret). */
  token: string;
  /** The user or group key notified. */
  recipient: string;
  /** The message title; `""`: a title saying what happened. */
  subject: string;
  /** Priority of down/degraded messages, -2 to 1 (default 0); recoveries use 0. */
  priority: number;
  /** The API base URL (default `https://api.pushover.net`). */
  api_url: string;
}

const schema: z.ZodType<PushoverNotifierOptions, PushoverNotifierConfig> = z.lazy(() =>
  z.object({
    type: typeTag("pushover"),
    ...alertPolicyShape,
    token: z.string().min(1).meta({ description: "The Pushover application API token." }),
    recipient: z.string().min(1).meta({ description: "The Pushover user or group key." }),
    subject: z.string().default("").meta({
      description: "The message title; by default it says what happened.",
    }),
    priority: z.number().int().min(-2).max(1).default(0).meta({
      description: "Priority of down/degraded messages, -2 to 1 (2, emergency, needs retry settings).",
    }),
    api_url: httpUrl("The Pushover API base URL.").default("https://api.pushover.net"),
  })
);

/** Sends a round's alerts as one Pushover message. */
export class PushoverNotifier extends HttpNotifier<PushoverNotifierOptions> {
  /** Always `"pushover"`. */
  override readonly type = "pushover";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override async notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.options;
    const form = new URLSearchParams({
      token: o.token,
      user: o.recipient,
      title: truncate(roundSubject(alerts, o.subject), 250),
      message: truncate(roundText(alerts), 1024),
      priority: String(alerts.some(isProblem) ? o.priority : 0),
      timestamp: String(alerts[0].at / 1_000_000_000n),
    });
    const url = alerts.find((a) => a.url)?.url;
    if (url) {
      form.set("url", url);
      form.set("url_title", "Status page");
    }
    const { text } = await this.post(`${o.api_url.replace(/\/+$/, "")}/1/messages.json`, {
      body: form,
      signal,
    });
    let answer: { status?: unknown; errors?: unknown } = {};
    try {
      answer = JSON.parse(text);
    } catch { /* checked below */ }
    if (answer.status !== 1) {
      throw new Error(`pushover: expected {"status":1}, found ${truncate(text, 200)}`);
    }
  }
}

/** The `pushover` notifier type. */
export const pushoverNotifier: PluginDefinition<Notifier, PushoverNotifierOptions> = {
  type: "pushover",
  summary: "Pushover push message: one per round.",
  schema,
  create: (options, ctx) => new PushoverNotifier(options, ctx),
};
