// @ts-check
/**
 * Maintenance windows: when a window is open and which endpoints it covers. The nodes (alert suppression),
 * `checkup serve` (API, badges, metrics) and the page (static export) all evaluate windows with this module,
 * so they agree to the millisecond.
 *
 * A window is declared in the config (one-off with `start`, or recurring: `every` day, week on `days`, or
 * month on `day`, `at` a local time in a `time_zone`) or ad hoc (`checkup maintenance start`, stored in
 * the shared storage). Each occurrence is a {@link MaintenanceWindow} (status/operations.js).
 *
 * Time zones: the instant of a local wall time comes from `Intl.DateTimeFormat` (the platform's IANA
 * database, in Deno and every browser), with no time zone library: none that is well kept runs in the
 * browser and in Deno without a build step or a bundled copy of the database (the Temporal polyfills are
 * bundles of 50+ kB, date-fns-tz needs a bundler), and the arithmetic needed here is one offset lookup.
 * A local time that does not exist (the hour skipped when clocks go forward) opens the window at the same
 * wall time after the change (02:30 → 03:30), and a local time that happens twice (clocks go back) at the
 * first of them: Temporal's "compatible" choice, that of most calendars and cron implementations.
 *
 * @module
 */
import { slug } from "./text.js";

/** @typedef {import("./operations.js").MaintenanceWindow} MaintenanceWindow */

/** Week days as written in the config, Sunday first (JavaScript's `getUTCDay` numbering). */
export const WEEKDAYS = /** @type {const} */ (["sun", "mon", "tue", "wed", "thu", "fri", "sat"]);
/** How a window recurs. */
export const RECURRENCES = /** @type {const} */ (["daily", "weekly", "monthly"]);
/** How far ahead the page lists upcoming windows: 7 days. */
export const UPCOMING_MS = 7 * 86_400_000;
/** How far back windows matter: 90 days, the longest range of the page (uptime leaves them out). */
export const LOOK_BACK_MS = 91 * 86_400_000;
/** The longest span one {@link occurrences} call looks through (bounds its loop): 400 days. */
const MAX_SPAN_MS = 400 * 86_400_000;
const DAY_MS = 86_400_000;

/**
 * @typedef {object} MaintenanceRule A window as declared in the config (durations in ms). Either `start`
 *   (one-off) or `every` (recurring, with `at` and `time_zone`).
 * @property {string} title
 * @property {readonly string[]} about Endpoint titles and group names; empty: every endpoint.
 * @property {number} [start] One-off: when it opens, ms since the epoch.
 * @property {typeof RECURRENCES[number]} [every] Recurring: daily, weekly (on `days`) or monthly (on `day`).
 * @property {readonly number[]} [days] Weekly: week days, 0 = Sunday.
 * @property {number} [day] Monthly: day of the month, 1-31 (a shorter month uses its last day).
 * @property {string} [at] Recurring: local time "HH:MM" when it opens.
 * @property {string} [time_zone] Recurring: IANA time zone of `at` (default UTC).
 * @property {number} duration How long it lasts, ms.
 * @property {string} [message] Safe Markdown shown with it.
 */

/**
 * Whether `name` is a time zone this platform knows (an IANA name such as "Europe/Berlin", or "UTC").
 * @example
 * ```ts
 * import { isTimeZone } from "./maintenance.js";
 * console.assert(isTimeZone("Europe/Berlin") && isTimeZone("UTC") && !isTimeZone("Mars/Olympus"));
 * ```
 * @param {string} name
 */
export function isTimeZone(name) {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * The UTC offset of a time zone at an instant, ms (east positive), through a formatter of that zone.
 * @param {Intl.DateTimeFormat} fmt @param {number} t
 */
function offsetAt(fmt, t) {
  /** @type {Record<string, number>} */
  const p = {};
  for (const part of fmt.formatToParts(t)) if (part.type !== "literal") p[part.type] = Number(part.value);
  const local = Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second);
  return local - (t - (((t % 1000) + 1000) % 1000));
}

