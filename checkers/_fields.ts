/**
 * Config fields every checker shares (`endpoint_name`, `attempts`, `attempt_spacing`, `threshold_rtt`,
 * `timeout`) and a regular-expression field, so each checker's schema spells them the same way.
 *
 * @module
 */
import { z } from "zod";
import { duration, exactDuration } from "../config/fields.ts";
import type { Nanoseconds } from "../duration.ts";
import { describeValue } from "../config/errors.ts";
import { BOUNDS } from "../config/bounds.ts";

/** `endpoint_name`: the result's title. */
export function endpointName(): z.ZodDefault<z.ZodString> {
  return z.string().default("").meta({ description: "The endpoint's name, shown as the result title." });
}

/** `attempts`: tries per check, one after another (values below 1 mean 1, as in Go; the loader warns). */
export function attempts(): z.ZodDefault<z.ZodNumber> {
  const { max } = BOUNDS.attempts;
  return z.number().int().max(max, {
    error: (iss) => `expected at most ${max} attempts, found ${describeValue(iss.input)}`,
  }).default(1).meta({ description: `Attempts per check, at most ${max}; values below 1 mean 1.` });
}

/** `attempt_spacing`: the pause after each attempt. */
export function attemptSpacing(): z.ZodType<number, number | string | undefined> {
  return duration("Pause after each attempt (skipped after a connection failure).", BOUNDS.attemptSpacing)
    .default(0);
}

/** `threshold_rtt`: degraded when the median round-trip time is strictly above it (exact: results carry it). */
export function thresholdRtt(): z.ZodType<Nanoseconds, number | string | undefined> {
  return exactDuration("Degraded when the median round-trip time is above this; 0 turns it off.").default(0);
}

/** `timeout`: the limit of one attempt, with its default in nanoseconds (0 also means the default, as in Go). */
export function timeout(defaultNs: number, what: string): z.ZodType<number, number | string | undefined> {
  return duration(`Timeout of one attempt (${what}); 0 means the default.`, BOUNDS.timeout).default(0)
    .transform((v) => v || defaultNs);
}

/** A regular expression written as a string (JavaScript syntax); rejected at load time when invalid. */
export function regex(description: string): z.ZodString {
  return z.string().superRefine((v, ctx) => {
    try {
      new RegExp(v);
    } catch (e) {
      ctx.addIssue({
        code: "custom",
        input: v,
        message: `expected a valid regular expression, found ${describeValue(v)}: ${
          (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, "")
        }`,
      });
    }
  }).meta({
    description:
      `${description} JavaScript regular expression syntax; (?i:...) makes a part case-insensitive.`,
  });
}
