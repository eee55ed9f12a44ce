/**
 * The top-level `maintenance` list of `checkup.json`: planned windows during which the endpoints they cover
 * are shown as `maintenance` and their alerts are held (`status/maintenance.js` evaluates them).
 *
 * A window opens once (`start`, RFC 3339) or recurs (`every`: `daily`, `weekly` on `days`, `monthly` on
 * `day`, `at` a local `HH:MM` in `time_zone`), and lasts `duration`.
 *
 * @module
 */
import { z } from "zod";
import { type ConfigIssue, describeValue, joinPath } from "./errors.ts";
import { duration, errorMap } from "./fields.ts";
import { type KeyContext, normalizeKeys } from "./keys.ts";
import { parseRfc3339 } from "./top_level.ts";
import { isTimeZone, RECURRENCES, WEEKDAYS } from "../status/maintenance.js";
import { MAX_MESSAGE } from "../status/messages.js";
import type { Duration } from "../duration.ts";

/** The longest window: 31 days (a longer one is a decommissioned endpoint, not maintenance). */
export const MAX_WINDOW_NS = 31 * 86_400e9;
/** The most windows a config may declare. */
export const MAX_WINDOWS = 100;

/**
 * A maintenance window of the config, validated (times and durations in ms): the shape
 * `status/maintenance.js` evaluates (its `MaintenanceRule`), kept here as a TypeScript interface so the
 * published types do not reach into a JavaScript module.
 */
export interface MaintenanceRule {
  /** What is done. */
  title: string;
  /** Endpoint titles and group names; empty: every endpoint. */
  about: readonly string[];
  /** One-off: when it opens, ms since the epoch. */
  start?: number;
  /** Recurring: daily, weekly (on `days`) or monthly (on `day`). */
  every?: "daily" | "weekly" | "monthly";
  /** Weekly: week days, 0 = Sunday. */
  days?: readonly number[];
  /** Monthly: day of the month, 1-31 (a shorter month uses its last day). */
  day?: number;
  /** Recurring: local time "HH:MM" when it opens. */
  at?: string;
  /** Recurring: IANA time zone of `at`. */
  time_zone?: string;
  /** How long it lasts, ms. */
  duration: number;
  /** Safe Markdown shown with it. */
  message?: string;
}

/** One maintenance window as written in `checkup.json`. */
export interface MaintenanceConfig {
  /** What is done, shown on the page and in the API (e.g. "Database upgrade"). */
  title: string;
  /** Endpoint titles and group names it covers (ignoring case); absent or empty: every endpoint. */
  about?: string | string[];
  /** A one-off window: when it opens (RFC 3339). Give either this or `every`. */
  start?: string;
  /** A recurring window: `daily`, `weekly` (on `days`) or `monthly` (on `day`). */
  every?: "daily" | "weekly" | "monthly";
  /** `weekly`: the days, e.g. `["sat", "sun"]`. */
  days?: ("sun" | "mon" | "tue" | "wed" | "thu" | "fri" | "sat")[];
  /** `monthly`: the day of the month, 1-31 (a shorter month uses its last day). */
  day?: number;
  /** Recurring: the local time it opens, `"HH:MM"` (24-hour). */
  at?: string;
  /** Recurring: the IANA time zone of `at`, e.g. `"Europe/Berlin"` (default UTC). */
  time_zone?: string;
  /** How long it lasts (e.g. `"2h"`), at most 31 days. */
  duration: Duration;
  /** Shown with it on the page: safe Markdown, as status messages. */
  message?: string;
}

const AT = /^([01]\d|2[0-3]):([0-5]\d)$/;

