/**
 * The `rocketchat` notifier: one incoming-webhook message per alert.
 *
 * Follows Rocket.Chat's "Integrations → Incoming webhook" doc
 * (https://docs.rocket.chat/docs/integrations, "Incoming WebHook Script"): `POST` the webhook URL
 * (`https://<server>/hooks/<id>/<token>`, the token is the secret; no auth header) with a JSON body of
 * `text`, optional `channel` (`#channel` or `@user`), `alias`, `emoji`, `avatar`, and `attachments`
 * (`title`, `title_link`, `text`, `color`, `fields` of `{short, title, value}`). Rocket.Chat answers
 * `200 {"success": true}`. A recovery is the same message, in green.
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertColor, alertFacts, alertHeadline, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `rocketchat` notifier. */
export interface RocketChatNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"rocketchat"`. */
  type: "rocketchat";
  /** The incoming-webhook URL (a secret). */
  webhook: string;
  /** Overrides the webhook's channel: `#channel` or `@user`. */
  channel?: string;
  /** The name shown for the message instead of the webhook's user. */
  alias?: string;
}

/** Validated options of the `rocketchat` notifier. */
export interface RocketChatNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"rocketchat"`. */
  type: "rocketchat";
  /** The incoming-webhook URL (a secret). */
  webhook: string;
  /** Overrides the webhook's channel; `""`: the webhook's own. */
  channel: string;
  /** The name shown for the message; `""`: the webhook's user. */
  alias: string;
}

const schema: z.ZodType<RocketChatNotifierOptions, RocketChatNotifierConfig> = z.object({
  type: typeTag("rocketchat"),
  ...alertPolicyShape,
  webhook: httpUrl("The Rocket.Chat incoming-webhook URL."),
  channel: z.string().regex(/^$|^[#@]\S+$/, { error: "expected #channel or @user" }).default("").meta({
    description: "Overrides the webhook's channel: #channel or @user.",
  }),
  alias: z.string().default("").meta({ description: "The name shown for the message." }),
});

/** The Rocket.Chat webhook body of one alert. */
export function rocketChatPayload(
  alert: Alert,
  o: Pick<RocketChatNotifierOptions, "channel" | "alias">,
): unknown {
  const attachment: Record<string, unknown> = {
    color: alertColor(alert).hex,
    fields: alertFacts(alert).filter((f) => f.label !== "Status page").map((f) => ({
      short: !["Endpoint", "Affects", "Error", "Notice", "Update", "Window"].includes(f.label),
      title: f.label,
      value: truncate(f.value, 2000),
    })),
  };
  if (alert.url) {
    attachment.title = "Status page";
    attachment.title_link = alert.url;
  }
  const payload: Record<string, unknown> = { text: `*${alertHeadline(alert)}*` };
  if (o.channel) payload.channel = o.channel;
  if (o.alias) payload.alias = o.alias;
  payload.attachments = [attachment];
  return payload;
}

/** Posts alerts to a Rocket.Chat incoming webhook. */
export class RocketChatNotifier extends HttpNotifier<RocketChatNotifierOptions> {
  /** Always `"rocketchat"`. */
  override readonly type = "rocketchat";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    return deliverEach(alerts, async (alert) => {
      await this.post(this.options.webhook, { json: rocketChatPayload(alert, this.options), signal });
    });
  }
}

/** The `rocketchat` notifier type. */
export const rocketChatNotifier: PluginDefinition<Notifier, RocketChatNotifierOptions> = {
  type: "rocketchat",
  summary: "Rocket.Chat incoming webhook: one message per alert.",
  schema,
  create: (options, ctx) => new RocketChatNotifier(options, ctx),
};
