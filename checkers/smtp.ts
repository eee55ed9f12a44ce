/**
 * The `smtp` checker: connects to a mail server (optionally with implicit TLS, port 465), judges the
 * greeting (`220`), and with `starttls` sends `EHLO`, checks that `STARTTLS` is offered, upgrades and
 * verifies the certificate as the tcp checker does. The RTT covers all of it.
 *
 * @module
 */
import { z } from "zod";
import { typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import type { Checker, CheckerContext } from "./checker.ts";
import {
  type LineReader,
  MailChecker,
  type MailCheckerConfigBase,
  type MailCheckerOptionsBase,
  type MailDialect,
  mailFields,
  oneTlsMode,
  shown,
} from "./mail.ts";

/** `checkup.json` options of an `smtp` checker. */
export interface SmtpCheckerConfig extends MailCheckerConfigBase {
  /** The checker type, `"smtp"`. */
  type: "smtp";
}

/** Validated options of an `smtp` checker. */
export interface SmtpCheckerOptions extends MailCheckerOptionsBase {
  /** The checker type, always `"smtp"`. */
  type: "smtp";
}

const schema: z.ZodType<SmtpCheckerOptions, SmtpCheckerConfig> = z.lazy(() =>
  z.object({ type: typeTag("smtp"), ...mailFields("EHLO then STARTTLS") }).superRefine(oneTlsMode)
);

/** An SMTP reply (RFC 5321 §4.2): `250-...` lines, then the last `250 ...` (or a bare code). */
function reply(r: LineReader, signal: AbortSignal, t: number, phase: string): Promise<string[]> {
  return r.reply(signal, t, phase, (line) => !/^\d{3}-/.test(line));
}

const dialect: MailDialect = {
  async greeting(r, _write, signal, t) {
    const lines = await reply(r, signal, t, "waiting for the greeting");
    const last = lines.at(-1)!;
    return last.startsWith("220") ? undefined : `greeting: expected 220, found ${shown(last)}`;
  },
  async starttls(r, write, signal, t) {
    write("EHLO checkup.invalid");
    const ehlo = await reply(r, signal, t, "waiting for the EHLO reply");
    if (!ehlo.at(-1)!.startsWith("250")) return `EHLO: expected 250, found ${shown(ehlo.at(-1)!)}`;
    if (!ehlo.some((l) => /^250[- ]STARTTLS\b/i.test(l))) return "EHLO: the server does not offer STARTTLS";
    write("STARTTLS");
    const ready = (await reply(r, signal, t, "waiting for the STARTTLS reply")).at(-1)!;
    return ready.startsWith("220") ? undefined : `STARTTLS: expected 220, found ${shown(ready)}`;
  },
  quit: "QUIT",
};

/** Checks that an SMTP server greets (and, with `starttls`, upgrades to TLS with a valid certificate). */
export class SmtpChecker extends MailChecker<SmtpCheckerOptions> {
  /** Always `"smtp"`. */
  override readonly type = "smtp";
  /** SMTP's dialogue. */
  protected override readonly dialect: MailDialect = dialect;

  /** Builds the checker from validated options (see the `parseChecker` config helper). */
  constructor(options: SmtpCheckerOptions, ctx: CheckerContext) {
    super(options, ctx);
  }
}

/** The `smtp` checker type. */
export const smtpChecker: PluginDefinition<Checker, SmtpCheckerOptions> = {
  type: "smtp",
  summary: "SMTP greeting (220), optionally EHLO and STARTTLS or implicit TLS, judged by round-trip time.",
  schema,
  create: (options, ctx) => new SmtpChecker(options, ctx),
};
