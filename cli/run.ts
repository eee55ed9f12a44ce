/** `checkup` (no subcommand): one round, printed; or stored with `--store`. */
import { encodeResults, statusOf } from "../result.ts";
import { EXIT, type GlobalOptions, guard, openCheckup, requireStorage } from "./common.ts";
import { formatResult } from "./format.ts";
import type { Io } from "./io.ts";

/** Options of the root command. */
export interface RunOptions extends GlobalOptions {
  store?: boolean;
  json?: boolean;
  print?: boolean;
}

/**
 * Runs one round. Without `--store`, prints each result (text or `--json`) and exits 1 if any result is
 * not healthy. With `--store`, stores the round and exits 0 unless storing failed (Go's behaviour).
 */
export function runChecks(opts: RunOptions, io: Io): Promise<number> {
  return guard(io, opts, async () => {
    const { checkup } = await openCheckup(opts, io);
    try {
      if (opts.store) requireStorage(checkup);
      const report = await checkup.round({ store: opts.store, maintain: opts.store, signal: io.signal });
      if (opts.json) io.out(encodeResults(report.results) + "\n");
      else if (!opts.store || opts.print) {
        for (const r of report.results) io.out(formatResult(r, io.isTty));
      }
      if (opts.store) return EXIT.ok;
      return report.results.every((r) => statusOf(r) === "healthy") ? EXIT.ok : EXIT.failure;
    } finally {
      await checkup.close();
    }
  });
}
