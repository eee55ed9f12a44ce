/**
 * The `opsgenie` notifier: Opsgenie Alert API v2. A down or degraded alert (and a reminder) creates an
 * alert whose `alias` is the endpoint's alert key, so Opsgenie folds repeats into one open alert; a
 * recovery closes it by that alias.
 *
 * Follows the Opsgenie Alert API doc (https://docs.opsgenie.com/docs/alert-api): create is
 * `POST <api>/v2/alerts` with `Authorization: GenieKey <api key>` and a JSON body of `message` (≤ 130
 * characters), `alias` (≤ 512), `description` (≤ 15000), `details` (string map), `entity`, `source`,
 * `priority` (`P1`–`P5`) and `tags`; close is `POST <api>/v2/alerts/<alias>/close?identifierType=alias`
 * with `{source, note}`. Both answer `202 {result, took, requestId}`. The API host is
 * `https://api.opsgenie.com`, or `https://api.eu.opsgenie.com` for EU accounts.
 *
 * @module
 */
import { z } from "zod";
import { headerValue, httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertFacts, alertHeadline, alertText, isProblem, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** Opsgenie alert priorities. */
export type OpsgeniePriority = "P1" | "P2" | "P3" | "P4" | "P5";

/** `checkup.json` options of the `opsgenie` notifier. */
export interface OpsgenieNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"opsgenie"`. */
  type: "opsgenie";
  /** The API key of an API integration (a secret). */
  api_key: string;
  /** The API URL (default `https://api.opsgenie.com`; EU: `https://api.eu.opsgenie.com`). */
  api_url?: string;
  /** Priority of down alerts (default `P1`). */
  priority_down?: OpsgeniePriority;
  /** Priority of degraded alerts (default `P3`). */
  priority_degraded?: OpsgeniePriority;
  /** Tags added to every alert. */
  tags?: string[];
}

/** Validated options of the `opsgenie` notifier. */
export interface OpsgenieNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"opsgenie"`. */
  type: "opsgenie";
  /** The API integration's key (a secret). */
  api_key: string;
  /** The API URL. */
  api_url: string;
  /** Priority of down alerts. */
  priority_down: OpsgeniePriority;
  /** Priority of degraded alerts. */
  priority_degraded: OpsgeniePriority;
  /** Tags added to every alert. */
  tags: string[];
}

const PRIORITIES = ["P1", "P2", "P3", "P4", "P5"] as const;

const schema: z.ZodType<OpsgenieNotifierOptions, OpsgenieNotifierConfig> = z.object({
  type: typeTag("opsgenie"),
  ...alertPolicyShape,
  api_key: headerValue("The API key of an Opsgenie API integration.", 1),
  api_url: httpUrl("The Opsgenie API URL (EU: https://api.eu.opsgenie.com).").default(
    "https://api.opsgenie.com",
  ),
  priority_down: z.enum(PRIORITIES).default("P1").meta({ description: "Priority of down alerts." }),
  priority_degraded: z.enum(PRIORITIES).default("P3").meta({ description: "Priority of degraded alerts." }),
  tags: z.array(z.string().min(1).max(50)).default([]).meta({ description: "Tags added to every alert." }),
});

/** The request of one alert: a create, or a close by alias for a recovery. */
export function opsgenieRequest(
  alert: Alert,
  o: Pick<OpsgenieNotifierOptions, "priority_down" | "priority_degraded" | "tags">,
): { path: string; body: Record<string, unknown> } {
  const source = alert.node ? `Checkup ${alert.node}` : "Checkup";
  if (!isProblem(alert)) {
    return {
      path: `/v2/alerts/${encodeURIComponent(alert.key)}/close?identifierType=alias`,
      body: { source, note: truncate(alertText(alert, { emoji: false }), 25000) },
    };
  }
  const details: Record<string, string> = {};
  for (const f of alertFacts(alert)) {
    details[f.label.toLowerCase().replace(/ /g, "_")] = truncate(f.value, 8000);
  }
  return {
    path: "/v2/alerts",
    body: {
      message: truncate(alertHeadline(alert, { emoji: false }), 130),
      alias: truncate(alert.key, 512),
      description: truncate(alertText(alert, { emoji: false }), 15000),
      details,
      entity: truncate(alert.endpoint || alert.title, 512),
      source: truncate(source, 100),
      priority: alert.kind === "maintenance"
        ? "P5"
        : alert.status === "down"
        ? o.priority_down
        : o.priority_degraded,
      tags: [...new Set(["checkup", alert.kind, ...o.tags])],
    },
  };
}

/** Creates and closes Opsgenie alerts. */
export class OpsgenieNotifier extends HttpNotifier<OpsgenieNotifierOptions> {
  /** Always `"opsgenie"`. */
  override readonly type = "opsgenie";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const base = this.options.api_url.replace(/\/+$/, "");
    return deliverEach(alerts, async (alert) => {
      const { path, body } = opsgenieRequest(alert, this.options);
      await this.post(base + path, {
        json: body,
        headers: { Authorization: `GenieKey ${this.options.api_key}` },
        signal,
      });
    });
  }
}

/** The `opsgenie` notifier type. */
export const opsgenieNotifier: PluginDefinition<Notifier, OpsgenieNotifierOptions> = {
  type: "opsgenie",
  summary: "Opsgenie Alert API v2: create on down/degraded (alias = alert key), close on recovery.",
  schema,
  create: (options, ctx) => new OpsgenieNotifier(options, ctx),
};
