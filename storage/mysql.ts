/**
 * The `mysql` storage: Go Checkup's `checks` table in MySQL or MariaDB through `npm:mysql2`, with one
 * connection pool reused across rounds (Go reconnected for every operation). The DSN is Go's
 * (go-sql-driver `user:pw@tcp(host:3306)/db?params`) or a `mysql://` URL.
 *
 * @module
 */
import type mysql from "mysql2/promise";
import { z } from "zod";
import { parseDuration } from "../duration.ts";
import type { PluginContext, PluginDefinition } from "../config/plugin.ts";
import { type SqlDriver, type SqlRow, sqlStateRejects, SqlStorage } from "./sql.ts";
import { mysqlDialect } from "./sql_dialect.ts";
import {
  networkReason,
  type SqlNetworkOptions,
  type SqlStorageConfig,
  sqlStorageSchema,
} from "./sql_config.ts";
import type { Storage } from "./storage.ts";

/** `checkup.json` options of the `mysql` storage (Go Checkup's keys; `mariadb` is accepted too). */
export type MysqlStorageConfig = SqlStorageConfig<"mysql" | "mariadb">;

/** Validated options of the `mysql` storage. */
export type MysqlStorageOptions = SqlNetworkOptions<"mysql">;

/** A parsed MySQL DSN. */
export interface MysqlDsn {
  /** The user name; unset: the driver's default. */
  user?: string;
  /** The password (a secret); unset: none. */
  password?: string;
  /** `tcp` or `unix`. */
  net: string;
  /** host:port for tcp, the socket path for unix. */
  address: string;
  /** With `tcp`: the server's host (default `127.0.0.1`). */
  host?: string;
  /** With `tcp`: the server's port (default 3306). */
  port?: number;
  /** The database name; unset: none selected. */
  database?: string;
  /** The DSN's query parameters (`tls`, `timeout`, …). */
  params: Record<string, string>;
}

/**
 * Parses Go's MySQL DSN: go-sql-driver's `[user[:password]@][net[(addr)]]/dbname[?params]` or a
 * `mysql://user:pw@host:port/db?params` URL. The default address is `127.0.0.1:3306`.
 *
 * @example
 * ```ts
 * import { parseMysqlDsn } from "./mysql.ts";
 * import assert from "node:assert/strict";
 * const d = parseMysqlDsn("checkup:p@ss:w0rd@tcp(db.local:3307)/checks?tls=skip-verify");
 * assert.deepEqual([d.user, d.password, d.host, d.port, d.database], ["checkup", "p@ss:w0rd", "db.local", 3307, "checks"]);
 * assert.equal(parseMysqlDsn("mysql://u:pw@db/x").port, 3306);
 * ```
 */
