/** `checkup message "<text>" --about <title>`: a new round carrying a status message on one result. */
import { EXIT, ExitError, type GlobalOptions, guard, openCheckup, requireStorage } from "./common.ts";
import type { Io } from "./io.ts";
import { messageTextError } from "../server/messages.ts";

/** Options of `message`. */
export interface MessageOptions extends GlobalOptions {
  about?: string;
}

/**
 * Runs a full round, attaches `text` to the result whose title matches `--about` (ignoring case; the only
 * result when there is one), and stores the round (Go Checkup's semantics).
 */
export function runMessage(text: string, opts: MessageOptions, io: Io): Promise<number> {
  return guard(io, opts, async () => {
    const invalid = messageTextError(text);
    if (invalid) throw new ExitError(`message: ${invalid}`, EXIT.usage);
    const { checkup } = await openCheckup(opts, io);
    try {
      requireStorage(checkup);
      const titles = checkup.checkers.map((c) => c.title);
      let index: number;
      if (opts.about === undefined || opts.about === "") {
        if (titles.length !== 1) {
          throw new ExitError(
            `more than one result; say which endpoint the message is about with --about (one of: ${
              titles.join(", ")
            })`,
            EXIT.usage,
          );
        }
        index = 0;
      } else {
        index = titles.findIndex((t) => t.toLowerCase() === opts.about!.toLowerCase());
        if (index < 0) {
          throw new ExitError(
            `no result for endpoint with title '${opts.about}' (titles: ${titles.join(", ")})`,
          );
        }
      }
      await checkup.round({
        store: true,
        signal: io.signal,
        transform: (results) => results.map((r, i) => (i === index ? { ...r, message: text } : r)),
      });
      io.out("Message posted\n");
      return EXIT.ok;
    } finally {
      await checkup.close();
    }
  });
}
