/**
 * Storage benchmark (`deno run -A bench/storage_bench.ts [--short]`): for fs, sqlite3, postgres, mysql and
 * s3, the time to store one round of 1,000 results (median of 10 stores through `Storage.store`), and the
 * time to read back 30 days of 1-minute rounds (43,200 rounds of 3 results) through `readRounds`, the
 * path `checkup serve` uses. The 30 days are seeded straight into each backend in Go's format (fast bulk
 * writes), then read through Checkup's code. Servers are throwaway instances on 127.0.0.1; a backend whose
 * server is missing is reported as skipped. `--short` reads 1 day instead of 30.
 *
 * Storage growth: the bytes the backend holds after the stored 1,000-result rounds (files, database
 * relation with its indexes and TOAST, objects), as bytes per endpoint-day at 1-minute checks.
 */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseStorage } from "../config/load.ts";
import { encodeResults, type Result } from "../result.ts";
import { encodeIndex } from "../storage/fs.ts";
import type { StorageConfig } from "../storage/mod.ts";
import { checkFileName, isStorageReader, readRounds } from "../storage/storage.ts";
import { startMariadb } from "../tests/helpers/mariadb.ts";
import { startPostgres } from "../tests/helpers/postgres.ts";
import { startS3 } from "../tests/helpers/s3.ts";
import { report, SHORT } from "./_util.ts";

const MINUTE = 60_000_000_000n;
const DAYS = SHORT ? 1 : 30;
const ROUNDS = DAYS * 24 * 60;
const STORES = 10;
const now = BigInt(Date.now()) * 1_000_000n;
const start = now - BigInt(ROUNDS) * MINUTE;

function bigRound(ts: bigint): Result[] {
  return Array.from({ length: 1000 }, (_, i) => ({
    title: `Endpoint ${i}`,
    endpoint: `https://service-${i}.example.com/health`,
    timestamp: ts,
    times: [{ rtt: 12_345_678 + i }, { rtt: 11_111_111 }, { rtt: 13_000_000 }],
    threshold: 500_000_000,
    healthy: true,
  }));
}

/** The seeded history: round i at start + i minutes, 3 endpoints, Go's encoding. */
function* history(): Generator<{ name: string; ts: bigint; body: string }> {
  for (let i = 0; i < ROUNDS; i++) {
    const ts = start + BigInt(i) * MINUTE;
    const results: Result[] = ["Website", "API", "Database"].map((title, j) => ({
      title,
      endpoint: `https://${title.toLowerCase()}.example.com`,
      timestamp: ts + BigInt(j),
      times: [{ rtt: 20_000_000 + (i % 97) * 1000 }],
      threshold: 300_000_000,
      ...(i % 500 === 0 ? { down: true } : { healthy: true }),
    }));
    yield { name: checkFileName(ts), ts, body: encodeResults(results) };
  }
}

async function chunks<T>(items: Iterable<T>, size: number, fn: (chunk: T[]) => Promise<void>) {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      await fn(chunk);
      chunk = [];
    }
  }
  if (chunk.length) await fn(chunk);
}

interface Backend {
  name: string;
  config(): Promise<Record<string, unknown>>;
  seed(config: Record<string, unknown>): Promise<void>;
  /** Bytes the backend holds for the store `config` names (after its storage is closed). */
  size(config: Record<string, unknown>): Promise<number>;
  note?: string;
}