export function parseMysqlDsn(dsn: string): MysqlDsn {
  let d: MysqlDsn;
  if (/^(mysql|mariadb):\/\//i.test(dsn)) {
    const url = new URL(dsn.replace(/^mariadb:/i, "mysql:"));
    d = {
      user: decodeURIComponent(url.username) || undefined,
      password: decodeURIComponent(url.password) || undefined,
      net: "tcp",
      address: "",
      host: url.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
      port: Number(url.port || 3306),
      database: decodeURIComponent(url.pathname.replace(/^\//, "")) || undefined,
      params: Object.fromEntries(url.searchParams),
    };
  } else {
    const slash = dsn.lastIndexOf("/");
    if (slash < 0) {
      throw new Error('expected user:password@tcp(host:port)/dbname (the "/dbname" part is missing)');
    }
    const head = dsn.slice(0, slash), tail = dsn.slice(slash + 1);
    const at = head.lastIndexOf("@");
    const userinfo = at >= 0 ? head.slice(0, at) : "";
    const netaddr = at >= 0 ? head.slice(at + 1) : head;
    const colon = userinfo.indexOf(":");
    const m = /^([a-z0-9]*)(?:\((.*)\))?$/i.exec(netaddr);
    if (!m) throw new Error(`expected net(address) such as tcp(host:3306), found ${JSON.stringify(netaddr)}`);
    const q = tail.indexOf("?");
    d = {
      user: (colon >= 0 ? userinfo.slice(0, colon) : userinfo) || undefined,
      password: colon >= 0 ? userinfo.slice(colon + 1) : undefined,
      net: m[1] || "tcp",
      address: m[2] ?? "",
      database: decodeURIComponent(q >= 0 ? tail.slice(0, q) : tail) || undefined,
      params: q >= 0 ? Object.fromEntries(new URLSearchParams(tail.slice(q + 1))) : {},
    };
    if (d.net === "tcp") {
      const addr = d.address || "127.0.0.1:3306";
      const hp = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(addr);
      if (!hp) throw new Error(`expected host:port in tcp(...), found ${JSON.stringify(addr)}`);
      d.host = hp[1].replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
      d.port = Number(hp[2] ?? 3306);
    } else if (d.net !== "unix") {
      throw new Error(`expected the network tcp or unix, found ${JSON.stringify(d.net)}`);
    }
  }
  if (d.port !== undefined && !(d.port > 0 && d.port < 65536)) {
    throw new Error(`expected a port from 1 to 65535`);
  }
  if (d.params.timeout) parseDuration(d.params.timeout);
  return d;
}

const schema = z.lazy(() =>
  sqlStorageSchema({
    type: "mysql",
    aliases: ["mariadb"],
    dsnExample: 'a MySQL DSN such as "user:password@tcp(host:3306)/checkup" (missing MySQL DSN)',
    dsnDescription: "go-sql-driver DSN (user:pw@tcp(host:3306)/db) or mysql:// URL.",
    parseDsn: parseMysqlDsn,
  })
);

function sslOf(tls: string | undefined): mysql.PoolOptions["ssl"] {
  switch (tls) {
    case undefined:
    case "":
    case "false":
    case "preferred":
      return undefined;
    case "skip-verify":
      return { rejectUnauthorized: false };
    default:
      return { rejectUnauthorized: true };
  }
}

/** MySQL error numbers about the data sent that carry no class-22 SQLSTATE. */
const MYSQL_DATA_ERRORS = new Set([
  1153, // ER_NET_PACKET_TOO_LARGE: bigger than max_allowed_packet
  1366, // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD: incorrect string value
  1406, // ER_DATA_TOO_LONG (also SQLSTATE 22001)
]);

/** A mysql2 pool as a {@linkcode SqlDriver}, with errors that name the server but never the password. */
class MysqlDriver implements SqlDriver {
  readonly #target: string;
  readonly #dsn: MysqlDsn;
  #pool?: Promise<mysql.Pool>;

  constructor(dsn: MysqlDsn) {
    this.#dsn = dsn;
    this.#target = dsn.net === "unix" ? `socket ${dsn.address}` : `${dsn.host}:${dsn.port}`;
  }

  /** The pool, created on first use (the driver is loaded only when a mysql storage is used). */
  #connect(): Promise<mysql.Pool> {
    return this.#pool ??= (async () => {
      const { default: mysqlLib } = await import("mysql2/promise");
      const dsn = this.#dsn;
      const timeout = dsn.params.timeout ? parseDuration(dsn.params.timeout) / 1e6 : 10_000;
      return mysqlLib.createPool({
        host: dsn.host,
        port: dsn.port,
        socketPath: dsn.net === "unix" ? dsn.address : undefined,
        user: dsn.user,
        password: dsn.password,
        database: dsn.database,
        ssl: sslOf(dsn.params.tls),
        connectTimeout: timeout,
        connectionLimit: 4,
        maxIdle: 4,
        idleTimeout: 10_000,
        supportBigNumbers: true,
        bigNumberStrings: true,
        charset: dsn.params.charset?.split(",")[0] || "utf8mb4",
      });
    })();
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<SqlRow[]> {
    const [rows] = await (await this.#connect()).query({ sql, timeout: 30_000 }, params as unknown[]);
    return Array.isArray(rows) ? rows as SqlRow[] : [];
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    const [res] = await (await this.#connect()).query({ sql, timeout: 30_000 }, params as unknown[]);
    return (res as { affectedRows?: number }).affectedRows ?? 0;
  }

  isUniqueViolation(e: unknown): boolean {
    return (e as { code?: string })?.code === "ER_DUP_ENTRY";
  }

  isMissingTable(e: unknown): boolean {
    return (e as { code?: string })?.code === "ER_NO_SUCH_TABLE";
  }

  /**
   * mysql2's server errors carry `errno` and `sqlState`: a data error refuses the round (1062 and 1022,
   * duplicate keys, are handled by `store`; 1153, 1366 and 1406 are about the data without a class-22 state).
   */
  isRejection(e: unknown): boolean {
    const err = e as { errno?: unknown; sqlState?: unknown };
    if (typeof err?.errno !== "number" || typeof err.sqlState !== "string") return false;
    if (err.errno === 1062 || err.errno === 1022) return false;
    return MYSQL_DATA_ERRORS.has(err.errno) || sqlStateRejects(err.sqlState);
  }

  describe(e: unknown): string {
    const err = e as Error & { code?: string };
    const at = `MySQL at ${this.#target}`;
    const net = networkReason(e);
    if (net) return `cannot connect to ${at}: ${net}`;
    let msg = String(err?.message ?? e);
    if (this.#dsn.password) msg = msg.split(this.#dsn.password).join("***");
    switch (err?.code) {
      case "ER_ACCESS_DENIED_ERROR":
        return `${at} refused the login: ${msg}`;
      case "ER_BAD_DB_ERROR":
        return `${at}: ${msg} (create it, or fix the database name in the dsn)`;
      case "ER_DATA_TOO_LONG":
        return `${at}: ${msg}: the round is larger than the results column (Go's DDL makes it TEXT, 64 KiB); ` +
          "run ALTER TABLE checks MODIFY results MEDIUMTEXT NULL";
    }
    return `${at}: ${msg}`;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    try {
      if (pool) await (await pool).end();
    } catch (e) {
      // A connection still being opened when the pool closes rejects end() with its own failure (the server
      // is down): nothing was left open, and the query that wanted it has its own error already.
      if (!networkReason(e)) throw e;
    }
  }
}

/** Stores rounds as rows of Go Checkup's `checks` table in MySQL or MariaDB. */
export class MysqlStorage extends SqlStorage {
  /** Parses the DSN; the connection pool opens on first use. */
  constructor(options: MysqlStorageOptions, context: Pick<PluginContext, "now">) {
    super("mysql", new MysqlDriver(parseMysqlDsn(options.dsn)), mysqlDialect, options, context.now);
  }
}

/** The `mysql` storage type. */
export const mysqlStorage: PluginDefinition<Storage, MysqlStorageOptions> = {
  type: "mysql",
  aliases: ["mariadb"],
  summary: "Go Checkup's checks table in MySQL or MariaDB (pooled connections).",
  schema,
  create: (options, context) => new MysqlStorage(options, context),
};
