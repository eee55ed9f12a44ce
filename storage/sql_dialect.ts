/**
 * The statements that differ between the SQL dialects: Go Checkup's DDL of `checks`, and the DDL and
 * statements of Checkup's own tables, `checkup_state` (per-node state) and `checkup_shared` (documents
 * several locations coordinate through), for PostgreSQL, SQLite and MySQL/MariaDB.
 *
 * @module
 */
import { SHARED_LIST_LIMIT } from "./shared_keys.ts";

/** Rows a listing of shared documents reads: one past the bound, to tell that there are more. */
const LIST_ROWS = SHARED_LIST_LIMIT + 1;

/** The statements that differ between SQL dialects. */
export interface SqlDialect {
  /** Go Checkup's DDL for `checks`, statement by statement (run when `create` is true). */
  checksDdl: readonly string[];
  /** DDL of Checkup's own `checkup_state` table (always created when state is first used). */
  stateDdl: readonly string[];
  /** Placeholder for parameter `i` (1-based): `$1` or `?`. */
  param(i: number): string;
  /** Upserts (key, value, updated) into `checkup_state`. */
  upsertState: string;
  /** Selects the value of one key from `checkup_state`. */
  selectState: string;
  /** DDL of the `checkup_shared` table (always created when shared documents are first used). */
  sharedDdl: readonly string[];
  /**
   * Inserts (key, value, updated_at) into `checkup_shared` unless the key exists: changes one row, or none
   * (or fails with a duplicate-key error) when it exists.
   */
  createShared: string;
  /** Upserts (key, value, updated_at) into `checkup_shared`. */
  upsertShared: string;
  /** Selects key and value of the keys `LIKE` the parameter (escape character `!`), one row past the bound. */
  listShared: string;
  /** Deletes the `n` keys given as parameters. */
  removeShared(n: number): string;
}

/** Postgres's dialect (also the legacy `sql` storage's when it points at PostgreSQL). */
export const postgresDialect: SqlDialect = {
  checksDdl: [
    "CREATE TABLE IF NOT EXISTS checks (name TEXT NOT NULL PRIMARY KEY, timestamp INT8 NOT NULL, results TEXT)",
    "CREATE UNIQUE INDEX IF NOT EXISTS idx_checks_timestamp ON checks(timestamp)",
  ],
  stateDdl: [
    "CREATE TABLE IF NOT EXISTS checkup_state (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL, updated INT8 NOT NULL)",
  ],
  param: (i) => `$${i}`,
  upsertState:
    "INSERT INTO checkup_state (key, value, updated) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated = EXCLUDED.updated",
  selectState: "SELECT value FROM checkup_state WHERE key = $1",
  sharedDdl: [
    "CREATE TABLE IF NOT EXISTS checkup_shared (key VARCHAR(255) NOT NULL PRIMARY KEY, value TEXT NOT NULL, updated_at INT8 NOT NULL)",
  ],
  createShared:
    "INSERT INTO checkup_shared (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
  upsertShared:
    "INSERT INTO checkup_shared (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
  listShared: `SELECT key, value FROM checkup_shared WHERE key LIKE $1 ESCAPE '!' LIMIT ${LIST_ROWS}`,
  removeShared: (n) =>
    `DELETE FROM checkup_shared WHERE key IN (${
      Array.from({ length: n }, (_, i) => `$${i + 1}`).join(", ")
    })`,
};

/** SQLite's dialect (Go's sqlite3 storage). */
export const sqliteDialect: SqlDialect = {
  checksDdl: postgresDialect.checksDdl,
  stateDdl: postgresDialect.stateDdl,
  param: () => "?",
  upsertState:
    "INSERT INTO checkup_state (key, value, updated) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated = excluded.updated",
  selectState: "SELECT value FROM checkup_state WHERE key = ?",
  sharedDdl: postgresDialect.sharedDdl,
  createShared:
    "INSERT INTO checkup_shared (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO NOTHING",
  upsertShared:
    "INSERT INTO checkup_shared (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
  listShared: `SELECT key, value FROM checkup_shared WHERE key LIKE ? ESCAPE '!' LIMIT ${LIST_ROWS}`,
  removeShared: (n) => `DELETE FROM checkup_shared WHERE key IN (${Array(n).fill("?").join(", ")})`,
};

/** MySQL's and MariaDB's dialect. */
export const mysqlDialect: SqlDialect = {
  checksDdl: [
    "CREATE TABLE IF NOT EXISTS checks (name VARCHAR(512) NOT NULL, timestamp BIGINT NOT NULL, results TEXT NULL, PRIMARY KEY (name), UNIQUE (timestamp)) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4",
  ],
  stateDdl: [
    "CREATE TABLE IF NOT EXISTS checkup_state (`key` VARCHAR(255) NOT NULL, value MEDIUMTEXT NOT NULL, updated BIGINT NOT NULL, PRIMARY KEY (`key`)) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4",
  ],
  param: () => "?",
  upsertState:
    "INSERT INTO checkup_state (`key`, value, updated) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value), updated = VALUES(updated)",
  selectState: "SELECT value FROM checkup_state WHERE `key` = ?",
  // Keys are ASCII and compared byte for byte (ascii_bin), not by a case-insensitive collation.
  sharedDdl: [
    "CREATE TABLE IF NOT EXISTS checkup_shared (`key` VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL, value MEDIUMTEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (`key`)) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4",
  ],
  // A plain INSERT whose duplicate-key error means "exists": INSERT IGNORE would also turn a value too long
  // into a truncated one.
  createShared: "INSERT INTO checkup_shared (`key`, value, updated_at) VALUES (?, ?, ?)",
  upsertShared:
    "INSERT INTO checkup_shared (`key`, value, updated_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)",
  listShared: `SELECT \`key\`, value FROM checkup_shared WHERE \`key\` LIKE ? ESCAPE '!' LIMIT ${LIST_ROWS}`,
  removeShared: (n) => `DELETE FROM checkup_shared WHERE \`key\` IN (${Array(n).fill("?").join(", ")})`,
};
