/**
 * The `postgres` storage: Go Checkup's `checks` table in PostgreSQL through `npm:pg`, with one connection
 * pool reused across rounds (Go reconnected for every operation). The DSN is Go's: lib/pq's
 * `key=value` form or a `postgres://` URL.
 *
 * @module
 */
// @ts-types="npm:@types/pg@^8.15.0"
import type pg from "pg";
import { z } from "zod";
import type { PluginContext, PluginDefinition } from "../config/plugin.ts";
import type { Logger } from "../log.ts";
import { type SqlDriver, type SqlRow, sqlStateRejects, SqlStorage } from "./sql.ts";
import { postgresDialect } from "./sql_dialect.ts";
import {
  networkReason,
  type SqlNetworkOptions,
  type SqlStorageConfig,
  sqlStorageSchema,
} from "./sql_config.ts";
import type { Storage } from "./storage.ts";

/** `checkup.json` options of the `postgres` storage (Go Checkup's keys; `postgresql` is accepted too). */
export type PostgresStorageConfig = SqlStorageConfig<"postgres" | "postgresql">;

/** Validated options of the `postgres` storage. */
export type PostgresStorageOptions = SqlNetworkOptions<"postgres">;

const schema = z.lazy(() =>
  sqlStorageSchema({
    type: "postgres",
    aliases: ["postgresql"],
    dsnExample: 'a PostgreSQL DSN such as "host=db user=checkup dbname=checkup" (missing PostgreSQL DSN)',
    dsnDescription: "lib/pq DSN (key=value) or postgres:// URL.",
    parseDsn: parsePostgresDsn,
  })
);

/** A parsed PostgreSQL DSN. */
export interface PostgresDsn {
  /** The server's host name, address or socket directory (default `localhost`). */
  host: string;
  /** The server's port (default 5432). */
  port: number;
  /** The user name; unset: the driver's default. */
  user?: string;
  /** The password (a secret); unset: none. */
  password?: string;
  /** The database name (`dbname`); unset: the driver's default. */
  database?: string;
  /** lib/pq's sslmode; lib/pq's default is `require`. */
  sslmode: string;
  /** Other parameters (application_name, connect_timeout, sslrootcert, …). */
  params: Record<string, string>;
}

const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

/** Splits lib/pq's `key=value key2='quoted \' value'` form. */
function parseKeyValue(dsn: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const ws = () => {
    while (i < dsn.length && /\s/.test(dsn[i])) i++;
  };
  while ((ws(), i < dsn.length)) {
    const eq = dsn.indexOf("=", i);
    if (eq < 0) throw new Error(`expected key=value at ${JSON.stringify(dsn.slice(i, i + 20))}`);
    const key = dsn.slice(i, eq).trim();
    i = eq + 1;
    ws();
    let value = "";
    if (dsn[i] === "'") {
      i++;
      for (; i < dsn.length && dsn[i] !== "'"; i++) value += dsn[i] === "\\" ? dsn[++i] : dsn[i];
      if (dsn[i] !== "'") throw new Error(`unterminated quoted value for ${key}`);
      i++;
    } else {
      for (; i < dsn.length && !/\s/.test(dsn[i]); i++) value += dsn[i] === "\\" ? dsn[++i] : dsn[i];
    }
    out[key] = value;
  }
  return out;
}

/**
 * Parses Go's PostgreSQL DSN: lib/pq `key=value` pairs or a `postgres://user:pw@host:port/db?sslmode=…`
 * URL. Missing parts follow lib/pq: host `localhost`, port 5432, sslmode `require`.
 *
 * @example
 * ```ts
 * import { parsePostgresDsn } from "./postgres.ts";
 * import assert from "node:assert/strict";
 * const d = parsePostgresDsn("host=db port=5433 user=checkup password='s3 cr\\'t' dbname=checks");
 * assert.equal(d.password, "s3 cr't");
 * assert.equal(parsePostgresDsn("postgres://u:p%40ss@db/checks?sslmode=disable").password, "p@ss");
 * ```
 */
