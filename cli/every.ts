/** `checkup every <interval>`: check, store and maintain now and on every tick until SIGINT/SIGTERM. */
import { BOUNDS } from "../config/bounds.ts";
import { formatDuration, humanDuration, parseDuration } from "../duration.ts";
import { EXIT, ExitError, type GlobalOptions, guard, openCheckup, requireStorage } from "./common.ts";
import type { Io } from "./io.ts";
import { runWithReloads } from "./reload.ts";

const WORDS: Record<string, string> = { second: "1s", minute: "1m", hour: "1h", day: "24h", week: "168h" };

/** Parses `every`'s interval: Go durations, `7d`, or second/minute/hour/day/week. */
export function parseInterval(text: string): number {
  const lower = text.toLowerCase();
  const ns = parseDuration(WORDS[lower] ?? lower);
  const { min, max } = BOUNDS.interval;
  if (ns < min || ns > max) {
    throw new RangeError(
      `expected an interval from ${humanDuration(min)} to ${humanDuration(max)}, found ${
        JSON.stringify(text)
      }`,
    );
  }
  return ns;
}

/**
 * Runs rounds on a schedule until the process is asked to stop; exits 0 after finishing the round under way.
 * SIGHUP loads the config again (see `reload.ts`): a config that fails is refused and the running one stays.
 */
export function runEvery(interval: string, opts: GlobalOptions, io: Io): Promise<number> {
  return guard(io, opts, async () => {
    let ns: number;
    try {
      ns = parseInterval(interval);
    } catch (e) {
      throw new ExitError(`every: ${(e as Error).message}`, EXIT.usage);
    }
    const open = async () => {
      const opened = await openCheckup(opts, io);
      try {
        if (!opened.checkup.checkers.length) throw new ExitError("no checkers configured");
        requireStorage(opened.checkup);
      } catch (e) {
        await opened.checkup.close();
        throw e;
      }
      return { ...opened, close: () => opened.checkup.close() };
    };
    const first = await open();
    io.signal.addEventListener("abort", () => {
      first.logger.info("stopping: finishing the round under way; a second signal exits at once");
    }, { once: true });
    await runWithReloads(io, first, open, async ({ checkup, logger }, signal) => {
      logger.info("checking on a schedule", {
        interval,
        checkers: checkup.checkers.length,
        storage: checkup.storage!.type,
        grace: formatDuration(checkup.shutdownGrace * 1e6),
      });
      await checkup.every(ns, signal);
    });
    first.logger.info("stopped");
    return EXIT.ok;
  });
}
