/**
 * A history from several locations for the serve and page tests: three live nodes (eu, us, asia) and one
 * that went silent (sa), each storing its own rounds into one storage, every 2 minutes for 90 minutes:
 * - Website: healthy from everywhere.
 * - API: down from asia only for the last 20 minutes: 1 of 3 live locations, `partial`.
 * - Database: down from eu and us for the last 14 minutes: 2 of 3, `down`.
 * - sa stopped reporting 40 minutes ago (silent, left out of the quorum).
 */
import type { Result } from "../result.ts";
import type { Storage } from "../storage/storage.ts";

const MIN = 60_000;
/** The live locations. */
export const LIVE = ["asia", "eu", "us"];
/** The location that went silent. */
export const SILENT = "sa";

const ns = (t: number) => BigInt(Math.round(t)) * 1_000_000n;

/** One node's round at time t (ms). */
export function locationRound(node: string, t: number, now: number): Result[] {
  const apiDown = node === "asia" && t > now - 20 * MIN;
  const dbDown = (node === "eu" || node === "us") && t > now - 14 * MIN;
  const ok = (rtt: number) => ({ times: [{ rtt: Math.round(rtt * 1e6) }], healthy: true });
  const down = (error: string) => ({ times: [{ rtt: 0, error }], down: true });
  const base = { eu: 20, us: 90, asia: 180, sa: 140 }[node] ?? 50;
  return [
    { title: "Website", endpoint: "https://www.example.com/", timestamp: ns(t), node, ...ok(base + 5) },
    {
      title: "API",
      endpoint: "https://api.example.com/health",
      timestamp: ns(t) + 1n,
      node,
      ...(apiDown
        ? down(`GET https://api.example.com/health from ${node}: 503 Service Unavailable`)
        : ok(base + 12)),
    },
    {
      title: "Database",
      endpoint: "db.example.com:5432",
      timestamp: ns(t) + 2n,
      node,
      ...(dbDown ? down("dial tcp 10.0.0.5:5432: connect: connection refused") : ok(base / 10)),
    },
  ];
}

/** Stores every node's rounds (store time = round time); returns the number of rounds stored. */
export async function seedLocations(storage: Storage, now = Date.now()): Promise<number> {
  let n = 0;
  for (let t = now - 90 * MIN; t <= now - 30_000; t += 2 * MIN) {
    for (const [k, node] of [...LIVE, SILENT].entries()) {
      if (node === SILENT && t > now - 40 * MIN) continue;
      const at = t + k * 1000;
      await storage.store(locationRound(node, at, now), undefined, { at: ns(at) + 500n });
      n++;
    }
  }
  return n;
}