/** Bytes of the files under `dir`, recursively. */
async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    total += e.isDirectory ? await dirBytes(path) : (await Deno.stat(path)).size;
  }
  return total;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(b: Backend): Promise<Record<string, string | number>> {
  const storeConfig = await b.config();
  const storage = parseStorage(storeConfig as unknown as StorageConfig);
  const times: number[] = [];
  try {
    for (let i = 0; i < STORES + 1; i++) {
      const round = bigRound(BigInt(Date.now()) * 1_000_000n);
      const t0 = performance.now();
      await storage.store(round);
      if (i > 0) times.push(performance.now() - t0); // the first store opens connections
    }
  } finally {
    await storage.close?.();
  }
  const bytes = await b.size(storeConfig);
  const perEndpointDay = bytes / (STORES + 1) / 1000 * 1440;
  const readConfig = await b.config();
  const t0 = performance.now();
  await b.seed(readConfig);
  const seedS = (performance.now() - t0) / 1000;
  const reader = parseStorage(readConfig as unknown as StorageConfig);
  let rounds = 0, results = 0;
  const t1 = performance.now();
  try {
    if (!isStorageReader(reader)) throw new Error(`${b.name} is not readable`);
    for await (const r of readRounds(reader, start - 1n)) {
      rounds++;
      results += r.results.length;
    }
  } finally {
    await reader.close?.();
  }
  const readS = (performance.now() - t1) / 1000;
  if (rounds !== ROUNDS) throw new Error(`${b.name}: read ${rounds} rounds, expected ${ROUNDS}`);
  return {
    backend: b.name,
    "store 1,000 results (ms, median)": median(times),
    "store min (ms)": Math.min(...times),
    [`read ${DAYS} d = ${ROUNDS} rounds (s)`]: readS,
    "rounds/s": Math.round(rounds / readS),
    "results read": results,
    "seed (s)": seedS,
    "bytes per 1,000-result round": Math.round(bytes / (STORES + 1)),
    "KB per endpoint-day (1-min checks)": Math.round(perEndpointDay / 1000),
    note: b.note ?? "",
  };
}

const tmp = await Deno.makeTempDir({ prefix: "checkup-storage-bench-" });
const cleanups: (() => Promise<void>)[] = [async () => await Deno.remove(tmp, { recursive: true })];
let n = 0;
const backends: Backend[] = [
  {
    name: "fs",
    config: () => Promise.resolve({ type: "fs", dir: join(tmp, `fs${n++}`) }),
    async seed(config) {
      const dir = config.dir as string;
      await Deno.mkdir(dir, { recursive: true });
      const index = new Map<string, bigint>();
      await chunks(history(), 256, async (c) => {
        await Promise.all(c.map((r) => Deno.writeTextFile(join(dir, r.name), r.body + "\n")));
        for (const r of c) index.set(r.name, r.ts);
      });
      await Deno.writeTextFile(join(dir, "index.json"), encodeIndex(index));
    },
    size: (config) => dirBytes(config.dir as string),
  },
  {
    name: "sqlite3",
    config: () => Promise.resolve({ type: "sqlite3", dsn: join(tmp, `db${n++}.sqlite`) }),
    seed(config) {
      const db = new DatabaseSync(config.dsn as string);
      db.exec(
        "CREATE TABLE IF NOT EXISTS checks (name TEXT NOT NULL PRIMARY KEY, timestamp INT8 NOT NULL, results TEXT)",
      );
      db.exec("BEGIN");
      const insert = db.prepare("INSERT INTO checks (name, timestamp, results) VALUES (?, ?, ?)");
      for (const r of history()) insert.run(r.name, r.ts, r.body);
      db.exec("COMMIT");
      db.close();
      return Promise.resolve();
    },
    async size(config) {
      const db = new DatabaseSync(config.dsn as string);
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      db.close();
      return (await Deno.stat(config.dsn as string)).size;
    },
  },
];

const pg = await startPostgres().catch(() => undefined);
if (pg) {
  cleanups.push(() => pg.stop());
  backends.push({
    name: "postgres",
    config: async () => ({ type: "postgres", dsn: await pg.createDatabase(), create: true }),
    async seed(config) {
      const s = parseStorage({ ...config, type: "postgres" } as StorageConfig);
      await s.store([]); // creates the table
      await s.close?.();
      const db = String(config.dsn).match(/dbname=(\S+)/)![1];
      await pg.psql("DELETE FROM checks", db);
      const { default: pgLib } = await import("pg");
      const client = new pgLib.Client({ host: pg.host, port: pg.port, user: "postgres", database: db });
      await client.connect();
      try {
        await chunks(history(), 1000, async (c) => {
          const values = c.map((_, i) => `($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3})`).join(",");
          await client.query(
            `INSERT INTO checks (name, timestamp, results) VALUES ${values}`,
            c.flatMap((r) => [r.name, r.ts.toString(), r.body]),
          );
        });
      } finally {
        await client.end();
      }
    },
    async size(config) {
      const db = String(config.dsn).match(/dbname=(\S+)/)![1];
      return Number((await pg.psql("SELECT pg_total_relation_size('checks')", db)).trim().split(/\s+/)[0]);
    },
  });
}

