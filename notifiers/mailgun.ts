/**
 * The `mailgun` notifier: one email per round through the Mailgun messages API (Go Checkup's keys:
 * `apikey`, `domain`, `from`, `to`, `subject`), in the same layout as `mail`. `region: "eu"` uses
 * Mailgun's EU endpoint; `api_url` points elsewhere (a proxy, a test server).
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { HttpNotifier } from "./http_notifier.ts";
import { messageId, roundHtml, roundSubject, roundText } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `mailgun` notifier. */
export interface MailgunNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"mailgun"`. */
  type: "mailgun";
  /** The Mailgun API key (a secret). */
  apikey: string;
  /** The sending domain, e.g. `mg.example.com`. */
  domain: string;
  /** The sender address. */
  from: string;
  /** The recipients (a single address is accepted, as in Go Checkup before mid-2020). */
  to: string | string[];
  /** The subject; by default it says what happened. */
  subject?: string;
  /** `us` (default, api.mailgun.net) or `eu` (api.eu.mailgun.net). */
  region?: "us" | "eu";
  /** The API base URL; overrides `region`. */
  api_url?: string;
}

/** Validated options of the `mailgun` notifier. */
export interface MailgunNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"mailgun"`. */
  type: "mailgun";
  /** The Mailgun API key (a secret). */
  apikey: string;
  /** The sending domain, e.g. `mg.example.com`. */
  domain: string;
  /** The sender address. */
  from: string;
  /** The recipients (a single configured address becomes a list of one). */
  to: string[];
  /** The subject; `""`: a subject saying what happened. */
  subject: string;
  /** The Mailgun region (default `"us"`). */
  region: "us" | "eu";
  /** The API base URL without trailing slash: the configured one, else the region's. */
  api_url: string;
}

const BASE = { us: "https://api.mailgun.net", eu: "https://api.eu.mailgun.net" } as const;

const schema: z.ZodType<MailgunNotifierOptions, MailgunNotifierConfig> = z.lazy(() =>
  z.object({
    type: typeTag("mailgun"),
    ...alertPolicyShape,
    apikey: z.string().min(1).meta({ description: "The Mailgun API key." }),
    domain: z.string().min(1).meta({ description: "The Mailgun sending domain." }),
    from: z.string().min(3).meta({ description: "The sender address." }),
    to: z.union([z.string().min(3).transform((s) => [s]), z.array(z.string().min(3)).min(1)]).meta({
      description: "The recipients.",
    }),
    subject: z.string().default("").meta({ description: "The subject; by default it says what happened." }),
    region: z.enum(["us", "eu"]).default("us").meta({ description: "Mailgun region: us or eu." }),
    api_url: httpUrl("The Mailgun API base URL (overrides region).").default(""),
  }).transform((o) => ({ ...o, api_url: (o.api_url || BASE[o.region]).replace(/\/+$/, "") }))
);

/** Sends a round's alerts as one email through Mailgun. */
export class MailgunNotifier extends HttpNotifier<MailgunNotifierOptions> {
  /** Always `"mailgun"`. */
  override readonly type = "mailgun";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override async notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.options;
    const form = new FormData();
    form.set("from", o.from);
    for (const to of o.to) form.append("to", to);
    form.set("subject", roundSubject(alerts, o.subject));
    form.set("text", roundText(alerts, { emoji: false }));
    form.set("html", roundHtml(alerts));
    // The same alerts get the same Message-ID on every retry (receivers that deduplicate keep one).
    form.set("h:Message-Id", messageId(alerts, o.from));
    await this.post(`${o.api_url}/v3/${encodeURIComponent(o.domain)}/messages`, {
      body: form,
      headers: { authorization: `Basic ${btoa(`api:${o.apikey}`)}` },
      signal,
    });
  }
}

/** The `mailgun` notifier type. */
export const mailgunNotifier: PluginDefinition<Notifier, MailgunNotifierOptions> = {
  type: "mailgun",
  summary: "Email through the Mailgun API (US or EU region): one message per round.",
  schema,
  create: (options, ctx) => new MailgunNotifier(options, ctx),
};
