/**
 * The `pop3` checker: connects to a POP3 server (optionally with implicit TLS, port 995), judges the
 * greeting (`+OK`), and with `starttls` sends `STLS` (RFC 2595), upgrades and verifies the certificate
 * as the tcp checker does. The RTT covers all of it.
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

/** `checkup.json` options of a `pop3` checker. */
export interface Pop3CheckerConfig extends MailCheckerConfigBase {
  /** The checker type, `"pop3"`. */
  type: "pop3";
}

/** Validated options of a `pop3` checker. */
export interface Pop3CheckerOptions extends MailCheckerOptionsBase {
  /** The checker type, always `"pop3"`. */
  type: "pop3";
}

const schema: z.ZodType<Pop3CheckerOptions, Pop3CheckerConfig> = z.lazy(() =>
  z.object({ type: typeTag("pop3"), ...mailFields("STLS") }).superRefine(oneTlsMode)
);

const dialect: MailDialect = {
  async greeting(r, _write, signal, t) {
    const line = await r.line(signal, t, "waiting for the greeting");
    return line.startsWith("+OK") ? undefined : `greeting: expected "+OK", found ${shown(line)}`;
  },
  async starttls(r, write, signal, t) {
    write("STLS");
    const line = await r.line(signal, t, "waiting for the STLS reply");
    return line.startsWith("+OK") ? undefined : `STLS: expected "+OK", found ${shown(line)}`;
  },
  quit: "QUIT",
};

/** Checks that a POP3 server greets (and, with `starttls`, upgrades to TLS with a valid certificate). */
export class Pop3Checker extends MailChecker<Pop3CheckerOptions> {
  /** Always `"pop3"`. */
  override readonly type = "pop3";
  /** POP3's dialogue. */
  protected override readonly dialect: MailDialect = dialect;

  /** Builds the checker from validated options (see the `parseChecker` config helper). */
  constructor(options: Pop3CheckerOptions, ctx: CheckerContext) {
    super(options, ctx);
  }
}

/** The `pop3` checker type. */
export const pop3Checker: PluginDefinition<Checker, Pop3CheckerOptions> = {
  type: "pop3",
  summary: "POP3 greeting (+OK), optionally STLS or implicit TLS, judged by round-trip time.",
  schema,
  create: (options, ctx) => new Pop3Checker(options, ctx),
};
