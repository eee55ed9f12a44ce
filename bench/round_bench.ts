/**
 * Benchmark 1: one round of N http (and tcp) checks at concurrency 64, 1 attempt, against a local target.
 * Compares Checkup with the lower bound (a bare fetch / connect loop in Deno), Prometheus
 * blackbox_exporter driven at the same concurrency, and Nagios check_http run as processes.
 * Figures are ratios against the bare loop measured in the same run.
 */
import {
  cpuSeconds,
  freePort,
  freePortPair,
  has,
  report,
  rssMiB,
  runDenoJson,
  SHIPPED_FLAGS,
  SHORT,
  waitForPort,
} from "./_util.ts";

interface Sample {
  wall_ms: number;
  cpu_s: number;
  rss_peak_mib: number | string;
  not_healthy: number;
}

const CONCURRENCY = 64;
const SIZES = SHORT ? [100, 1000] : [100, 1000, 5000];
const REPEAT = SHORT ? 1 : 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function best(fn: () => Promise<Sample>): Promise<Sample> {
  const samples: Sample[] = [];
  for (let i = 0; i < REPEAT; i++) samples.push(await fn());
  const wall = median(samples.map((s) => s.wall_ms));
  return samples.find((s) => s.wall_ms === wall)!;
}

/** Drives blackbox_exporter's /probe endpoint N times at the given concurrency. */
async function blackbox(n: number, port: number): Promise<Sample> {
  const bbPort = freePort();
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/bb.yml`,
    "modules:\n  http_2xx:\n    prober: http\n    timeout: 10s\n    http:\n      preferred_ip_protocol: ip4\n      no_follow_redirects: true\n",
  );
  const child = new Deno.Command("prometheus-blackbox-exporter", {
    args: [`--config.file=${dir}/bb.yml`, `--web.listen-address=127.0.0.1:${bbPort}`, "--log.level=error"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitForPort(bbPort);
    const cpu0 = cpuSeconds(child.pid).own;
    const t0 = performance.now();
    let next = 0, failed = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++;
        const target = encodeURIComponent(`http://127.0.0.1:${port}/p/${i}`);
        const res = await fetch(`http://127.0.0.1:${bbPort}/probe?module=http_2xx&target=${target}`);
        if (!/^probe_success 1$/m.test(await res.text())) failed++;
      }
    }));
    const wall_ms = performance.now() - t0;
    return {
      wall_ms,
      cpu_s: cpuSeconds(child.pid).own - cpu0,
      rss_peak_mib: rssMiB(child.pid).peak,
      not_healthy: failed,
    };
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs check_http as N processes, CONCURRENCY at a time. */
async function checkHttp(n: number, port: number): Promise<Sample> {
  const cpu0 = cpuSeconds().children;
  const t0 = performance.now();
  let next = 0, failed = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) {
      const i = next++;
      const out = await new Deno.Command("/usr/lib/nagios/plugins/check_http", {
        args: ["-I", "127.0.0.1", "-p", String(port), "-u", `/p/${i}`, "-t", "10"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (out.code !== 0) failed++;
    }
  }));
  return {
    wall_ms: performance.now() - t0,
    cpu_s: cpuSeconds().children - cpu0,
    rss_peak_mib: "-",
    not_healthy: failed,
  };
}

/** One table row: a tool's sample and its ratios (wall and CPU) against its floor's. */
function row(
  kind: string,
  n: number,
  tool: string,
  s: Sample,
  base: Sample,
): Record<string, string | number> {
  return {
    kind,
    n,
    tool,
    wall_ms: Math.round(s.wall_ms),
    "checks/s": Math.round(n / (s.wall_ms / 1000)),
    "× its floor": Number((s.wall_ms / base.wall_ms).toFixed(2)),
    cpu_s: Number(s.cpu_s.toFixed(2)),
    "cpu × its floor": base.cpu_s > 0 ? Number((s.cpu_s / base.cpu_s).toFixed(2)) : "-",
    rss_peak_mib: typeof s.rss_peak_mib === "number" ? Math.round(s.rss_peak_mib) : s.rss_peak_mib,
    not_healthy: s.not_healthy,
  };
}

