/**
 * The floors and ceilings of numeric settings, in one place so the schemas, the CLI and the README agree:
 * a config can be wrong by a factor of a billion (`"1ns"` for `"1s"`), and a timer past 2^31 ms fires at
 * once, so each bound keeps a typo from becoming a request storm or a hot loop.
 *
 * @module
 */

/** Floors and ceilings, in nanoseconds for durations. */
export const BOUNDS = {
  /** A checker's `interval` and `checkup every` / `serve --every`: at least 1s, at most 7 days. */
  interval: { min: 1e9, max: 7 * 86400e9 },
  /** One attempt's or one delivery's `timeout`: at most 1 hour. */
  timeout: { max: 3600e9 },
  /** `attempt_spacing`: at most 1 hour. */
  attemptSpacing: { max: 3600e9 },
  /** `attempts`: at most 100 (negative values mean 1, with a warning, as in Go). */
  attempts: { max: 100 },
  /** `concurrent_checks`: at most 1,000. */
  concurrentChecks: { max: 1000 },
} as const;
