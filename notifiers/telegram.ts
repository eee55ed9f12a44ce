/**
 * The `telegram` notifier: one message per alert through the Telegram Bot API (`sendMessage`, HTML
 * formatting), to a chat, group or channel the bot belongs to.
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertFacts, alertHeadline, escapeHtml, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `telegram` notifier. */
export interface TelegramNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"telegram"`. */
  type: "telegram";
  /** The bot token from @BotFather (a secret). */
  token: string;
  /** The chat: a numeric id or `@channelname`. */
  chat_id: string | number;
  /** The Bot API base URL (default `https://api.telegram.org`). */
  api_url?: string;
}

/** Validated options of the `telegram` notifier. */
export interface TelegramNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"telegram"`. */
  type: "telegram";
  /** The bot token from @BotFather, `"123456:ABC-def"` (a secret). */
  token: string;
  /** The chat: a numeric id or `"@channelname"`. */
  chat_id: string | number;
  /** The Bot API base URL (default `https://api.telegram.org`). */
  api_url: string;
}

const schema: z.ZodType<TelegramNotifierOptions, TelegramNotifierConfig> = z.lazy(() =>
  z.object({
    type: typeTag("telegram"),
    ...alertPolicyShape,
    token: z.string().regex(/^\d+:[\w-]+$/, { error: 'expected a bot token like "123456:ABC-def"' }).meta({
      description: "The bot token from @BotFather.",
    }),
    chat_id: z.union([z.number().int(), z.string().regex(/^(-?\d+|@\w{4,})$/)]).meta({
      description: "The chat id, or @channelname.",
    }),
    api_url: httpUrl("The Bot API base URL.").default("https://api.telegram.org"),
  })
);

/** The HTML text of one alert, as Telegram renders it. */
export function telegramText(alert: Alert): string {
  const lines = [`<b>${escapeHtml(alertHeadline(alert))}</b>`];
  for (const f of alertFacts(alert)) lines.push(`<b>${escapeHtml(f.label)}:</b> ${escapeHtml(f.value)}`);
  return truncate(lines.join("\n"), 4000);
}

/** Sends alerts to a Telegram chat. */
export class TelegramNotifier extends HttpNotifier<TelegramNotifierOptions> {
  /** Always `"telegram"`. */
  override readonly type = "telegram";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.options;
    return deliverEach(alerts, async (alert) => {
      const { text } = await this.post(`${o.api_url.replace(/\/+$/, "")}/bot${o.token}/sendMessage`, {
        json: {
          chat_id: o.chat_id,
          text: telegramText(alert),
          parse_mode: "HTML",
          link_preview_options: { is_disabled: true },
        },
        signal,
      });
      let ok = false;
      try {
        ok = JSON.parse(text).ok === true;
      } catch { /* not JSON */ }
      if (!ok) throw new Error(`telegram: expected {"ok":true}, found ${truncate(text, 200)}`);
    });
  }
}

/** The `telegram` notifier type. */
export const telegramNotifier: PluginDefinition<Notifier, TelegramNotifierOptions> = {
  type: "telegram",
  summary: "Telegram bot message: one per alert.",
  schema,
  create: (options, ctx) => new TelegramNotifier(options, ctx),
};
