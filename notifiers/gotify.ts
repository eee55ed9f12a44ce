/**
 * The `gotify` notifier: one message per round to a Gotify server (Go Checkup's keys: `token`, the
 * application token, and `webhook`, the server's message URL such as `https://gotify.example.com/message`;
 * a bare server URL gets `/message` appended). The token travels in the `X-Gotify-Key` header.
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginContext, PluginDefinition } from "../config/plugin.ts";
import { send } from "./_send.ts";
import { roundSubject, roundText } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape, policyOf } from "./policy.ts";

/** `checkup.json` options of the `gotify` notifier. */
export interface GotifyNotifierConfig extends AlertPolicyConfig {
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
  type: "gotify";
  token: string;
  webhook: string;
  priority: number;
}

const schema: z.ZodType<GotifyNotifierOptions, GotifyNotifierConfig> = z.object({
  type: typeTag("gotify"),
  ...alertPolicyShape,
  token: z.string().min(1).meta({ description: "The Gotify application token." }),
  webhook: httpUrl("The Gotify message URL, e.g. https://gotify.example.com/message."),
  priority: z.number().int().min(0).max(10).default(5).meta({ description: "Priority of problem messages." }),
});

/** The Gotify message URL of a `webhook` value: as given, or with `/message` when it has no path. */
export function gotifyMessageUrl(webhook: string): string {
  const url = new URL(webhook);
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/message";
  return url.toString();
}

/** Sends a round's alerts as one Gotify message. */
export class GotifyNotifier implements Notifier {
  readonly type = "gotify";
  readonly policy: AlertPolicy;
  readonly #o: GotifyNotifierOptions;
  readonly #ctx: Pick<PluginContext, "fetch">;

  /** Builds the notifier from validated options. */
  constructor(options: GotifyNotifierOptions, ctx: Pick<PluginContext, "fetch">) {
    this.#o = options;
    this.#ctx = ctx;
    this.policy = policyOf(options);
  }

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  async notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.#o;
    const problem = alerts.some((a) => a.kind !== "recovered");
    const body: Record<string, unknown> = {
      title: roundSubject(alerts),
      message: roundText(alerts),
      priority: problem ? o.priority : Math.min(o.priority, 3),
    };
    const url = alerts.find((a) => a.url)?.url;
    if (url) body.extras = { "client::notification": { click: { url } } };
    await send(gotifyMessageUrl(o.webhook), {
      json: body,
      headers: { "x-gotify-key": o.token },
      policy: this.policy,
      fetch: this.#ctx.fetch,
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