export function parsePostgresDsn(dsn: string): PostgresDsn {
  let kv: Record<string, string>;
  if (/^postgres(ql)?:\/\//i.test(dsn)) {
    const url = new URL(dsn);
    kv = Object.fromEntries(url.searchParams);
    if (url.hostname) kv.host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    if (url.port) kv.port = url.port;
    if (url.username) kv.user = decodeURIComponent(url.username);
    if (url.password) kv.password = decodeURIComponent(url.password);
    const db = decodeURIComponent(url.pathname.replace(/^\//, ""));
    if (db) kv.dbname = db;
  } else {
    kv = parseKeyValue(dsn);
  }
  const { host, port, user, password, dbname, sslmode, ...params } = kv;
  const mode = sslmode || "require";
  if (!SSL_MODES.includes(mode)) {
    throw new Error(
      `unknown sslmode ${JSON.stringify(mode)} (expected disable, require, verify-ca or verify-full)`,
    );
  }
  const p = Number(port ?? 5432);
  if (!Number.isInteger(p) || p <= 0 || p > 65535) {
    throw new Error(`expected a port from 1 to 65535, found ${port}`);
  }
  return {
    host: host || "localhost",
    port: p,
    user: user || undefined,
    password: password || undefined,
    database: dbname || undefined,
    sslmode: mode,
    params,
  };
}

function sslOf(d: PostgresDsn): pg.ClientConfig["ssl"] {
  const read = (k: string) => d.params[k] ? Deno.readTextFileSync(d.params[k]) : undefined;
  switch (d.sslmode) {
    case "disable":
    case "allow":
    case "prefer":
      return false;
    case "require":
      return { rejectUnauthorized: false, cert: read("sslcert"), key: read("sslkey") };
    case "verify-ca":
      return {
        ca: read("sslrootcert"),
        cert: read("sslcert"),
        key: read("sslkey"),
        checkServerIdentity: () => undefined,
      };
    default: // verify-full
      return { ca: read("sslrootcert"), cert: read("sslcert"), key: read("sslkey") };
  }
}

/** A pg pool as a {@linkcode SqlDriver}, with errors that name the server but never the password. */
class PgDriver implements SqlDriver {
  readonly #target: string;
  readonly #dsn: PostgresDsn;
  readonly #logger: Logger;
  #pool?: Promise<pg.Pool>;

  constructor(dsn: PostgresDsn, logger: Logger) {
    this.#dsn = dsn;
    this.#logger = logger;
    this.#target = dsn.host.startsWith("/") ? `socket ${dsn.host}` : `${dsn.host}:${dsn.port}`;
  }

  /** The pool, created on first use (the driver is loaded only when a postgres storage is used). */
  #connect(): Promise<pg.Pool> {
    return this.#pool ??= (async () => {
      // @ts-types="npm:@types/pg@^8.15.0"
      const { default: pgLib } = await import("pg");
      const dsn = this.#dsn;
      const timeout = Number(dsn.params.connect_timeout ?? 10) * 1000 || 10_000;
      const pool = new pgLib.Pool({
        host: dsn.host,
        port: dsn.port,
        user: dsn.user,
        password: dsn.password,
        database: dsn.database,
        ssl: sslOf(dsn),
        application_name: dsn.params.application_name ?? "checkup",
        max: 4,
        idleTimeoutMillis: 10_000,
        connectionTimeoutMillis: timeout,
        query_timeout: 30_000,
        allowExitOnIdle: true,
      });
      // An idle connection dropped by the server (restart, failover) must not crash the process.
      pool.on("error", (e) => this.#logger.debug("postgres: idle connection closed", { error: e.message }));
      return pool;
    })();
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<SqlRow[]> {
    return (await (await this.#connect()).query(sql, params as unknown[])).rows;
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await (await this.#connect()).query(sql, params as unknown[])).rowCount ?? 0;
  }

  isUniqueViolation(e: unknown): boolean {
    return (e as { code?: string })?.code === "23505";
  }

  isMissingTable(e: unknown): boolean {
    return (e as { code?: string })?.code === "42P01";
  }

  /** pg's server errors carry a SQLSTATE `code` and a `severity`: a data error refuses the round. */
  isRejection(e: unknown): boolean {
    const err = e as { code?: unknown; severity?: unknown };
    return typeof err?.code === "string" && typeof err.severity === "string" && sqlStateRejects(err.code);
  }

  describe(e: unknown): string {
    const err = e as Error & { code?: string };
    const at = `PostgreSQL at ${this.#target}`;
    const net = networkReason(e);
    if (net) return `cannot connect to ${at}: ${net}`;
    const msg = String(err?.message ?? e).split(this.#dsn.password ?? "\u0000").join("***");
    switch (err?.code) {
      case "28P01":
      case "28000":
        return `${at} refused the login of user ${JSON.stringify(this.#dsn.user ?? "")}: ${msg}`;
      case "3D000":
        return `${at}: ${msg} (create it, or fix dbname in the dsn)`;
    }
    if (/timeout/i.test(msg)) return `${at}: ${msg}`;
    if (/does not support SSL/i.test(msg)) {
      return `${at}: the server does not support SSL; add sslmode=disable to the dsn (lib/pq's default is sslmode=require)`;
    }
    return `${at}: ${msg}`;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await (await pool).end();
  }
}

/** Stores rounds as rows of Go Checkup's `checks` table in PostgreSQL. */
export class PostgresStorage extends SqlStorage {
  /** Parses the DSN; the connection pool opens on first use. */
  constructor(options: PostgresStorageOptions, context: Pick<PluginContext, "now" | "logger">) {
    super(
      "postgres",
      new PgDriver(parsePostgresDsn(options.dsn), context.logger),
      postgresDialect,
      options,
      context.now,
    );
  }
}

/** The `postgres` storage type. */
export const postgresStorage: PluginDefinition<Storage, PostgresStorageOptions> = {
  type: "postgres",
  aliases: ["postgresql"],
  summary: "Go Checkup's checks table in PostgreSQL (pooled connections).",
  schema,
  create: (options, context) => new PostgresStorage(options, context),
};
