/** Shared CLI plumbing: loading the config with a logger on stderr, and turning failures into exit codes. */
import { createLogger, type Logger, type LogLevel } from "../log.ts";
import { Checkup, InterruptedError, NO_STORAGE } from "../engine.ts";
import type { Storage } from "../storage/storage.ts";
import { loadConfig, type ResolvedConfig } from "../config/resolve.ts";
import type { Io } from "./io.ts";
import { EXIT, ExitError } from "./exit.ts";

export { EXIT, ExitError };

/** Options every command shares. */
export interface GlobalOptions {
  config: string;
  logLevel?: LogLevel;
  logFormat?: "text" | "json";
}

/**
 * Loads and validates the config once and builds a Checkup whose logger writes to the CLI's stderr;
 * prints warnings. The resolved config comes back too (its redactor, its node), so no command reads the
 * file a second time.
 */
export async function openCheckup(
  opts: GlobalOptions,
  io: Io,
): Promise<{ checkup: Checkup; logger: Logger; config: ResolvedConfig }> {
  const resolved = await loadConfig(opts.config);
  const logger = createLogger({
    level: opts.logLevel ?? "info",
    format: opts.logFormat ?? "text",
    redactor: resolved.redactor,
    write: (line) => io.err(line + "\n"),
  });
  for (const w of resolved.warnings) logger.warn(`${opts.config}: ${w}`);
  return {
    checkup: new Checkup(resolved, { logger, configPath: opts.config, clock: io.clock }),
    logger,
    config: resolved,
  };
}

/** The Checkup's storage, or an {@linkcode ExitError} saying none is configured. */
export function requireStorage(checkup: Checkup): Storage {
  if (!checkup.storage) throw new ExitError(NO_STORAGE);
  return checkup.storage;
}

/**
 * Runs a command body, reporting config errors and other failures on stderr with an exit code: as
 * `error: …` text, or with `--log-format json` as one JSON log line like every other line.
 */
export async function guard(
  io: Io,
  opts: Pick<GlobalOptions, "logFormat">,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (opts.logFormat === "json") {
      createLogger({ format: "json", write: (line) => io.err(line + "\n") }).error(message);
    } else io.err(`error: ${message}\n`);
    if (e instanceof InterruptedError) return EXIT.interrupted;
    return e instanceof ExitError ? e.code : EXIT.failure;
  }
}
