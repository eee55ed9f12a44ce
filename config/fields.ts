/**
 * Building blocks for plugin config schemas (zod), so every plugin validates durations, URLs and
 * addresses the same way and with the same messages.
 *
 * @module
 */
import { z } from "zod";
import { describeValue } from "./errors.ts";
import { humanDuration, type Nanoseconds, parseDuration, parseExactDuration } from "../duration.ts";

/** Bounds of a duration field in nanoseconds (0, "off", is always allowed below `min`). */
export interface DurationBounds {
  /** The least duration other than 0. */
  min?: number;
  /** The greatest duration. */
  max?: number;
}

/**
 * A duration field: integer nanoseconds or a string such as `"10s"`; resolves to nanoseconds. Values past
 * Go's int64 nanoseconds are always refused; `bounds` narrows that (0 stays allowed: it means "default" or
 * "off" wherever durations are used).
 */
export function duration(
  description: string,
  bounds: DurationBounds = {},
): z.ZodType<number, number | string> {
  return durationOf(description, parseDuration, bounds);
}

/**
 * A duration field that stays exact beyond 2^53 ns ({@linkcode parseExactDuration}): for values that
 * reach results and check files, which Go reads as int64 (`threshold_rtt`).
 */
export function exactDuration(description: string): z.ZodType<Nanoseconds, number | string> {
  return durationOf(description, parseExactDuration, {});
}

function durationOf<T extends Nanoseconds>(
  description: string,
  parse: (v: number | string) => T,
  { min, max }: DurationBounds,
): z.ZodType<T, number | string> {
  const limits = [
    min === undefined ? "" : `at least ${humanDuration(min)}`,
    max === undefined ? "" : `at most ${humanDuration(max)}`,
  ].filter(Boolean).join(", ");
  // The config loader reads an integer too large for a double as a bigint: it reaches the parser as
  // exact integer nanoseconds ("<digits>ns"), so the messages and bounds are those of any duration.
  const toText = (v: unknown) => (typeof v !== "bigint" ? v : v < 0n ? Number(v) : `${v}ns`);
  return z.preprocess(
    toText,
    z.union([z.number(), z.string()], {
      error: (iss) =>
        `expected a duration (integer nanoseconds or a string like "10s"), found ${describeValue(iss.input)}`,
    }).transform((v, ctx) => {
      let ns: T;
      try {
        ns = parse(v);
      } catch (e) {
        ctx.issues.push({ code: "custom", message: (e as Error).message, input: v });
        return z.NEVER;
      }
      const n = Number(ns);
      if ((min !== undefined && n > 0 && n < min) || (max !== undefined && n > max)) {
        ctx.issues.push({
          code: "custom",
          input: v,
          message: `expected a duration ${
            min !== undefined && n < min
              ? `of at least ${humanDuration(min)}`
              : `of at most ${humanDuration(max!)}`
          }, found ${describeValue(v)}`,
        });
        return z.NEVER;
      }
      return ns;
    }),
  ).meta({
    description: `${description} Integer nanoseconds (Go) or a string like "500ms", "10s", "5m", "7d".${
      limits ? ` ${limits[0].toUpperCase()}${limits.slice(1)}.` : ""
    }`,
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
  return z.string().refine(isHttpUrl, {
    error: (iss) => `expected an http:// or https:// URL, found ${describeValue(iss.input)}`,
  }).meta({
    description,
  });
}

/** Whether `v` parses as an http:// or https:// URL. */
export function isHttpUrl(v: string): boolean {
  try {
    return ["http:", "https:"].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}

/** A `headers` field: its output, and its input (absent means none). */
export type HeaderField<V> = z.ZodType<Record<string, V>, Record<string, V> | undefined>;

const TOKEN = /^[!#$%&'*+.^`|~0-9A-Za-z-]+$/;
// Bytes a header value cannot carry (RFC 9110 §5.5): a CR or LF would end the header, a NUL is refused.
const BAD_VALUE = /[\r\n\0]/;

/** Where a header value breaks, without showing the value (headers carry tokens). */
function badValue(value: string): string {
  const at = value.search(BAD_VALUE);
  const name = { "\r": "a CR", "\n": "an LF", "\0": "a NUL" }[value[at]];
  return `found ${name} at character ${at + 1} of ${value.length} (the value is not shown: it may be secret)`;
}

/**
 * Request headers to send: a header name to a value (or, with `lists`, a list of values joined with
 * `", "`, Go's form). Names must be HTTP tokens and values must not hold CR, LF or NUL, checked at load
 * so a bad header is a config error with its path, not a failed request every round.
 */
export function headers(description: string, lists: true): HeaderField<string | string[]>;
export function headers(description: string, lists?: false): HeaderField<string>;
export function headers(description: string, lists = false): HeaderField<string | string[]> {
  const value = lists ? z.union([z.string(), z.array(z.string())]) : z.string();
  return z.record(z.string(), value).superRefine((map, ctx) => {
    for (const [name, v] of Object.entries(map)) {
      if (!TOKEN.test(name)) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          input: name,
          message: `expected a header name (letters, digits and !#$%&'*+.^_\`|~-), found ${
            describeValue(name)
          }`,
        });
      }
      const values = Array.isArray(v) ? v : [v];
      values.forEach((one, i) => {
        if (!BAD_VALUE.test(one)) return;
        ctx.addIssue({
          code: "custom",
          path: Array.isArray(v) ? [name, i] : [name],
          input: one,
          message: `expected a header value without CR, LF or NUL characters, ${badValue(one)}`,
        });
      });
    }
  }).default({}).meta({ description }) as unknown as HeaderField<string | string[]>;
}

/**
 * A string sent as (part of) one header value, e.g. a token: no CR, LF or NUL (an env file saved with
 * Windows line ends leaves a CR), checked at load; `min` characters at least.
 */
export function headerValue(description: string, min = 0): z.ZodString {
  return (min > 0 ? z.string().min(min) : z.string()).refine((v) => !BAD_VALUE.test(v), {
    error: (iss) =>
      `expected a value without CR, LF or NUL characters (it is sent in a header), ${
        badValue(String(iss.input))
      }`,
  }).meta({ description });
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
