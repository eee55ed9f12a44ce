/**
 * Building blocks for plugin config schemas (zod), so every plugin validates durations, URLs and
 * addresses the same way and with the same messages.
 *
 * @module
 */
import { z } from "zod";
import { describeValue } from "./errors.ts";
import { type Nanoseconds, parseDuration, parseExactDuration } from "./duration.ts";

/** A duration field: integer nanoseconds or a string such as `"10s"`; resolves to nanoseconds. */
export function duration(description: string): z.ZodType<number, number | string> {
  return durationOf(description, parseDuration);
}

/**
 * A duration field that stays exact beyond 2^53 ns ({@linkcode parseExactDuration}): for values that
 * reach results and check files, which Go reads as int64 (`threshold_rtt`).
 */
export function exactDuration(description: string): z.ZodType<Nanoseconds, number | string> {
  return durationOf(description, parseExactDuration);
}

function durationOf<T>(description: string, parse: (v: number | string) => T): z.ZodType<T, number | string> {
  // The config loader reads an integer too large for a double as a bigint: it reaches the parser as
  // exact integer nanoseconds ("<digits>ns"), so the messages and bounds are those of any duration.
  const toText = (v: unknown) => (typeof v !== "bigint" ? v : v < 0n ? Number(v) : `${v}ns`);
  return z.preprocess(
    toText,
    z.union([z.number(), z.string()], {
      error: (iss) =>
        `expected a duration (integer nanoseconds or a string like "10s"), found ${describeValue(iss.input)}`,
    }).transform((v, ctx) => {
      try {
        return parse(v);
      } catch (e) {
        ctx.issues.push({ code: "custom", message: (e as Error).message, input: v });
        return z.NEVER;
      }
    }),
  ).meta({
    description: `${description} Integer nanoseconds (Go) or a string like "500ms", "10s", "5m", "7d".`,
  }) as unknown as z.ZodType<T, number | string>;
}

/** A `host:port` address field. */
export function hostPort(description: string): z.ZodString {
  return z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/]+):([0-9]{1,5})$/, {
    error: (iss) => `expected host:port (e.g. "example.com:443"), found ${describeValue(iss.input)}`,
  }).refine((v) => {
    const m = /:(\d+)$/.exec(v);
    // Only judge the port when the shape is right (the regex above already reported otherwise).
    return !m || (Number(m[1]) > 0 && Number(m[1]) < 65536);
  }, { error: "expected a port from 1 to 65535", abort: true }).meta({ description });
}

/** An absolute http(s) URL field. */
export function httpUrl(description: string): z.ZodString {
  return z.string().refine((v) => {
    try {
      return ["http:", "https:"].includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, { error: (iss) => `expected an http:// or https:// URL, found ${describeValue(iss.input)}` }).meta({
    description,
  });
}

/** The `"type"` discriminator of a plugin schema; aliases are accepted and normalised to `type`. */
export function typeTag<T extends string, A extends string = never>(
  type: T,
  aliases: readonly A[] = [],
): z.ZodType<T, T | A> {
  return z.union([z.literal(type), ...aliases.map((a) => z.literal(a))]).transform(() =>
    type
  ) as unknown as z.ZodType<
    T,
    T | A
  >;
}

/**
 * The per-parse error map: turns zod's issues into "expected …, found …" sentences.
 */
export const errorMap: z.core.$ZodErrorMap = (iss) => {
  const found = describeValue(iss.input);
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return `required: expected ${article(iss.expected)}`;
      return `expected ${article(iss.expected)}, found ${found}`;
    case "too_small":
      return iss.origin === "array"
        ? `expected at least ${iss.minimum} item(s)`
        : iss.origin === "string"
        ? `expected at least ${iss.minimum} character(s), found ${found}`
        : `expected a number ${iss.inclusive ? "≥" : ">"} ${iss.minimum}, found ${found}`;
    case "too_big":
      return iss.origin === "array"
        ? `expected at most ${iss.maximum} item(s)`
        : `expected a value ${iss.inclusive ? "≤" : "<"} ${iss.maximum}, found ${found}`;
    case "invalid_value":
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")}, found ${found}`;
    case "invalid_format":
      return `expected ${
        iss.format === "regex" ? "a value matching " + iss.pattern : iss.format
      }, found ${found}`;
    default:
      return undefined;
  }
};

function article(expected: string): string {
  if (expected === "int") return "an integer";
  if (expected === "array" || expected === "object" || expected === "integer") return `an ${expected}`;
  return `a ${expected}`;
}
