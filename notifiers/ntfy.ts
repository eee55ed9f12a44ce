/**
 * The `ntfy` notifier: one push message per alert to an ntfy server (ntfy.sh or self-hosted),
 * published as JSON to the server's root URL, with tags and priority by status, a click link to the
 * status page, and optional access token or user/password.
 *
 * @module
 */
import { z } from "zod";
import { headerValue, httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertFacts, alertHeadline } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `ntfy` notifier. */
export interface NtfyNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"ntfy"`. */
  type: "ntfy";
  /** The topic to publish to (anyone who knows it can read it: pick a hard-to-guess one). */
  topic: string;
  /** The server (default `https://ntfy.sh`). */
  server?: string;
  /** An access token (sent as `Authorization: Bearer`). */
  token?: string;
  /** A user name for basic authentication (with `password`). */
  username?: string;
  /** The password for `username`. */
  password?: string;
  /** Priority of down messages, 1 to 5 (default 4); degraded and recovered use 3. */
  priority?: number;
}

/** Validated options of the `ntfy` notifier. */
export interface NtfyNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"ntfy"`. */
  type: "ntfy";
  /** The topic published to (1 to 64 letters, digits, `-` or `_`). */
  topic: string;
  /** The server (default `https://ntfy.sh`). */
  server: string;
  /** An access token sent as `Authorization: Bearer` (a secret); `""`: none. */
  token: string;
  /** User name for basic authentication; `""`: none. */
  username: string;
  /** Password for `username` (a secret). */
  password: string;
  /** Priority of down messages, 1 to 5 (default 4); degraded and recovered use 3. */
  priority: number;
}

const schema: z.ZodType<NtfyNotifierOptions, NtfyNotifierConfig> = z.lazy(() =>
  z.object({
    type: typeTag("ntfy"),
    ...alertPolicyShape,
    topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/).meta({ description: "The ntfy topic." }),
    server: httpUrl("The ntfy server.").default("https://ntfy.sh"),
    token: headerValue("An access token (Bearer).").default(""),
    username: z.string().default("").meta({ description: "User name for basic authentication." }),
    password: z.string().default("").meta({ description: "Password for basic authentication." }),
    priority: z.number().int().min(1).max(5).default(4).meta({ description: "Priority of down messages." }),
  })
);

const TAGS = {
  down: "rotating_light",
  degraded: "warning",
  healthy: "white_check_mark",
  unknown: "grey_question",
};

/** The ntfy JSON publish body of one alert. */
export function ntfyPayload(alert: Alert, o: Pick<NtfyNotifierOptions, "topic" | "priority">): unknown {
  const body: Record<string, unknown> = {
    topic: o.topic,
    title: alertHeadline(alert, { emoji: false }),
    message: alertFacts(alert).map((f) => `${f.label}: ${f.value}`).join("\n"),
    tags: [TAGS[alert.status]],
    priority: alert.status === "down" ? o.priority : 3,
  };
  if (alert.url) body.click = alert.url;
  return body;
}

/** Publishes alerts to an ntfy topic. */
export class NtfyNotifier extends HttpNotifier<NtfyNotifierOptions> {
  /** Always `"ntfy"`. */
  override readonly type = "ntfy";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.options;
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    else if (o.username) headers.authorization = `Basic ${btoa(`${o.username}:${o.password}`)}`;
    return deliverEach(alerts, async (alert) => {
      await this.post(o.server.replace(/\/*$/, "/"), {
        json: ntfyPayload(alert, o),
        headers,
        signal,
      });
    });
  }
}

/** The `ntfy` notifier type. */
export const ntfyNotifier: PluginDefinition<Notifier, NtfyNotifierOptions> = {
  type: "ntfy",
  summary: "ntfy push message (ntfy.sh or self-hosted): one per alert.",
  schema,
  create: (options, ctx) => new NtfyNotifier(options, ctx),
};
