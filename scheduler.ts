/**
 * The fleet scheduler behind `checkup every` when checkers have their own `interval` or `spread` is on:
 * each checker runs on its own period, first runs are spread evenly over the period so thousands of
 * checks never fire in one burst, at most `concurrency` run at once, and results are flushed (stored,
 * maintained, notified) as one round per flush interval. A checker that is still running or waiting when
 * it is due again is skipped, with a warning: the queue never grows beyond one entry per checker.
 *
 * @module
 */
import type { Logger } from "./_internal/log.ts";
import { formatDuration } from "./duration.ts";
import type { Result } from "./result.ts";

/** One checker's place in the schedule. */
export interface ScheduledCheck {
  /** Position in the config: results of a flush keep this order. */
  index: number;
  /** Human name for warnings. */
  title: string;
  /** Period in nanoseconds. */
  interval: number;
  run(signal: AbortSignal): Promise<Result>;
}

/** What happened to one run, for benchmarks and diagnostics. */
export interface RunInfo {
  index: number;
  /** When it was due and when it started, in `performance.now()` milliseconds. */
  due: number;
  started: number;
  finished: number;
}

/** Options of {@linkcode runSchedule}. */
export interface ScheduleOptions {
  checks: readonly ScheduledCheck[];
  /** How often collected results are flushed as one round, nanoseconds. */
  flushInterval: number;
  concurrency: number;
  /** Spread first runs evenly over each check's interval (default true). */
  spread?: boolean;
  /** Stores (and maintains, notifies) one round; errors are logged, the schedule goes on. */
  flush(results: Result[]): Promise<void>;
  logger: Logger;
  /** Stops scheduling; running checks finish and their results are flushed before returning. */
  signal: AbortSignal;
  onRun?(info: RunInfo): void;
}

interface Slot {
  check: ScheduledCheck;
  next: number;
  busy: boolean;
  skipped: number;
}

/** Runs the schedule until `signal` aborts, then drains and flushes. */
export async function runSchedule(o: ScheduleOptions): Promise<void> {
  const start = performance.now();
  const n = o.checks.length;
  const slots: Slot[] = o.checks.map((check, i) => ({
    check,
    next: start + (o.spread === false ? 0 : (check.interval / 1e6) * (i / Math.max(1, n))),
    busy: false,
    skipped: 0,
  }));
  const queue: { slot: Slot; due: number }[] = [];
  let running = 0;
  let batch: { index: number; result: Result }[] = [];
  const flushMs = o.flushInterval / 1e6;
  let nextFlush = start + flushMs;
  let flushing: Promise<void> = Promise.resolve();
  const inflight = new Set<Promise<void>>();
  const runSignal = new AbortController().signal; // checks are never cut short by shutdown

  const flush = () => {
    if (!batch.length) return;
    const round = batch.sort((a, b) => a.index - b.index).map((b) => b.result);
    batch = [];
    flushing = flushing.then(() => o.flush(round)).catch((e) => o.logger.error("round failed", { error: e }));
  };

  const pump = () => {
    while (running < o.concurrency && queue.length) {
      const { slot, due } = queue.shift()!;
      running++;
      const started = performance.now();
      const p = slot.check.run(runSignal)
        .then((result) => void batch.push({ index: slot.check.index, result }))
        .catch((e) => o.logger.error("checker failed", { title: slot.check.title, error: e }))
        .finally(() => {
          running--;
          slot.busy = false;
          inflight.delete(p);
          o.onRun?.({ index: slot.check.index, due, started, finished: performance.now() });
          pump();
        });
      inflight.add(p);
    }
  };

  while (!o.signal.aborted) {
    const now = performance.now();
    for (const slot of slots) {
      if (slot.next > now) continue;
      const periodMs = slot.check.interval / 1e6;
      if (slot.busy) {
        slot.skipped++;
        if (slot.skipped === 1 || slot.skipped % 100 === 0) {
          o.logger.warn("check took longer than its interval; skipping this run", {
            title: slot.check.title,
            interval: formatDuration(slot.check.interval),
            skipped: slot.skipped,
            waiting: queue.length,
          });
        }
      } else {
        slot.busy = true;
        queue.push({ slot, due: slot.next });
      }
      // Next due time on the original grid: late runs skip missed ticks instead of bunching up.
      slot.next += Math.max(1, Math.ceil((now - slot.next) / periodMs)) * periodMs;
      if (slot.next <= now) slot.next += periodMs;
    }
    pump();
    if (now >= nextFlush) {
      flush();
      nextFlush += Math.max(1, Math.ceil((now - nextFlush) / flushMs)) * flushMs;
    }
    const until = Math.min(nextFlush, ...slots.map((s) => s.next));
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, Math.max(0, until - performance.now()));
      function done() {
        clearTimeout(t);
        o.signal.removeEventListener("abort", done);
        resolve();
      }
      o.signal.addEventListener("abort", done, { once: true });
    });
  }
  queue.length = 0; // not started: dropped on shutdown
  await Promise.all(inflight);
  flush();
  await flushing;
}