const windowSchema = z.object({
  title: z.string().trim().min(1, "expected a title of 1 to 200 characters, found an empty string")
    .max(200, "expected a title of at most 200 characters").meta({
      description: 'What is done, shown on the page and in the API (e.g. "Database upgrade").',
    }),
  about: z.union([z.string(), z.array(z.string().min(1).max(200)).max(100)], {
    error: (iss) =>
      `expected an endpoint title, a group name or a list of them, found ${describeValue(iss.input)}`,
  }).optional().meta({
    description:
      "The endpoint titles and group names (a checker's `group`) it covers, ignoring case; absent or empty: every endpoint.",
  }),
  start: z.string().optional().meta({
    description:
      'A one-off window: when it opens, RFC 3339 (e.g. "2026-06-01T22:00:00+02:00"). Give this or `every`.',
  }),
  every: z.enum(RECURRENCES).optional().meta({
    description: "A recurring window: daily, weekly (on `days`) or monthly (on `day`). Give this or `start`.",
  }),
  days: z.array(z.string()).min(1).max(7).optional().meta({
    description: 'every: "weekly": the week days it opens on, e.g. ["sat", "sun"].',
  }),
  day: z.number().int().min(1).max(31).optional().meta({
    description: 'every: "monthly": the day of the month, 1-31 (a shorter month uses its last day).',
  }),
  at: z.string().optional().meta({ description: 'Recurring: the local time it opens, "HH:MM" (24-hour).' }),
  time_zone: z.string().optional().meta({
    description: 'Recurring: the IANA time zone of `at`, e.g. "Europe/Berlin"; default UTC.',
  }),
  duration: duration("How long it lasts, at most 31 days.", { min: 60e9, max: MAX_WINDOW_NS }),
  message: z.string().min(1).max(MAX_MESSAGE).optional().meta({
    description: "Shown with the window on the page: safe Markdown, as status messages.",
  }),
}).superRefine((w, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (w.start === undefined && w.every === undefined) {
    issue(
      "start",
      'expected either "start" (a one-off window, RFC 3339) or "every" (daily, weekly or monthly)',
    );
  }
  if (w.start !== undefined && w.every !== undefined) {
    issue("every", 'expected either "start" or "every", found both');
  }
  if (w.start !== undefined && parseRfc3339(w.start) === undefined) {
    issue("start", `expected an RFC 3339 time like "2026-06-01T22:00:00Z", found ${describeValue(w.start)}`);
  }
  if (w.duration === 0) issue("duration", "expected a duration of at least 1m, found 0");
  const recurring = ["days", "day", "at", "time_zone"] as const;
  if (w.every === undefined) {
    for (const k of recurring) {
      if (w[k] !== undefined) issue(k, `"${k}" is for recurring windows: expected "every" beside it`);
    }
    return;
  }
  if (w.at === undefined) issue("at", 'required with "every": expected a local time "HH:MM"');
  else if (!AT.test(w.at)) {
    issue("at", `expected a local time "HH:MM" (00:00 to 23:59), found ${describeValue(w.at)}`);
  }
  if (w.time_zone !== undefined && !isTimeZone(w.time_zone)) {
    issue(
      "time_zone",
      `expected an IANA time zone name like "Europe/Berlin" or "UTC", found ${describeValue(w.time_zone)}`,
    );
  }
  if (w.every === "weekly") {
    if (w.days === undefined) {
      issue("days", 'required with "every": "weekly": expected days like ["sat", "sun"]');
    }
    w.days?.forEach((d, i) => {
      if (!(WEEKDAYS as readonly string[]).includes(d.toLowerCase())) {
        ctx.addIssue({
          code: "custom",
          path: ["days", i],
          message: `expected one of ${WEEKDAYS.join(", ")}, found ${describeValue(d)}`,
        });
      }
    });
  } else if (w.days !== undefined) {
    issue("days", `"days" is for "every": "weekly", found "every": "${w.every}"`);
  }
  if (w.every === "monthly") {
    if (w.day === undefined) {
      issue("day", 'required with "every": "monthly": expected a day of the month, 1-31');
    }
  } else if (w.day !== undefined) {
    issue("day", `"day" is for "every": "monthly", found "every": "${w.every}"`);
  }
});

/** The zod schema of the `maintenance` list (input: as written; output: rules in ms). */
export const maintenanceSchema: z.ZodType<MaintenanceRule[], MaintenanceConfig[]> = z.array(windowSchema)
  .max(MAX_WINDOWS).transform((list) =>
    list.map((w): MaintenanceRule => {
      const about = w.about === undefined ? [] : typeof w.about === "string" ? [w.about] : w.about;
      const rule: MaintenanceRule = {
        title: w.title,
        about: about.map((a) => a.trim()).filter(Boolean),
        duration: w.duration / 1e6,
      };
      if (w.start !== undefined) rule.start = Number(parseRfc3339(w.start)! / 1_000_000n);
      if (w.every !== undefined) {
        rule.every = w.every;
        rule.at = w.at;
        rule.time_zone = w.time_zone ?? "UTC";
        if (w.days) {
          rule.days = [
            ...new Set(w.days.map((d) => (WEEKDAYS as readonly string[]).indexOf(d.toLowerCase()))),
          ]
            .sort();
        }
        if (w.day !== undefined) rule.day = w.day;
      }
      if (w.message !== undefined) rule.message = w.message;
      return rule;
    })
  ).meta({
    description:
      "Maintenance windows: while one is open, the endpoints it covers show `maintenance` and their alerts are held. One-off (`start`) or recurring (`every`).",
  }) as unknown as z.ZodType<MaintenanceRule[], MaintenanceConfig[]>;

/**
 * Validates the `maintenance` list as written (`raw`; undefined or null: none): keys match ignoring case
 * (unknown ones warned about, as everywhere), every problem is pushed to `issues` with its JSON path.
 */
export function resolveMaintenance(raw: unknown, issues: ConfigIssue[], keys: KeyContext): MaintenanceRule[] {
  if (raw === undefined || raw === null) return [];
  const normalized = normalizeKeys(raw, maintenanceSchema, "maintenance", keys);
  const parsed = maintenanceSchema.safeParse(normalized, { error: errorMap });
  if (parsed.success) return parsed.data;
  for (const iss of parsed.error.issues) {
    issues.push({
      path: iss.path.reduce<string>((p, k) => joinPath(p, k as string | number), "maintenance"),
      message: iss.message,
    });
  }
  return [];
}
