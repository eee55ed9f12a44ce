/**
 * The top-level keys of `checkup.json` other than the plugin lists (`checkers`, `storage`,
 * `notifiers`, legacy `notifier`), which the registries validate.
 */
import { z } from "zod";
import { BOUNDS } from "./bounds.ts";
import type { Duration } from "../duration.ts";
import { describeValue } from "./errors.ts";
import { duration } from "./fields.ts";
import { parseQuorum } from "../status/quorum.js";

/** A quorum over locations: a number of locations, or a share (0 < share ≤ 1) of the live ones. */
export type QuorumRule = { count: number } | { share: number };

/** Top-level settings as written in `checkup.json`. */
export interface TopLevelConfig {
  /** Maximum checks running at once; 0 or unset means 5 (Go's default). */
  concurrent_checks?: number;
  /** RFC 3339 time that replaces every result's timestamp (lines up distributed checkers). */
  timestamp?: string;
  /** This node's name or location; when set, every result carries it as `node`. */
  node?: string;
  /** `checkup every`: spread checks over the interval instead of starting them all at once. */
  spread?: boolean;
  /** Single runs (`checkup --store`, `message`): how long to deliver notifications before exiting (default 10s). */
  deliver_within?: Duration;
  /** On SIGINT/SIGTERM: how long deliveries under way may finish before the process exits (default 5s). */
  shutdown_grace?: Duration;
  /** Several locations: how many (`2`) or what share (`"50%"`) must fail for down; default a majority. */
  quorum?: number | string;
  /** A display label for this node's location (e.g. "Frankfurt, DE"); default the node name. */
  location?: string;
  /** Several locations: a location with no round for this long is silent (default 3 intervals, ≥ 5 min). */
  silent_after?: Duration;
}

/** Validated top-level settings. */
export interface TopLevelOptions {
  /** Checks running at once (default 5; 0 also means 5). */
  concurrent_checks: number;
  /** `timestamp` as UTC Unix nanoseconds: replaces every result's timestamp. */
  timestamp?: bigint;
  /** This node's name, carried by results and alerts. */
  node?: string;
  /** `checkup every` spreads checks over the interval. */
  spread: boolean;
  /** Single runs deliver notifications for at most this long, nanoseconds (default 10 s). */
  deliver_within: number;
  /** Deliveries under way get this long to finish at shutdown, nanoseconds (default 5 s). */
  shutdown_grace: number;
  /** Several locations: the quorum of every endpoint without its own (default: a majority). */
  quorum?: QuorumRule;
  /** A display label for this node's location. */
  location?: string;
  /** A location silent for this long is left out of the quorum, nanoseconds (default: 3 intervals, ≥ 5 min). */
  silent_after?: number;
}

/** The `group` key every checker accepts: the page section, API field and metrics label it is shown under. */
export const checkerGroup: z.ZodType<string> = z.string()
  .min(1, "expected a group name of 1 to 100 characters, found an empty string")
  .max(100, "expected a group name of at most 100 characters").describe(
    "The group this checker is shown in: a collapsible section of the status page, `group` in the API and a `group` label in /metrics.",
  );

/** The `incident` key every checker accepts: open an incident when the endpoint goes down, resolve it on recovery. */
export const checkerIncident: z.ZodType<boolean> = z.boolean().describe(
  "Open an incident on the status page when this endpoint goes down (by quorum with several locations) and resolve it when it recovers.",
);

/** The `quorum` key (top level and per checker): a count of locations or a share of the live ones. */
export const quorumField: z.ZodType<QuorumRule, number | string> = z.union([z.number(), z.string()])
  .transform(
    (value, ctx) => {
      const rule = parseQuorum(value);
      if (typeof rule === "string") {
        ctx.issues.push({ code: "custom", input: value, message: rule });
        return z.NEVER;
      }
      return rule;
    },
  ).meta({
    description:
      'Several locations: how many locations (2) or what share of the live ones ("50%") must report down for the endpoint to be down; default a majority.',
  });

const RFC3339 = /^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)$/;

/** Parses an RFC 3339 time to UTC Unix nanoseconds (exact to the nanosecond). */
export function parseRfc3339(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4].toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[3] ?? "").padEnd(9, "0"));
}

/** The zod schema of the top-level settings (plugin lists excluded). */
export const topLevelSchema: z.ZodType<TopLevelOptions, TopLevelConfig> = z.object({
  concurrent_checks: z.number().int().min(0, {
    error: (iss) =>
      `expected a number of checks ≥ 1 (0 means the default, 5), found ${describeValue(iss.input)}`,
  }).max(BOUNDS.concurrentChecks.max, {
    error: (iss) =>
      `expected a number of checks ≤ ${BOUNDS.concurrentChecks.max}, found ${describeValue(iss.input)}`,
  }).default(0).transform((n) => n || 5).meta({
    description: `Maximum checks running at once (default 5, at most ${BOUNDS.concurrentChecks.max}).`,
  }),
  timestamp: z.string().transform((s, ctx) => {
    const ns = parseRfc3339(s);
    if (ns === undefined) {
      ctx.issues.push({
        code: "custom",
        input: s,
        message: `expected an RFC 3339 time like "2026-01-02T15:04:05Z", found ${describeValue(s)}`,
      });
      return z.NEVER;
    }
    // Go's zero time means "not set".
    return ns === -62135596800000000000n ? undefined : ns;
  }).optional().meta({ description: "RFC 3339 time that replaces every result's timestamp." }),
  spread: z.boolean().default(false).meta({
    description:
      "checkup every: spread checks evenly over the interval instead of starting them all at once.",
  }),
  deliver_within: duration(
    "Single runs (checkup --store, message): how long to deliver notifications before exiting; the rest waits in the outbox for the next run.",
    BOUNDS.timeout,
  ).default(10e9),
  shutdown_grace: duration(
    "On SIGINT/SIGTERM: how long deliveries under way may finish; the rest stays in the outbox for the next start.",
    BOUNDS.timeout,
  ).default(5e9),
  quorum: quorumField.optional(),
  location: z.string().min(1).max(100).optional().meta({
    description: 'A display label for this node\'s location (e.g. "Frankfurt, DE"); default the node name.',
  }),
  silent_after: duration(
    "Several locations: a location that stored no round for this long is silent (excluded from the quorum, alerted once); default three of its intervals, at least 5 minutes.",
    BOUNDS.interval,
  ).optional(),
  node: z.string().min(1).optional().meta({
    description: "This node's name or location; results carry it as `node` (Checkup extension).",
  }),
});
