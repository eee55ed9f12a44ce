/**
 * Test fixtures for `checkup serve`: the storage backends the API tests run against (every readable
 * storage; add one entry to plug in another StorageReader), and a realistic eight-day history seeded into
 * any of them.
 *
 * History, two nodes (eu-west, us-east), in config order:
 * - Website: healthy throughout.
 * - API: healthy, then degraded (median RTT above its 300 ms threshold) for the last 90 minutes, with a
 *   status message about it that contains a `<script>` tag.
 * - Database: down for four hours three days ago (two rounds), and down again for the last 40 minutes.
 * Plus a message about no endpoint in particular.
 */
import { DatabaseSync } from "node:sqlite";
import { parseStorage } from "../config/load.ts";
import type { Result } from "../result.ts";
import type { StorageConfig } from "../storage/mod.ts";
import { isStorageReader, type Storage, type StorageReader } from "../storage/storage.ts";
import { startFakeGithub } from "./helpers/fake_github.ts";
import { startMariadb } from "./helpers/mariadb.ts";
import { startPostgres } from "./helpers/postgres.ts";
import { startS3 } from "./helpers/s3.ts";

/** One storage the serve tests run against. */
export interface ServeBackend {
  name: string;
  /**
   * Starts what the backend needs (a throwaway server, a bucket, a database) for a fresh, empty store;
   * `dir` is a temporary directory the test removes. Undefined (the reason printed, or thrown under
   * CHECKUP_REQUIRE_SERVICES=1) when its server is not installed.
   */
  open(dir: string): Promise<OpenBackend | undefined>;
}

/** A started backend. */
export interface OpenBackend {
  /** The storage config of the fresh store. */
  config: StorageConfig;
  /** Overwrites the stored data of round `name` with `text`, behind the storage's back (a corrupt round). */
  corrupt(name: string, text: string): Promise<void>;
  /** Stops what `open` started. */
  stop(): Promise<void>;
}

/** A SQL string literal for psql and the mariadb client (backslashes mean different things: refused). */
function sqlString(v: string): string {
  if (v.includes("\\")) throw new Error("sqlString: no backslashes");
  return `'${v.replaceAll("'", "''")}'`;
}
let databases = 0;

/** A network SQL backend: a fresh database on a throwaway server, rows corrupted through its client. */
function sqlBackend<S extends { createDatabase(name: string): Promise<string>; stop(): Promise<void> }>(
  type: "postgres" | "mysql",
  start: () => Promise<S | undefined>,
  run: (server: S, sql: string, database: string) => Promise<unknown>,
): ServeBackend {
  return {
    name: type,
    async open() {
      const server = await start();
      if (!server) return undefined;
      const db = `serve${Date.now()}_${databases++}`;
      return {
        config: { type, dsn: await server.createDatabase(db), create: true },
        async corrupt(name, text) {
          await run(
            server,
            `UPDATE checks SET results = ${sqlString(text)} WHERE name = ${sqlString(name)}`,
            db,
          );
        },
        stop: () => server.stop(),
      };
    },
  };
}

/**
 * The backends of the API tests: every readable storage, each against its real server (PostgreSQL,
 * MariaDB, s3rver) or the local GitHub fake.
 */
export const SERVE_BACKENDS: ServeBackend[] = [
  {
    name: "fs",
    open: (dir) =>
      Promise.resolve({
        config: { type: "fs", dir: `${dir}/checks` },
        corrupt: (name, text) => Deno.writeTextFile(`${dir}/checks/${name}`, text),
        stop: () => Promise.resolve(),
      }),
  },
  {
    name: "sqlite3",
    open: (dir) =>
      Promise.resolve({
        config: { type: "sqlite3", dsn: `${dir}/checkup.db` },
        corrupt(name, text) {
          const db = new DatabaseSync(`${dir}/checkup.db`, { timeout: 5000 });
          try {
            db.prepare("UPDATE checks SET results = ? WHERE name = ?").run(text, name);
          } finally {
            db.close();
          }
          return Promise.resolve();
        },
        stop: () => Promise.resolve(),
      }),
  },
  sqlBackend("postgres", startPostgres, (server, sql, db) => server.psql(sql, db)),
  sqlBackend("mysql", startMariadb, (server, sql, db) => server.sql(sql, db)),
  {
    name: "s3",
    async open() {
      const s3 = await startS3(["status"]);
      return {
        config: { ...s3.storageConfig(), bucket: "status", prefix: "checks/" },
        async corrupt(name, text) {
          const res = await fetch(`${s3.endpoint}/status/checks/${name}`, { method: "PUT", body: text });
          await res.body?.cancel();
          if (!res.ok) throw new Error(`PUT ${name}: ${res.status}`);
        },
        stop: () => s3.stop(),
      };
    },
  },
  {
    name: "github",
    async open() {
      const gh = await startFakeGithub();
      return {
        config: {
          type: "github",
          access_token: gh.token,
          repository_owner: "acme",
          repository_name: "status",
          committer_name: "Checkup",
          committer_email: "checkup@example.com",
          branch: "gh-pages",
          dir: "checks",
          api_url: gh.url,
        },
        corrupt(name, text) {
          gh.seed("acme/status", `checks/${name}`, text, "gh-pages");
          return Promise.resolve();
        },
        stop: () => gh.stop(),
      };
    },
  },
];

