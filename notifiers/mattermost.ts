/**
 * The `mattermost` notifier: one incoming-webhook message per alert.
 *
 * Follows Mattermost's "Incoming webhooks" developer doc
 * (https://developers.mattermost.com/integrate/webhooks/incoming/): `POST` the hook URL
 * (`https://<server>/hooks/<key>`, the key is the secret; no auth header) with a JSON body of `text`
 * (Markdown), optional `username`, `channel` (a channel's name, e.g. `town-square`), `icon_url`, and
 * `attachments` in Slack's message-attachment format (`color`, `fallback`, `title`, `title_link`, `fields`
 * of `{title, value, short}`). Mattermost answers `200 ok`. A recovery is the same message, in green.
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertColor, alertFacts, alertHeadline, alertText, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `mattermost` notifier. */
export interface MattermostNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"mattermost"`. */
  type: "mattermost";
  /** The incoming-webhook URL (a secret). */
  webhook: string;
  /** Overrides the webhook's user name (when the server allows overrides). */
  username?: string;
  /** Overrides the webhook's channel: its name, e.g. `town-square` (when the webhook is not locked). */
  channel?: string;
  /** Overrides the profile picture (when the server allows overrides). */
  icon_url?: string;
}

/** Validated options of the `mattermost` notifier. */
export interface MattermostNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"mattermost"`. */
  type: "mattermost";
  /** The incoming-webhook URL (a secret). */
  webhook: string;
  /** Overrides the webhook's user name; `""`: the webhook's own. */
  username: string;
  /** Overrides the webhook's channel; `""`: the webhook's own. */
  channel: string;
  /** Overrides the profile picture; `""`: the webhook's own. */
  icon_url: string;
}

const schema: z.ZodType<MattermostNotifierOptions, MattermostNotifierConfig> = z.object({
  type: typeTag("mattermost"),
  ...alertPolicyShape,
  webhook: httpUrl("The Mattermost incoming-webhook URL."),
  username: z.string().default("").meta({ description: "Overrides the webhook's user name." }),
  channel: z.string().default("").meta({ description: "Overrides the webhook's channel (its name)." }),
  icon_url: z.union([httpUrl("Overrides the profile picture."), z.literal("")]).default(""),
});

/** The Mattermost webhook body of one alert (Mattermost's limit on `text` is 16383 characters). */
export function mattermostPayload(
  alert: Alert,
  o: Pick<MattermostNotifierOptions, "username" | "channel" | "icon_url">,
): unknown {
  const attachment: Record<string, unknown> = {
    color: alertColor(alert).hex,
    fallback: truncate(alertText(alert), 3000),
    fields: alertFacts(alert).map((f) => ({
      title: f.label,
      value: truncate(f.value, 2000),
      short: !["Endpoint", "Affects", "Error", "Notice", "Update", "Window", "Status page"].includes(f.label),
    })),
    footer: alert.node ? `Checkup · ${alert.node}` : "Checkup",
  };
  if (alert.url) {
    attachment.title = "Status page";
    attachment.title_link = alert.url;
  }
  const payload: Record<string, unknown> = { text: `**${alertHeadline(alert)}**` };
  if (o.username) payload.username = o.username;
  if (o.channel) payload.channel = o.channel;
  if (o.icon_url) payload.icon_url = o.icon_url;
  payload.attachments = [attachment];
  return payload;
}

/** Posts alerts to a Mattermost incoming webhook. */
export class MattermostNotifier extends HttpNotifier<MattermostNotifierOptions> {
  /** Always `"mattermost"`. */
  override readonly type = "mattermost";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    return deliverEach(alerts, async (alert) => {
      await this.post(this.options.webhook, { json: mattermostPayload(alert, this.options), signal });
    });
  }
}

/** The `mattermost` notifier type. */
export const mattermostNotifier: PluginDefinition<Notifier, MattermostNotifierOptions> = {
  type: "mattermost",
  summary: "Mattermost incoming webhook: one message per alert.",
  schema,
  create: (options, ctx) => new MattermostNotifier(options, ctx),
};
