/**
 * Key matching as Go's encoding/json does it (case-insensitive: `Endpoint_URL` works), plus a warning for
 * every key the schema does not know (Go ignored them silently; a typo must not pass unnoticed).
 */
import type { z } from "zod";
import { closest } from "../_internal/suggest.ts";
import { joinPath } from "./errors.ts";

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
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Unwraps optional/default/pipe wrappers down to the structural schema. */
function core(schema: z.ZodType): Def {
  let def = defOf(schema);
  for (let i = 0; i < 10; i++) {
    if (def.innerType) def = defOf(def.innerType);
    else if (def.type === "pipe" && def.in) def = defOf(def.in);
    else break;
  }
  return def;
}

/**
 * Returns `value` with object keys renamed to the schema's spelling (case-insensitive match), and
 * pushes a warning for each key the schema does not have.
 */
export function normalizeKeys(value: unknown, schema: z.ZodType, path: string, warnings: string[]): unknown {
  const def = core(schema);
  if (def.type === "object" && def.shape && value && typeof value === "object" && !Array.isArray(value)) {
    const known = Object.keys(def.shape);
    const byLower = new Map(known.map((k) => [k.toLowerCase(), k]));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const canonical = known.includes(key) ? key : byLower.get(key.toLowerCase());
      if (canonical === undefined) {
        const hint = closest(key, known);
        warnings.push(
          `${joinPath(path, key)}: unknown key, ignored${hint ? ` (did you mean "${hint}"?)` : ""}`,
        );
        continue;
      }
      if (canonical in out) continue; // an exact-case key wins over a case-folded duplicate
      out[canonical] = normalizeKeys(v, def.shape[canonical], joinPath(path, canonical), warnings);
    }
    return out;
  }
  if (def.type === "array" && def.element && Array.isArray(value)) {
    const element = def.element;
    return value.map((v, i) => normalizeKeys(v, element, joinPath(path, i), warnings));
  }
  if (def.type === "record" && def.valueType && value && typeof value === "object" && !Array.isArray(value)) {
    const valueType = def.valueType;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, normalizeKeys(v, valueType, joinPath(path, k), warnings)]),
    );
  }
  return value;
}

/** The property names of an object schema (for listing valid keys). */
export function schemaKeys(schema: z.ZodType): string[] {
  return Object.keys(core(schema).shape ?? {});
}
