/**
 * The `discord` notifier: one webhook POST per alert, in Go Checkup's payload shape (user name
 * `Checkup`, one embed with inline `Name`, `Status` (`**DOWN**`) and `Endpoint` fields), plus since
 * when, the error and a status page link.
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertColor, alertFacts, alertHeadline, isoTime, statusWord, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `discord` notifier. */
export interface DiscordNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"discord"`. */
  type: "discord";
  /** The channel webhook URL (a secret). */
  webhook: string;
  /** The name the messages are posted under (default `Checkup`). */
  username?: string;
  /** The avatar image URL of the messages. */
  avatar_url?: string;
}

/** Validated options of the `discord` notifier. */
export interface DiscordNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"discord"`. */
  type: "discord";
  /** The channel webhook URL (a secret). */
  webhook: string;
  /** The name messages are posted under (default `"Checkup"`). */
  username: string;
  /** The avatar image URL of the messages; unset: the webhook's own. */
  avatar_url?: string;
}

const schema: z.ZodType<DiscordNotifierOptions, DiscordNotifierConfig> = z.lazy(() =>
  z.object({
    type: typeTag("discord"),
    ...alertPolicyShape,
    webhook: httpUrl("The Discord channel webhook URL."),
    username: z.string().min(1).default("Checkup").meta({
      description: "The name messages are posted under.",
    }),
    avatar_url: httpUrl("The avatar image URL of the messages.").optional(),
  })
);

/** The Discord payload of one alert. */
export function discordPayload(
  alert: Alert,
  o: Pick<DiscordNotifierOptions, "username" | "avatar_url">,
): unknown {
  const field = (name: string, value: string, inline: boolean) => ({
    name,
    value: truncate(value || "-", 1024),
    inline,
  });
  const fields = [
    field("Name", alert.title, true),
    field("Status", `**${statusWord(alert.status)}**`, true),
    field("Endpoint", alert.endpoint, true),
    ...alertFacts(alert).filter((f) => f.label !== "Endpoint" && f.label !== "Status")
      .map((f) => field(f.label, f.value, false)),
  ];
  const embed: Record<string, unknown> = {
    title: truncate(alertHeadline(alert), 256),
    color: alertColor(alert).int,
    fields,
    timestamp: isoTime(alert.at),
  };
  if (alert.url) embed.url = alert.url;
  if (alert.node) embed.footer = { text: `Checkup · ${alert.node}` };
  const payload: Record<string, unknown> = { username: o.username, content: "" };
  if (o.avatar_url) payload.avatar_url = o.avatar_url;
  payload.embeds = [embed];
  return payload;
}

/** Posts alerts to a Discord webhook. */
export class DiscordNotifier extends HttpNotifier<DiscordNotifierOptions> {
  /** Always `"discord"`. */
  override readonly type = "discord";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    return deliverEach(alerts, async (alert) => {
      await this.post(this.options.webhook, {
        json: discordPayload(alert, this.options),
        signal,
      });
    });
  }
}

/** The `discord` notifier type. */
export const discordNotifier: PluginDefinition<Notifier, DiscordNotifierOptions> = {
  type: "discord",
  summary: "Discord webhook: one embed per alert.",
  schema,
  create: (options, ctx) => new DiscordNotifier(options, ctx),
};
