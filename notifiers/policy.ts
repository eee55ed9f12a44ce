/**
 * The alert keys every notifier object accepts (one shared zod fragment, documented once in the
 * README): when to notify, how often to remind, which kinds to send, and the delivery limits.
 *
 * @module
 */
import { BOUNDS } from "../config/bounds.ts";
import { z } from "zod";
import type { Duration } from "../duration.ts";
import { duration, httpUrl } from "../config/fields.ts";

/**
 * The kinds of alert a notifier can be told about (`reminder`s follow the kind they remind of): endpoint
 * transitions, and announcements of incident updates and maintenance windows (`announcements.ts`).
 */
export type AlertOn = "down" | "degraded" | "recovered" | "incident" | "maintenance";

/** Alert keys as written on a notifier object in `checkup.json`. */
export interface AlertPolicyConfig {
  /** Consecutive bad rounds before a `down`/`degraded` alert (default 1). */
  failure_threshold?: number;
  /** Consecutive healthy rounds before a `recovered` alert (default 1). */
  success_threshold?: number;
  /** Remind this often while the endpoint stays down or degraded; 0 (default) never reminds. */
  reminder_every?: Duration;
  /**
   * Minimum time between the recovery of an endpoint and the alert that opens its next incident, and
   * between status changes within one incident (default `"5m"`): a flapping endpoint cannot page in a storm.
   */
  min_interval?: Duration;
  /** Which kinds to send (default the three endpoint kinds; `incident` and `maintenance` are opt-in). */
  notify_on?: AlertOn[];
  /** The status page, linked from every message. */
  status_page_url?: string;
  /** Timeout of one delivery attempt (default `"10s"`). */
  timeout?: Duration;
  /**
   * Quick extra tries within one delivery attempt after a transient failure (network error, 429, 5xx),
   * 500 ms apart and doubling (default 0: the outbox retries with backoff instead).
   */
  retries?: number;
  /** Keep retrying an undelivered notification this long, then give it up with an error log (default `"24h"`). */
  max_age?: Duration;
}

/** Validated alert keys: defaults applied, durations in nanoseconds. */
export interface AlertPolicy {
  /** Consecutive bad rounds before a down/degraded alert (default 1). */
  failure_threshold: number;
  /** Consecutive healthy rounds before a recovered alert (default 1). */
  success_threshold: number;
  /** Remind this often while an endpoint stays bad, nanoseconds; 0 (default): never. */
  reminder_every: number;
  /**
   * Minimum time between a recovery and the next incident's alert, and between changes within one incident,
   * nanoseconds (default 5 min).
   */
  min_interval: number;
  /** The kinds of alert sent (default all three). */
  notify_on: AlertOn[];
  /** The status page linked from every message; unset: no link. */
  status_page_url?: string;
  /** Timeout of one delivery attempt, nanoseconds (default 10 s). */
  timeout: number;
  /** Quick extra tries within one delivery attempt after a transient failure (default 0). */
  retries: number;
  /** How long an undelivered notification is retried before it is given up, nanoseconds (default 24 h). */
  max_age: number;
}

/** The policy of a notifier that has none (library notifiers): the documented defaults. */
export const DEFAULT_ALERT_POLICY: Readonly<AlertPolicy> = Object.freeze<AlertPolicy>({
  failure_threshold: 1,
  success_threshold: 1,
  reminder_every: 0,
  min_interval: 300e9,
  notify_on: ["down", "degraded", "recovered"],
  timeout: 10e9,
  retries: 0,
  max_age: 86_400e9,
});

const KINDS = ["down", "degraded", "recovered", "incident", "maintenance"] as const;
/** What a notifier is told when its config says nothing: the endpoint transitions. */
const DEFAULT_KINDS: AlertOn[] = ["down", "degraded", "recovered"];

/**
 * The zod fields of the alert keys, spread into every notifier's object schema:
 * `z.object({ type: typeTag("slack"), ...alertPolicyShape, webhook: ... })`.
 */
export const alertPolicyShape = {
  failure_threshold: z.number().int().min(1).max(10_000).default(1).meta({
    description: "Consecutive bad rounds before a down/degraded alert.",
  }),
  success_threshold: z.number().int().min(1).max(10_000).default(1).meta({
    description: "Consecutive healthy rounds before a recovered alert.",
  }),
  reminder_every: duration("Remind this often while the endpoint stays bad; 0 never reminds.").default(0),
  min_interval: duration(
    "Minimum time between a recovery and the alert opening the next incident, and between status changes within one incident.",
  ).default(300e9),
  notify_on: z.array(z.enum(KINDS)).min(1).refine(
    (kinds) => !kinds.includes("recovered") || kinds.some((k) => k === "down" || k === "degraded"),
    {
      error: 'expected "down" or "degraded" too: a recovery is only sent for an incident that was announced',
    },
  ).default([...DEFAULT_KINDS]).meta({
    description:
      "Which kinds of alert to send: endpoint transitions (down, degraded, recovered) and announcements (incident updates, maintenance windows).",
  }),
  status_page_url: httpUrl("The status page, linked from every message.").optional(),
  timeout: duration("Timeout of one delivery attempt.", BOUNDS.timeout).default(10e9),
  retries: z.number().int().min(0).max(10).default(0).meta({
    description:
      "Quick extra tries within one delivery attempt after a transient failure (the outbox retries later anyway).",
  }),
  max_age: duration("Keep retrying an undelivered notification this long, then give it up.").default(
    86_400e9,
  ),
};

/** The alert keys of validated options (drops the notifier's own keys). */
export function policyOf(options: AlertPolicy): AlertPolicy {
  const p: AlertPolicy = {
    failure_threshold: options.failure_threshold,
    success_threshold: options.success_threshold,
    reminder_every: options.reminder_every,
    min_interval: options.min_interval,
    notify_on: [...options.notify_on],
    timeout: options.timeout,
    retries: options.retries,
    max_age: options.max_age,
  };
  if (options.status_page_url) p.status_page_url = options.status_page_url;
  return p;
}
