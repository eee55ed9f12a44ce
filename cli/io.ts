/** The CLI's window on the world, injected so tests run commands in-process. */
import { type Clock, offsetClock } from "../clock.ts";
import { parseDuration } from "../duration.ts";

/** Output streams and environment of one CLI invocation. */
export interface Io {
  /** Writes to standard output (text is written as is). */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Whether standard output is a terminal (colours on). */
  isTty: boolean;
  /**
   * Aborted on the first SIGINT/SIGTERM: `every` and `serve` finish their round and return, single runs stop
   * their checks and store nothing; a second signal exits the process at once.
   */
  signal: AbortSignal;
  /** The clock `every` keeps time by (default the system clock; tests pass a fake one). */
  clock?: Clock;
  /**
   * Calls `listener` on each request to load the config again (SIGHUP; `systemctl reload`); returns the
   * function that stops listening. Absent: no reloads (platforms without SIGHUP).
   */
  onReload?: (listener: () => void) => () => void;
}

const encoder = new TextEncoder();

function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  for (let off = 0; off < bytes.length;) off += file.writeSync(bytes.subarray(off));
}

/** The real process: stdout, stderr, and a signal aborted by SIGINT or SIGTERM. */
export function processIo(): Io {
  const ac = new AbortController();
  for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    try {
      Deno.addSignalListener(sig, () => {
        // The first signal stops gracefully; a second one exits at once (saved state and the outbox are
        // written atomically, so nothing is left half-written).
        if (ac.signal.aborted) Deno.exit(code);
        ac.abort();
      });
    } catch { /* not supported on this platform (SIGTERM on Windows) */ }
  }
  let color = false;
  try {
    color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR") && Deno.env.get("TERM") !== "dumb";
  } catch { /* no env permission */ }
  return {
    out: (t) => writeAll(Deno.stdout, t),
    err: (t) => writeAll(Deno.stderr, t),
    isTty: color,
    signal: ac.signal,
    onReload: (listener) => {
      try {
        Deno.addSignalListener("SIGHUP", listener);
      } catch {
        return () => {}; // no SIGHUP on this platform (Windows)
      }
      return () => Deno.removeSignalListener("SIGHUP", listener);
    },
    ...clockFromEnv(),
  };
}

/**
 * `CHECKUP_CLOCK_OFFSET` (a duration such as `30s` or `-30s`): runs this process with its wall clock moved,
 * to test how several locations behave when their clocks differ. Unset: the system clock.
 */
function clockFromEnv(): { clock?: Clock } {
  let text: string | undefined;
  try {
    text = Deno.env.get("CHECKUP_CLOCK_OFFSET");
  } catch { /* no env permission */ }
  if (!text) return {};
  const negative = text.trim().startsWith("-");
  try {
    const ns = parseDuration(text.trim().replace(/^[-+]/, ""));
    return { clock: offsetClock((negative ? -ns : ns) / 1e6) };
  } catch (e) {
    throw new Error(
      `CHECKUP_CLOCK_OFFSET: expected a duration like "30s" or "-30s": ${(e as Error).message}`,
    );
  }
}

/** An Io that records what is written (tests); `reload()` asks for a reload as SIGHUP does. */
export function memoryIo(
  signal: AbortSignal = new AbortController().signal,
): Io & { stdout: string; stderr: string; reload(): void } {
  const listeners = new Set<() => void>();
  const io = {
    stdout: "",
    stderr: "",
    isTty: false,
    signal,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    onReload(listener: () => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    reload() {
      for (const l of [...listeners]) l();
    },
  };
  return io;
}
