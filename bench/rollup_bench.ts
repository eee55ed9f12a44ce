/**
 * Benchmark: the status-page rollup alone (no storage, no server). Measures folding 100 endpoints × 30
 * days of 1-minute checks (4.32 million results, the data of bench/serve_bench.ts) into a Rollup: time,
 * and the process's heap and RSS afterwards; and, for 1,000 endpoints × 1 day (what a `checkup every`
 * node writes), the summary's size in bytes and the time to encode, decode, merge and view it.
 * Runs standalone: `deno run -A --v8-flags=--expose-gc bench/rollup_bench.ts [--short]` (--short: 3 days).
 * Each part runs in its own process so one does not inflate the other's RSS.
 */
import type { ResultLike } from "../status/rollup.js";
import { Rollup } from "../status/rollup.js";
import { decodeRollup, encodeRollup } from "../status/codec.js";
import { statusView } from "../status/view.js";
import { report, rssMiB, SHORT } from "./_util.ts";

const MINUTE = 60_000;
const END = Math.floor(Date.UTC(2026, 10, 24, 12) / MINUTE) * MINUTE;

/** Titles and endpoints are built once, as a config's are, so the fold does not time string building. */
const TITLES = Array.from({ length: 1000 }, (_, e) => `Service ${String(e + 1).padStart(4, "0")}`);
const URLS = Array.from({ length: 1000 }, (_, e) => `https://svc${e + 1}.example.com/health`);

/** Endpoint e's result in round i (as bench/serve_bench.ts: outages, slow spells, RTT jitter). */
function resultAt(i: number, e: number, node?: string): ResultLike {
  const outage = e % 10 === 3 && (i + e * 37) % 4320 < 30;
  const slow = e % 10 === 7 && (i + e * 11) % 1440 < 60;
  const rtt = (slow ? 600 : 20 + (e % 13) * 7) * 1e6 + ((i * 7919 + e * 104729) % 997) * 1e4;
  return {
    title: TITLES[e],
    endpoint: URLS[e],
    times: outage ? [{ rtt: 0, error: "dial tcp: connect: connection refused" }] : [{ rtt: Math.round(rtt) }],
    threshold: 500e6,
    ...(outage
      ? { down: true }
      : slow
      ? { degraded: true, notice: "median round trip time exceeded threshold (500ms)" }
      : { healthy: true }),
    ...(node ? { node } : {}),
  };
}

/** Rounds oldest first, one a minute, ending at END. */
function fold(rollup: Rollup, endpoints: number, rounds: number, node?: string): void {
  for (let i = 0; i < rounds; i++) {
    const t = END - (rounds - 1 - i) * MINUTE;
    for (let e = 0; e < endpoints; e++) rollup.add(resultAt(i, e, node), t + e, e, endpoints);
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
/** JS heap plus typed-array backing stores (external), MiB, after a full GC. */
const heapMiB = () => {
  gc?.();
  const m = Deno.memoryUsage();
  return (m.heapUsed + m.external) / 2 ** 20;
};

function part(name: string): Record<string, number> {
  if (name === "fold") {
    const days = SHORT ? 3 : 30;
    const rounds = days * 1440;
    const before = heapMiB();
    const rollup = new Rollup();
    const t0 = performance.now();
    fold(rollup, 100, rounds);
    const ms = performance.now() - t0;
    const heap = heapMiB() - before;
    const view0 = performance.now();
    for (const range of ["24h", "7d", "30d", "90d"]) statusView(rollup, { now: END, range });
    const viewMs = (performance.now() - view0) / 4;
    return { results: rounds * 100, ms, heap, rss: rssMiB().rss, viewMs, endpoints: rollup.endpoints.size };
  }
  const before = heapMiB();
  const rollup = new Rollup();
  fold(rollup, 1000, 1440, "eu");
  const heap = heapMiB() - before;
  const enc0 = performance.now();
  const text = JSON.stringify(encodeRollup(rollup));
  const encodeMs = performance.now() - enc0;
  const dec0 = performance.now();
  const back = decodeRollup(JSON.parse(text));
  const decodeMs = performance.now() - dec0;
  const merge0 = performance.now();
  const merged = new Rollup();
  merged.merge(back);
  const mergeMs = performance.now() - merge0;
  const view0 = performance.now();
  statusView(merged, { now: END });
  const viewMs = performance.now() - view0;
  return { bytes: new TextEncoder().encode(text).length, encodeMs, decodeMs, mergeMs, viewMs, heap };
}

if (import.meta.main) {
  const which = Deno.args.find((a) => a.startsWith("--part="))?.slice(7);
  if (which) {
    Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(part(which)) + "\n"));
  } else {
    const run = async (name: string) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--v8-flags=--expose-gc", import.meta.filename!, `--part=${name}`, ...Deno.args],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      if (!out.success) throw new Error(`rollup_bench --part=${name} failed (${out.code})`);
      return JSON.parse(new TextDecoder().decode(out.stdout)) as Record<string, number>;
    };
    const f = await run("fold");
    const s = await run("summary");
    const rows = [
      { metric: `fold ${f.results} results (100 endpoints)`, value: `${Math.round(f.ms)} ms` },
      { metric: "rollup memory (heap + external) after the fold", value: `${f.heap.toFixed(1)} MiB` },
      { metric: "process RSS after the fold", value: `${Math.round(f.rss)} MiB` },
      { metric: "statusView, 100 endpoints (mean of 4 ranges)", value: `${f.viewMs.toFixed(1)} ms` },
      { metric: "summary, 1,000 endpoints × 1 day: rollup memory", value: `${s.heap.toFixed(1)} MiB` },
      { metric: "summary size (JSON)", value: `${s.bytes} bytes` },
      { metric: "summary encode + stringify", value: `${Math.round(s.encodeMs)} ms` },
      { metric: "summary parse + decode", value: `${Math.round(s.decodeMs)} ms` },
      { metric: "merge of the decoded summary", value: `${Math.round(s.mergeMs)} ms` },
      { metric: "statusView, 1,000 endpoints", value: `${Math.round(s.viewMs)} ms` },
    ];
    await report("rollup", rows, { fold: f, summary: s });
  }
}
