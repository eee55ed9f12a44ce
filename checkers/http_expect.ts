/**
 * The http checker's expectations beyond Go's: accepted statuses as codes and ranges, header
 * expectations, regular expressions and JSON values at dotted paths, each failing with one readable
 * attempt error.
 *
 * @module
 */
import { z } from "zod";
import { describeValue } from "../config/errors.ts";
import { quoteSnippet } from "./checker.ts";

/** An inclusive range of accepted status codes. */
export type StatusRange = [from: number, to: number];

/** Go's default when `up_status` is 0 or unset: 200–204. */
export const DEFAULT_UP_STATUS: StatusRange[] = [[200, 204]];

const STATUS_HINT = 'expected a status code (e.g. 200) or a range (e.g. "300-399")';

function parseStatus(v: number | string): StatusRange | string {
  const text = String(v).trim();
  const m = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(text);
  if (!m) return `${STATUS_HINT}, found ${describeValue(v)}`;
  const from = Number(m[1]), to = Number(m[2] ?? m[1]);
  if (from < 100 || to < from) return `${STATUS_HINT} from 100 to 999, found ${describeValue(v)}`;
  return [from, to];
}

/** `up_status`: 0 (Go's default 200–204), one code, a `"300-399"` range, or a list of those. */
export function upStatus(): z.ZodType<StatusRange[], number | string | (number | string)[] | undefined> {
  const item = z.union([z.number().int(), z.string()]);
  return z.union([item, z.array(item).min(1)]).default(0).transform((v, ctx): StatusRange[] => {
    if (v === 0) return DEFAULT_UP_STATUS;
    const list = Array.isArray(v) ? v : [v];
    const out: StatusRange[] = [];
    list.forEach((s, i) => {
      const r = parseStatus(s);
      if (typeof r === "string") {
        ctx.issues.push({ code: "custom", input: s, message: r, path: Array.isArray(v) ? [i] : [] });
      } else out.push(r);
    });
    return out;
  }).meta({
    description:
      'Accepted statuses: a code, a range like "300-399", or a list of them; 0 (the default) accepts 200-204.',
  });
}

/** Whether `status` is in one of the ranges. */
export function statusAccepted(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some(([from, to]) => status >= from && status <= to);
}

/** The first failed `header_contains` expectation (header name → text its value must contain). */
export function headerError(headers: Headers, expected: Record<string, string>): string | undefined {
  for (const [name, text] of Object.entries(expected)) {
    const value = headers.get(name);
    if (value === null) return `response header "${name}" is missing`;
    if (!value.includes(text)) {
      return `response header "${name}" is ${quoteSnippet(value, 120)}, expected it to contain ${
        quoteSnippet(text, 120)
      }`;
    }
  }
  return undefined;
}

/** The `must_match` / `must_not_match` error for `body`, or undefined. */
export function regexError(body: string, mustMatch: string, mustNotMatch: string): string | undefined {
  if (mustMatch && !new RegExp(mustMatch).test(body)) return `response does not match /${mustMatch}/`;
  if (mustNotMatch) {
    const found = new RegExp(mustNotMatch).exec(body);
    if (found) return `response matches /${mustNotMatch}/ (${quoteSnippet(found[0], 80)})`;
  }
  return undefined;
}

const MISSING = Symbol("missing");

/**
 * The value at a dotted path (`"checks.0.status"`): object keys, and array indexes as numbers.
 *
 * @example
 * ```ts
 * import { valueAt } from "./http_expect.ts";
 * import assert from "node:assert/strict";
 * assert.equal(valueAt({ checks: [{ ok: true }] }, "checks.0.ok"), true);
 * ```
 */
export function valueAt(data: unknown, path: string): unknown {
  let here: unknown = data;
  for (const key of path.split(".")) {
    if (Array.isArray(here) && /^\d+$/.test(key) && Number(key) < here.length) here = here[Number(key)];
    else if (here && typeof here === "object" && !Array.isArray(here) && Object.hasOwn(here, key)) {
      here = (here as Record<string, unknown>)[key];
    } else return MISSING;
  }
  return here;
}

/**
 * Whether two JSON values are equal as `node:util`'s `isDeepStrictEqual` judges them (numbers by
 * `Object.is`, objects by their own keys in any order), without importing the node compatibility layer.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((v, i) => jsonEqual(v, other[i]));
  }
  const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  return keys.every((k) => Object.hasOwn(y, k) && jsonEqual(x[k], y[k]));
}

function shortJson(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** The first failed `json` expectation (dotted path → expected JSON value) for a response body. */
export function jsonError(body: string, expected: Record<string, unknown>): string | undefined {
  if (Object.keys(expected).length === 0) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (e) {
    return `response is not JSON (${(e as Error).message})`;
  }
  for (const [path, want] of Object.entries(expected)) {
    const got = valueAt(data, path);
    if (got === MISSING) return `response JSON has nothing at "${path}"`;
    if (!jsonEqual(got, want)) {
      return `response JSON at "${path}" is ${shortJson(got)}, expected ${shortJson(want)}`;
    }
  }
  return undefined;
}