/** @param {string} timeZone */
function formatter(timeZone) {
  return new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
}

/**
 * The instant of a local wall time in a time zone, ms. A skipped local time (clocks go forward) maps to the
 * same wall time after the change, a repeated one (clocks go back) to its first occurrence.
 *
 * @example
 * ```ts
 * import { zonedInstant } from "./maintenance.js";
 * // Berlin is UTC+1 in winter, UTC+2 in summer.
 * console.assert(zonedInstant(2026, 1, 10, 2, 0, "Europe/Berlin") === Date.UTC(2026, 0, 10, 1, 0));
 * console.assert(zonedInstant(2026, 7, 10, 2, 0, "Europe/Berlin") === Date.UTC(2026, 6, 10, 0, 0));
 * // 29 March 2026, 02:30 does not exist in Berlin: 03:30 CEST.
 * console.assert(zonedInstant(2026, 3, 29, 2, 30, "Europe/Berlin") === Date.UTC(2026, 2, 29, 1, 30));
 * ```
 * @param {number} year @param {number} month 1-12 @param {number} day @param {number} hour
 * @param {number} minute @param {string | Intl.DateTimeFormat} zone a time zone name or its formatter
 */
export function zonedInstant(year, month, day, hour, minute, zone) {
  const fmt = typeof zone === "string" ? formatter(zone) : zone;
  return instantOf(Date.UTC(year, month - 1, day, hour, minute), (t) => offsetAt(fmt, t));
}

/**
 * The instant of a local wall time (`local`: the wall time read as if it were UTC), given the zone's offset
 * at any instant.
 * @param {number} local @param {(t: number) => number} offset
 */
function instantOf(local, offset) {
  // The offsets in force a day before and a day after: at most one change lies between (zones change
  // at most twice a year, months apart).
  const before = offset(local - DAY_MS), after = offset(local + DAY_MS);
  // No change within a day either side (every day but two a year): one offset, one answer.
  if (before === after) return local - before;
  const fits = [before, after].map((o) => local - o).filter((t) => offset(t) === local - t);
  if (fits.length) return Math.min(...fits);
  // Skipped: the wall time read with the offset before the change lands after it.
  return local - before;
}

/**
 * The calendar date (year, month 1-12, day, week day) of an instant in a time zone.
 * @param {Intl.DateTimeFormat} fmt @param {number} t
 */
function localDate(fmt, t) {
  const local = t + offsetAt(fmt, t);
  const d = new Date(local);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() };
}

/**
 * The id of a config window's occurrence: the slug of its title and its start, stable across restarts and
 * processes.
 * @param {string} title @param {number} start
 */
export function occurrenceId(title, start) {
  return `${slug(title, 60).replace(/-+$/, "") || "maintenance"}-${start.toString(36)}`;
}

/**
 * The occurrences of a config window that overlap [from, to), oldest first. A one-off window has at most
 * one; a recurring one, one per matching day (the span looked through is at most 400 days).
 *
 * @example
 * ```ts
 * import { occurrences } from "./maintenance.js";
 * const rule = { title: "Backups", about: [], every: "weekly", days: [0], at: "03:00", time_zone: "America/New_York", duration: 3_600_000 } as const;
 * const from = Date.UTC(2026, 2, 1), to = Date.UTC(2026, 2, 15);
 * // 1 March 2026 is a Sunday in EST (UTC-5); 8 March, after the change to EDT (UTC-4); 15 March is not before `to`.
 * const starts = occurrences(rule, from, to).map((w) => new Date(w.start).toISOString());
 * console.assert(starts.join() === "2026-03-01T08:00:00.000Z,2026-03-08T07:00:00.000Z");
 * ```
 * @param {MaintenanceRule} rule @param {number} from ms @param {number} to ms
 * @returns {MaintenanceWindow[]}
 */
