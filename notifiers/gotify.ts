/**
 * The `gotify` notifier: one message per round to a Gotify server (Go Checkup's keys: `token`, the
 * application token, and `webhook`, the server's message URL such as `https://gotify.example.com/message`;
 * a bare server URL gets `/message` appended). The token travels in the `X-Gotify-Key` header.
 *
 * @module
 */
import { z } from "zod";
import { headerValue, httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { HttpNotifier } from "./http_notifier.ts";
import { isProblem, roundSubject, roundText } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `gotify` notifier. */
export interface GotifyNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"gotify"`. */
  type: "gotify";
  /** The application token (a secret). */
  token: string;
  /** The message URL, e.g. `https://gotify.example.com/message`. */
  webhook: string;
  /** Priority of down/degraded messages (default 5, Go's); recoveries use 3 at most. */
  priority?: number;
}

/** Validated options of the `gotify` notifier. */
export interface GotifyNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"gotify"`. */
  type: "gotify";
  /** The application token (a secret). */
  token: string;
  /** The message URL as configured (`/message` is added when it has no path). */
  webhook: string;
  /** Priority of down/degraded messages, 0 to 10 (default 5); recoveries use at most 3. */
  priority: number;
}

const schema: z.ZodType<GotifyNotifierOptions, GotifyNotifierConfig> = z.lazy(() =>
  z.object({
    type: typeTag("gotify"),
    ...alertPolicyShape,
    token: headerValue("The Gotify application token.", 1),
    webhook: httpUrl("The Gotify message URL, e.g. https://gotify.example.com/message."),
    priority: z.number().int().min(0).max(10).default(5).meta({
      description: "Priority of problem messages.",
    }),
  })
);

/** The Gotify message URL of a `webhook` value: as given, or with `/message` when it has no path. */
export function gotifyMessageUrl(webhook: string): string {
  const url = new URL(webhook);
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/message";
  return url.toString();
}

/** Sends a round's alerts as one Gotify message. */
export class GotifyNotifier extends HttpNotifier<GotifyNotifierOptions> {
  /** Always `"gotify"`. */
  override readonly type = "gotify";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override async notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.options;
    const problem = alerts.some(isProblem);
    const body: Record<string, unknown> = {
      title: roundSubject(alerts),
      message: roundText(alerts),
      priority: problem ? o.priority : Math.min(o.priority, 3),
    };
    const url = alerts.find((a) => a.url)?.url;
    if (url) body.extras = { "client::notification": { click: { url } } };
    await this.post(gotifyMessageUrl(o.webhook), {
      json: body,
      headers: { "x-gotify-key": o.token },
      signal,
    });
  }
}

/** The `gotify` notifier type. */
export const gotifyNotifier: PluginDefinition<Notifier, GotifyNotifierOptions> = {
  type: "gotify",
  summary: "Gotify server message: one per round.",
  schema,
  create: (options, ctx) => new GotifyNotifier(options, ctx),
};
