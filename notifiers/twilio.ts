/**
 * The `twilio` notifier: a short SMS per alert to each number, through Twilio's Programmable Messaging.
 *
 * Follows Twilio's Message resource reference (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource):
 * `POST <api>/2010-04-01/Accounts/<AccountSid>/Messages.json` with HTTP basic auth (Account SID : Auth
 * Token) and a form-encoded body of `To` (E.164), `From` (a Twilio number) or `MessagingServiceSid`, and
 * `Body` (≤ 1600 characters; kept short here, since every 160 GSM characters is a billed segment). It
 * answers `201` with the Message resource; errors are `4xx {code, message, more_info, status}`. A recovery
 * is a short "has RECOVERED" text.
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertFacts, alertHeadline, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `twilio` notifier. */
export interface TwilioNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"twilio"`. */
  type: "twilio";
  /** The Account SID, `AC…`. */
  account_sid: string;
  /** The Auth Token (a secret). */
  auth_token: string;
  /** The sending number (E.164) or a Messaging Service SID (`MG…`). */
  from: string;
  /** The numbers to text (E.164). */
  to: string[];
  /** The API URL (default `https://api.twilio.com`). */
  api_url?: string;
}

/** Validated options of the `twilio` notifier. */
export interface TwilioNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"twilio"`. */
  type: "twilio";
  /** The Account SID. */
  account_sid: string;
  /** The Auth Token (a secret). */
  auth_token: string;
  /** The sending number or Messaging Service SID. */
  from: string;
  /** The numbers to text. */
  to: string[];
  /** The API URL. */
  api_url: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;

const schema: z.ZodType<TwilioNotifierOptions, TwilioNotifierConfig> = z.object({
  type: typeTag("twilio"),
  ...alertPolicyShape,
  account_sid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, {
    error: "expected an Account SID (AC and 32 hex digits)",
  })
    .meta({ description: "The Account SID (AC…)." }),
  auth_token: z.string().min(1).meta({ description: "The Auth Token." }),
  from: z.string().regex(/^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/, {
    error: "expected an E.164 number like +15017122661 or a Messaging Service SID (MG…)",
  }).meta({ description: "The sending number (E.164) or Messaging Service SID (MG…)." }),
  to: z.array(z.string().regex(E164, { error: "expected an E.164 number like +15558675310" })).min(1).meta({
    description: "The numbers to text (E.164).",
  }),
  api_url: httpUrl("The Twilio API URL.").default("https://api.twilio.com"),
});

/** The SMS text of one alert: the headline and the facts that matter, at most 480 characters (3 segments). */
export function twilioText(alert: Alert): string {
  const keep = new Set([
    "Endpoint",
    "Affects",
    "Since",
    "Recovered at",
    "Error",
    "Notice",
    "Update",
    "Window",
    "Status page",
  ]);
  const lines = alertFacts(alert).filter((f) => keep.has(f.label)).map((f) =>
    f.label === "Endpoint" || f.label === "Status page" ? f.value : `${f.label}: ${truncate(f.value, 160)}`
  );
  return truncate([alertHeadline(alert, { emoji: false }), ...lines].join("\n"), 480);
}

/** Texts alerts through Twilio. */
export class TwilioNotifier extends HttpNotifier<TwilioNotifierOptions> {
  /** Always `"twilio"`. */
  override readonly type = "twilio";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.options;
    const url = `${o.api_url.replace(/\/+$/, "")}/2010-04-01/Accounts/${o.account_sid}/Messages.json`;
    const auth = `Basic ${btoa(`${o.account_sid}:${o.auth_token}`)}`;
    const sender = o.from.startsWith("MG") ? "MessagingServiceSid" : "From";
    return deliverEach(alerts, async (alert) => {
      const text = twilioText(alert);
      // A retry of the same alert (same id) texts only the numbers that did not get it the first time.
      const texted = this.#texted.get(alert.id) ?? new Set<string>();
      for (const to of o.to) {
        if (texted.has(to)) continue;
        try {
          await this.post(url, {
            body: new URLSearchParams({ To: to, [sender]: o.from, Body: text }),
            headers: { Authorization: auth },
            signal,
          });
        } catch (e) {
          if (texted.size) this.#remember(alert.id, texted);
          throw e;
        }
        texted.add(to);
      }
      this.#texted.delete(alert.id);
    });
  }

  /**
   * Numbers already texted per alert id while another number of the same alert failed: the outbox retries
   * the alert, and a number is not texted twice by this process. Bounded; a restart forgets it (the
   * outbox is at least once across restarts, and Twilio has no idempotency key for messages).
   */
  readonly #texted = new Map<string, Set<string>>();

  #remember(id: string, texted: Set<string>): void {
    this.#texted.delete(id);
    this.#texted.set(id, texted);
    if (this.#texted.size > MAX_REMEMBERED) this.#texted.delete(this.#texted.keys().next().value!);
  }
}

/** Alerts whose partial delivery is remembered (oldest forgotten first). */
const MAX_REMEMBERED = 1000;

/** The `twilio` notifier type. */
export const twilioNotifier: PluginDefinition<Notifier, TwilioNotifierOptions> = {
  type: "twilio",
  summary: "Twilio SMS: a short text per alert to each number.",
  schema,
  create: (options, ctx) => new TwilioNotifier(options, ctx),
};