export function occurrences(rule, from, to) {
  /** @param {number} start */
  const windowAt = (start) => {
    /** @type {MaintenanceWindow} */
    const w = {
      id: occurrenceId(rule.title, start),
      title: rule.title,
      about: [...rule.about],
      start,
      end: start + rule.duration,
      source: "config",
    };
    if (rule.message) w.message = rule.message;
    return w;
  };
  if (rule.start !== undefined) {
    return rule.start < to && rule.start + rule.duration > from ? [windowAt(rule.start)] : [];
  }
  if (!rule.every) return [];
  const fmt = formatter(rule.time_zone ?? "UTC");
  // Day after day, the offset a day ahead of one start is the offset a day behind the next but one:
  // each instant's offset is looked up once.
  /** @type {Map<number, number>} */
  const seen = new Map();
  /** @param {number} t */
  const offset = (t) => {
    let o = seen.get(t);
    if (o === undefined) seen.set(t, o = offsetAt(fmt, t));
    return o;
  };
  const [hour, minute] = (rule.at ?? "00:00").split(":").map(Number);
  to = Math.min(to, from + MAX_SPAN_MS);
  // From the local day before the earliest start that can still be open at `from` (offsets are < 1 day).
  const first = localDate(fmt, from - rule.duration - DAY_MS);
  const out = [];
  for (let i = 0;; i++) {
    const day = new Date(Date.UTC(first.y, first.m - 1, first.d + i));
    const y = day.getUTCFullYear(), m = day.getUTCMonth() + 1, d = day.getUTCDate();
    if (Date.UTC(y, m - 1, d) - DAY_MS > to) break;
    if (rule.every === "weekly" && !(rule.days ?? []).includes(day.getUTCDay())) continue;
    if (rule.every === "monthly") {
      const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
      if (d !== Math.min(rule.day ?? 1, last)) continue;
    }
    const start = instantOf(Date.UTC(y, m - 1, d, hour, minute), offset);
    if (start < to && start + rule.duration > from) out.push(windowAt(start));
  }
  return out;
}

/**
 * Every window (config occurrences and ad hoc windows) that overlaps [from, to), by start, then id.
 * The page and the server look from the start of the longest range (90 days back: uptime) to 7 days
 * ahead (upcoming windows): see {@link LOOK_BACK_MS}.
 * @param {readonly MaintenanceRule[]} rules @param {readonly MaintenanceWindow[]} adhoc
 * @param {number} from @param {number} to
 * @returns {MaintenanceWindow[]}
 */
