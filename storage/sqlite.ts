/**
 * The `sqlite3` storage: Go Checkup's `checks(name, timestamp, results)` table in a SQLite file, through
 * the runtime's built-in `node:sqlite` (no native download; works inside `deno compile`). WAL mode and a
 * busy timeout let several processes write one file at once.
 *
 * @module
 */
import { z } from "zod";
import { DatabaseSync } from "node:sqlite";
import { dirname } from "node:path";
import type { Duration } from "../config/duration.ts";
import { duration, typeTag } from "../config/fields.ts";
import type { PluginContext, PluginDefinition } from "../config/plugin.ts";
import { decodeResults, encodeResults, type Result } from "../result.ts";
import {
  checkFileName,
  type IndexEntry,
  type Maintainer,
  NotFoundError,
  type StateStore,
  type Storage,
  type StorageReader,
  type StoredRound,
  type StoreOptions,
} from "./storage.ts";

/** `checkup.json` options of the `sqlite3` storage (Go Checkup's keys; `sqlite` is accepted too). */
export interface SqliteStorageConfig {
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
  type: "sqlite3";
  dsn: string;
  create: boolean;
  check_expiry: number;
}

const schema: z.ZodType<SqliteStorageOptions, SqliteStorageConfig> = z.object({
  type: typeTag("sqlite3", ["sqlite"]),
  dsn: z.string().min(1, { error: "required: expected the database file path (missing SQLite3 DSN)" }).meta({
    description: "The database file path.",
  }),
  create: z.boolean().default(true).meta({ description: "Create the checks table when missing." }),
  check_expiry: duration("Delete rounds older than this; 0 keeps them forever.").default(0),
});

/** Go Checkup's schema, unchanged, so Go's `checkup serve` can read our rows. */
const DDL = [
  "CREATE TABLE IF NOT EXISTS checks (name TEXT NOT NULL PRIMARY KEY, timestamp INT8 NOT NULL, results TEXT)",
  "CREATE UNIQUE INDEX IF NOT EXISTS idx_checks_timestamp ON checks(timestamp)",
  "CREATE TABLE IF NOT EXISTS checkup_state (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL, updated INT8 NOT NULL)",
];

function pathOf(dsn: string): string {
  return dsn.replace(/^file:/, "").replace(/\?.*$/, "");
}

/** Stores rounds as rows of Go Checkup's `checks` table in a SQLite file. */
export class SqliteStorage implements Storage, StorageReader, Maintainer, StateStore {
  readonly type = "sqlite3";
  readonly #o: SqliteStorageOptions;
  readonly #now: () => bigint;
  #db?: DatabaseSync;

  constructor(options: SqliteStorageOptions, context: Pick<PluginContext, "now">) {
    this.#o = options;
    this.#now = context.now;
  }

  #open(): DatabaseSync {
    if (this.#db) return this.#db;
    const path = pathOf(this.#o.dsn);
    try {
      if (path !== ":memory:") Deno.mkdirSync(dirname(path), { recursive: true });
      const db = new DatabaseSync(path, { timeout: 5000 });
      db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
      if (this.#o.create) { for (const sql of DDL) db.exec(sql); }
      this.#db = db;
      return db;
    } catch (e) {
      throw new Error(`storage sqlite3: cannot open ${JSON.stringify(path)}: ${(e as Error).message}`);
    }
  }

  /** Runs `fn` on the open database; every failure becomes a rejected promise with context. */
  #run<T>(what: string, fn: (db: DatabaseSync) => T): Promise<T> {
    try {
      return Promise.resolve(fn(this.#open()));
    } catch (e) {
      const msg = (e as Error).message;
      if (/no such table/.test(msg)) {
        return Promise.reject(
          new Error(`storage sqlite3: ${what}: the checks table does not exist (set "create": true)`),
        );
      }
      return Promise.reject(e);
    }
  }

  store(results: readonly Result[], _signal?: AbortSignal, options: StoreOptions = {}): Promise<string> {
    const json = encodeResults(results);
    return this.#run("store", (db) => {
      const insert = db.prepare("INSERT INTO checks (name, timestamp, results) VALUES (?, ?, ?)");
      for (let ns = options.at ?? this.#now(), tries = 0;; ns++, tries++) {
        const name = checkFileName(ns);
        try {
          insert.run(name, ns, json);
          return name;
        } catch (e) {
          if (!/UNIQUE constraint/.test((e as Error).message) || tries > 1000) throw e;
          // The same round sent again (from the spool): it is stored already.
          const row = db.prepare("SELECT results FROM checks WHERE name = ?").get(name);
          if (row && String(row.results) === json) return name;
          // Another writer took this nanosecond: take the next one (names stay unique without locks).
        }
      }
    });
  }

  index(): Promise<IndexEntry[]> {
    return this.#run("index", (db) => {
      const stmt = db.prepare("SELECT name, timestamp FROM checks ORDER BY timestamp");
      stmt.setReadBigInts(true);
      return stmt.all().map((r) => ({ name: String(r.name), timestamp: BigInt(r.timestamp as bigint) }));
    });
  }

  fetch(name: string): Promise<Result[]> {
    return this.#run("fetch", (db) => {
      const row = db.prepare("SELECT results FROM checks WHERE name = ? LIMIT 1").get(name);
      if (!row) throw new NotFoundError(`no check round named ${JSON.stringify(name)}`);
      return decodeResults(String(row.results ?? "[]"), `sqlite3 row ${name}`);
    });
  }

  async *rounds(since: bigint): AsyncIterable<StoredRound> {
    const stmt = await this.#run(
      "read",
      (db) =>
        db.prepare("SELECT name, timestamp, results FROM checks WHERE timestamp > ? ORDER BY timestamp"),
    );
    stmt.setReadBigInts(true);
    for (const r of stmt.iterate(since)) {
      const name = String(r.name);
      yield {
        name,
        timestamp: BigInt(r.timestamp as bigint),
        results: decodeResults(String(r.results ?? "[]"), `sqlite3 row ${name}`),
      };
    }
  }

  maintain(): Promise<number> {
    if (!this.#o.check_expiry) return Promise.resolve(0);
    const cutoff = this.#now() - BigInt(this.#o.check_expiry);
    return this.#run(
      "maintain",
      (db) => Number(db.prepare("DELETE FROM checks WHERE timestamp < ?").run(cutoff).changes),
    );
  }

  loadState(key: string): Promise<string | undefined> {
    return this.#run("load state", (db) => {
      const row = db.prepare("SELECT value FROM checkup_state WHERE key = ?").get(key);
      return row ? String(row.value) : undefined;
    });
  }

  saveState(key: string, value: string): Promise<void> {
    return this.#run("save state", (db) => {
      db.prepare(
        "INSERT INTO checkup_state (key, value, updated) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated = excluded.updated",
      )
        .run(key, value, this.#now());
    });
  }

  close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
    return Promise.resolve();
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
