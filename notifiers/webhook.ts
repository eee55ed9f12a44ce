/**
 * The `webhook` notifier: one JSON request per alert to any URL, for your own automation. The body
 * (documented in the README) has every alert field, a ready-made `text`, and the endpoint's latest
 * result in Go Checkup's check-file format (timestamps in exact integer nanoseconds).
 *
 * @module
 */
import { z } from "zod";
import { headers, httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { encodeResults } from "../result.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertText, isoTime } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { escapingFor, renderTemplate, TEMPLATE_FIELDS, unknownPlaceholders } from "./template.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `webhook` notifier. */
export interface WebhookNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"webhook"`. */
  type: "webhook";
  /** The URL the alerts are sent to (a secret when it carries a token). */
  webhook: string;
  /** `POST` (default) or `PUT`. */
  method?: "POST" | "PUT";
  /** Extra request headers, e.g. `{"Authorization": "Bearer ${HOOK_TOKEN}"}`. */
  headers?: Record<string, string>;
  /** A logic-less body template (`{{title}}`, `{{status}}`, …) instead of the documented JSON body. */
  body_template?: string;
  /** The body's Content-Type with a template (default `application/json`); it decides the escaping. */
  content_type?: string;
}

/** Validated options of the `webhook` notifier. */
export interface WebhookNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"webhook"`. */
  type: "webhook";
  /** The URL the alerts are sent to (a secret when it carries a token). */
  webhook: string;
  /** The HTTP method (default `"POST"`). */
  method: "POST" | "PUT";
  /** Extra request headers (default none). */
  headers: Record<string, string>;
  /** A logic-less body template; `""`: the documented JSON body. */
  body_template: string;
  /** The body's Content-Type with a template. */
  content_type: string;
}

const schema: z.ZodType<WebhookNotifierOptions, WebhookNotifierConfig> = z.lazy(() =>
  z.object({
    type: typeTag("webhook"),
    ...alertPolicyShape,
    webhook: httpUrl("The URL the alerts are sent to."),
    method: z.enum(["POST", "PUT"]).default("POST").meta({ description: "The HTTP method." }),
    headers: headers("Extra request headers."),
    body_template: z.string().max(16_384).default("").meta({
      description:
        "A logic-less body template instead of the documented JSON body: {{kind}}, {{title}}, {{endpoint}}, {{status}}, {{previous}}, {{since}}, {{incident_since}}, {{at}}, {{reason}}, {{node}}, {{status_page_url}}, {{key}}, {{id}}, {{headline}}, {{text}}, escaped for content_type.",
    }),
    content_type: z.string().regex(
      /^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/,
      "expected a media type like application/json",
    )
      .default("application/json").meta({ description: "The body's Content-Type with a template." }),
  }).superRefine((o, ctx) => {
    if (!o.body_template) return;
    const unknown = unknownPlaceholders(o.body_template);
    if (unknown.length) {
      ctx.addIssue({
        code: "custom",
        path: ["body_template"],
        message: `unknown placeholder ${unknown.map((n) => `{{${n}}}`).join(", ")}: expected one of ${
          Object.keys(TEMPLATE_FIELDS).map((n) => `{{${n}}}`).join(", ")
        }`,
      });
      return;
    }
    if (escapingFor(o.content_type) === "json") {
      // A template that cannot give JSON is caught at load, not at the first page.
      try {
        JSON.parse(renderTemplate(o.body_template, SAMPLE, "json"));
      } catch (e) {
        ctx.addIssue({
          code: "custom",
          path: ["body_template"],
          message: `expected a template that renders JSON (content_type ${o.content_type}): ${
            (e as Error).message
          }`,
        });
      }
    }
  })
);

/** An alert to try templates on at load. */
const SAMPLE: Alert = {
  kind: "down",
  title: "API",
  endpoint: "https://api.example.com/health",
  status: "down",
  previous: "healthy",
  since: 0n,
  incident_since: 0n,
  at: 0n,
  result: { title: "API", timestamp: 0n, times: [] },
  reason: 'response status 502 "Bad Gateway"',
  key: "checkup-0",
  id: "checkup-1",
};

/**
 * The webhook body of one alert, as JSON text (schema version 1):
 * `{version, kind, title, endpoint, status, previous, since, incident_since, at, reason?, node?,
 * status_page_url?, key, id, text, result}`; times are RFC 3339 UTC, `result` is the check-file result.
 * `id` is the notification's stable id (also sent as the `Idempotency-Key` header): the same on every
 * retry, so a receiver can drop repeats.
 */
export function webhookBody(alert: Alert): string {
  const body: Record<string, unknown> = {
    version: 1,
    kind: alert.kind,
    title: alert.title,
    endpoint: alert.endpoint,
    status: alert.status,
    previous: alert.previous,
    since: isoTime(alert.since),
    incident_since: isoTime(alert.incident_since),
    at: isoTime(alert.at),
  };
  if (alert.reason) body.reason = alert.reason;
  if (alert.node) body.node = alert.node;
  if (alert.url) body.status_page_url = alert.url;
  body.key = alert.key;
  body.id = alert.id;
  body.text = alertText(alert, { emoji: false });
  const json = JSON.stringify(body);
  // The result goes in as Go-compatible JSON text, so its nanosecond timestamp stays exact.
  return `${json.slice(0, -1)},"result":${encodeResults([alert.result]).slice(1, -1)}}`;
}

/** Sends alerts to any HTTP endpoint as JSON. */
export class WebhookNotifier extends HttpNotifier<WebhookNotifierOptions> {
  /** Always `"webhook"`. */
  override readonly type = "webhook";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.options;
    return deliverEach(alerts, async (alert) => {
      await this.post(o.webhook, {
        method: o.method,
        body: o.body_template
          ? renderTemplate(o.body_template, alert, escapingFor(o.content_type))
          : webhookBody(alert),
        headers: {
          "content-type": o.body_template ? o.content_type : "application/json",
          "user-agent": "Checkup",
          "idempotency-key": alert.id,
          ...o.headers,
        },
        signal,
      });
    });
  }
}

/** The `webhook` notifier type. */
export const webhookNotifier: PluginDefinition<Notifier, WebhookNotifierOptions> = {
  type: "webhook",
  summary: "Any HTTP endpoint: one JSON request per alert (documented schema, custom headers).",
  schema,
  create: (options, ctx) => new WebhookNotifier(options, ctx),
};