export function windowsBetween(rules, adhoc, from, to) {
  const out = rules.flatMap((r) => occurrences(r, from, to));
  // A window ended before it opened (cancelled) has no time: it is left out.
  for (const w of adhoc) if (w.end > w.start && w.start < to && w.end > from) out.push(w);
  return out.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Whether a window covers an endpoint: it names no endpoint (all), or names its title or its group,
 * ignoring case (as `checkup message --about`).
 *
 * @example
 * ```ts
 * import { covers } from "./maintenance.js";
 * const w = { about: ["api", "Payments"] };
 * console.assert(covers(w, "API") && covers(w, "Card charge", "payments") && !covers(w, "Web"));
 * console.assert(covers({ ...w, about: [] }, "Web"));
 * ```
 * @param {{ readonly about: readonly string[] }} window @param {string} title @param {string} [group]
 */
export function covers(window, title, group) {
  if (!window.about.length) return true;
  const t = title.toLowerCase(), g = group?.toLowerCase();
  return window.about.some((a) => {
    const x = a.toLowerCase();
    return x === t || (g !== undefined && x === g);
  });
}

/**
 * @typedef {object} WindowIndex Windows by the names they cover (lower case), for many endpoints at once.
 * @property {MaintenanceWindow[]} all Those that cover every endpoint.
 * @property {Map<string, MaintenanceWindow[]>} byName
 */

/**
 * Indexes windows by the names they cover, so that finding those of each of many endpoints does not go
 * through every window each time.
 * @param {readonly MaintenanceWindow[]} windows
 * @returns {WindowIndex}
 */
export function indexWindows(windows) {
  /** @type {WindowIndex} */
  const index = { all: [], byName: new Map() };
  for (const w of windows) {
    if (!w.about.length) index.all.push(w);
    for (const name of new Set(w.about.map((a) => a.toLowerCase()))) {
      const list = index.byName.get(name);
      if (list) list.push(w);
      else index.byName.set(name, [w]);
    }
  }
  return index;
}

/**
 * The indexed windows that cover an endpoint (by title or group, ignoring case), by start.
 * @param {WindowIndex} index @param {string} title @param {string} [group]
 * @returns {MaintenanceWindow[]}
 */
export function windowsCovering(index, title, group) {
  const found = new Set([
    ...index.all,
    ...(index.byName.get(title.toLowerCase()) ?? []),
    ...(group === undefined ? [] : index.byName.get(group.toLowerCase()) ?? []),
  ]);
  return [...found].sort((a, b) => a.start - b.start);
}

/**
 * The window open at `now` that covers an endpoint (the one that ends last when several do), if any.
 * @param {readonly MaintenanceWindow[]} windows @param {number} now @param {string} title
 * @param {string} [group]
 * @returns {MaintenanceWindow | undefined}
 */
export function openWindow(windows, now, title, group) {
  /** @type {MaintenanceWindow | undefined} */
  let found;
  for (const w of windows) {
    if (w.start <= now && now < w.end && covers(w, title, group) && (!found || w.end > found.end)) found = w;
  }
  return found;
}

/**
 * The windows open at `now` and those opening within `ahead` ms (default 7 days), each by start.
 * @param {readonly MaintenanceWindow[]} windows @param {number} now @param {number} [ahead]
 */
export function activeAndUpcoming(windows, now, ahead = UPCOMING_MS) {
  return {
    active: windows.filter((w) => w.start <= now && now < w.end),
    upcoming: windows.filter((w) => w.start > now && w.start <= now + ahead),
  };
}

/**
 * The parts of [from, to) that the windows covering an endpoint leave out, merged, oldest first.
 * @param {readonly MaintenanceWindow[]} windows @param {string} title @param {string | undefined} group
 * @param {number} from @param {number} to
 * @returns {{ s: number, e: number }[]}
 */
export function coveredSpans(windows, title, group, from, to) {
  const spans = windows.filter((w) => w.end > from && w.start < to && covers(w, title, group))
    .map((w) => ({ s: Math.max(from, w.start), e: Math.min(to, w.end) }))
    .sort((a, b) => a.s - b.s);
  /** @type {{ s: number, e: number }[]} */
  const merged = [];
  for (const x of spans) {
    const last = merged[merged.length - 1];
    if (last && x.s <= last.e) last.e = Math.max(last.e, x.e);
    else merged.push({ ...x });
  }
  return merged;
}

/**
 * Checks (not down, down) of an endpoint's runs made within `spans`; a run's checks are taken as spread
 * evenly over it.
 * @param {import("./endpoint.js").EndpointRollup} e @param {{ s: number, e: number }[]} spans
 */
export function checksWithin(e, spans) {
  let up = 0, down = 0;
  for (const node of e.nodes.values()) {
    for (const r of node.runs) {
      if (r.st < 1) continue;
      let n = 0;
      for (const c of spans) {
        if (r.e < c.s || r.s >= c.e) continue;
        n += r.e === r.s ? r.n : r.n * (Math.min(r.e, c.e) - Math.max(r.s, c.s)) / (r.e - r.s);
      }
      if (r.st === 3) down += n;
      else up += n;
    }
  }
  return { up, down };
}
