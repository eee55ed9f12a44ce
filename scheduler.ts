/**
 * The schedule behind `checkup every`, on an injected {@linkcode Clock} (its monotonic reading, so a step
 * of the wall clock never bunches or skips rounds; tests drive a fake one). Both modes keep their runs on
 * a fixed grid of ticks (start + k × period): a run that ends late skips the ticks it missed, and says so,
 * instead of bunching up.
 *
 * - {@linkcode runRounds}: one round of every check now and on each tick; rounds never overlap.
 * - {@linkcode runSchedule}, when checkers have their own `interval` or `spread` is on: each checker runs
 *   on its own period, first runs are spread evenly over the period so thousands of checks never fire in
 *   one burst, at most `concurrency` run at once, and results are flushed (stored, maintained, notified)
 *   as one round per flush interval. A checker that is still running or waiting when it is due again is
 *   skipped, with a warning: the queue never grows beyond one entry per checker.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { Logger } from "./log.ts";
import { formatDuration } from "./duration.ts";
import type { Result } from "./result.ts";

/** The parts of a clock a schedule uses. */
export type ScheduleClock = Pick<Clock, "monotonic" | "sleep">;

/** Ticks at `start + k × period` on the monotonic clock (milliseconds): the tick arithmetic of both modes. */
export class Ticks {
  #k: number;

  /** A grid from `start` every `period` ms, whose current tick is number `first`. */
  constructor(readonly start: number, readonly period: number, first = 0) {
    this.#k = first;
  }

  /** When the current tick is due. */
  get due(): number {
    return this.start + this.#k * this.period;
  }

  /** Moves on to the first tick after `now`; returns how many ticks were passed over (missed). */
  pass(now: number): number {
    const k = Math.max(this.#k + 1, Math.floor((now - this.start) / this.period) + 1);
    const missed = k - this.#k - 1;
    this.#k = k;
    return missed;
  }
}

/** Options of {@linkcode runRounds}. */
export interface RoundsOptions {
  /** Period in nanoseconds. */
  interval: number;
  /** One round; an error is logged and the schedule goes on. */
  round(): Promise<void>;
  logger: Logger;
  /** Stops the schedule once the round under way is done. */
  signal: AbortSignal;
  clock: ScheduleClock;
}

/** Runs a round now and on every tick after it ends until `signal` aborts; rounds never overlap. */
export async function runRounds(o: RoundsOptions): Promise<void> {
  const ticks = new Ticks(o.clock.monotonic(), o.interval / 1e6);
  while (!o.signal.aborted) {
    try {
      await o.round();
    } catch (e) {
      o.logger.error("round failed", { error: e });
    }
    const now = o.clock.monotonic();
    const skipped = ticks.pass(now);
    if (skipped) {
      o.logger.warn("round took longer than the interval; skipping missed ticks", {
        interval: formatDuration(o.interval),
        skipped,
      });
    }
    await o.clock.sleep(ticks.due - o.clock.monotonic(), o.signal);
  }
}

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
  /** When it was due, started and finished, in the clock's monotonic milliseconds. */
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
  clock: ScheduleClock;
  onRun?(info: RunInfo): void;
}

interface Slot {
  check: ScheduledCheck;
  ticks: Ticks;
  busy: boolean;
  skipped: number;
}

/** Runs the per-checker schedule until `signal` aborts, then drains and flushes. */
export async function runSchedule(o: ScheduleOptions): Promise<void> {
  const { clock } = o;
  const start = clock.monotonic();
  const n = o.checks.length;
  const slots: Slot[] = o.checks.map((check, i) => {
    const period = check.interval / 1e6;
    return {
      check,
      ticks: new Ticks(start + (o.spread === false ? 0 : period * (i / Math.max(1, n))), period),
      busy: false,
      skipped: 0,
    };
  });
  const queue: { slot: Slot; due: number }[] = [];
  let running = 0;
  let batch: { index: number; result: Result }[] = [];
  const flushes = new Ticks(start, o.flushInterval / 1e6, 1);
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
      const started = clock.monotonic();
      const p = slot.check.run(runSignal)
        .then((result) => void batch.push({ index: slot.check.index, result }))
        .catch((e) => o.logger.error("checker failed", { title: slot.check.title, error: e }))
        .finally(() => {
          running--;
          slot.busy = false;
          inflight.delete(p);
          o.onRun?.({ index: slot.check.index, due, started, finished: clock.monotonic() });
          pump();
        });
      inflight.add(p);
    }
  };

  // The slots by when they are next due: a wake-up visits only the due ones (thousands of checks spread
  // over a minute wake the loop every few milliseconds).
  const due = new DueHeap(slots);
  while (!o.signal.aborted) {
    const now = clock.monotonic();
    for (let slot = due.peek(); slot && slot.ticks.due <= now; slot = due.peek()) {
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
        queue.push({ slot, due: slot.ticks.due });
      }
      slot.ticks.pass(now); // a late run skips the ticks it missed instead of bunching up
      due.settle();
    }
    pump();
    if (flushes.due <= now) {
      flush();
      flushes.pass(now);
    }
    const until = Math.min(flushes.due, due.peek()?.ticks.due ?? Infinity);
    await clock.sleep(until - clock.monotonic(), o.signal);
  }
  queue.length = 0; // not started: dropped on shutdown
  await Promise.all(inflight);
  flush();
  await flushing;
}

/**
 * The slots as a binary min-heap on their next due time (ties: config order), so the loop finds the due
 * ones in O(log n) each instead of visiting every slot on every wake-up.
 */
class DueHeap {
  #heap: Slot[];

  constructor(slots: readonly Slot[]) {
    this.#heap = [...slots];
    for (let i = (this.#heap.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  /** The slot due first. */
  peek(): Slot | undefined {
    return this.#heap[0];
  }

  /** Puts the first slot back in place after its ticks moved on. */
  settle(): void {
    this.#down(0);
  }

  #before(a: Slot, b: Slot): boolean {
    return a.ticks.due < b.ticks.due || (a.ticks.due === b.ticks.due && a.check.index < b.check.index);
  }

  #down(i: number): void {
    const h = this.#heap;
    while (2 * i + 1 < h.length) { // down one level each time: at most log2(n) steps
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && this.#before(h[l], h[m])) m = l;
      if (r < h.length && this.#before(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
