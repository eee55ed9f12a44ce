/// <reference lib="dom" />
/**
 * Benchmark: `checkup serve` over 100 endpoints × 30 days of 1-minute checks (4.3 million results) in
 * sqlite3. Measures the cold start to the first answer and to all history read, `/api/v1/status` latency
 * under wrk (32 connections, one wrk thread, gzip as browsers ask), the server's RSS, and the page's render time in
 * headless Chromium. Runs standalone: `deno run -A bench/serve_bench.ts [--short]` (--short: 3 days).
 * The database is generated once into out/bench/ and reused.
 *
 * Targets: first answer < 5 s, p99 < 20 ms, RSS < 300 MiB, page rendered < 500 ms.
 */
import { join } from "node:path";
import type { Result } from "../result.ts";
import { SqliteStorage } from "../storage/sqlite.ts";
import { freePort, has, report, rssMiB, SHORT } from "./_util.ts";
import { CHROMIUM, launchChromium } from "../tests/browser/_browser.ts";

const ENDPOINTS = 100;
const DAYS = SHORT ? 3 : 30;
const MINUTE = 60_000;
const encoder = new TextEncoder();
const say = (text: string) => Deno.stderr.writeSync(encoder.encode(text + "\n"));

/** One round: every endpoint healthy, except short outages and slow spells on a few of them. */
function roundAt(t: number, i: number): Result[] {
  const ts = BigInt(t) * 1_000_000n;
  return Array.from({ length: ENDPOINTS }, (_, e): Result => {
    const outage = e % 10 === 3 && (i + e * 37) % 4320 < 30; // 30 min every 3 days
    const slow = e % 10 === 7 && (i + e * 11) % 1440 < 60; // an hour a day
    const rtt = (slow ? 600 : 20 + (e % 13) * 7) * 1e6 + ((i * 7919 + e * 104729) % 997) * 1e4;
    return {
      title: `Service ${String(e + 1).padStart(3, "0")}`,
      endpoint: `https://svc${e + 1}.example.com/health`,
      timestamp: ts + BigInt(e),
      times: outage
        ? [{ rtt: 0, error: "dial tcp: connect: connection refused" }]
        : [{ rtt: Math.round(rtt) }],
      threshold: 500e6,
      ...(outage
        ? { down: true }
        : slow
        ? { degraded: true, notice: "median round trip time exceeded threshold (500ms)" }
        : { healthy: true }),
    };
  });
}

async function generate(path: string): Promise<number> {
  const rounds = DAYS * 1440;
  const exists = await Deno.stat(path).then(() => true, () => false);
  const end = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
  if (exists) {
    // Reuse the database: shift nothing, just report its age (its history ends when it was made).
    return rounds;
  }
  say(`generating ${rounds} rounds × ${ENDPOINTS} endpoints into ${path} …`);
  const started = performance.now();
  const storage = new SqliteStorage({ type: "sqlite3", dsn: `${path}.tmp`, create: true, check_expiry: 0 }, {
    now: () => BigInt(Date.now()) * 1_000_000n,
  });
  for (let i = 0; i < rounds; i++) {
    const t = end - (rounds - 1 - i) * MINUTE;
    await storage.store(roundAt(t, i), undefined, { at: BigInt(t) * 1_000_000n + 500_000n });
  }
  await storage.close();
  await Deno.rename(`${path}.tmp`, path);
  say(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return rounds;
}

async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Wrk {
  p50: number;
  p99: number;
  rps: number;
  errors: string;
}

function parseMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === "us" ? 1e-3 : m[2] === "s" ? 1e3 : 1);
}

async function wrk(url: string, seconds: number, gzip: boolean): Promise<Wrk> {
  // One wrk thread: on two cores, wrk gets one and the server (one JS thread) the other.
  const args = ["-t1", "-c32", `-d${seconds}s`, "--timeout", "2s", "--latency"];
  if (gzip) args.push("-H", "Accept-Encoding: gzip");
  const out = await new Deno.Command("wrk", { args: [...args, url], stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (out.code !== 0) throw new Error(`wrk failed: ${text}${new TextDecoder().decode(out.stderr)}`);
  const pct = (p: string) => parseMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(text)?.[1] ?? "");
  return {
    p50: pct("50"),
    p99: pct("99"),
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]),
    errors: /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(text)?.[0] ?? "none",
  };
}

