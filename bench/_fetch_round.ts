/**
 * The lower bound: a bare loop of N fetches (or TCP connects) at the same concurrency, no Checkup.
 * Usage: _fetch_round.ts KIND(http|tcp) N PORT CONCURRENCY [fresh|reuse] → prints one JSON line.
 */
import { cpuSeconds, rssMiB } from "./_util.ts";

const [kind, n, port, concurrency] = [
  Deno.args[0],
  Number(Deno.args[1]),
  Number(Deno.args[2]),
  Number(Deno.args[3]),
];
// "fresh": a new connection per request (Go Checkup's semantics); "reuse": fetch's default keep-alive.
const client = Deno.args[4] === "fresh" ? Deno.createHttpClient({ poolMaxIdlePerHost: 0 }) : undefined;

async function round(): Promise<number> {
  let next = 0, failed = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      try {
        if (kind === "tcp") (await Deno.connect({ hostname: "127.0.0.1", port: port + 1 })).close();
        else {
          const res = await fetch(`http://127.0.0.1:${port}/p/${i}`, {
            redirect: "manual",
            signal: AbortSignal.timeout(10_000),
            client,
          });
          await res.body?.cancel();
          if (res.status < 200 || res.status > 204) failed++;
        }
      } catch {
        failed++;
      }
    }
  }));
  return failed;
}

await round(); // warm-up round, as for Checkup
const before = rssMiB().rss;
const cpu0 = cpuSeconds().own;
const t0 = performance.now();
const failed = await round();
const wall = performance.now() - t0;
const cpu = cpuSeconds().own - cpu0;
Deno.stdout.writeSync(new TextEncoder().encode(
  JSON.stringify({
    wall_ms: wall,
    cpu_s: cpu,
    rss_before_mib: before,
    rss_peak_mib: rssMiB().peak,
    not_healthy: failed,
  }) + "\n",
));
