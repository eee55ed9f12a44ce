/**
 * The one retry loop (after Deno std's `async/retry.ts`): a bounded number of tries, a wait between them
 * (exponential backoff with jitter, or the caller's rule, e.g. a `Retry-After`), a predicate for the
 * errors worth another try, an abort signal, and the clock's sleep, so tests run backoffs in virtual time.
 *
 * @module
 */
import { type Clock, sleep } from "../clock.ts";

/** Exponential backoff: `base × factor^attempt`, capped at `max`, less up to `jitter` of it at random. */
export interface Backoff {
  /** The first wait, milliseconds. */
  base: number;
  /** Growth per retry (default 2; 1 waits the same each time). */
  factor?: number;
  /** The longest wait, milliseconds (default none). */
  max?: number;
  /**
   * The share of each wait taken off at random, from 0 (the exact wait, the default) to 1 ("full
   * jitter": anywhere from 0 to the wait), so writers that collided do not collide again.
   */
  jitter?: number;
}

/**
 * The wait before retry number `attempt` (0 after the first failure), in milliseconds; std's
 * `exponentialBackoffWithJitter`.
 *
 * @example
 * ```ts
 * import { backoffMs } from "./retry.ts";
 * console.assert(backoffMs({ base: 500 }, 2) === 2000);
 * console.assert(backoffMs({ base: 1000, max: 30_000 }, 10) === 30_000);
 * ```
 */
export function backoffMs(b: Backoff, attempt: number, random: () => number = Math.random): number {
  const wait = Math.min(b.max ?? Infinity, b.base * (b.factor ?? 2) ** attempt);
  return wait * (1 - (b.jitter ?? 0) * random());
}

/** Options of {@linkcode retry}. */
export interface RetryOptions {
  /** Tries in all, the first one included (values below 1 mean 1; `Infinity`: until it succeeds or `signal` aborts). */
  attempts: number;
  /**
   * The wait before the next try: a backoff, or milliseconds computed from the failed try's number (0 for
   * the first) and its error.
   */
  delay: Backoff | ((attempt: number, error: unknown) => number);
  /** Whether this error is worth another try (default: every error is). */
  retryable?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait (for a log line). */
  onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
  /** Aborted: no further try starts, a wait ends at once, and the last error is thrown. */
  signal?: AbortSignal;
  /** Whose sleep the waits use (default the system clock's). */
  clock?: Pick<Clock, "sleep">;
}

/**
 * Calls `fn` (with the try's number, from 0) until it resolves, and resolves with its value. A failure is
 * tried again after the `delay` while tries remain, the error is `retryable` and `signal` has not
 * aborted; otherwise that error is thrown as it is.
 *
 * @example
 * ```ts
 * import { retry } from "./retry.ts";
 * let calls = 0;
 * const value = await retry(async () => {
 *   if (++calls < 3) throw new Error("busy");
 *   return "done";
 * }, { attempts: 5, delay: { base: 1 } });
 * console.assert(value === "done" && calls === 3);
 * ```
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const attempts = Math.max(1, Math.floor(o.attempts));
  const wait = typeof o.delay === "function"
    ? o.delay
    : (attempt: number) => backoffMs(o.delay as Backoff, attempt);
  for (let attempt = 0;; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt + 1 >= attempts || o.signal?.aborted || !(o.retryable?.(e, attempt) ?? true)) throw e;
      const ms = wait(attempt, e);
      o.onRetry?.(e, attempt, ms);
      await (o.clock?.sleep ?? sleep)(ms, o.signal);
      if (o.signal?.aborted) throw e;
    }
  }
}
