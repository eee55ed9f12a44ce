// @ts-check
/**
 * A span of time for people, the one way the project writes it: the largest one or two units, `"3d 4h"`,
 * `"12m"`, `"2m 5s"`, `"250ms"`. Alerts, config errors, the CLI and the status page all use this, so an
 * outage reads the same in a notification and on the page. (Go's exact `336h0m0s` form, for logs and
 * compatibility, is `formatDuration` in `duration.ts`.)
 *
 * @module
 */

/**
 * Formats nanoseconds for people: the largest one or two units.
 *
 * @example
 * ```ts
 * import { humanDuration } from "./duration.js";
 * import assert from "node:assert/strict";
 * assert.equal(humanDuration(90061e9), "1d 1h");
 * assert.equal(humanDuration(250e6), "250ms");
 * assert.equal(humanDuration(0), "0s");
 * ```
 * @param {number} ns
 * @returns {string}
 */
export function humanDuration(ns) {
  if (!(ns > 0)) return "0s";
  const ms = ns / 1e6;
  if (ms < 1) return `${Math.round(ns / 1e3)}µs`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  /** @type {[number, string][]} */
  const parts = [[Math.floor(s / 86400), "d"], [Math.floor(s / 3600) % 24, "h"], [
    Math.floor(s / 60) % 60,
    "m",
  ], [
    s % 60,
    "s",
  ]];
  const first = parts.findIndex(([n]) => n > 0);
  return parts.slice(first, first + 2).filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`).join(" ");
}
