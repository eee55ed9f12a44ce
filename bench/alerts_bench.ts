/**
 * Benchmark: does a hung notifier hold up the checks? Two `checkup every 1s` processes run side by side
 * for 60 rounds (20 with --short) over the same 20 endpoints, one without notifiers (the baseline) and one
 * whose webhook accepts every request and never answers, with a reminder every second so each round queues
 * another notification. Reports rounds stored and the schedule drift of each round (its first check's
 * time against the ideal tick), from the stored rounds, and the hung run's drift as a ratio of the baseline.
 */
import { join } from "node:path";
import { decodeResults } from "../result.ts";
import { freePort, report, SHIPPED_FLAGS, SHORT } from "./_util.ts";

const ROUNDS = SHORT ? 20 : 60;
const ENDPOINTS = 20;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function drifts(dir: string): Promise<number[]> {
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith("-check.json")).sort();
  const starts: bigint[] = [];
  for (const f of files) {
    const results = decodeResults(await Deno.readTextFile(join(dir, f)));
    starts.push(results.reduce((m, r) => (r.timestamp < m ? r.timestamp : m), results[0].timestamp));
  }
  return starts.map((s, k) => Number(s - starts[0] - BigInt(k) * 1_000_000_000n) / 1e6);
}

if (import.meta.main) {
  const dir = await Deno.makeTempDir({ prefix: "checkup-alerts-bench-" });
  const ac = new AbortController();
  const hanging = Promise.withResolvers<void>();
  let requests = 0;
  const hook = Deno.serve({ hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} }, async () => {
    requests++;
    await hanging.promise;
    return new Response("closing", { status: 503 });
  });
  const target = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    () => new Response("ok"),
  );
  const down = freePort(); // nothing listens: these endpoints are down, so alerts are due
  const checkers = Array.from({ length: ENDPOINTS }, (_, i) => ({
    type: "http",
    endpoint_name: `e${i}`,
    endpoint_url: i % 2 ? `http://127.0.0.1:${target.addr.port}/${i}` : `http://127.0.0.1:${down}/${i}`,
  }));
  const runs = [
    { name: "no notifiers", notifiers: [] as unknown[] },
    {
      name: "hung webhook",
      notifiers: [{
        type: "webhook",
        webhook: `http://127.0.0.1:${hook.addr.port}/hook`,
        reminder_every: "1s",
        min_interval: 0,
      }],
    },
  ];
  try {
    const children = await Promise.all(runs.map(async (run, i) => {
      const home = join(dir, String(i));
      await Deno.mkdir(home, { recursive: true });
      await Deno.writeTextFile(
        join(home, "checkup.json"),
        JSON.stringify({
          checkers,
          storage: { type: "fs", dir: join(home, "checks") },
          notifiers: run.notifiers,
        }),
      );
      return new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", ...SHIPPED_FLAGS, new URL("../main.ts", import.meta.url).pathname, "-c"]
          .concat([join(home, "checkup.json"), "every", "1s", "--log-level", "error"]),
        env: { XDG_STATE_HOME: join(home, "state"), CHECKUP_SPOOL_DIR: join(home, "spool") },
        stdout: "null",
        stderr: "null",
      }).spawn();
    }));
    // Until both have stored the rounds asked for (bounded: their time plus 15 s), then stop both.
    const stored = (i: number) => {
      try {
        return [...Deno.readDirSync(join(dir, String(i), "checks"))].filter((e) =>
          e.name.endsWith("-check.json")
        )
          .length;
      } catch {
        return 0;
      }
    };
    const until = performance.now() + ROUNDS * 1000 + 15_000;
    while (runs.some((_, i) => stored(i) < ROUNDS) && performance.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const c of children) c.kill("SIGTERM");
    const codes = await Promise.all(children.map((c) => c.status.then((s) => s.code)));
    const rows = [];
    const base = { max: 0, p50: 0 };
    for (const [i, run] of runs.entries()) {
      const d = (await drifts(join(dir, String(i), "checks"))).slice(0, ROUNDS);
      const abs = d.map(Math.abs);
      const max = Math.max(...abs), p50 = percentile(abs, 50);
      if (i === 0) Object.assign(base, { max, p50 });
      rows.push({
        run: run.name,
        rounds_expected: ROUNDS,
        rounds_stored: d.length,
        p50_drift_ms: Number(p50.toFixed(1)),
        max_drift_ms: Number(max.toFixed(1)),
        "p50 / baseline": i === 0 ? 1 : Number((p50 / Math.max(base.p50, 0.1)).toFixed(2)),
        "max / baseline": i === 0 ? 1 : Number((max / Math.max(base.max, 0.1)).toFixed(2)),
        webhook_requests: i === 0 ? 0 : requests,
        exit: codes[i],
      });
    }
    await report("alerts", rows);
  } finally {
    hanging.resolve();
    ac.abort();
    await Promise.all([hook.finished, target.finished]);
    await Deno.remove(dir, { recursive: true });
  }
}