/** Opens a backend's storage as a reader. */
export function openStorage(config: StorageConfig): Storage & StorageReader {
  const storage = parseStorage(config);
  if (!isStorageReader(storage)) throw new Error(`${storage.type}: expected a StorageReader`);
  return storage;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** The status message attached to the API: Markdown plus a script tag that must show as text. */
export const SCRIPT_MESSAGE = "**Investigating** elevated latency on the API.\n\n" +
  "<script>window.__pwned = 1</script> Details: https://status.example.com/incidents/42";
/** The message about everything. */
export const SITE_MESSAGE = "Scheduled maintenance of the database on Saturday, 02:00–03:00 UTC.";
/** A secret that appears in an endpoint URL (must never be served). */
export const URL_SECRET = "s3cr3t-token-value-123";
/** The nodes of the history. */
export const NODES = ["eu-west", "us-east"];

const ms = (v: number) => Math.round(v * 1e6);
const ns = (t: number) => BigInt(Math.round(t)) * 1_000_000n;

function jitter(i: number, base: number, spread: number): number {
  return base + ((i * 7919) % 97) / 97 * spread;
}

/** The results of one round at time t (ms) from one node. */
export function roundAt(t: number, now: number, node: string, i: number): Result[] {
  const ts = ns(t);
  const slowNode = node === "us-east" ? 60 : 0;
  const apiDegraded = t > now - 90 * MIN;
  const dbDown = (t > now - 3 * DAY - HOUR && t < now - 3 * DAY + 3 * HOUR) || t > now - 40 * MIN;
  const apiRtt = apiDegraded ? jitter(i, 450, 150) : jitter(i, 120, 80);
  return [
    {
      title: "Website",
      endpoint: `https://www.example.com/?token=${URL_SECRET}`,
      timestamp: ts,
      times: [{ rtt: ms(jitter(i, 80, 40) + slowNode) }, { rtt: ms(jitter(i + 1, 80, 40) + slowNode) }],
      threshold: ms(500),
      healthy: true,
      node,
    },
    {
      title: "API",
      endpoint: "https://api.example.com/health",
      timestamp: ts + 1n,
      times: [{ rtt: ms(apiRtt + slowNode) }],
      threshold: ms(300),
      ...(apiDegraded
        ? { degraded: true, notice: "median round trip time exceeded threshold (300ms)" }
        : { healthy: true }),
      node,
    },
    {
      title: "Database",
      endpoint: "db.internal:5432",
      timestamp: ts + 2n,
      times: dbDown
        ? [{ rtt: 0, error: "dial tcp 10.0.0.5:5432: connect: connection refused" }]
        : [{ rtt: ms(jitter(i, 2, 3)) }],
      ...(dbDown ? { down: true } : { healthy: true }),
      node,
    },
  ];
}

/** The times (ms) of the seeded rounds: every 2 h for 8 days, then every 10 min for the last 6 h. */
export function roundTimes(now: number): number[] {
  const times: number[] = [];
  for (let t = now - 8 * DAY; t < now - 6 * HOUR; t += 2 * HOUR) times.push(t);
  for (let t = now - 6 * HOUR; t <= now - MIN; t += 10 * MIN) times.push(t);
  return times;
}

/** Seeds the history into a storage (store times = result times); returns the number of rounds stored. */
export async function seedHistory(storage: Storage, now = Date.now()): Promise<number> {
  let n = 0;
  const times = roundTimes(now);
  const messageAt = times.find((x) => x > now - 30 * MIN);
  for (const [i, t] of times.entries()) {
    for (const [k, node] of NODES.entries()) {
      const results = roundAt(t + k * 1000, now, node, i);
      if (t === messageAt && k === 0) results[1] = { ...results[1], message: SCRIPT_MESSAGE };
      await storage.store(results, undefined, { at: ns(t + k * 1000) + 500n });
      n++;
    }
  }
  await storage.store([{ timestamp: ns(now - 2 * HOUR), message: SITE_MESSAGE }], undefined, {
    at: ns(now - 2 * HOUR) + 900n,
  });
  return n + 1;
}
