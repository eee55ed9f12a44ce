/**
 * The `imap` checker: connects to an IMAP server (optionally with implicit TLS, port 993), judges the
 * greeting (`* OK`; `* PREAUTH` too), and with `starttls` sends `a1 STARTTLS`, upgrades and verifies the
 * certificate as the tcp checker does. The RTT covers all of it.
 *
 * @module
 */
import { z } from "zod";
import { typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import type { Checker, CheckerContext } from "./checker.ts";
import {
  MailChecker,
  type MailCheckerConfigBase,
  type MailCheckerOptionsBase,
  type MailDialect,
  mailFields,
  oneTlsMode,
  shown,
} from "./mail.ts";

/** `checkup.json` options of an `imap` checker. */
export interface ImapCheckerConfig extends MailCheckerConfigBase {
  /** The checker type, `"imap"`. */
  type: "imap";
}

/** Validated options of an `imap` checker. */
export interface ImapCheckerOptions extends MailCheckerOptionsBase {
  /** The checker type, always `"imap"`. */
  type: "imap";
}

const schema: z.ZodType<ImapCheckerOptions, ImapCheckerConfig> = z.lazy(() =>
  z.object({ type: typeTag("imap"), ...mailFields("a1 STARTTLS") }).superRefine(oneTlsMode)
);

const dialect: MailDialect = {
  async greeting(r, _write, signal, t) {
    const line = await r.line(signal, t, "waiting for the greeting");
    // RFC 9051 §7.1: OK (log in next) or PREAUTH (already authenticated); BYE refuses the connection.
    return /^\* (OK|PREAUTH)\b/i.test(line) ? undefined : `greeting: expected "* OK", found ${shown(line)}`;
  },
  async starttls(r, write, signal, t) {
    write("a1 STARTTLS");
    // Untagged lines (a capability update) may come first; the tagged one answers.
    const lines = await r.reply(signal, t, "waiting for the STARTTLS reply", (l) => /^a1 /i.test(l));
    const last = lines.at(-1)!;
    return /^a1 OK\b/i.test(last) ? undefined : `STARTTLS: expected "a1 OK", found ${shown(last)}`;
  },
  quit: "a2 LOGOUT",
};

/** Checks that an IMAP server greets (and, with `starttls`, upgrades to TLS with a valid certificate). */
export class ImapChecker extends MailChecker<ImapCheckerOptions> {
  /** Always `"imap"`. */
  override readonly type = "imap";
  /** IMAP's dialogue. */
  protected override readonly dialect: MailDialect = dialect;

  /** Builds the checker from validated options (see the `parseChecker` config helper). */
  constructor(options: ImapCheckerOptions, ctx: CheckerContext) {
    super(options, ctx);
  }
}

/** The `imap` checker type. */
export const imapChecker: PluginDefinition<Checker, ImapCheckerOptions> = {
  type: "imap",
  summary: "IMAP greeting (* OK), optionally STARTTLS or implicit TLS, judged by round-trip time.",
  schema,
  create: (options, ctx) => new ImapChecker(options, ctx),
};
