/**
 * What the SQL storages share: Go Checkup's `checks` table (DDL per dialect), its queries, lock-free
 * unique names (a taken nanosecond moves to the next one), idempotent re-sends (a round re-sent after a
 * lost acknowledgement is recognised, not stored twice), Go-format decoding, maintenance, the
 * `checkup_state` table and the `checkup_shared` table (documents several locations coordinate through: a
 * create is an insert that a taken primary key refuses). A backend supplies a {@linkcode SqlDriver} over its
 * client library.
 *
 * @module
 */
import { decodeResults, encodeResults, type Result, ResultFormatError } from "../result.ts";
import { retry } from "../_internal/retry.ts";
import { SHARED_LIST_LIMIT, sharedKey, sharedPrefix, tooManyShared } from "./shared_keys.ts";
import type { SqlDialect } from "./sql_dialect.ts";
import {
  checkFileName,
  decodeRound,
  type IndexEntry,
  type Maintainer,
  NotFoundError,
  type SharedStore,
  type StateStore,
  type Storage,
  type StorageReader,
  type StoredRound,
  type StoreOptions,
} from "./storage.ts";

/** A row as the driver returns it. */
export type SqlRow = Record<string, unknown>;

/** The connection a SQL storage runs its statements on (a pool, reused across rounds). */
export interface SqlDriver {
  /** Runs a statement, returning its rows (empty for statements without a result set). */
  query(sql: string, params?: readonly unknown[]): Promise<SqlRow[]>;
  /** Runs a statement, returning the number of rows it changed. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Whether an error is a duplicate-key violation. */
  isUniqueViolation(error: unknown): boolean;
  /** Whether an error says the table does not exist. */
  isMissingTable(error: unknown): boolean;
  /** Turns a driver error into a clear message (connection target, what failed; never a password). */
  describe(error: unknown): string;
  /** Whether an error refuses the data sent for good (a data error, not an outage; see {@linkcode sqlStateRejects}). */
  isRejection?(error: unknown): boolean;
  /** Closes every connection. */
  close(): Promise<void>;
}

/**
 * Whether a SQLSTATE is about the data sent, so sending it again fails the same way: class 22 (data
 * exception), 23 (integrity constraint) except 23505 (unique violation, which `store` handles) and 54
 * (program limit).
 *
 * @example
 * ```ts
 * import { sqlStateRejects } from "./sql.ts";
 * console.assert(sqlStateRejects("22001") && !sqlStateRejects("23505") && !sqlStateRejects("08006"));
 * ```
 */
export function sqlStateRejects(state: string): boolean {
  return /^(22|23|54)[0-9A-Z]{3}$/.test(state) && state !== "23505";
}

/** Options every SQL storage has. */
export interface SqlStorageOptions {
  /** Create the `checks` table when missing. */
  create: boolean;
  /** Delete rounds older than this, nanoseconds; 0 keeps them forever. */
  check_expiry: number;
}

/** A column value as text: drivers return TEXT as a string or a Buffer. */
export function columnText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return String(v);
}

/** A BIGINT column value (string, number or bigint, as the driver returns it) as an exact bigint. */
export function columnBigInt(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(Math.trunc(v));
  return BigInt(columnText(v));
}

/** Rounds read per query when streaming (keyset pagination on `timestamp`), at most. */
const PAGE = 100;
/**
 * Bytes of results text a streamed page aims at: a page of 100 rounds of 2,000 results is 34 MB of text
 * held at once (and as much garbage after), so pages of large rounds hold fewer rows, down to
 * {@linkcode PAGE_MIN} (each page boundary is a keyset step on `timestamp`: few of them).
 */
const PAGE_BYTES = 4 << 20;
const PAGE_MIN = 8;

/**
 * A storage over Go Checkup's `checks` table. Subclasses pass their type, driver and dialect.
 * No locks: every writer only inserts rows with unique names.
 */
export class SqlStorage implements Storage, StorageReader, Maintainer, StateStore, SharedStore {
  readonly type: string;
  readonly #driver: SqlDriver;
  readonly #dialect: SqlDialect;
  readonly #o: SqlStorageOptions;
  readonly #now: () => bigint;
  #ready?: Promise<void>;
  /** Checkup's own tables (`checkup_state`, `checkup_shared`) by their DDL, created on first use. */
  readonly #ownTables = new Map<readonly string[], Promise<void>>();

  /**
   * Wraps a driver: `type` names the storage in errors, `dialect` supplies the SQL, `now` is the clock (UTC
   * ns).
   */
  constructor(
    type: string,
    driver: SqlDriver,
    dialect: SqlDialect,
    options: SqlStorageOptions,
    now: () => bigint,
  ) {
    this.type = type;
    this.#driver = driver;
    this.#dialect = dialect;
    this.#o = options;
    this.#now = now;
  }

