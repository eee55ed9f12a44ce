/**
 * Config reload without a restart (SIGHUP, `systemctl reload`): the long-running commands run their work
 * with the config as loaded, and on a reload request load it again. A config that fails to load or validate
 * is refused, its errors logged, and the running one carries on. One that loads replaces it at a round's end:
 * the running one finishes its round and closes (delivery under way gets its grace; the alert state and the
 * outbox are saved), then the new one starts and reads them back, so an endpoint that is in both configs
 * keeps its incident (no second page) and undelivered notifications are still sent.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { Io } from "./io.ts";

/** A loaded config: what `open` gives and `close` ends. */
export interface Loaded {
  readonly logger: Logger;
  close(): Promise<void>;
}

/**
 * Runs `run(loaded, signal)` until `io.signal` aborts; on each reload request opens the config again with
 * `open` (which throws for a config that must be refused) and, once it opened, aborts the running `run`,
 * closes it and runs the new one. Returns when the process is asked to stop.
 */
export async function runWithReloads<L extends Loaded>(
  io: Io,
  first: L,
  open: () => Promise<L>,
  run: (loaded: L, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  let current = first;
  for (let reloads = 0;; reloads++) {
    const stop = new AbortController();
    const onStop = () => stop.abort();
    io.signal.addEventListener("abort", onStop, { once: true });
    let next: L | undefined;
    let opening: Promise<void> | undefined;
    const unlisten = io.onReload?.(() => {
      const logger = current.logger;
      logger.info("reloading the config");
      const attempt = (opening ?? Promise.resolve()).then(async () => {
        try {
          const loaded = await open();
          if (stop.signal.aborted) return void await loaded.close(); // stopping anyway
          await next?.close(); // superseded by this newer one
          next = loaded;
          loaded.logger.info("config reloaded; switching at the end of the round under way", {
            reloads: reloads + 1,
          });
          stop.abort();
        } catch (e) {
          logger.error("config reload refused; the running config stays", { error: e });
        }
      });
      opening = attempt;
    }) ?? (() => {});
    try {
      if (!io.signal.aborted) await run(current, stop.signal);
      await opening; // a reload that was opening when the round ended
    } finally {
      unlisten();
      io.signal.removeEventListener("abort", onStop);
      await current.close();
    }
    if (io.signal.aborted || !next) {
      await next?.close();
      return;
    }
    current = next;
  }
}
