/**
 * Benchmark: what several locations add to a round. Over an fs storage, three nodes (eu, us, asia) each
 * store rounds of N endpoints (100 and 1,000; one down from asia only, one from two); the measure is eu's
 * per-round work beside the round itself: `Locations.round` (read the others' presence documents, publish
 * its own, combine every endpoint by quorum) against storing the same round (the baseline: the store plus
 * the round's end, as `checkup every` does), in the same run. Also the presence document's size per node.
 */
import { parseStorage } from "../config/load.ts";
import { silentLogger } from "../log.ts";
import { Locations } from "../locations/locations.ts";
import type { Result } from "../result.ts";
import { isSharedStore } from "../storage/storage.ts";
import { systemClock } from "../clock.ts";
import { report, SHORT } from "./_util.ts";

const ROUNDS = SHORT ? 10 : 40;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function round(node: string, n: number, t: bigint): Result[] {
  return Array.from({ length: n }, (_, i) => {
    const down = (i === 0 && node === "asia") || (i === 1 && node !== "eu");
    return {
      title: `e${i}`,
      endpoint: `https://e${i}.example/health`,
      timestamp: t,
      node,
      times: [{ rtt: 12_000_000 + i, ...(down ? { error: "connection refused" } : {}) }],
      ...(down ? { down: true } : { healthy: true }),
    };
  });
}

const rows: Record<string, string | number>[] = [];
for (const n of [100, 1000]) {
  const dir = await Deno.makeTempDir({ prefix: "checkup-locations-bench-" });
  const storage = parseStorage({ type: "fs", dir });
  if (!isSharedStore(storage)) throw new Error("fs is expected to hold shared documents");
  const nodes = ["eu", "us", "asia"].map((node) =>
    new Locations({
      shared: storage,
      node,
      quorum: () => undefined,
      clock: systemClock,
      logger: silentLogger,
    })
  );
  const store: number[] = [], locations: number[] = [];
  let partial = 0, down = 0;
  for (let k = 0; k < ROUNDS; k++) {
    const t = systemClock.now();
    for (const [i, l] of nodes.entries()) {
      const results = round(["eu", "us", "asia"][i], n, t);
      const s0 = performance.now();
      await storage.store(results);
      await storage.endRound?.();
      const s1 = performance.now();
      const c = await l.round(results);
      const s2 = performance.now();
      if (i === 0) {
        store.push(s1 - s0);
        locations.push(s2 - s1);
        partial = c.results.filter((r) => r.notice?.startsWith("failing")).length;
        down = c.results.filter((r) => r.down).length;
      }
    }
  }
  const doc = (await Deno.stat(`${dir}/_shared/nodes/eu`)).size;
  rows.push({
    endpoints: n,
    nodes: 3,
    "store p50 ms": Number(median(store).toFixed(2)),
    "locations p50 ms": Number(median(locations).toFixed(2)),
    "locations / store": Number((median(locations) / median(store)).toFixed(2)),
    "presence KiB": Number((doc / 1024).toFixed(1)),
    "partial / down seen": `${partial} / ${down}`,
  });
  await Deno.remove(dir, { recursive: true });
}
await report("locations", rows, { rounds: ROUNDS });