  #fail(what: string, e: unknown): Error {
    if (e instanceof NotFoundError) return e;
    if (this.#driver.isMissingTable(e)) {
      return new Error(
        `storage ${this.type}: ${what}: the checks table does not exist (set "create": true)`,
      );
    }
    return new Error(`storage ${this.type}: ${what}: ${this.#driver.describe(e)}`, { cause: e });
  }

  /** Runs Go's DDL once per process when `create` is set (Go ran it on every connection). */
  #init(): Promise<void> {
    if (!this.#o.create) return Promise.resolve();
    this.#ready ??= this.#ddl(this.#dialect.checksDdl).catch((e) => {
      this.#ready = undefined; // try again next time (the server may be back)
      throw e;
    });
    return this.#ready;
  }

  /**
   * Runs idempotent DDL. Concurrent `CREATE … IF NOT EXISTS` from several nodes can still collide in
   * PostgreSQL's catalog (a duplicate-key error): the statement is then simply run again.
   */
  async #ddl(statements: readonly string[]): Promise<void> {
    for (const sql of statements) {
      await retry(() => this.#driver.execute(sql), {
        attempts: 4,
        retryable: (e) =>
          this.#driver.isUniqueViolation(e) || /already exists/i.test(String((e as Error)?.message)),
        delay: { base: 70, factor: 1, jitter: 5 / 7 }, // 20 to 70 ms
      });
    }
  }

  async #run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      await this.#init();
      return await fn();
    } catch (e) {
      throw this.#fail(what, e);
    }
  }

  /** Checks that the server is reachable and the table usable; throws the clear error otherwise. */
  ping(): Promise<void> {
    return this.#run("connect", async () => {
      await this.#driver.query("SELECT name FROM checks WHERE name = " + this.#dialect.param(1), [""]);
    });
  }

  store(results: readonly Result[], _signal?: AbortSignal, options: StoreOptions = {}): Promise<string> {
    const json = encodeResults(results);
    const p = this.#dialect.param;
    const insert = `INSERT INTO checks (name, timestamp, results) VALUES (${p(1)}, ${p(2)}, ${p(3)})`;
    return this.#run("store", async () => {
      for (let ns = options.at ?? this.#now(), tries = 0;; ns++, tries++) {
        const name = checkFileName(ns);
        try {
          await this.#driver.execute(insert, [name, ns.toString(), json]);
          return name;
        } catch (e) {
          if (!this.#driver.isUniqueViolation(e) || tries >= 1000) throw e;
          // The same round re-sent (its first acknowledgement was lost): it is stored already.
          const rows = await this.#driver.query(`SELECT results FROM checks WHERE name = ${p(1)}`, [name]);
          if (rows.length && columnText(rows[0].results) === json) return name;
          // Another writer took this nanosecond: take the next one (names stay unique without locks).
        }
      }
    });
  }

  index(): Promise<IndexEntry[]> {
    return this.#run("index", async () => {
      const rows = await this.#driver.query("SELECT name, timestamp FROM checks ORDER BY timestamp, name");
      return rows.map((r) => ({ name: columnText(r.name), timestamp: columnBigInt(r.timestamp) }));
    });
  }

  async fetch(name: string): Promise<Result[]> {
    const rows = await this.#run(
      "fetch",
      () =>
        this.#driver.query(`SELECT results FROM checks WHERE name = ${this.#dialect.param(1)} LIMIT 1`, [
          name,
        ]),
    );
    if (!rows.length) throw new NotFoundError(`no check round named ${JSON.stringify(name)}`);
    // Outside #run: a row that cannot be decoded is a ResultFormatError (one bad round), not a storage failure.
    return decodeResults(columnText(rows[0].results) || "[]", `${this.type} row ${name}`);
  }

  /**
   * Rows stored after `since`, oldest first, a page at a time (keyset on `timestamp`). A row whose
   * results cannot be decoded is yielded marked `unreadable` and the page goes on past it; a row whose
   * timestamp is not an integer (SQLite stores any value) is yielded marked too, at the last good time.
   */
  async *rounds(since: bigint): AsyncIterable<StoredRound> {
    const p = this.#dialect.param;
    const sql = (limit: number) =>
      `SELECT name, timestamp, results FROM checks WHERE timestamp > ${
        p(1)
      } ORDER BY timestamp LIMIT ${limit}`;
    for (let after = since, limit = PAGE;;) {
      const rows = await this.#run("read", () => this.#driver.query(sql(limit), [after.toString()]));
      const start = after, asked = limit;
      let bytes = 0;
      for (const r of rows) {
        const name = columnText(r.name);
        bytes += columnText(r.results).length;
        const source = `${this.type} row ${name}`;
        let timestamp: bigint;
        try {
          timestamp = columnBigInt(r.timestamp);
        } catch {
          const found = JSON.stringify(columnText(r.timestamp).slice(0, 40));
          const error = new ResultFormatError(
            `${source}: timestamp: expected integer nanoseconds, found ${found}`,
          );
          yield { name, timestamp: after, results: [], unreadable: error };
          continue;
        }
        after = timestamp;
        yield decodeRound({ name, timestamp }, columnText(r.results) || "[]", source);
      }
      // A full page that did not move the keyset on (only rows without a usable timestamp) would be read
      // again and again: stop there.
      if (rows.length < asked || after === start) return;
      limit = Math.max(PAGE_MIN, Math.min(PAGE, Math.floor(PAGE_BYTES / Math.max(1, bytes / rows.length))));
    }
  }

  maintain(): Promise<number> {
    if (!this.#o.check_expiry) return Promise.resolve(0);
    const cutoff = this.#now() - BigInt(this.#o.check_expiry);
    return this.#run(
      "maintain",
      () =>
        this.#driver.execute(`DELETE FROM checks WHERE timestamp < ${this.#dialect.param(1)}`, [
          cutoff.toString(),
        ]),
    );
  }

  /**
   * Runs `fn` once the table of `ddl` exists: one of Checkup's own tables, created on first use whatever
   * `create` says (Go's flag is about `checks`), and again on the next use if that failed.
   */
  #own<T>(ddl: readonly string[], what: string, fn: () => Promise<T>): Promise<T> {
    return this.#run(what, async () => {
      // Created here, awaited at once: a server that is down must not leave a rejected promise unawaited.
      let ready = this.#ownTables.get(ddl);
      if (!ready) {
        ready = this.#ddl(ddl).catch((e) => {
          this.#ownTables.delete(ddl);
          throw e;
        });
        this.#ownTables.set(ddl, ready);
      }
      await ready;
      return await fn();
    });
  }

  async loadState(key: string): Promise<string | undefined> {
    const rows = await this.#own(
      this.#dialect.stateDdl,
      "load state",
      () => this.#driver.query(this.#dialect.selectState, [key]),
    );
    return rows.length ? columnText(rows[0].value) : undefined;
  }

  async saveState(key: string, value: string): Promise<void> {
    await this.#own(
      this.#dialect.stateDdl,
      "save state",
      () => this.#driver.execute(this.#dialect.upsertState, [key, value, this.#now().toString()]),
    );
  }

  /**
   * Inserts the row unless its key is taken: true when this call inserted it. The primary key makes it
   * atomic across connections, processes and hosts.
   */
  async create(key: string, value: string): Promise<boolean> {
    sharedKey(this.type, key);
    return await this.#own(this.#dialect.sharedDdl, "create shared document", async () => {
      try {
        return await this.#driver.execute(this.#dialect.createShared, [
          key,
          value,
          this.#now().toString(),
        ]) === 1;
      } catch (e) {
        if (this.#driver.isUniqueViolation(e)) return false; // MySQL's plain INSERT: the key is taken
        throw e;
      }
    });
  }

  /** Upserts the row. */
  async put(key: string, value: string): Promise<void> {
    sharedKey(this.type, key);
    await this.#own(
      this.#dialect.sharedDdl,
      "save shared document",
      () => this.#driver.execute(this.#dialect.upsertShared, [key, value, this.#now().toString()]),
    );
  }

  /** The rows whose key starts with `prefix` (`LIKE`, with `_` and `%` escaped). */
  async list(prefix: string): Promise<Map<string, string>> {
    const pattern = sharedPrefix(this.type, prefix).replace(/[!%_]/g, "!$&") + "%";
    const rows = await this.#own(
      this.#dialect.sharedDdl,
      "list shared documents",
      () => this.#driver.query(this.#dialect.listShared, [pattern]),
    );
    if (rows.length > SHARED_LIST_LIMIT) throw tooManyShared(this.type, prefix);
    return new Map(rows.map((r) => [columnText(r.key), columnText(r.value)]));
  }

  /** Deletes the rows, up to 500 keys per statement. */
  async remove(keys: readonly string[]): Promise<void> {
    for (const key of keys) sharedKey(this.type, key);
    await this.#own(this.#dialect.sharedDdl, "remove shared documents", async () => {
      for (let i = 0; i < keys.length; i += 500) {
        const batch = keys.slice(i, i + 500);
        await this.#driver.execute(this.#dialect.removeShared(batch.length), batch);
      }
    });
  }

  /** Whether the driver says the data sent was refused for good (see {@linkcode SqlDriver.isRejection}). */
  isRejection(error: unknown): boolean {
    return this.#driver.isRejection?.(error) ?? false;
  }

  async close(): Promise<void> {
    await this.#driver.close();
  }
}
