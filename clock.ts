/**
 * The one clock: the current time in UTC Unix nanoseconds, a monotonic reading for measuring intervals,
 * and the one abortable sleep. Modules that wait or read the time take a {@linkcode Clock}, so tests drive
 * time with a fake one (`tests/helpers/clock.ts`) instead of waiting for it.
 *
 * @module
 */
import { nowNs } from "./result.ts";

/** The current time and a way to wait. */
export interface Clock {
  /** Now, UTC Unix nanoseconds. */
  now(): bigint;
  /**
   * Milliseconds from an arbitrary origin on a clock that only moves forward at a steady rate: intervals
   * and schedules are measured on it, so a step of the wall clock (NTP, a suspended VM) never bunches or
   * skips rounds. `performance.now()` on the system clock.
   */
  monotonic(): number;
  /** Resolves after `ms` milliseconds, or at once when `signal` aborts (it never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Resolves after `ms` milliseconds, or as soon as `signal` aborts; never rejects and leaves no timer or
 * listener behind.
 *
 * @example
 * ```ts
 * import { sleep } from "./clock.ts";
 * const ac = new AbortController();
 * const waiting = sleep(60_000, ac.signal);
 * ac.abort();
 * await waiting; // at once
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The system clock. */
export const systemClock: Clock = { now: nowNs, monotonic: () => performance.now(), sleep };

/** A clock whose `now` is the given function and whose sleeps are real (library users passing `now`). */
export function clockOf(now: () => bigint): Clock {
  return { now, monotonic: systemClock.monotonic, sleep };
}

/**
 * The system clock moved by `offsetMs` (its wall time only; sleeps and the monotonic reading are real): how
 * a test runs a node whose clock is off (`CHECKUP_CLOCK_OFFSET`, see the README's testing notes).
 *
 * @example
 * ```ts
 * import { offsetClock, systemClock } from "./clock.ts";
 * const ahead = offsetClock(30_000);
 * console.assert(ahead.now() - systemClock.now() >= 29_000_000_000n);
 * ```
 */
export function offsetClock(offsetMs: number): Clock {
  const offset = BigInt(Math.round(offsetMs * 1e6));
  return { now: () => nowNs() + offset, monotonic: systemClock.monotonic, sleep };
}
