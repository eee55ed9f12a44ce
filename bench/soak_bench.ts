/**
 * Benchmark 2, soak: `checkup every 10s` over 1,000 http endpoints for 10 minutes (1 minute with
 * --short): rounds completed vs expected, schedule drift per round, RSS after the first minute and at the
 * end. Runs the real CLI as a subprocess with fs storage; round start times come from the stored rounds.
 */
import { join } from "node:path";
import { decodeResults } from "../result.ts";
import { freePortPair, report, rssMiB, SHIPPED_FLAGS, SHORT, waitForPort } from "./_util.ts";

const ENDPOINTS = 1000;
const INTERVAL_S = 10;
const DURATION_S = SHORT ? 60 : 600;

if (import.meta.main) {
  const port = freePortPair();
  const dir = await Deno.makeTempDir({ prefix: "checkup-soak-" });
  const target = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./target.ts", import.meta.url).pathname, String(port)],
    env: { TARGET_LATENCY_MS: "5" },
    stdout: "null",
  }).spawn();
  let child: Deno.ChildProcess | undefined;
  try {
    await waitForPort(port);
    const config = {
      concurrent_checks: 64,
      checkers: Array.from({ length: ENDPOINTS }, (_, i) => ({
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
        `${INTERVAL_S}s`,
        "--log-level",
        "warn",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let rssFirstMinute = 0, rssEnd = 0, rssMax = 0;
    while (performance.now() - started < DURATION_S * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      const { rss } = rssMiB(child.pid);
      rssMax = Math.max(rssMax, rss);
      if (performance.now() - started <= 60_000) rssFirstMinute = rss;
      rssEnd = rss;
    }
    child.kill("SIGTERM");
    const status = await child.status;
    const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    const files = [...Deno.readDirSync(join(dir, "checks"))].map((e) => e.name).filter((n) =>
      n.endsWith("-check.json")
    ).sort();
    const starts: bigint[] = [];
    for (const f of files) {
      const results = decodeResults(await Deno.readTextFile(join(dir, "checks", f)));
      starts.push(results.reduce((m, r) => (r.timestamp < m ? r.timestamp : m), results[0].timestamp));
    }
    const drifts = starts.map((s, k) =>
      Number(s - starts[0] - BigInt(k * INTERVAL_S) * 1_000_000_000n) / 1e6
    );
    const expected = Math.floor(DURATION_S / INTERVAL_S) + 1;
    const complete = files.length;
    await report("soak", [{
      endpoints: ENDPOINTS,
      interval_s: INTERVAL_S,
      duration_s: DURATION_S,
      rounds_expected: expected,
      rounds_stored: complete,
      max_drift_ms: Number(Math.max(...drifts.map(Math.abs)).toFixed(1)),
      rss_1min_mib: Math.round(rssFirstMinute),
      rss_end_mib: Math.round(rssEnd),
      rss_max_mib: Math.round(rssMax),
      "rss end/1min": Number((rssEnd / rssFirstMinute).toFixed(3)),
      exit: status.code,
      warnings: (stderr.match(/WARN/g) ?? []).length,
    }], { drifts_ms: drifts });
  } finally {
    try {
      child?.kill("SIGKILL");
    } catch { /* already exited */ }
    target.kill("SIGTERM");
    await target.status;
    await Deno.remove(dir, { recursive: true });
  }
}
