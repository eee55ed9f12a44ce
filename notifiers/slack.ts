/**
 * The `slack` notifier: one incoming-webhook POST per alert, in Go Checkup's payload shape (`text`,
 * `username`, `channel`, one attachment whose first field is the title with the endpoint and whose
 * second is the status), plus since when, the error and a status page link.
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertFacts, alertHeadline, alertText, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `slack` notifier (Go Checkup's keys plus the alert keys). */
export interface SlackNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"slack"`. */
  type: "slack";
  /** The incoming-webhook URL (a secret). */
  webhook: string;
  /** Overrides the webhook's user name (legacy webhooks only). */
  username?: string;
  /** Overrides the webhook's channel, e.g. `#ops` (legacy webhooks only). */
  channel?: string;
}

/** Validated options of the `slack` notifier. */
export interface SlackNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"slack"`. */
  type: "slack";
  /** The incoming-webhook URL (a secret). */
  webhook: string;
  /** Overrides the webhook's user name; `""`: the webhook's own. */
  username: string;
  /** Overrides the webhook's channel (e.g. `#ops`); `""`: the webhook's own. */
  channel: string;
}

const schema: z.ZodType<SlackNotifierOptions, SlackNotifierConfig> = z.lazy(() =>
  z.object({
    type: typeTag("slack"),
    ...alertPolicyShape,
    webhook: httpUrl("The Slack incoming-webhook URL."),
    username: z.string().default("").meta({ description: "Overrides the webhook's user name." }),
    channel: z.string().default("").meta({ description: "Overrides the webhook's channel, e.g. #ops." }),
  })
);

const COLOR = { down: "danger", degraded: "warning", healthy: "good", unknown: "#999999" } as const;

/** The Slack payload of one alert. */
export function slackPayload(alert: Alert, o: Pick<SlackNotifierOptions, "username" | "channel">): unknown {
  const fields = [
    { title: alert.title || "Endpoint", value: alert.endpoint },
    ...alertFacts(alert).filter((f) => f.label !== "Endpoint").map((f) => ({
      title: f.label,
      value: truncate(f.value, 2000),
      short: f.label !== "Error" && f.label !== "Notice" && f.label !== "Status page",
    })),
  ];
  const attachment: Record<string, unknown> = {
    color: COLOR[alert.status],
    fallback: truncate(alertText(alert), 3000),
    fields,
    footer: alert.node ? `Checkup · ${alert.node}` : "Checkup",
    ts: Number(alert.at / 1_000_000_000n),
  };
  if (alert.url) {
    attachment.title = "Status page";
    attachment.title_link = alert.url;
  }
  const payload: Record<string, unknown> = { text: alertHeadline(alert) };
  if (o.username) payload.username = o.username;
  if (o.channel) payload.channel = o.channel;
  payload.attachments = [attachment];
  return payload;
}

/** Posts alerts to a Slack incoming webhook. */
export class SlackNotifier extends HttpNotifier<SlackNotifierOptions> {
  /** Always `"slack"`. */
  override readonly type = "slack";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    return deliverEach(alerts, async (alert) => {
      await this.post(this.options.webhook, {
        json: slackPayload(alert, this.options),
        signal,
      });
    });
  }
}

/** The `slack` notifier type. */
export const slackNotifier: PluginDefinition<Notifier, SlackNotifierOptions> = {
  type: "slack",
  summary: "Slack incoming webhook: one message per alert.",
  schema,
  create: (options, ctx) => new SlackNotifier(options, ctx),
};
