/**
 * The `msteams` notifier (alias `teams`): one Adaptive Card per alert to a Microsoft Teams channel
 * through a Workflows ("Post to a channel when a webhook request is received") webhook URL. The card
 * keeps the shape of the Go branch's MessageCard: the title, then facts with the endpoint and status.
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertFacts, alertHeadline, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `msteams` notifier. */
export interface TeamsNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"msteams"` (or its alias `"teams"`). */
  type: "msteams" | "teams";
  /** The Workflows webhook URL (a secret). */
  webhook: string;
}

/** Validated options of the `msteams` notifier. */
export interface TeamsNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"msteams"` (the alias is normalised). */
  type: "msteams";
  /** The Workflows webhook URL (a secret). */
  webhook: string;
}

const schema: z.ZodType<TeamsNotifierOptions, TeamsNotifierConfig> = z.lazy(() =>
  z.object({
    type: typeTag("msteams", ["teams"]),
    ...alertPolicyShape,
    webhook: httpUrl("The Teams Workflows webhook URL."),
  })
);

const STYLE = { down: "attention", degraded: "warning", healthy: "good", unknown: "default" } as const;

/** The Workflows webhook body of one alert: a message with one Adaptive Card attachment. */
export function teamsPayload(alert: Alert): unknown {
  const card: Record<string, unknown> = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
    body: [
      {
        type: "TextBlock",
        text: truncate(alertHeadline(alert), 300),
        weight: "Bolder",
        size: "Medium",
        color: STYLE[alert.status],
        wrap: true,
      },
      {
        type: "FactSet",
        facts: alertFacts(alert).filter((f) => f.label !== "Status page")
          .map((f) => ({ title: f.label, value: truncate(f.value, 1000) })),
      },
    ],
  };
  if (alert.url) card.actions = [{ type: "Action.OpenUrl", title: "Status page", url: alert.url }];
  return {
    type: "message",
    attachments: [{
      contentType: "application/vnd.microsoft.card.adaptive",
      contentUrl: null,
      content: card,
    }],
  };
}

/** Posts alerts to a Microsoft Teams channel. */
export class TeamsNotifier extends HttpNotifier<TeamsNotifierOptions> {
  /** Always `"msteams"`. */
  override readonly type = "msteams";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    return deliverEach(alerts, async (alert) => {
      await this.post(this.options.webhook, {
        json: teamsPayload(alert),
        signal,
      });
    });
  }
}

/** The `msteams` notifier type. */
export const teamsNotifier: PluginDefinition<Notifier, TeamsNotifierOptions> = {
  type: "msteams",
  aliases: ["teams"],
  summary: "Microsoft Teams Workflows webhook: one Adaptive Card per alert.",
  schema,
  create: (options, ctx) => new TeamsNotifier(options, ctx),
};
