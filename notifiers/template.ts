/**
 * Logic-less body templates for the `webhook` notifier (`body_template`): `{{field}}` placeholders filled
 * from the alert, nothing else — no expressions, loops, helpers or code (Cachet and Uptime Kuma had remote
 * code execution through template engines). Each value is escaped for the body's content type: JSON string
 * content for JSON (so `"text": "{{text}}"` stays valid whatever the text holds), form encoding for
 * `application/x-www-form-urlencoded`, as is otherwise.
 *
 * @module
 */
import { alertHeadline, alertText, isoTime } from "./message.ts";
import type { Alert } from "./notifier.ts";

/** The placeholders a template may use, with what each holds. */
export const TEMPLATE_FIELDS: Readonly<Record<string, (a: Alert) => string>> = {
  kind: (a) => a.kind,
  title: (a) => a.title,
  endpoint: (a) => a.endpoint,
  status: (a) => a.status,
  previous: (a) => a.previous,
  since: (a) => isoTime(a.since),
  incident_since: (a) => isoTime(a.incident_since),
  at: (a) => isoTime(a.at),
  reason: (a) => a.reason ?? "",
  node: (a) => a.node ?? "",
  status_page_url: (a) => a.url ?? "",
  key: (a) => a.key,
  id: (a) => a.id,
  headline: (a) => alertHeadline(a, { emoji: false }),
  text: (a) => alertText(a, { emoji: false }),
};

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;

/** How values are escaped for a content type. */
export type Escaping = "json" | "form" | "none";

/** The escaping for a `Content-Type`. */
export function escapingFor(contentType: string): Escaping {
  const t = contentType.toLowerCase();
  if (/[/+]json\b/.test(t)) return "json";
  if (t.startsWith("application/x-www-form-urlencoded")) return "form";
  return "none";
}

function escape(value: string, how: Escaping): string {
  if (how === "json") return JSON.stringify(value).slice(1, -1);
  if (how === "form") return encodeURIComponent(value).replace(/%20/g, "+");
  return value;
}

/**
 * What is between `{{` and `}}` in a template and is not a field name (empty when all are known): an
 * expression, a helper or a section is reported, never evaluated.
 */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(/\{\{(.*?)\}\}/gs)].map((m) => m[1].trim())
    .filter((name) => !Object.hasOwn(TEMPLATE_FIELDS, name));
}

/**
 * The body for one alert: every `{{field}}` replaced by the alert's value, escaped for the content type.
 *
 * @example
 * ```ts
 * import { renderTemplate } from "./template.ts";
 * const alert = { kind: "down", title: 'API "v2"', status: "down" } as never;
 * console.assert(renderTemplate('{"msg": "{{title}} is {{status}}"}', alert, "json") === '{"msg": "API \\"v2\\" is down"}');
 * ```
 */
export function renderTemplate(template: string, alert: Alert, how: Escaping): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const field = Object.hasOwn(TEMPLATE_FIELDS, name) ? TEMPLATE_FIELDS[name] : undefined;
    return field ? escape(field(alert), how) : whole;
  });
}
