/**
 * Storages: the registry list of every storage type, the storage contract and its capability guards, and
 * the decorators a round goes through (the spool, the status page summaries).
 *
 * @module
 */
import type { AnyDefinition } from "../config/plugin.ts";
import { storageRegistry } from "./registry.ts";
import type { Storage } from "./storage.ts";
import { fsStorage, type FsStorageConfig } from "./fs.ts";
import { sqliteStorage, type SqliteStorageConfig } from "./sqlite.ts";
import { postgresStorage, type PostgresStorageConfig } from "./postgres.ts";
import { mysqlStorage, type MysqlStorageConfig } from "./mysql.ts";
import { s3Storage, type S3StorageConfig } from "./s3/mod.ts";
import { githubStorage, type GithubStorageConfig } from "./github/mod.ts";
import { appinsightsStorage, type AppinsightsStorageConfig } from "./appinsights.ts";
import { legacySqlStorage, type LegacySqlStorageConfig } from "./sql_legacy.ts";

export * from "./storage.ts";
export {
  encodeIndex,
  FsStorage,
  fsStorage,
  type FsStorageConfig,
  type FsStorageOptions,
  parseIndex,
} from "./fs.ts";
export {
  SqliteStorage,
  sqliteStorage,
  type SqliteStorageConfig,
  type SqliteStorageOptions,
} from "./sqlite.ts";
export { type SqlDriver, type SqlRow, SqlStorage, type SqlStorageOptions } from "./sql.ts";
export { type SqlDialect } from "./sql_dialect.ts";
export { type SqlNetworkOptions, type SqlStorageConfig } from "./sql_config.ts";
export { REJECTED_DIR, SpooledStorage, type SpoolOptions, type SpoolReport } from "./spooled.ts";
export { defaultSpoolDir } from "./spool_dir.ts";
export {
  keepsSummaries,
  SummarizingStorage,
  summaryKey,
  summaryTarget,
  updateSummary,
} from "./summarizing.ts";
export {
  parsePostgresDsn,
  type PostgresDsn,
  PostgresStorage,
  postgresStorage,
  type PostgresStorageConfig,
  type PostgresStorageOptions,
} from "./postgres.ts";
export {
  type MysqlDsn,
  MysqlStorage,
  mysqlStorage,
  type MysqlStorageConfig,
  type MysqlStorageOptions,
  parseMysqlDsn,
} from "./mysql.ts";
export { S3Storage, s3Storage, type S3StorageConfig, type S3StorageOptions } from "./s3/mod.ts";
export {
  GithubStorage,
  githubStorage,
  type GithubStorageConfig,
  type GithubStorageOptions,
} from "./github/mod.ts";
export {
  APPINSIGHTS_TRACK_URL,
  AppinsightsStorage,
  appinsightsStorage,
  type AppinsightsStorageConfig,
  type AppinsightsStorageOptions,
} from "./appinsights.ts";
export {
  type LegacyPostgresConfig,
  legacySqlStorage,
  type LegacySqlStorageConfig,
  type LegacySqlStorageOptions,
} from "./sql_legacy.ts";

/** The storage registry: one entry per type. Adding a type = one file, one test file, one entry here and one in registry.ts. */
export const storageDefinitions: readonly AnyDefinition<Storage>[] = [
  fsStorage,
  sqliteStorage,
  postgresStorage,
  mysqlStorage,
  s3Storage,
  githubStorage,
  appinsightsStorage,
  legacySqlStorage,
];
// Every module is imported above: resolution by name needs no import.
storageRegistry.provide(storageDefinitions);

/** Any storage object as written in `checkup.json`. */
export type StorageConfig =
  | FsStorageConfig
  | SqliteStorageConfig
  | PostgresStorageConfig
  | MysqlStorageConfig
  | S3StorageConfig
  | GithubStorageConfig
  | AppinsightsStorageConfig
  | LegacySqlStorageConfig;