const maria = await startMariadb().catch(() => undefined);
if (maria) {
  cleanups.push(() => maria.stop());
  backends.push({
    name: "mysql (MariaDB)",
    note: "results column widened to MEDIUMTEXT (Go's TEXT holds 64 KiB; a 1,000-result round is ~180 KB)",
    async config() {
      const dsn = await maria.createDatabase();
      const db = dsn.slice(dsn.lastIndexOf("/") + 1);
      const s = parseStorage({ type: "mysql", dsn, create: true });
      await s.store([]);
      await s.close?.();
      await maria.sql("DELETE FROM checks; ALTER TABLE checks MODIFY results MEDIUMTEXT NULL", db);
      return { type: "mysql", dsn };
    },
    async seed(config) {
      const dsn = String(config.dsn);
      const { default: mysql } = await import("mysql2/promise");
      const conn = await mysql.createConnection({
        host: maria.host,
        port: maria.port,
        user: "root",
        database: dsn.slice(dsn.lastIndexOf("/") + 1),
      });
      try {
        await chunks(history(), 1000, async (c) => {
          await conn.query("INSERT INTO checks (name, timestamp, results) VALUES ?", [
            c.map((r) => [r.name, r.ts.toString(), r.body]),
          ]);
        });
      } finally {
        await conn.end();
      }
    },
    async size(config) {
      const dsn = String(config.dsn);
      const db = dsn.slice(dsn.lastIndexOf("/") + 1);
      const out = await maria.sql(
        "ANALYZE TABLE checks; SELECT data_length + index_length FROM information_schema.tables " +
          "WHERE table_schema = DATABASE() AND table_name = 'checks'",
        db,
      );
      return Number(out.trim().split(/\s+/).at(-1));
    },
  });
}

const s3 = await startS3();
cleanups.push(() => s3.stop());
backends.push({
  name: "s3 (s3rver)",
  note: "s3rver keeps each object as files on disk; a real S3 differs",
  async config() {
    const bucket = `bench-${n++}`;
    await s3.createBucket(bucket);
    return {
      type: "s3",
      bucket,
      endpoint: s3.endpoint,
      force_path_style: true,
      access_key_id: s3.accessKeyId,
      secret_access_key: s3.secretAccessKey,
    };
  },
  async seed(config) {
    await chunks(history(), 32, async (c) => {
      await Promise.all(c.map(async (r) => {
        const res = await fetch(`${s3.endpoint}/${config.bucket}/${r.name}`, { method: "PUT", body: r.body });
        await res.body?.cancel();
        if (!res.ok) throw new Error(`seed s3: ${res.status}`);
      }));
    });
  },
  async size(config) {
    let total = 0, token = "";
    for (let page = 0; page < 1000; page++) {
      const q = `list-type=2&max-keys=1000${token ? `&continuation-token=${encodeURIComponent(token)}` : ""}`;
      const xml = await (await fetch(`${s3.endpoint}/${config.bucket}?${q}`)).text();
      for (const m of xml.matchAll(/<Size>(\d+)<\/Size>/g)) total += Number(m[1]);
      token = /<NextContinuationToken>([^<]+)</.exec(xml)?.[1] ?? "";
      if (!token) break;
    }
    return total;
  },
});

const rows: Record<string, string | number>[] = [];
try {
  for (const b of backends) rows.push(await measure(b));
  if (!pg) rows.push({ backend: "postgres", note: "skipped: PostgreSQL is not installed" });
  if (!maria) rows.push({ backend: "mysql", note: "skipped: MariaDB is not installed" });
} finally {
  for (const c of cleanups.reverse()) await c().catch(() => {});
}
await report("storage", rows, { days: DAYS, rounds: ROUNDS, results_per_round: 3, stores: STORES });