if (import.meta.main) {
  const port = freePortPair();
  const target = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./target.ts", import.meta.url).pathname, String(port)],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const rows: Record<string, string | number>[] = [];
  try {
    await waitForPort(port);
    await waitForPort(port + 1);
    const hasBlackbox = await has("prometheus-blackbox-exporter");
    const hasCheckHttp = await Deno.stat("/usr/lib/nagios/plugins/check_http").then(() => true, () => false);
    for (const kind of ["http", "tcp"]) {
      for (const n of SIZES) {
        const args = [kind, String(n), String(port), String(CONCURRENCY)];
        const floor = await best(() => runDenoJson<Sample>("./_fetch_round.ts", [...args, "reuse"]));
        const peers: [string, Sample, Sample][] = [["bare loop, keep-alive (floor)", floor, floor]];
        if (kind === "http") {
          // Go's semantics (a fresh connection per check) against the same loop without keep-alive.
          const fresh = await best(() => runDenoJson<Sample>("./_fetch_round.ts", [...args, "fresh"]));
          peers.push(["bare loop, new connections", fresh, floor]);
          peers.push([
            "checkup (default: new connections)",
            await best(() =>
              runDenoJson<Sample>("./_checkup_round.ts", [...args, "fresh"], {}, SHIPPED_FLAGS)
            ),
            fresh,
          ]);
          if (n === Math.max(...SIZES)) {
            // The same without the shipped V8 flags, to show what they change.
            peers.push([
              "checkup, no V8 flags",
              await best(() => runDenoJson<Sample>("./_checkup_round.ts", [...args, "fresh"])),
              fresh,
            ]);
          }
          peers.push([
            "checkup keep_alive",
            await best(() =>
              runDenoJson<Sample>("./_checkup_round.ts", [...args, "reuse"], {}, SHIPPED_FLAGS)
            ),
            floor,
          ]);
          if (hasBlackbox) peers.push(["blackbox_exporter", await best(() => blackbox(n, port)), floor]);
          if (hasCheckHttp && n <= 1000) {
            peers.push([
              "check_http",
              await best(() => checkHttp(n, port)),
              floor,
            ]);
          }
        } else {
          peers.push([
            "checkup",
            await best(() => runDenoJson<Sample>("./_checkup_round.ts", args, {}, SHIPPED_FLAGS)),
            floor,
          ]);
        }
        for (const [tool, s, base] of peers) rows.push(row(kind, n, tool, s, base));
      }
    }
    // Rounds at 10,000: whole rounds as `checkup every` makes them (checked; checked and stored in fs, with
    // the status page summary), against the bare loop with new connections. Targets: ≤ 2 s, ≤ 150 MiB stored.
    const n = 10_000, args = ["http", String(n), String(port), String(CONCURRENCY), "fresh"];
    const fresh = await best(() => runDenoJson<Sample>("./_fetch_round.ts", args));
    const big: [string, Sample][] = [
      ["bare loop, new connections", fresh],
      ["checkup", await best(() => runDenoJson<Sample>("./_checkup_round.ts", args, {}, SHIPPED_FLAGS))],
      [
        "checkup --store (fs)",
        await best(() => runDenoJson<Sample>("./_checkup_round.ts", [...args, "store"], {}, SHIPPED_FLAGS)),
      ],
    ];
    for (const [tool, s] of big) rows.push(row("http", n, tool, s, fresh));
  } finally {
    target.kill("SIGTERM");
    await target.status;
  }
  await report("round", rows, {
    targets: "1,000 checkup vs new connections ≤ 1.3× wall and CPU; 10,000: ≤ 2 s, ≤ 150 MiB with --store",
    concurrency: CONCURRENCY,
    repeat: REPEAT,
    note: "every path ending in 7 fails on purpose",
  });
}
