/**
 * Checkup: distributed, lock-free, self-hosted health checks and status pages. The config objects are
 * the same as `checkup.json`'s, so any object moves between the file and code unchanged.
 *
 * Run as a program (`deno run -A jsr:@checkup/cli serve`), this module is the `checkup` command line.
 * The status page server is in `@checkup/cli/server`, the plugin classes in `./checkers`, `./storage`
 * and `./notifiers`.
 *
 * @example Check an endpoint, store the round and read it back
 * ```ts
 * import assert from "node:assert/strict";
 * import { Checkup, isStorageReader, statusOf } from "./mod.ts";
 *
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
 * const dir = await Deno.makeTempDir();
 * const checkup = new Checkup({
 *   checkers: [{ type: "http", endpoint_name: "Local", endpoint_url: `http://127.0.0.1:${server.addr.port}/` }],
 *   storage: { type: "fs", dir },
 * });
 * const { results, stored } = await checkup.checkAndStore();
 * assert.equal(statusOf(results[0]), "healthy");
 * if (checkup.storage && isStorageReader(checkup.storage)) {
 *   const again = await checkup.storage.fetch(stored!);
 *   assert.equal(again[0].title, "Local");
 * }
 * await checkup.close();
 * await server.shutdown();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export {
  Checkup,
  type CheckupDeps,
  InterruptedError,
  type RoundOptions,
  type RoundReport,
} from "./checkup.ts";
export { type Clock, systemClock } from "./clock.ts";
export {
  type Attempt,
  computeStats,
  decodeResults,
  encodeResults,
  type Result,
  ResultFormatError,
  type Stats,
  type Status,
  statusOf,
  type Verdict,
  worstStatus,
} from "./result.ts";
export { type Duration, formatDuration, type Nanoseconds, parseDuration } from "./duration.ts";
export {
  type CheckupConfig,
  loadConfig,
  parseChecker,
  parseNotifier,
  parseStorage,
  resolveConfig,
  type ResolvedConfig,
  type ResolvedPlugin,
  type ResolveOptions,
  type TopLevelOptions,
} from "./config/load.ts";
export { ConfigError, type ConfigIssue } from "./config/errors.ts";
export type { AnyDefinition, PluginContext, PluginDefinition, PluginSchema } from "./config/plugin.ts";
export type { EnvLookup } from "./config/env.ts";
export type { TopLevelConfig } from "./config/top_level.ts";
export type { MaintenanceConfig, MaintenanceRule } from "./config/maintenance.ts";
export {
  type Checker,
  type CheckerConfig,
  checkerDefinitions,
  DnsChecker,
  type DnsCheckerConfig,
  ExecChecker,
  type ExecCheckerConfig,
  HttpChecker,
  type HttpCheckerConfig,
  TcpChecker,
  type TcpCheckerConfig,
  TlsChecker,
  type TlsCheckerConfig,
} from "./checkers/mod.ts";
export {
  type IndexEntry,
  isMaintainer,
  isProvisioner,
  isStateStore,
  isStorageReader,
  type Maintainer,
  NotFoundError,
  type Provisioner,
  type ProvisionInfo,
  readRounds,
  type StateStore,
  type Storage,
  type StorageConfig,
  storageDefinitions,
  type StorageReader,
  type StoredRound,
} from "./storage/mod.ts";
export {
  type Alert,
  type AlertKind,
  AlertPipeline,
  type AlertPolicy,
  type AlertPolicyConfig,
  type AlertStateStore,
  DeliveryError,
  fileAlertState,
  memoryAlertState,
  type Notifier,
  type NotifierConfig,
  notifierDefinitions,
} from "./notifiers/mod.ts";
export {
  createLogger,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type TextRedactor,
} from "./log.ts";
export type { HttpClientKey, HttpClients } from "./http_clients.ts";

// `deno run jsr:@checkup/cli`: the package's default export doubles as the CLI (loaded only then).
if (import.meta.main) {
  const [{ runCli }, { processIo }] = await Promise.all([import("./cli/program.ts"), import("./cli/io.ts")]);
  Deno.exit(await runCli(Deno.args, processIo()));
}
