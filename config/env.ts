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
  if (Array.isArray(value)) {
    return value.map((v, i) => substituteEnv(v, env, joinPath(path, i), issues, onValue));
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, joinPath(path, k), issues, onValue)]),
    );
  }
  return value;
}
