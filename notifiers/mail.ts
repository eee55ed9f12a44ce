/**
 * The `mail` notifier: one email per round over SMTP (npm:nodemailer), in Go Checkup's layout (an HTML
 * list of what changed) with a plain-text part. Go's keys: `from`, `to`, `subject`, `smtp` {`server`,
 * `port` (default 25), `username`, `password`}. Port 465 means implicit TLS; elsewhere STARTTLS is used
 * when the server offers it (`smtp.tls` can require or refuse it). AUTH only when a username is set.
 *
 * @module
 */
import { isIP } from "node:net";
import { z } from "zod";
import { typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { messageId, roundHtml, roundSubject, roundText } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape, policyOf } from "./policy.ts";
import { retry } from "../_internal/retry.ts";

/** How the SMTP connection is secured. */
export type SmtpTls = "auto" | "starttls" | "implicit" | "none";

/** The `smtp` object of the `mail` notifier (Go's keys plus TLS settings). */
export interface SmtpConfig {
  /** The SMTP server's host name or address. */
  server: string;
  /** The port (default 25; 465 means implicit TLS). */
  port?: number;
  /** Log in with this user (AUTH is attempted only when set). */
  username?: string;
  /** The password (a secret). */
  password?: string;
  /**
   * `auto` (default): implicit TLS on port 465, else STARTTLS when offered; `starttls`: require
   * STARTTLS; `implicit`: TLS from the first byte on any port; `none`: never TLS.
   */
  tls?: SmtpTls;
  /** Accept any server certificate (self-signed test servers only). */
  tls_skip_verify?: boolean;
  /** PEM file of the CA that signed the server certificate (instead of the system roots). */
  tls_ca_file?: string;
}

/** `checkup.json` options of the `mail` notifier. */
export interface MailNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"mail"`. */
  type: "mail";
  /** The sender address. */
  from: string;
  /** The recipients. */
  to: string[];
  /** The subject; default says what happened (Go's default was `Checkup: Service Unavailable`). */
  subject?: string;
  /** The mail server. */
  smtp: SmtpConfig;
}

/** Validated `smtp` settings. */
export interface SmtpOptions {
  /** The SMTP server's host name or address. */
  server: string;
  /** The port (default 25; 465 means implicit TLS under `tls: "auto"`). */
  port: number;
  /** The login user; `""`: no AUTH. */
  username: string;
  /** The login password (a secret); used only with `username`. */
  password: string;
  /** TLS mode (default `"auto"`: implicit TLS on 465, else STARTTLS when offered). */
  tls: SmtpTls;
  /** Accept any server certificate (default false; test servers only). */
  tls_skip_verify: boolean;
  /** PEM file of the CA of the server certificate; `""`: the system roots. */
  tls_ca_file: string;
}

/** Validated options of the `mail` notifier. */
export interface MailNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"mail"`. */
  type: "mail";
  /** The sender address. */
  from: string;
  /** The recipients (at least one). */
  to: string[];
  /** The subject; `""`: a subject saying what happened. */
  subject: string;
  /** The mail server and how to reach it. */
  smtp: SmtpOptions;
}

const schema: z.ZodType<MailNotifierOptions, MailNotifierConfig> = z.lazy(() =>
  z.object({
    type: typeTag("mail"),
    ...alertPolicyShape,
    from: z.string().min(3).meta({ description: "The sender address." }),
    to: z.array(z.string().min(3)).min(1).meta({ description: "The recipients." }),
    subject: z.string().default("").meta({ description: "The subject; by default it says what happened." }),
    smtp: z.object({
      server: z.string().min(1).meta({ description: "The SMTP server's host name or address." }),
      port: z.number().int().min(0).max(65535).default(0).transform((p) => p || 25).meta({
        description: "The SMTP port (0 or unset means 25; 465 means implicit TLS).",
      }),
      username: z.string().default("").meta({ description: "Log in with this user (no AUTH when empty)." }),
      password: z.string().default("").meta({ description: "The SMTP password." }),
      tls: z.enum(["auto", "starttls", "implicit", "none"]).default("auto").meta({
        description:
          "auto: implicit TLS on 465, else STARTTLS when offered; starttls: required; implicit; none.",
      }),
      tls_skip_verify: z.boolean().default(false).meta({ description: "Accept any server certificate." }),
      tls_ca_file: z.string().default("").meta({
        description: "PEM file of the CA of the server certificate.",
      }),
    }),
  })
);

