/**
 * The `zulip` notifier: one Zulip stream message per alert, in a topic named after the endpoint, so an
 * outage and its recovery read as one conversation.
 *
 * Follows Zulip's REST API "Send a message" (https://zulip.com/api/send-message) and "HTTP basic
 * authentication" (https://zulip.com/api/http-headers): `POST <site>/api/v1/messages` with
 * `Authorization: Basic base64(<bot email>:<API key>)` and a form-encoded body of `type=stream`, `to=<stream
 * name>`, `topic=<endpoint title>` (≤ 60 characters) and `content` (Zulip Markdown). It answers
 * `200 {"result": "success", "msg": "", "id": …}`; errors are 4xx `{"result": "error", "msg", "code"}`.
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

/** `checkup.json` options of the `zulip` notifier. */
export interface ZulipNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"zulip"`. */
  type: "zulip";
  /** The organization URL, e.g. `https://acme.zulipchat.com`. */
  site: string;
  /** The bot's email address. */
  email: string;
  /** The bot's API key (a secret). */
  api_key: string;
  /** The stream (channel) to post to. */
  stream: string;
}

/** Validated options of the `zulip` notifier. */
export interface ZulipNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"zulip"`. */
  type: "zulip";
  /** The organization URL. */
  site: string;
  /** The bot's email address. */
  email: string;
  /** The bot's API key (a secret). */
  api_key: string;
  /** The stream to post to. */
  stream: string;
}

const schema: z.ZodType<ZulipNotifierOptions, ZulipNotifierConfig> = z.object({
  type: typeTag("zulip"),
  ...alertPolicyShape,
  site: httpUrl("The Zulip organization URL, e.g. https://acme.zulipchat.com."),
  email: headerValue("The bot's email address.", 3).regex(/^[^\s:@]+@[^\s:@]+$/, {
    error: "expected the bot's email address",
  }),
  api_key: headerValue("The bot's API key.", 1),
  stream: z.string().min(1).max(60).meta({ description: "The stream (channel) to post to." }),
});

/** The form fields of one alert's message. */
export function zulipMessage(alert: Alert, stream: string): URLSearchParams {
  const lines = alertFacts(alert).map((f) => `**${f.label}:** ${truncate(f.value, 2000)}`);
  return new URLSearchParams({
    type: "stream",
    to: stream,
    topic: truncate(alert.title || alert.endpoint || "Checkup", 60),
    content: truncate([`**${alertHeadline(alert)}**`, ...lines].join("\n"), 10000),
  });
}

/** Posts alerts to a Zulip stream. */
export class ZulipNotifier extends HttpNotifier<ZulipNotifierOptions> {
  /** Always `"zulip"`. */
  override readonly type = "zulip";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.options;
    const url = `${o.site.replace(/\/+$/, "")}/api/v1/messages`;
    const auth = `Basic ${btoa(`${o.email}:${o.api_key}`)}`;
    return deliverEach(alerts, async (alert) => {
      await this.post(url, { body: zulipMessage(alert, o.stream), headers: { Authorization: auth }, signal });
    });
  }
}

/** The `zulip` notifier type. */
export const zulipNotifier: PluginDefinition<Notifier, ZulipNotifierOptions> = {
  type: "zulip",
  summary: "Zulip stream message per alert, the topic named after the endpoint.",
  schema,
  create: (options, ctx) => new ZulipNotifier(options, ctx),
};
