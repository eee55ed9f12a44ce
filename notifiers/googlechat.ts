/**
 * The `googlechat` notifier: one Google Chat incoming-webhook message per alert, threaded per endpoint.
 *
 * Follows Google's "Build a Google Chat app as a webhook" guide and the `spaces.messages.create` reference
 * (https://developers.google.com/workspace/chat/quickstart/webhooks,
 * https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages/create): `POST` the
 * webhook URL (`https://chat.googleapis.com/v1/spaces/<space>/messages?key=…&token=…`, whose `key` and
 * `token` are the secret; no auth header) with a JSON `Message`: `text` (Chat's own markup: `*bold*`,
 * `<url|label>`), `cardsV2` (a card with a header and a section of `decoratedText` widgets and a button), and
 * `thread.threadKey`, with the query parameter `messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD`, so
 * every alert of one endpoint (its alert key) lands in one thread and the recovery is a reply in it.
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertColor, alertFacts, alertHeadline, alertText, escapeHtml, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `googlechat` notifier. */
export interface GoogleChatNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"googlechat"`. */
  type: "googlechat";
  /** The space's webhook URL, with its `key` and `token` (a secret). */
  webhook: string;
  /** One thread per endpoint (default `true`); `false` starts a new thread for every alert. */
  thread?: boolean;
}

/** Validated options of the `googlechat` notifier. */
export interface GoogleChatNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"googlechat"`. */
  type: "googlechat";
  /** The space's webhook URL (a secret). */
  webhook: string;
  /** One thread per endpoint. */
  thread: boolean;
}

const schema: z.ZodType<GoogleChatNotifierOptions, GoogleChatNotifierConfig> = z.object({
  type: typeTag("googlechat"),
  ...alertPolicyShape,
  webhook: httpUrl("The Google Chat space's webhook URL (with key and token)."),
  thread: z.boolean().default(true).meta({ description: "One thread per endpoint (its alert key)." }),
});

/** The Google Chat message of one alert: a text fallback and a card (text ≤ 4096 characters). */
export function googleChatMessage(alert: Alert, o: Pick<GoogleChatNotifierOptions, "thread">): unknown {
  const headline = alertHeadline(alert);
  const widgets: unknown[] = alertFacts(alert).filter((f) => f.label !== "Status page").map((f) => ({
    decoratedText: { topLabel: f.label, text: escapeHtml(truncate(f.value, 1000)), wrapText: true },
  }));
  if (alert.url) {
    widgets.push({
      buttonList: { buttons: [{ text: "Status page", onClick: { openLink: { url: alert.url } } }] },
    });
  }
  const message: Record<string, unknown> = {
    text: truncate(alertText(alert), 4000),
    cardsV2: [{
      cardId: `checkup-${alert.id}`.slice(0, 64),
      card: {
        header: {
          title: truncate(headline, 200),
          subtitle: `<font color="${alertColor(alert).hex}">${
            alert.node ? `Checkup · ${alert.node}` : "Checkup"
          }</font>`,
        },
        sections: [{ widgets }],
      },
    }],
  };
  if (o.thread) message.thread = { threadKey: alert.key };
  return message;
}

/** Posts alerts to a Google Chat space. */
export class GoogleChatNotifier extends HttpNotifier<GoogleChatNotifierOptions> {
  /** Always `"googlechat"`. */
  override readonly type = "googlechat";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const url = new URL(this.options.webhook);
    if (this.options.thread) {
      url.searchParams.set("messageReplyOption", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
    }
    return deliverEach(alerts, async (alert) => {
      await this.post(url, { json: googleChatMessage(alert, this.options), signal });
    });
  }
}

/** The `googlechat` notifier type. */
export const googleChatNotifier: PluginDefinition<Notifier, GoogleChatNotifierOptions> = {
  type: "googlechat",
  summary: "Google Chat space webhook: one card per alert, one thread per endpoint.",
  schema,
  create: (options, ctx) => new GoogleChatNotifier(options, ctx),
};
