/**
 * What the command line knows without loading its parser: the version, the choices of the global options,
 * and the root command's options read straight from argv when it holds nothing else (`checkup`,
 * `checkup -c /etc/checkup.json --store`), the most common run, so it starts without commander.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import type { RunOptions } from "./run.ts";

/** The version printed by `--version`. */
export const VERSION: string = denoJson.version;

/** The choices of `--log-level`. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** The choices of `--log-format`. */
export const LOG_FORMATS = ["text", "json"] as const;

const FLAGS: Record<string, "store" | "json" | "print"> = {
  "--store": "store",
  "--json": "json",
  "--print": "print",
};
const VALUES: Record<string, { key: "config" | "logLevel" | "logFormat"; choices?: readonly string[] }> = {
  "-c": { key: "config" },
  "--config": { key: "config" },
  "--log-level": { key: "logLevel", choices: LOG_LEVELS },
  "--log-format": { key: "logFormat", choices: LOG_FORMATS },
};

/**
 * The root command's options when `argv` holds only its flags and valid values (each in its own argument
 * or as `--name=value`), exactly as commander would give them (defaults included, the last of a repeated
 * option wins); undefined for anything else (a command, help, a bad value, a bundled short flag), which
 * goes to commander.
 */
export function quickRootOptions(argv: readonly string[]): RunOptions | undefined {
  const opts: RunOptions = { config: "checkup.json", logLevel: "info", logFormat: "text" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const flag = FLAGS[arg];
    if (flag) {
      opts[flag] = true;
      continue;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = VALUES[name];
    if (!spec) return undefined;
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    // An empty value or one that looks like an option is commander's to judge.
    if (!value || value.startsWith("-") || (spec.choices && !spec.choices.includes(value))) return undefined;
    (opts as unknown as Record<string, string>)[spec.key] = value;
  }
  return opts;
}
