/**
 * The `victorops` notifier: Splunk On-Call (formerly VictorOps) REST endpoint integration. A down alert
 * is `CRITICAL`, a degraded one `WARNING` (an announcement `INFO`), a recovery `RECOVERY`; all carry the
 * endpoint's alert key as `entity_id`, so On-Call keeps one incident per outage and resolves it.
 *
 * Follows Splunk On-Call's "REST Endpoint Integration Guide"
 * (https://help.victorops.com/knowledge-base/rest-endpoint-integration-guide/): `POST
 * <api>/integrations/generic/20131114/alert/<api key>/<routing key>` (the API key in the path is the secret;
 * no auth header) with a JSON body of `message_type` (`CRITICAL`, `WARNING`, `INFO`, `ACKNOWLEDGEMENT`,
 * `RECOVERY`), `entity_id`, `entity_display_name`, `state_message`, `state_start_time` (Unix seconds) and
 * `monitoring_tool`. It answers `200 {"result": "success", "entity_id": …}`.
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertHeadline, alertText, isAnnouncement, isProblem, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `victorops` notifier. */
export interface VictorOpsNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"victorops"` (alias `"splunk-oncall"`). */
  type: "victorops" | "splunk-oncall";
  /** The REST endpoint integration's API key (a secret). */
  api_key: string;
  /** The routing key that picks the team (as configured in On-Call). */
  routing_key: string;
  /** The alert API URL (default `https://alert.victorops.com`). */
  api_url?: string;
}

/** Validated options of the `victorops` notifier. */
export interface VictorOpsNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"victorops"`. */
  type: "victorops";
  /** The REST endpoint integration's API key (a secret). */
  api_key: string;
  /** The routing key. */
  routing_key: string;
  /** The alert API URL. */
  api_url: string;
}

const PATH_PART = /^[A-Za-z0-9._~-]+$/;

const schema: z.ZodType<VictorOpsNotifierOptions, VictorOpsNotifierConfig> = z.object({
  type: typeTag("victorops", ["splunk-oncall"]),
  ...alertPolicyShape,
  api_key: z.string().regex(PATH_PART, { error: "expected the REST integration's API key" }).meta({
    description: "The REST endpoint integration's API key.",
  }),
  routing_key: z.string().regex(PATH_PART, {
    error: "expected a routing key (letters, digits, . _ ~ -)",
  }).meta({ description: "The routing key that picks the team." }),
  api_url: httpUrl("The Splunk On-Call alert API URL.").default("https://alert.victorops.com"),
});

/** The REST endpoint body of one alert. */
export function victorOpsAlert(alert: Alert): Record<string, unknown> {
  const type = !isProblem(alert)
    ? "RECOVERY"
    : isAnnouncement(alert)
    ? "INFO"
    : alert.status === "down"
    ? "CRITICAL"
    : "WARNING";
  return {
    message_type: type,
    entity_id: alert.key,
    entity_display_name: truncate(alertHeadline(alert, { emoji: false }), 200),
    state_message: truncate(alertText(alert, { emoji: false }), 10000),
    state_start_time: Number(alert.since / 1_000_000_000n),
    monitoring_tool: "Checkup",
    host_name: alert.node || undefined,
    status_page_url: alert.url,
  };
}

/** Sends alerts to a Splunk On-Call REST endpoint integration. */
export class VictorOpsNotifier extends HttpNotifier<VictorOpsNotifierOptions> {
  /** Always `"victorops"`. */
  override readonly type = "victorops";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.options;
    const url = `${
      o.api_url.replace(/\/+$/, "")
    }/integrations/generic/20131114/alert/${o.api_key}/${o.routing_key}`;
    return deliverEach(alerts, async (alert) => {
      await this.post(url, { json: victorOpsAlert(alert), signal });
    });
  }
}

/** The `victorops` notifier type. */
export const victorOpsNotifier: PluginDefinition<Notifier, VictorOpsNotifierOptions> = {
  type: "victorops",
  aliases: ["splunk-oncall"],
  summary: "Splunk On-Call (VictorOps) REST endpoint: CRITICAL/WARNING, RECOVERY (entity_id = alert key).",
  schema,
  create: (options, ctx) => new VictorOpsNotifier(options, ctx),
};
