/**
 * The `sqlite3` storage: Go Checkup's `checks(name, timestamp, results)` table in a SQLite file, through
 * the runtime's built-in `node:sqlite` (no native download; works inside `deno compile`). WAL mode and a
 * busy timeout let several processes write one file at once.
 *
 * @module
 */
import { z } from "zod";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { dirname } from "node:path";
import type { Duration } from "../duration.ts";
import { duration, typeTag } from "../config/fields.ts";
import type { PluginContext, PluginDefinition } from "../config/plugin.ts";
import { type SqlDriver, type SqlRow, SqlStorage } from "./sql.ts";
import { sqliteDialect } from "./sql_dialect.ts";
import type { Storage } from "./storage.ts";

/** `checkup.json` options of the `sqlite3` storage (Go Checkup's keys; `sqlite` is accepted too). */
export interface SqliteStorageConfig {
  /** The storage type, `"sqlite3"` (or its alias `"sqlite"`). */
  type: "sqlite3" | "sqlite";
  /** The database file (a `file:` URI's query string is ignored). */
  dsn: string;
  /** Create the table when missing (default true; Go's default was false). */
  create?: boolean;
  /** Delete rounds older than this; 0 keeps them forever. */
  check_expiry?: Duration;
}

/** Validated options of the `sqlite3` storage. */
export interface SqliteStorageOptions {
  /** The storage type, always `"sqlite3"` (the alias is normalised). */
  type: "sqlite3";
  /** The database file (a `file:` prefix and query string are ignored). */
  dsn: string;
  /** Create the `checks` table when missing (default true). */
  create: boolean;
  /** Delete rounds older than this, nanoseconds; 0 (default) keeps them forever. */
  check_expiry: number;
}

const schema: z.ZodType<SqliteStorageOptions, SqliteStorageConfig> = z.lazy(() =>
  z.object({
    type: typeTag("sqlite3", ["sqlite"]),
    dsn: z.string().min(1, { error: "required: expected the database file path (missing SQLite3 DSN)" }).meta(
      {
        description: "The database file path.",
      },
    ),
    create: z.boolean().default(true).meta({ description: "Create the checks table when missing." }),
    check_expiry: duration("Delete rounds older than this; 0 keeps them forever.").default(0),
  })
);

function pathOf(dsn: string): string {
  return dsn.replace(/^file:/, "").replace(/\?.*$/, "");
}

/** The built-in `node:sqlite` database as a {@linkcode SqlDriver} (opened on first use, WAL mode). */
class SqliteDriver implements SqlDriver {
  readonly #path: string;
  #db?: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(dsn: string) {
    this.#path = pathOf(dsn);
  }

  #statement(sql: string): StatementSync {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      if (!this.#db) {
        if (this.#path !== ":memory:") Deno.mkdirSync(dirname(this.#path), { recursive: true });
        const db = new DatabaseSync(this.#path, { timeout: 5000 });
        db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
        this.#db = db;
      }
      stmt = this.#db.prepare(sql);
      stmt.setReadBigInts(true);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  query(sql: string, params: readonly unknown[] = []): Promise<SqlRow[]> {
    try {
      return Promise.resolve(this.#statement(sql).all(...params as SQLInputValue[]) as SqlRow[]);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    try {
      return Promise.resolve(Number(this.#statement(sql).run(...params as SQLInputValue[]).changes));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  isUniqueViolation(e: unknown): boolean {
    return /UNIQUE constraint/.test(String((e as Error)?.message));
  }

  isMissingTable(e: unknown): boolean {
    return /no such table/.test(String((e as Error)?.message));
  }

  /** node:sqlite has one code for every error; the kind is in the message. */
  isRejection(e: unknown): boolean {
    const err = e as { code?: unknown; message?: unknown };
    return err?.code === "ERR_SQLITE_ERROR" &&
      /string or blob too big|datatype mismatch/i.test(String(err.message));
  }

  describe(e: unknown): string {
    return `${JSON.stringify(this.#path)}: ${(e as Error)?.message ?? e}`;
  }

  close(): Promise<void> {
    this.#statements.clear();
    this.#db?.close();
    this.#db = undefined;
    return Promise.resolve();
  }
}

/** Stores rounds as rows of Go Checkup's `checks` table in a SQLite file. */
export class SqliteStorage extends SqlStorage {
  /** Opens nothing yet: the database file is opened (WAL mode) on first use. */
  constructor(options: SqliteStorageOptions, context: Pick<PluginContext, "now">) {
    super("sqlite3", new SqliteDriver(options.dsn), sqliteDialect, options, context.now);
  }
}

/** The `sqlite3` storage type. */
export const sqliteStorage: PluginDefinition<Storage, SqliteStorageOptions> = {
  type: "sqlite3",
  aliases: ["sqlite"],
  summary: "Go Checkup's checks table in a SQLite file (built in, no server needed).",
  schema,
  create: (options, context) => new SqliteStorage(options, context),
};
