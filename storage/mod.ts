/**
 * Storages: the registry list of every storage type, the storage contract and its capability guards.
 *
 * @module
 */
import type { AnyDefinition } from "../config/plugin.ts";
import type { Storage } from "./storage.ts";
import { fsStorage, type FsStorageConfig } from "./fs.ts";
import { sqliteStorage, type SqliteStorageConfig } from "./sqlite.ts";
import { postgresStorage, type PostgresStorageConfig } from "./postgres.ts";
import { mysqlStorage, type MysqlStorageConfig } from "./mysql.ts";
import { s3Storage, type S3StorageConfig } from "./s3.ts";
import { githubStorage, type GithubStorageConfig } from "./github.ts";
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
export {
  type SqlDialect,
  type SqlDriver,
  type SqlNetworkOptions,
  type SqlRow,
  SqlStorage,
  type SqlStorageConfig,
  type SqlStorageOptions,
} from "./_sql.ts";
export {
  defaultSpoolDir,
  REJECTED_DIR,
  Spool,
  type SpoolOptions,
  type SpoolReport,
  type SpoolStoreOptions,
} from "./spool.ts";
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
export { S3Storage, s3Storage, type S3StorageConfig, type S3StorageOptions } from "./s3.ts";
export {
  GithubStorage,
  githubStorage,
  type GithubStorageConfig,
  type GithubStorageOptions,
} from "./github.ts";
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

/** The storage registry: one entry per type. Adding a type = one file, one test file, one entry here. */
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
