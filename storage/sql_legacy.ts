/**
 * The legacy `sql` storage of Go Checkup (deprecated there too): `sqlite_db_file` or a `postgresql`
 * object. Still accepted, with a deprecation warning naming the replacement; it runs on the `sqlite3`
 * or `postgres` storage, over the same `checks` table.
 *
 * @module
 */
import { z } from "zod";
import type { Duration } from "../duration.ts";
import { duration, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { PostgresStorage } from "./postgres.ts";
import { SqliteStorage } from "./sqlite.ts";
import type { Storage } from "./storage.ts";

/** Go's `postgresql` object of the legacy `sql` storage. */
export interface LegacyPostgresConfig {
  /** The server's host (default `localhost`). */
  host?: string;
  /** The server's port (default 5432). */
  port?: number;
  /** The user name. */
  user: string;
  /** The password (a secret). */
  password?: string;
  /** The database name. */
  dbname: string;
  /** lib/pq's sslmode (e.g. `disable`); unset: lib/pq's default, `require`. */
  sslmode?: string;
}

/** `checkup.json` options of the legacy `sql` storage (Go Checkup's keys; use sqlite3 or postgres). */
export interface LegacySqlStorageConfig {
  /** The storage type, `"sql"` (Go Checkup's deprecated SQL storage). */
  type: "sql";
  /** A SQLite database file. */
  sqlite_db_file?: string;
  /** A PostgreSQL server. */
  postgresql?: LegacyPostgresConfig;
  /** Create the checks table when missing (Go's legacy storage never did; default false). */
  create?: boolean;
  /** Delete rounds older than this; 0 keeps them forever. */
  check_expiry?: Duration;
}

/** Validated options of the legacy `sql` storage. */
export interface LegacySqlStorageOptions {
  /** The storage type, always `"sql"`. */
  type: "sql";
  /** The SQLite database file; `""` when `postgresql` is set. */
  sqlite_db_file: string;
  /** The PostgreSQL server, with defaults applied; unset when `sqlite_db_file` is set. */
  postgresql?: {
    host: string;
    port: number;
    user: string;
    password: string;
    dbname: string;
    sslmode: string;
  };
  /** Create the `checks` table when missing (default false). */
  create: boolean;
  /** Delete rounds older than this, nanoseconds; 0 (default) keeps them forever. */
  check_expiry: number;
}

const schema: z.ZodType<LegacySqlStorageOptions, LegacySqlStorageConfig> = z.lazy(() =>
  z.object({
    type: typeTag("sql"),
    sqlite_db_file: z.string().default("").meta({ description: "A SQLite database file." }),
    postgresql: z.object({
      host: z.string().default("localhost"),
      port: z.number().int().min(0).max(65535).default(5432).transform((p) => p || 5432),
      user: z.string().min(1),
      password: z.string().default(""),
      dbname: z.string().min(1),
      sslmode: z.string().default(""),
    }).optional().meta({ description: "A PostgreSQL server (host, port, user, password, dbname, sslmode)." }),
    create: z.boolean().default(false).meta({ description: "Create the checks table when missing." }),
    check_expiry: duration("Delete rounds older than this; 0 keeps them forever.").default(0),
  }).superRefine((o, ctx) => {
    if (o.sqlite_db_file && o.postgresql) {
      ctx.issues.push({
        code: "custom",
        message: "several SQL backends are configured: keep either sqlite_db_file or postgresql",
        input: o,
      });
    } else if (!o.sqlite_db_file && !o.postgresql) {
      ctx.issues.push({ code: "custom", message: "expected sqlite_db_file or postgresql", input: o });
    }
  })
);

const quote = (v: string) => `'${v.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

/** The lib/pq DSN of a legacy `postgresql` object. */
export function legacyPostgresDsn(p: NonNullable<LegacySqlStorageOptions["postgresql"]>): string {
  const parts = [
    `host=${quote(p.host)}`,
    `port=${p.port}`,
    `user=${quote(p.user)}`,
    `dbname=${quote(p.dbname)}`,
  ];
  if (p.password) parts.push(`password=${quote(p.password)}`);
  if (p.sslmode) parts.push(`sslmode=${quote(p.sslmode)}`);
  return parts.join(" ");
}

/** The legacy `sql` storage type (deprecated). */
export const legacySqlStorage: PluginDefinition<Storage, LegacySqlStorageOptions> = {
  type: "sql",
  summary: 'Deprecated (as in Go Checkup): use "sqlite3" or "postgres".',
  deprecated: 'storage type "sql" is deprecated: use {"type": "sqlite3", "dsn": "<sqlite_db_file>"} or ' +
    '{"type": "postgres", "dsn": "host=… port=… user=… dbname=… sslmode=…"} (same checks table, same data)',
  schema,
  create: (o, context) =>
    o.postgresql
      ? new PostgresStorage(
        {
          type: "postgres",
          dsn: legacyPostgresDsn(o.postgresql),
          create: o.create,
          check_expiry: o.check_expiry,
        },
        context,
      )
      : new SqliteStorage({
        type: "sqlite3",
        dsn: o.sqlite_db_file,
        create: o.create,
        check_expiry: o.check_expiry,
      }, context),
};
