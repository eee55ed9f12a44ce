/**
 * Config errors: every problem found, each with the JSON path where it is (`checkers[2].endpoint_url`),
 * reported together.
 *
 * @module
 */

/** One problem in a config, at a JSON path. */
export interface ConfigIssue {
  /** JSON path, e.g. `checkers[2].endpoint_url`; empty for the whole document. */
  path: string;
  /** What was expected and what was found. */
  message: string;
}

/** A config that cannot be used. Its message lists every issue, one per line, each with its path. */
export class ConfigError extends Error {
  /** Always `"ConfigError"`. */
  override name = "ConfigError";
  /** The file (or "config") the issues are in. */
  readonly source: string;
  /** Every problem found. */
  readonly issues: ConfigIssue[];
  /** Builds the message: the source, then one line per issue with its path. */
  constructor(source: string, issues: ConfigIssue[]) {
    const lines = issues.map((i) => `  ${i.path ? `${i.path}: ` : ""}${i.message}`);
    super(
      `${source}: ${issues.length === 1 ? "1 problem" : `${issues.length} problems`}\n${lines.join("\n")}`,
    );
    this.source = source;
    this.issues = issues;
  }
}

/** Joins a JSON path and a key or index: `join("checkers", 2)` → `checkers[2]`. */
export function joinPath(base: string, key: string | number | symbol): string {
  if (typeof key === "number") return `${base}[${key}]`;
  const k = String(key);
  if (!/^[A-Za-z_$][\w$-]*$/.test(k)) return `${base}[${JSON.stringify(k)}]`;
  return base ? `${base}.${k}` : k;
}

/** Describes a JSON value for "found …" in messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "number" && !Number.isFinite(v)) {
    return "a number too large to represent (beyond ±1.8e308)";
  }
  const text = typeof v === "bigint" ? String(v) : JSON.stringify(v);
  return `${typeof v === "bigint" ? "number" : typeof v} ${
    text.length > 60 ? text.slice(0, 57) + "..." : text
  }`;
}
