/**
 * The orchestrator ({@linkcode Checkup}, in `engine.ts`) with every plugin type loaded, so
 * `new Checkup(config)` accepts any checker, storage and notifier type synchronously (the library's
 * import). The command line imports `engine.ts` itself, which loads only the types a config names.
 *
 * @module
 */
import "./config/load.ts";

export * from "./engine.ts";
