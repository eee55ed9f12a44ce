/**
 * The `pagerduty` notifier: PagerDuty Events API v2. A down or degraded alert (and a reminder)
 * triggers an incident, a recovery resolves it; both carry the endpoint's stable dedup key, so
 * PagerDuty folds repeats into one incident.
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertFacts, alertHeadline, isoTime, isProblem, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** PagerDuty event severities. */
export type PagerDutySeverity = "critical" | "error" | "warning" | "info";

/** `checkup.json` options of the `pagerduty` notifier. */
export interface PagerDutyNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"pagerduty"`. */
  type: "pagerduty";
  /** The integration (routing) key of an Events API v2 integration (a secret). */
  routing_key: string;
  /** Severity of down alerts (default `critical`). */
  severity_down?: PagerDutySeverity;
  /** Severity of degraded alerts (default `warning`). */
  severity_degraded?: PagerDutySeverity;
  /** The events API base URL (default `https://events.pagerduty.com`; EU: `https://events.eu.pagerduty.com`). */
  api_url?: string;
}

/** Validated options of the `pagerduty` notifier. */
export interface PagerDutyNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"pagerduty"`. */
  type: "pagerduty";
  /** The Events API v2 integration (routing) key (a secret). */
  routing_key: string;
  /** Severity of down alerts (default `"critical"`). */
  severity_down: PagerDutySeverity;
  /** Severity of degraded alerts (default `"warning"`). */
  severity_degraded: PagerDutySeverity;
  /** The events API base URL (default `https://events.pagerduty.com`). */
  api_url: string;
}

const SEVERITIES = ["critical", "error", "warning", "info"] as const;

const schema: z.ZodType<PagerDutyNotifierOptions, PagerDutyNotifierConfig> = z.lazy(() =>
  z.object({
    type: typeTag("pagerduty"),
    ...alertPolicyShape,
    routing_key: z.string().min(1).meta({ description: "The Events API v2 integration key." }),
    severity_down: z.enum(SEVERITIES).default("critical").meta({ description: "Severity of down alerts." }),
    severity_degraded: z.enum(SEVERITIES).default("warning").meta({
      description: "Severity of degraded alerts.",
    }),
    api_url: httpUrl("The PagerDuty events API base URL.").default("https://events.pagerduty.com"),
  })
);

/** The Events API v2 body of one alert: a `trigger`, or a `resolve` for a recovery. */
export function pagerDutyEvent(
  alert: Alert,
  o: Omit<PagerDutyNotifierOptions, keyof AlertPolicy | "type">,
): unknown {
  // A recovery, a resolved incident or a maintenance window that is over resolves what opened it.
  if (!isProblem(alert)) {
    return { routing_key: o.routing_key, event_action: "resolve", dedup_key: alert.key };
  }
  const details: Record<string, string> = {};
  for (const f of alertFacts(alert)) details[f.label.toLowerCase().replace(/ /g, "_")] = f.value;
  const payload: Record<string, unknown> = {
    summary: truncate(
      alertHeadline(alert, { emoji: false }) + (alert.reason ? `: ${alert.reason}` : ""),
      1024,
    ),
    source: alert.node || "checkup",
    severity: alert.kind === "maintenance"
      ? "info"
      : alert.status === "down"
      ? o.severity_down
      : o.severity_degraded,
    timestamp: isoTime(alert.since),
    component: alert.endpoint || alert.title,
    class: alert.status,
    custom_details: details,
  };
  if (alert.node) payload.group = alert.node;
  const event: Record<string, unknown> = {
    routing_key: o.routing_key,
    event_action: "trigger",
    dedup_key: alert.key,
    payload,
    client: "Checkup",
  };
  if (alert.url) {
    event.client_url = alert.url;
    event.links = [{ href: alert.url, text: "Status page" }];
  }
  return event;
}

/** Triggers and resolves PagerDuty incidents. */
export class PagerDutyNotifier extends HttpNotifier<PagerDutyNotifierOptions> {
  /** Always `"pagerduty"`. */
  override readonly type = "pagerduty";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const url = `${this.options.api_url.replace(/\/+$/, "")}/v2/enqueue`;
    return deliverEach(alerts, async (alert) => {
      await this.post(url, {
        json: pagerDutyEvent(alert, this.options),
        signal,
      });
    });
  }
}

/** The `pagerduty` notifier type. */
export const pagerDutyNotifier: PluginDefinition<Notifier, PagerDutyNotifierOptions> = {
  type: "pagerduty",
  summary:
    "PagerDuty Events API v2: trigger on down/degraded, resolve on recovery (one dedup key per endpoint).",
  schema,
  create: (options, ctx) => new PagerDutyNotifier(options, ctx),
};