/** Navigation start → the page's first render done (mark "checkup-rendered") and painted (next frame). */
async function pageRenderMs(base: string, runs: number): Promise<{ rendered: number[]; painted: number[] }> {
  const browser = await launchChromium();
  const rendered: number[] = [], painted: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${base}/`);
      await page.waitForFunction(
        () => performance.getEntriesByName("checkup-rendered").length > 0,
        undefined,
        {
          timeout: 30_000,
          polling: 10,
        },
      );
      const t = await page.evaluate(() =>
        new Promise<[number, number]>((resolve) => {
          const mark = performance.getEntriesByName("checkup-rendered")[0].startTime;
          requestAnimationFrame(() => requestAnimationFrame(() => resolve([mark, performance.now()])));
        })
      );
      // Over 20 endpoints the page draws charts as cards come into view: every card is there, not every chart.
      const cards = await page.locator("li.card").count();
      if (cards !== ENDPOINTS) throw new Error(`expected ${ENDPOINTS} cards, found ${cards}`);
      rendered.push(t[0]);
      painted.push(t[1]);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return { rendered, painted };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (import.meta.main) {
  const missing = [];
  if (!(await has("wrk"))) missing.push("wrk (apt-get install wrk)");
  if (!(await Deno.stat(CHROMIUM).then(() => true, () => false))) {
    missing.push("chromium (apt-get install chromium)");
  }
  if (missing.length) throw new Error(`missing: ${missing.join(", ")}`);
  const dir = new URL("../out/bench/", import.meta.url).pathname;
  await Deno.mkdir(dir, { recursive: true });
  const db = join(dir, `serve-${ENDPOINTS}x${DAYS}d.db`);
  const rounds = await generate(db);
  const config = join(dir, `serve-${ENDPOINTS}x${DAYS}d.json`);
  await Deno.writeTextFile(config, JSON.stringify({ storage: { type: "sqlite3", dsn: db } }));
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../main.ts", import.meta.url).pathname,
      "-c",
      config,
      "serve",
      "--listen",
      `127.0.0.1:${port}`,
    ],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const log = new Response(server.stderr).text();
  try {
    await until("the first answer", 60_000, async () => {
      const res = await fetch(`${base}/api/v1/status`);
      await res.body?.cancel();
      return res.status === 200 ? true : undefined;
    });
    const firstAnswer = performance.now() - started;
    await until("all history", 300_000, async () => {
      const res = await fetch(`${base}/healthz`);
      return (await res.json()).complete ? true : undefined;
    });
    const allHistory = performance.now() - started;
    const rssLoaded = rssMiB(server.pid);
    const sample = await fetch(`${base}/api/v1/status`, { headers: { "accept-encoding": "gzip" } });
    const gzBytes = Number(sample.headers.get("content-length"));
    await sample.body?.cancel();
    const seconds = SHORT ? 5 : 15;
    say(`wrk: ${seconds} s at 32 connections …`);
    const gz = await wrk(`${base}/api/v1/status`, seconds, true);
    const plain = await wrk(`${base}/api/v1/status`, seconds, false);
    const rssAfter = rssMiB(server.pid);
    say("page render in Chromium …");
    const render = await pageRenderMs(base, SHORT ? 3 : 7);
    const rss = Math.max(rssLoaded.peak, rssAfter.peak);
    const rows = [
      {
        metric: "cold start → first answer (recent 24 h read)",
        value: `${Math.round(firstAnswer)} ms`,
        target: "< 5000 ms",
        ok: firstAnswer < 5000 ? "yes" : "NO",
      },
      {
        metric: `cold start → all history read (${rounds} rounds)`,
        value: `${Math.round(allHistory)} ms`,
        target: "",
        ok: "",
      },
      {
        metric: "/api/v1/status p50, gzip (wrk, 32 conn)",
        value: `${gz.p50.toFixed(2)} ms`,
        target: "",
        ok: "",
      },
      {
        metric: "/api/v1/status p99, gzip (wrk, 32 conn)",
        value: `${gz.p99.toFixed(2)} ms`,
        target: "< 20 ms",
        ok: gz.p99 < 20 ? "yes" : "NO",
      },
      { metric: "/api/v1/status req/s, gzip", value: `${Math.round(gz.rps)}`, target: "", ok: "" },
      {
        metric: "/api/v1/status p50 / p99, identity",
        value: `${plain.p50.toFixed(2)} / ${plain.p99.toFixed(2)} ms`,
        target: "",
        ok: "",
      },
      { metric: "/api/v1/status req/s, identity", value: `${Math.round(plain.rps)}`, target: "", ok: "" },
      { metric: "response size (gzip)", value: `${(gzBytes / 1024).toFixed(1)} KiB`, target: "", ok: "" },
      {
        metric: "server RSS: after history (peak so far) / after wrk (peak)",
        value: `${Math.round(rssLoaded.rss)} (${Math.round(rssLoaded.peak)}) / ${Math.round(rssAfter.rss)} (${
          Math.round(rssAfter.peak)
        }) MiB`,
        target: "< 300 MiB",
        ok: rss < 300 ? "yes" : "NO",
      },
      {
        metric: `page rendered, ${ENDPOINTS} endpoints (median of ${render.rendered.length}, cold)`,
        value: `${Math.round(median(render.rendered))} ms`,
        target: "< 500 ms",
        ok: median(render.rendered) < 500 ? "yes" : "NO",
      },
      {
        metric: "page painted (next frame after render)",
        value: `${Math.round(median(render.painted))} ms`,
        target: "",
        ok: "",
      },
    ];
    await report("serve", rows, {
      endpoints: ENDPOINTS,
      days: DAYS,
      rounds,
      results: rounds * ENDPOINTS,
      firstAnswerMs: firstAnswer,
      allHistoryMs: allHistory,
      wrk: { gzip: gz, identity: plain },
      rssMiB: { loaded: rssLoaded, afterWrk: rssAfter },
      renderMs: render,
      loadAverage: Deno.loadavg(),
    });
  } finally {
    server.kill("SIGTERM");
    const status = await server.status;
    if (!status.success && status.signal !== "SIGTERM") {
      say(`server exited ${status.code}: ${(await log).slice(-2000)}`);
    } else await log;
  }
}
