/**
 * `${ENV_VAR}` substitution in every string of a config, so secrets never need to live in the file.
 * `${NAME:-fallback}` uses the fallback when NAME is unset or empty; `$${` writes a literal `${`.
 */
import { joinPath } from "./errors.ts";
import type { ConfigIssue } from "./errors.ts";

/** Looks up an environment variable. */
export type EnvLookup = (name: string) => string | undefined;

const REF = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` references in every string of `value`. Unset variables are reported as issues at
 * their JSON path; `onValue` sees each substituted value with its variable name (to register secrets).
 */
export function substituteEnv(
  value: unknown,
  env: EnvLookup,
  path: string,
  issues: ConfigIssue[],
  onValue: (name: string, value: string) => void = () => {},
): unknown {
  if (typeof value === "string") {
    if (!value.includes("${")) return value;
    return value.replace(REF, (whole, escaped: string, name: string, fallback?: string) => {
      if (escaped) return whole.slice(1);
      let v: string | undefined;
      try {
        v = env(name);
      } catch (e) {
        const denied = e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied;
        issues.push({
          path,
          message: denied
            ? `cannot read environment variable ${name}: run with --allow-env=${name}`
            : `cannot read environment variable ${name}: ${(e as Error).message}`,
        });
        return "";
      }
      if (v !== undefined && v !== "") {
        onValue(name, v);
        return v;
      }
      if (fallback !== undefined) return fallback;
      issues.push({ path, message: `environment variable ${name} is not set (referenced as \${${name}})` });
      return "";
    });
  }
  // A value without a reference is returned as it is (the same object), and the JSON path of a child is
  // only built for the children that may hold one: at 10,000 checkers, copying every object and joining
  // every path was a tenth of the validation's time.
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (!mayRefer(v)) continue;
      const w = substituteEnv(v, env, joinPath(path, i), issues, onValue);
      if (w !== v) (out ??= value.slice())[i] = w;
    }
    return out ?? value;
  }
  if (value && typeof value === "object") {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value)) {
      if (!mayRefer(v)) continue;
      const w = substituteEnv(v, env, joinPath(path, k), issues, onValue);
      // defineProperty, not `=`: a "__proto__" key stays data, as in JSON.parse's object.
      if (w !== v) {
        Object.defineProperty(out ??= { ...value }, k, { value: w, enumerable: true, writable: true });
      }
    }
    return out ?? value;
  }
  return value;
}

/** Whether `v` may hold a reference: a string with `${`, or an object or array (searched). */
function mayRefer(v: unknown): boolean {
  return typeof v === "string" ? v.includes("${") : v !== null && typeof v === "object";
}
