/**
 * Benchmark 2, soak: the real CLI (`checkup every`, fs storage) as a subprocess over a local target,
 * measured from outside: rounds and results stored vs expected, schedule drift, checks skipped, CPU and RSS.
 *
 * Rows (each alone with `--only=NAME`; `--endpoints=N --interval=S --duration=S [--spread]` runs one custom
 * row instead):
 * - `1000x10s`: `checkup every 10s` over 1,000 endpoints for 10 minutes (1 minute with --short); drift is
 *   the lateness of each stored round's first check against the grid.
 * - `10000x1m-spread`: `checkup every 1m` with `spread` over 10,000 endpoints for 10 minutes (2 with
 *   --short); drift is each endpoint's lateness against its own grid (its first run + k minutes); target:
 *   a quarter of one core on average, nothing skipped.
 */
import { join } from "node:path";
import { decodeResults } from "../result.ts";
import { cpuSeconds, freePortPair, report, rssMiB, SHIPPED_FLAGS, SHORT, waitForPort } from "./_util.ts";

interface Soak {
  name: string;
  endpoints: number;
  interval_s: number;
  duration_s: number;
  spread: boolean;
}

const flag = (name: string) => Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];

const ROWS: Soak[] = flag("endpoints")
  ? [{
    name: "custom",
    endpoints: Number(flag("endpoints")),
    interval_s: Number(flag("interval") ?? 10),
    duration_s: Number(flag("duration") ?? (SHORT ? 60 : 600)),
    spread: Deno.args.includes("--spread"),
  }]
  : [
    { name: "1000x10s", endpoints: 1000, interval_s: 10, duration_s: SHORT ? 60 : 600, spread: false },
    {
      name: "10000x1m-spread",
      endpoints: 10_000,
      interval_s: 60,
      duration_s: SHORT ? 120 : 600,
      spread: true,
    },
  ].filter((r) => !flag("only") || r.name === flag("only"));

async function soak(row: Soak, port: number): Promise<Record<string, string | number>> {
  const dir = await Deno.makeTempDir({ prefix: "checkup-soak-" });
  let child: Deno.ChildProcess | undefined;
  try {
    const config = {
      concurrent_checks: 64,
      spread: row.spread,
      checkers: Array.from({ length: row.endpoints }, (_, i) => ({
        type: "http",
        endpoint_name: `e${i}`,
        endpoint_url: `http://127.0.0.1:${port}/p/${i}`,
      })),
      storage: { type: "fs", dir: join(dir, "checks") },
    };
    await Deno.writeTextFile(join(dir, "checkup.json"), JSON.stringify(config));
    const started = performance.now();
    child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        ...SHIPPED_FLAGS,
        new URL("../main.ts", import.meta.url).pathname,
        "-c",
        join(dir, "checkup.json"),
        "every",
        `${row.interval_s}s`,
        "--log-level",
        "warn",
      ],
      env: { CHECKUP_SPOOL_DIR: join(dir, "spool") },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stderrText = new Response(child.stderr).text();
    let rssFirstMinute = 0, rssEnd = 0, rssMax = 0, cpuFirstMinute = 0, cpuEnd = 0;
    while (performance.now() - started < row.duration_s * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      const { rss } = rssMiB(child.pid);
      const cpu = cpuSeconds(child.pid).own;
      rssMax = Math.max(rssMax, rss);
      if (performance.now() - started <= 60_000) [rssFirstMinute, cpuFirstMinute] = [rss, cpu];
      [rssEnd, cpuEnd] = [rss, cpu];
    }
    child.kill("SIGTERM");
    const status = await child.status;
    const stderr = await stderrText;
    const files = [...Deno.readDirSync(join(dir, "checks"))].map((e) => e.name).filter((n) =>
      n.endsWith("-check.json")
    ).sort();
    // Each endpoint's check start times, in order.
    const times = new Map<string, bigint[]>();
    const roundStarts: bigint[] = [];
    let results = 0;
    for (const f of files) {
      const round = decodeResults(await Deno.readTextFile(join(dir, "checks", f)));
      results += round.length;
      roundStarts.push(round.reduce((m, r) => (r.timestamp < m ? r.timestamp : m), round[0].timestamp));
      for (const r of round) times.get(r.title!)?.push(r.timestamp) ?? times.set(r.title!, [r.timestamp]);
    }
    const step = BigInt(row.interval_s) * 1_000_000_000n;
    const drifts = row.spread
      ? [...times.values()].flatMap((ts) =>
        ts.sort((a, b) => (a < b ? -1 : 1)).map((t, k) => Number(t - ts[0] - BigInt(k) * step) / 1e6)
      )
      : roundStarts.map((s, k) => Number(s - roundStarts[0] - BigInt(k) * step) / 1e6);
    // Runs due before the end: endpoint i first runs at i/n of the interval with spread, at 0 without.
    let expected = 0;
    for (let i = 0; i < row.endpoints; i++) {
      const first = row.spread ? (row.interval_s * i) / row.endpoints : 0;
      expected += Math.floor((row.duration_s - first) / row.interval_s) + 1;
    }
    const steady = row.duration_s > 60 ? (cpuEnd - cpuFirstMinute) / (row.duration_s - 60) : NaN;
    return {
      row: row.name,
      endpoints: row.endpoints,
      interval_s: row.interval_s,
      spread: String(row.spread),
      duration_s: row.duration_s,
      rounds_stored: files.length,
      results_expected: expected,
      results_stored: results,
      skipped_warnings: (stderr.match(/skipping this run/g) ?? []).length,
      max_drift_ms: Number(Math.max(...drifts.map(Math.abs)).toFixed(1)),
      "cpu cores avg": Number((cpuEnd / row.duration_s).toFixed(3)),
      "cpu cores after 1 min": Number.isNaN(steady) ? "-" : Number(steady.toFixed(3)),
      rss_1min_mib: Math.round(rssFirstMinute),
      rss_end_mib: Math.round(rssEnd),
      rss_max_mib: Math.round(rssMax),
      "rss end/1min": Number((rssEnd / rssFirstMinute).toFixed(3)),
      exit: status.code,
      warnings: (stderr.match(/WARN/g) ?? []).length,
    };
  } finally {
    try {
      child?.kill("SIGKILL");
    } catch { /* already exited */ }
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const port = freePortPair();
  const target = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./target.ts", import.meta.url).pathname, String(port)],
    env: { TARGET_LATENCY_MS: "5" },
    stdout: "null",
  }).spawn();
  try {
    await waitForPort(port);
    const rows = [];
    for (const row of ROWS) rows.push(await soak(row, port));
    await report("soak", rows, {
      targets: "10000x1m-spread: cpu cores avg ≤ 0.25, results_stored = results_expected, no skipped run",
    });
  } finally {
    target.kill("SIGTERM");
    await target.status;
  }
}
