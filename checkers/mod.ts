/**
 * Checkers: the registry list of every checker type, and the checker classes.
 *
 * @example
 * ```ts
 * import { HttpChecker } from "./mod.ts";
 * import { parseChecker } from "../config/load.ts";
 * const checker = parseChecker({ type: "http", endpoint_name: "Example", endpoint_url: "http://127.0.0.1:9/" });
 * console.assert(checker instanceof HttpChecker);
 * ```
 *
 * @module
 */
import type { AnyDefinition } from "../config/plugin.ts";
import type { Checker } from "./checker.ts";
import { httpChecker, type HttpCheckerConfig } from "./http.ts";

export type { AttemptOutcome, Checker, CheckerContext, RunCheckOptions } from "./checker.ts";
export { bodyError, runCheck } from "./checker.ts";
export { HttpChecker, httpChecker, type HttpCheckerConfig, type HttpCheckerOptions } from "./http.ts";

/** The checker registry: one entry per type. Adding a type = one file, one test file, one entry here. */
export const checkerDefinitions: readonly AnyDefinition<Checker>[] = [httpChecker];

/** Any checker object as written in `checkup.json`. */
export type CheckerConfig = HttpCheckerConfig;
