/**
 * Key matching as Go's encoding/json does it (case-insensitive: `Endpoint_URL` works; when two keys match
 * the same setting, the last one in the file wins), with a warning for every key the schema does not know
 * and for every setting given twice (Go ignored both silently; a typo must not pass unnoticed).
 */
import type { z } from "zod";
import { closest } from "../_internal/suggest.ts";
import { joinPath } from "./errors.ts";
import type { KeyLines } from "./json_error.ts";

/** Where the keys come from, to name them in warnings: the lines of each key, when read from a file. */
export interface KeyContext {
  warnings: string[];
  lines?: KeyLines;
}

/**
 * Finds the keys of `obj` that match each canonical key (`canonicalOf` returns it, or undefined for a key
 * it does not know). When several keys match one (`"Type"` and `"type"`), the last one in the file wins,
 * as in Go, with a warning that names them and their lines. Returns canonical key → the key as written.
 */
export function pickKeys(
  obj: Record<string, unknown>,
  path: string,
  canonicalOf: (key: string) => string | undefined,
  ctx: KeyContext,
): Map<string, string> {
  // One pass; only keys written twice (rare) are grouped, so an ordinary object costs one Map.
  const picked = new Map<string, string>();
  let repeated: Map<string, string[]> | undefined;
  for (const key of Object.keys(obj)) {
    const canonical = canonicalOf(key);
    if (canonical === undefined) continue;
    const before = picked.get(canonical);
    if (before !== undefined) {
      repeated ??= new Map();
      const written = repeated.get(canonical) ?? [before];
      written.push(key);
      repeated.set(canonical, written);
    }
    picked.set(canonical, key);
  }
  if (!repeated) return picked;
  const lines = ctx.lines?.get(path.toLowerCase())?.keys;
  const lastLine = (key: string) => lines?.get(key)?.at(-1) ?? 0;
  for (const [canonical, written] of repeated) {
    // Without lines (an object from code) the order of the object stands in for the order in the file.
    if (lines) written.sort((a, b) => lastLine(a) - lastLine(b));
    const named = written.map((k) => `"${k}"${lines?.has(k) ? ` (line ${lastLine(k)})` : ""}`);
    ctx.warnings.push(
      `${joinPath(path, canonical)}: ${named.join(" and ")} are the same key (keys match regardless of ` +
        `case, as in Go); the last one, "${written.at(-1)}", wins`,
    );
    picked.set(canonical, written.at(-1)!);
  }
  return picked;
}

/** Warns about every key written twice in the same object (JSON.parse keeps the last, as Go does). */
export function duplicateKeyWarnings(lines: KeyLines): string[] {
  const out: string[] = [];
  for (const { path, keys } of lines.values()) {
    for (const [key, at] of keys) {
      if (at.length < 2) continue;
      out.push(
        `${joinPath(path, key)}: the key "${key}" is written ${at.length} times (lines ${
          at.join(", ")
        }); the last one wins, as in Go`,
      );
    }
  }
  return out;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
  const zod = (schema as unknown as { _zod: { def: Def; innerType?: z.ZodType } })._zod;
  // A lazy schema (each plugin's, built on first use) is its memoised inner schema.
  return zod.def.type === "lazy" && zod.innerType ? defOf(zod.innerType) : zod.def;
}

/** Unwraps optional/default/pipe/lazy wrappers down to the structural schema. */
function core(schema: z.ZodType): Def {
  let def = defOf(schema);
  for (let i = 0; i < 10; i++) {
    if (def.innerType) def = defOf(def.innerType);
    else if (def.type === "pipe" && def.in) def = defOf(def.in);
    else break;
  }
  return def;
}

/** The keys of an object schema, and each by its lower case: built once per schema, for every object. */
const shapeKeys = new WeakMap<Def, { known: string[]; byLower: Map<string, string> }>();

function keysOf(def: Def): { known: string[]; byLower: Map<string, string> } {
  let keys = shapeKeys.get(def);
  if (!keys) {
    const known = Object.keys(def.shape ?? {});
    keys = { known, byLower: new Map(known.map((k) => [k.toLowerCase(), k])) };
    shapeKeys.set(def, keys);
  }
  return keys;
}

/**
 * Returns `value` with object keys renamed to the schema's spelling (case-insensitive match), and
 * pushes a warning for each key the schema does not have.
 */
export function normalizeKeys(value: unknown, schema: z.ZodType, path: string, ctx: KeyContext): unknown {
  // Only objects and arrays have keys to match: a string or number is left as it is.
  if (!value || typeof value !== "object") return value;
  const def = core(schema);
  if (def.type === "object" && def.shape && !Array.isArray(value)) {
    const shape = def.shape;
    const { known, byLower } = keysOf(def);
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (byLower.has(key.toLowerCase())) continue;
      const hint = closest(key, known);
      ctx.warnings.push(
        `${joinPath(path, key)}: unknown key, ignored${hint ? ` (did you mean "${hint}"?)` : ""}`,
      );
    }
    const out: Record<string, unknown> = {};
    for (const [canonical, key] of pickKeys(obj, path, (k) => byLower.get(k.toLowerCase()), ctx)) {
      out[canonical] = normalizeKeys(obj[key], shape[canonical], joinPath(path, canonical), ctx);
    }
    return out;
  }
  if (def.type === "array" && def.element && Array.isArray(value)) {
    const element = def.element;
    return value.map((v, i) => normalizeKeys(v, element, joinPath(path, i), ctx));
  }
  if (def.type === "record" && def.valueType && !Array.isArray(value)) {
    const valueType = def.valueType;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, normalizeKeys(v, valueType, joinPath(path, k), ctx)]),
    );
  }
  return value;
}

/** The property names of an object schema (for listing valid keys). */
export function schemaKeys(schema: z.ZodType): string[] {
  return Object.keys(core(schema).shape ?? {});
}
