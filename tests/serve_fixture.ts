/**
 * Test fixtures for `checkup serve`: the storage backends the API tests run against (add one entry to
 * plug in another StorageReader), and a realistic eight-day history seeded into any of them.
 *
 * History, two nodes (eu-west, us-east), in config order:
 * - Website: healthy throughout.
 * - API: healthy, then degraded (median RTT above its 300 ms threshold) for the last 90 minutes, with a
 *   status message about it that contains a `<script>` tag.
 * - Database: down for four hours three days ago (two rounds), and down again for the last 40 minutes.
 * Plus a message about no endpoint in particular.
 */
import { parseStorage } from "../config/load.ts";
import type { Result } from "../result.ts";
import type { StorageConfig } from "../storage/mod.ts";
import { isStorageReader, type Storage, type StorageReader } from "../storage/storage.ts";

/** One storage the serve tests run against. */
export interface ServeBackend {
  name: string;
  /** A config for a fresh, empty store; `dir` is a temporary directory the test removes. */
  config(dir: string): Promise<StorageConfig> | StorageConfig;
  /** Skip (with the reason printed by whoever decided it) when the server is unavailable. */
  ignore?: boolean;
}

/** The backends of the API tests. Postgres, MySQL, S3, GitHub: add their entry here. */
export const SERVE_BACKENDS: ServeBackend[] = [
  { name: "fs", config: (dir) => ({ type: "fs", dir: `${dir}/checks` }) },
  { name: "sqlite3", config: (dir) => ({ type: "sqlite3", dsn: `${dir}/checkup.db` }) },
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
