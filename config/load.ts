/**
 * Loading and validating `checkup.json` with every plugin type loaded, so {@linkcode resolveConfig},
 * {@linkcode parseChecker}, {@linkcode parseStorage} and {@linkcode parseNotifier} accept any type
 * synchronously (the library's import). The command line imports `resolve.ts` instead, whose
 * {@linkcode loadConfig} imports only the types a config names.
 *
 * @module
 */
// Each kind's mod.ts imports every type's module and hands the definitions to its registry.
import "../checkers/mod.ts";
import "../storage/mod.ts";
import "../notifiers/mod.ts";

export * from "./resolve.ts";
