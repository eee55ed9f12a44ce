/**
 * One measured round of N checks through Checkup (run in its own process by round_bench.ts), with the
 * plugin modules loaded as the command line loads them (those the config names).
 * Usage: _checkup_round.ts KIND(http|tcp) N PORT CONCURRENCY [fresh|reuse] [store] → prints one JSON line.
 * With `store`, the round is stored as `checkup --store` does (an fs storage in a temporary directory: the
 * check file, index.json and the status page summary).
 */
import { Checkup } from "../engine.ts";
import { type CheckupConfig, loadNamedTypes } from "../config/resolve.ts";
import type { CheckerConfig } from "../checkers/mod.ts";
import { statusOf } from "../result.ts";
import { cpuSeconds, rssMiB } from "./_util.ts";

const [kind, n, port, concurrency] = [
  Deno.args[0],
  Number(Deno.args[1]),
  Number(Deno.args[2]),
  Number(Deno.args[3]),
];
// "reuse": keep_alive on (connections reused, like fetch's default); otherwise Go's fresh connections.
const keepAlive = Deno.args[4] === "reuse";
const store = Deno.args[5] === "store";
const dir = store ? await Deno.makeTempDir({ prefix: "checkup-round-" }) : undefined;
const checkers = Array.from(
  { length: n },
  (_, i) =>
    (kind === "tcp" ? { type: "tcp", endpoint_name: `t${i}`, endpoint_url: `127.0.0.1:${port + 1}` } : {
      type: "http",
      endpoint_name: `h${i}`,
      endpoint_url: `http://127.0.0.1:${port}/p/${i}`,
      keep_alive: keepAlive,
    }) as CheckerConfig,
);
const config: CheckupConfig = {
  checkers,
  concurrent_checks: concurrency,
  ...(dir ? { storage: { type: "fs", dir } } : {}),
};
// As `checkup` loads a config: only the plugin modules it names.
await loadNamedTypes(config);
const checkup = new Checkup(config);
// warm-up round: steady state is what a long-running `every` sees
await (store ? checkup.round({ store: true }) : checkup.check());
const before = rssMiB().rss;
const cpu0 = cpuSeconds().own;
const t0 = performance.now();
const results = store ? (await checkup.round({ store: true })).results : await checkup.check();
const wall = performance.now() - t0;
const cpu = cpuSeconds().own - cpu0;
const { peak } = rssMiB();
const down = results.filter((r) => statusOf(r) !== "healthy").length;
await checkup.close();
if (dir) await Deno.remove(dir, { recursive: true });
Deno.stdout.writeSync(new TextEncoder().encode(
  JSON.stringify({
    wall_ms: wall,
    cpu_s: cpu,
    rss_before_mib: before,
    rss_peak_mib: peak,
    not_healthy: down,
  }) + "\n",
));
