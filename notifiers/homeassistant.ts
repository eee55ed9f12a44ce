/**
 * The `homeassistant` notifier: one Home Assistant notification per alert, through a `notify` service
 * (e.g. the mobile app) or a webhook trigger of an automation.
 *
 * Follows Home Assistant's REST API doc (https://developers.home-assistant.io/docs/api/rest/, `POST
 * /api/services/<domain>/<service>`) and the notify integration (https://www.home-assistant.io/integrations/notify/):
 * `POST <url>/api/services/notify/<service>` with `Authorization: Bearer <long-lived access token>` and a
 * JSON body of `message`, `title` and `data` (here `url`/`clickAction` to open the status page, and `tag`,
 * the alert key, so the companion app replaces the problem's notification with its recovery); it answers
 * `200` with the changed states. Or, with `webhook_id`, the webhook trigger
 * (https://www.home-assistant.io/docs/automation/trigger/#webhook-trigger): `POST <url>/api/webhook/<id>`
 * (the id is the secret; no auth) with a JSON body an automation reads as `trigger.json`: `title`, `message`,
 * `kind`, `status`, `endpoint`, `key`, `id`, `status_page_url`.
 *
 * @module
 */
import { z } from "zod";
import { headerValue, httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertFacts, alertHeadline, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `homeassistant` notifier: `token` and `service`, or `webhook_id`. */
export interface HomeAssistantNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"homeassistant"`. */
  type: "homeassistant";
  /** Home Assistant's URL, e.g. `http://homeassistant.local:8123`. */
  url: string;
  /** A long-lived access token (a secret), with `service`. */
  token?: string;
  /** The notify service, e.g. `mobile_app_pixel_8` (for `notify.mobile_app_pixel_8`), with `token`. */
  service?: string;
  /** A webhook trigger's id (a secret), instead of `token` and `service`. */
  webhook_id?: string;
}

/** Validated options of the `homeassistant` notifier. */
export interface HomeAssistantNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"homeassistant"`. */
  type: "homeassistant";
  /** Home Assistant's URL. */
  url: string;
  /** The long-lived access token, or `""` with a webhook. */
  token: string;
  /** The notify service, or `""` with a webhook. */
  service: string;
  /** The webhook id, or `""` with a notify service. */
  webhook_id: string;
}

const schema: z.ZodType<HomeAssistantNotifierOptions, HomeAssistantNotifierConfig> = z.object({
  type: typeTag("homeassistant"),
  ...alertPolicyShape,
  url: httpUrl("Home Assistant's URL, e.g. http://homeassistant.local:8123."),
  token: headerValue("A long-lived access token (with service).").default(""),
  service: z.string().regex(/^$|^[a-z0-9_]+$/, {
    error: "expected a notify service name like mobile_app_pixel_8 (without notify.)",
  }).default("").meta({ description: "The notify service, e.g. mobile_app_pixel_8." }),
  webhook_id: z.string().regex(/^$|^[A-Za-z0-9_-]+$/, {
    error: "expected a webhook id (letters, digits, _ and -)",
  })
    .default("").meta({ description: "A webhook trigger's id, instead of token and service." }),
}).superRefine((o, ctx) => {
  if (o.webhook_id) {
    for (const k of ["token", "service"] as const) {
      if (o[k]) {
        ctx.addIssue({ code: "custom", path: [k], message: "expected no token or service with webhook_id" });
      }
    }
    return;
  }
  for (const k of ["token", "service"] as const) {
    if (!o[k]) {
      ctx.addIssue({
        code: "custom",
        path: [k],
        message: `expected ${k} (or webhook_id instead of token and service)`,
      });
    }
  }
}) as unknown as z.ZodType<HomeAssistantNotifierOptions, HomeAssistantNotifierConfig>;

function message(alert: Alert): string {
  return truncate(alertFacts(alert).map((f) => `${f.label}: ${f.value}`).join("\n"), 4000);
}

/** The notify service call of one alert. */
export function homeAssistantServiceCall(alert: Alert): unknown {
  const data: Record<string, string> = { tag: alert.key };
  if (alert.url) {
    data.url = alert.url;
    data.clickAction = alert.url;
  }
  return { title: alertHeadline(alert), message: message(alert), data };
}

/** The webhook trigger body of one alert. */
export function homeAssistantWebhookBody(alert: Alert): unknown {
  return {
    title: alertHeadline(alert),
    message: message(alert),
    kind: alert.kind,
    status: alert.status,
    endpoint: alert.endpoint,
    key: alert.key,
    id: alert.id,
    status_page_url: alert.url ?? null,
  };
}

/** Sends alerts to Home Assistant. */
export class HomeAssistantNotifier extends HttpNotifier<HomeAssistantNotifierOptions> {
  /** Always `"homeassistant"`. */
  override readonly type = "homeassistant";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.options;
    const base = o.url.replace(/\/+$/, "");
    return deliverEach(alerts, async (alert) => {
      if (o.webhook_id) {
        await this.post(`${base}/api/webhook/${o.webhook_id}`, {
          json: homeAssistantWebhookBody(alert),
          signal,
        });
      } else {
        await this.post(`${base}/api/services/notify/${o.service}`, {
          json: homeAssistantServiceCall(alert),
          headers: { Authorization: `Bearer ${o.token}` },
          signal,
        });
      }
    });
  }
}

/** The `homeassistant` notifier type. */
export const homeAssistantNotifier: PluginDefinition<Notifier, HomeAssistantNotifierOptions> = {
  type: "homeassistant",
  summary: "Home Assistant: a notify service call (long-lived token) or a webhook trigger per alert.",
  schema,
  create: (options, ctx) => new HomeAssistantNotifier(options, ctx),
};
