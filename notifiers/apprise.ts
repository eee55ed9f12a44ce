/**
 * The `apprise` notifier: one notification per alert through an Apprise API server, which fans it out to
 * any of Apprise's services.
 *
 * Follows the Apprise API README (https://github.com/caronc/apprise-api#api-details): with a saved
 * configuration, `POST <url>/notify/<key>` with a JSON body of `body`, `title`, `type` (`info`, `success`,
 * `warning`, `failure`), `format` (`text`) and optional `tag`; stateless, `POST <url>/notify` with the
 * Apprise URLs in `urls` as well. It answers `200`; a failed fan-out is `424`, an unknown key `204`
 * (nothing sent, treated as a failure here). A problem is `failure` (down) or `warning` (degraded), a
 * recovery `success`, an announcement `info`.
 *
 * @module
 */
import { z } from "zod";
import { headers, httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { DeliveryError } from "./notifier.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertFacts, alertHeadline, isAnnouncement, isProblem, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `apprise` notifier: a saved configuration's `key`, or `urls`. */
export interface AppriseNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"apprise"`. */
  type: "apprise";
  /** The Apprise API server's URL, e.g. `http://apprise:8000`. */
  url: string;
  /** The key of a configuration saved on the server (a secret). */
  key?: string;
  /** Apprise URLs to notify, stateless, instead of `key` (secrets: they carry tokens). */
  urls?: string[];
  /** Only the saved configuration's services with this tag (with `key`). */
  tag?: string;
  /** Extra request headers, e.g. a proxy's `Authorization` (secrets). */
  headers?: Record<string, string>;
}

/** Validated options of the `apprise` notifier. */
export interface AppriseNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"apprise"`. */
  type: "apprise";
  /** The Apprise API server's URL. */
  url: string;
  /** The saved configuration's key, or `""`. */
  key: string;
  /** Stateless Apprise URLs, or `[]`. */
  urls: string[];
  /** A tag to filter the saved configuration's services, or `""`. */
  tag: string;
  /** Extra request headers. */
  headers: Record<string, string>;
}

const schema: z.ZodType<AppriseNotifierOptions, AppriseNotifierConfig> = z.object({
  type: typeTag("apprise"),
  ...alertPolicyShape,
  url: httpUrl("The Apprise API server's URL."),
  key: z.string().regex(/^$|^[\w-]{1,128}$/, {
    error: "expected a configuration key (letters, digits, _ and -)",
  })
    .default("").meta({ description: "The key of a configuration saved on the server." }),
  urls: z.array(
    z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/\S*$/i, { error: "expected an Apprise URL like tgram://…" }),
  )
    .default([]).meta({ description: "Apprise URLs to notify (stateless), instead of key." }),
  tag: z.string().default("").meta({ description: "Only the saved configuration's services with this tag." }),
  headers: headers("Extra request headers, e.g. a proxy's Authorization."),
}).superRefine((o, ctx) => {
  if (!o.key && !o.urls.length) {
    ctx.addIssue({ code: "custom", path: ["key"], message: "expected key (a saved configuration) or urls" });
  }
  if (o.key && o.urls.length) {
    ctx.addIssue({ code: "custom", path: ["urls"], message: "expected key or urls, not both" });
  }
}) as unknown as z.ZodType<AppriseNotifierOptions, AppriseNotifierConfig>;

/** The Apprise API body of one alert. */
export function appriseBody(
  alert: Alert,
  o: Pick<AppriseNotifierOptions, "urls" | "tag">,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    title: truncate(alertHeadline(alert), 250),
    body: truncate(alertFacts(alert).map((f) => `${f.label}: ${f.value}`).join("\n"), 8000),
    type: isAnnouncement(alert) && isProblem(alert)
      ? "info"
      : !isProblem(alert)
      ? "success"
      : alert.status === "down"
      ? "failure"
      : "warning",
    format: "text",
  };
  if (o.urls.length) body.urls = o.urls.join(",");
  if (o.tag) body.tag = o.tag;
  return body;
}

/** Sends alerts through an Apprise API server. */
export class AppriseNotifier extends HttpNotifier<AppriseNotifierOptions> {
  /** Always `"apprise"`. */
  override readonly type = "apprise";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.options;
    const url = `${o.url.replace(/\/+$/, "")}/notify${o.key ? `/${o.key}` : ""}`;
    return deliverEach(alerts, async (alert) => {
      const res = await this.post(url, { json: appriseBody(alert, o), headers: o.headers, signal });
      // 204: the key has no configuration (or the tag matched nothing): nothing was sent.
      if (res.status === 204) {
        throw new DeliveryError(
          `${new URL(url).origin}: Apprise sent nothing (no configuration for the key or tag)`,
          [
            alert,
          ],
        );
      }
    });
  }
}

/** The `apprise` notifier type. */
export const appriseNotifier: PluginDefinition<Notifier, AppriseNotifierOptions> = {
  type: "apprise",
  summary: "Apprise API server: one notification per alert, to a saved configuration's key or to urls.",
  schema,
  create: (options, ctx) => new AppriseNotifier(options, ctx),
};
