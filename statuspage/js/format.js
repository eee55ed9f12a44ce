// @ts-check
/**
 * Formatting for people: round-trip times, relative and absolute times, uptime (durations: `humanDuration`
 * in the status model, shared with the alerts).
 *
 * @module
 */
import { humanDuration } from "../../status/duration.js";

/** A round-trip time in ms: "87 ms", "4.2 ms", "1.25 s". @param {number | null | undefined} ms */
export function formatRtt(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(3))} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${Number(ms.toPrecision(2))} ms`;
}

const relative = {
  long: new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }),
  short: new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" }),
};

/**
 * "just now", "3 minutes ago" ("3 min. ago" when short), "yesterday".
 * @param {number} t @param {number} now @param {"long" | "short"} [style]
 */
export function formatAgo(t, now, style = "long") {
  const s = Math.round((t - now) / 1000);
  if (Math.abs(s) < 45) return "just now";
  const rel = relative[style];
  const m = Math.round(s / 60);
  if (Math.abs(m) < 60) return rel.format(m, "minute");
  const h = Math.round(m / 60);
  if (Math.abs(h) < 24) return rel.format(h, "hour");
  return rel.format(Math.round(h / 24), "day");
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateOnly = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

/** An absolute date and time in the reader's locale and time zone. @param {number} t */
export function formatDateTime(t) {
  return dateTime.format(t);
}

/** A short label for a chart axis: the time for ranges within a day, else the date. @param {number} t @param {number} span */
export function formatTick(t, span) {
  return span <= 86_400_000 ? timeOnly.format(t) : dateOnly.format(t);
}

/** "99.95 %" (3 decimals at most, no trailing zeros); "–" without data. @param {number | null} pct */
export function formatUptime(pct) {
  if (pct === null || pct === undefined) return "–";
  return `${Number(pct.toFixed(pct >= 99.9 ? 3 : 2))}%`;
}

/**
 * How long a location has been silent, in whole minutes at least: "7m", "1h 5m", "2d 3h".
 * @param {number} ms
 */
export function formatSilence(ms) {
  return humanDuration(Math.max(1, Math.round(ms / 60_000)) * 60e9);
}

/** Names of the ranges for people. */
export const RANGE_LABELS = /** @type {Record<string, string>} */ ({
  "24h": "24 hours",
  "7d": "7 days",
  "30d": "30 days",
  "90d": "90 days",
});