interface SentInfo {
  accepted?: unknown[];
  rejected?: unknown[];
}
interface Transport {
  sendMail(message: Record<string, unknown>): Promise<SentInfo>;
  close(): void;
}
interface Nodemailer {
  createTransport(options: Record<string, unknown>): Transport;
}

const PERMANENT = new Set(["EAUTH", "EENVELOPE", "EMESSAGE", "ETLS", "ECONFIG"]);

/** Sends a round's alerts as one email. */
export class MailNotifier implements Notifier {
  readonly type = "mail";
  readonly policy: AlertPolicy;
  readonly #o: MailNotifierOptions;

  /** Builds the notifier from validated options. */
  constructor(options: MailNotifierOptions) {
    this.#o = options;
    this.policy = policyOf(options);
  }

  /** Makes transports (one per try); reads the CA file once. */
  async #transports(): Promise<() => Transport> {
    const { smtp } = this.#o;
    const mod = await import("nodemailer");
    const nodemailer = (mod.default ?? mod) as Nodemailer;
    const ms = this.policy.timeout / 1e6;
    const tls: Record<string, unknown> = {
      rejectUnauthorized: !smtp.tls_skip_verify,
    };
    if (!isIP(smtp.server)) tls.servername = smtp.server; // SNI takes host names only
    if (smtp.tls_ca_file) {
      try {
        tls.ca = [await Deno.readTextFile(smtp.tls_ca_file)];
      } catch (e) {
        throw new Error(
          `mail: cannot read smtp.tls_ca_file ${JSON.stringify(smtp.tls_ca_file)}: ${(e as Error).message}`,
        );
      }
    }
    return () =>
      nodemailer.createTransport({
        host: smtp.server,
        port: smtp.port,
        secure: smtp.tls === "implicit" || (smtp.tls === "auto" && smtp.port === 465),
        requireTLS: smtp.tls === "starttls",
        ignoreTLS: smtp.tls === "none",
        auth: smtp.username ? { user: smtp.username, pass: smtp.password } : undefined,
        connectionTimeout: ms,
        greetingTimeout: ms,
        socketTimeout: ms,
        tls,
      });
  }

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  async notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.#o;
    const message = {
      from: o.from,
      to: o.to,
      subject: roundSubject(alerts, o.subject),
      text: roundText(alerts, { emoji: false }),
      html: roundHtml(alerts),
      // The same alerts get the same Message-ID on every retry (receivers that deduplicate keep one).
      messageId: messageId(alerts, o.from),
    };
    const where = `${o.smtp.server}:${o.smtp.port}`;
    const transport = await this.#transports();
    try {
      await retry(async () => {
        const t = transport();
        const onAbort = () => t.close();
        signal?.addEventListener("abort", onAbort, { once: true });
        try {
          const info = await t.sendMail(message);
          if (info.rejected?.length && !info.accepted?.length) {
            throw Object.assign(new Error(`every recipient was rejected`), { code: "EENVELOPE" });
          }
        } finally {
          signal?.removeEventListener("abort", onAbort);
          t.close();
        }
      }, {
        attempts: this.policy.retries + 1,
        // An SMTP reply decides (4xx: try again, 5xx: give up); without one, the error code does.
        retryable: (e) => {
          const err = e as { code?: string; responseCode?: number };
          return !(err.responseCode ? err.responseCode >= 500 : PERMANENT.has(err.code ?? ""));
        },
        delay: { base: 500 },
        signal,
      });
    } catch (e) {
      const err = e as Error & { code?: string };
      const what = err.code === "ETIMEDOUT" || err.code === "ETIMEOUT"
        ? `timeout: ${err.message}`
        : err.message;
      throw new Error(`mail via ${where}: ${what}`, { cause: e });
    }
  }
}

/** The `mail` notifier type. */
export const mailNotifier: PluginDefinition<Notifier, MailNotifierOptions> = {
  type: "mail",
  summary: "Email over SMTP (STARTTLS or implicit TLS, optional AUTH): one message per round.",
  schema,
  create: (options) => new MailNotifier(options),
};
