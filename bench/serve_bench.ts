/// <reference lib="dom" />
/**
 * Benchmark: `checkup serve` over N endpoints × D days of 1-minute checks in sqlite3. Measures the cold
 * start to the first answer (which must already list every endpoint) and to all history read, the
 * `/api/v1/status` document (full and `?detail=summary`) under wrk (64 connections, one wrk thread, gzip as
 * browsers ask and identity), its size, the batched detail of 30 endpoints (`/api/v1/endpoints?ids=…`, the
 * cards a page has on screen), the server's RSS after history and at its peak under load, and, at 100
 * endpoints, the page's render time in headless Chromium. The wrk runs last longer than the server's time
 * tick (15 s) when not --short, so each sees the documents rebuilt at least once (served stale meanwhile).
 *
 * The identity rows also give the bytes per second served: a closed loop of 64 connections waits
 * 64 / (requests per second) per request, so a 3.6 MB identity body at a copy bandwidth of ~1.5 GB/s on
 * loopback cannot be under 20 ms at p99 on 2 cores; the compact document plus the batched detail is the
 * shape that scales.
 *
 * `deno run -A bench/serve_bench.ts [--short] [--endpoints=N --days=D] [--no-page] [--cpu-prof]`: without
 * `--endpoints`, three cases: 100 × 30 days (with the page), 2,000 × 1 day and 10,000 × 1 day (--short:
 * 3 days, 3 hours and 1 hour). `--cpu-prof` writes the server's CPU profile into out/bench/prof/. Each
 * database is generated into out/bench/ and reused for 30 minutes.
 *
 * Targets: first answer < 2 s (< 5 s at 100 × 30 days), p99 < 20 ms, RSS < 300 MiB, page rendered < 500 ms.
 */
import { join } from "node:path";
import type { Result } from "../result.ts";
import { SqliteStorage } from "../storage/sqlite.ts";
import { freePort, has, report, rssMiB, SHIPPED_FLAGS, SHORT } from "./_util.ts";
import { CHROMIUM, launchChromium } from "../tests/browser/_browser.ts";

/** One benchmark case. */
interface Case {
  endpoints: number;
  days: number;
  /** Measure the page in Chromium. */
  page: boolean;
  /** The name of its result file. */
  name: string;
}

const flag = (name: string) => Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const CPU_PROF = Deno.args.includes("--cpu-prof");
const CONNECTIONS = 64;
/** Endpoints asked for at once from the batched detail route (a screenful of cards). */
const BATCH_IDS = 30;
const MINUTE = 60_000;
const encoder = new TextEncoder();
const say = (text: string) => Deno.stderr.writeSync(encoder.encode(text + "\n"));

/** One round: every endpoint healthy, except short outages and slow spells on a few of them. */
function roundAt(t: number, i: number, endpoints: number): Result[] {
  const ts = BigInt(t) * 1_000_000n;
  return Array.from({ length: endpoints }, (_, e): Result => {
    const outage = e % 10 === 3 && (i + e * 37) % 4320 < 30; // 30 min every 3 days
    const slow = e % 10 === 7 && (i + e * 11) % 1440 < 60; // an hour a day
    const rtt = (slow ? 600 : 20 + (e % 13) * 7) * 1e6 + ((i * 7919 + e * 104729) % 997) * 1e4;
    return {
      title: `Service ${String(e + 1).padStart(endpoints > 999 ? 5 : 3, "0")}`,
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

/** How old a generated database may be to be reused. */
const REUSE_MS = 30 * MINUTE;

async function generate(path: string, endpoints: number, days: number): Promise<number> {
  const rounds = Math.round(days * 1440);
  const exists = await Deno.stat(path).then(() => true, () => false);
  const end = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
  if (exists) {
    // Reuse a recent database (its history ends when it was made); an older one is made again: the first
    // window would reach back over the rounds missing since, and the first answer would measure that.
    const made = (await Deno.stat(path)).mtime?.getTime() ?? 0;
    if (Date.now() - made < REUSE_MS) return rounds;
    say(`${path} was made ${Math.round((Date.now() - made) / MINUTE)} min ago: making it again`);
    await Deno.remove(path);
  }
  say(`generating ${rounds} rounds × ${endpoints} endpoints into ${path} …`);
  const started = performance.now();
  const storage = new SqliteStorage({ type: "sqlite3", dsn: `${path}.tmp`, create: true, check_expiry: 0 }, {
    now: () => BigInt(Date.now()) * 1_000_000n,
  });
  for (let i = 0; i < rounds; i++) {
    const t = end - (rounds - 1 - i) * MINUTE;
    await storage.store(roundAt(t, i, endpoints), undefined, { at: BigInt(t) * 1_000_000n + 500_000n });
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
  const args = ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--timeout", "5s", "--latency"];
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
async function pageRenderMs(
  base: string,
  runs: number,
  endpoints: number,
): Promise<{ rendered: number[]; painted: number[] }> {
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
      if (cards !== endpoints) throw new Error(`expected ${endpoints} cards, found ${cards}`);
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

const ms = (v: number) => `${Math.round(v)} ms`;
const verdict = (ok: boolean) => ok ? "yes" : "NO";

/** Runs one case: generates (or reuses) its database, starts the server, measures, reports. */
async function runCase({ endpoints, days, page, name }: Case): Promise<void> {
  const dir = new URL("../out/bench/", import.meta.url).pathname;
  await Deno.mkdir(dir, { recursive: true });
  const db = join(dir, `serve-${endpoints}x${days}d.db`);
  const rounds = await generate(db, endpoints, days);
  const config = join(dir, `serve-${endpoints}x${days}d.json`);
  await Deno.writeTextFile(config, JSON.stringify({ storage: { type: "sqlite3", dsn: db } }));
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  const profDir = join(dir, "prof");
  if (CPU_PROF) await Deno.mkdir(profDir, { recursive: true });
  const started = performance.now();
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...SHIPPED_FLAGS,
      ...(CPU_PROF
        ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=serve-${endpoints}.cpuprofile`]
        : []),
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
  const status = `${base}/api/v1/status`;
  const summary = `${base}/api/v1/status?detail=summary`;
  try {
    const first = await until("the first answer", 120_000, async () => {
      const res = await fetch(summary);
      return res.status === 200 ? await res.json() : (await res.body?.cancel(), undefined);
    });
    const firstAnswer = performance.now() - started;
    if (first.endpoints.length !== endpoints) {
      throw new Error(`the first answer lists ${first.endpoints.length} endpoints, expected ${endpoints}`);
    }
    await until("all history", 600_000, async () => {
      const res = await fetch(`${base}/healthz`);
      return (await res.json()).complete ? true : undefined;
    });
    const allHistory = performance.now() - started;
    const rssLoaded = rssMiB(server.pid);
    const size = async (url: string, gzip: boolean) => {
      const res = await fetch(url, { headers: { "accept-encoding": gzip ? "gzip" : "identity" } });
      const n = Number(res.headers.get("content-length"));
      await res.body?.cancel();
      return n / 1024;
    };
    const sizes = {
      full: { gzip: await size(status, true), identity: await size(status, false) },
      summary: { gzip: await size(summary, true), identity: await size(summary, false) },
    };
    const seconds = SHORT ? 5 : 16;
    say(`wrk: 6 × ${seconds} s at ${CONNECTIONS} connections …`);
    const full = { gzip: await wrk(status, seconds, true), identity: await wrk(status, seconds, false) };
    const compact = { gzip: await wrk(summary, seconds, true), identity: await wrk(summary, seconds, false) };
    const ids = first.endpoints.slice(0, BATCH_IDS).map((e: { id: string }) => e.id).join(",");
    const batchUrl = `${base}/api/v1/endpoints?ids=${ids}&range=24h`;
    const batchSize = { gzip: await size(batchUrl, true), identity: await size(batchUrl, false) };
    const batch = { gzip: await wrk(batchUrl, seconds, true), identity: await wrk(batchUrl, seconds, false) };
    const rssAfter = rssMiB(server.pid);
    let render: { rendered: number[]; painted: number[] } | undefined;
    if (page) {
      say("page render in Chromium …");
      render = await pageRenderMs(base, SHORT ? 3 : 7, endpoints);
    }
    const rss = Math.max(rssLoaded.peak, rssAfter.peak);
    const firstTarget = days > 7 ? 5000 : 2000;
    const latency = (what: string, w: { gzip: Wrk; identity: Wrk }, kib: number) => [
      {
        metric: `${what} p50 / p99, gzip (wrk, ${CONNECTIONS} conn)`,
        value: `${w.gzip.p50.toFixed(2)} / ${w.gzip.p99.toFixed(2)} ms (${Math.round(w.gzip.rps)} req/s)`,
        target: "p99 < 20 ms",
        ok: verdict(w.gzip.p99 < 20),
      },
      {
        metric: `${what} p50 / p99, identity`,
        value: `${w.identity.p50.toFixed(2)} / ${w.identity.p99.toFixed(2)} ms (${
          Math.round(w.identity.rps)
        } req/s, ${(w.identity.rps * kib / 1024 / 1024).toFixed(2)} GiB/s)`,
        target: "p99 < 20 ms",
        ok: verdict(w.identity.p99 < 20),
      },
    ];
    const rows = [
      {
        metric: `cold start → first answer (every endpoint listed)`,
        value: ms(firstAnswer),
        target: `< ${firstTarget} ms`,
        ok: verdict(firstAnswer < firstTarget),
      },
      {
        metric: `cold start → all history read (${rounds} rounds)`,
        value: ms(allHistory),
        target: "",
        ok: "",
      },
      ...latency("/api/v1/status", full, sizes.full.identity),
      {
        metric: "/api/v1/status size, gzip / identity",
        value: `${sizes.full.gzip.toFixed(1)} / ${sizes.full.identity.toFixed(1)} KiB`,
        target: "",
        ok: "",
      },
      ...latency("/api/v1/status?detail=summary", compact, sizes.summary.identity),
      {
        metric: "?detail=summary size, gzip / identity",
        value: `${sizes.summary.gzip.toFixed(1)} / ${sizes.summary.identity.toFixed(1)} KiB`,
        target: "",
        ok: "",
      },
      ...latency(`/api/v1/endpoints?ids=… (${BATCH_IDS} ids)`, batch, batchSize.identity),
      {
        metric: `batched detail (${BATCH_IDS} ids) size, gzip / identity`,
        value: `${batchSize.gzip.toFixed(1)} / ${batchSize.identity.toFixed(1)} KiB`,
        target: "",
        ok: "",
      },
      {
        metric: "server RSS: after history (peak so far) / after wrk (peak)",
        value: `${Math.round(rssLoaded.rss)} (${Math.round(rssLoaded.peak)}) / ${Math.round(rssAfter.rss)} (${
          Math.round(rssAfter.peak)
        }) MiB`,
        target: "< 300 MiB",
        ok: verdict(rss < 300),
      },
      ...(render
        ? [
          {
            metric: `page rendered, ${endpoints} endpoints (median of ${render.rendered.length}, cold)`,
            value: ms(median(render.rendered)),
            target: "< 500 ms",
            ok: verdict(median(render.rendered) < 500),
          },
          {
            metric: "page painted (next frame after render)",
            value: ms(median(render.painted)),
            target: "",
            ok: "",
          },
        ]
        : []),
    ];
    await report(name, rows, {
      endpoints,
      days,
      rounds,
      results: rounds * endpoints,
      firstAnswerMs: firstAnswer,
      allHistoryMs: allHistory,
      sizesKiB: { ...sizes, batch: batchSize },
      wrk: { connections: CONNECTIONS, full, summary: compact, batch },
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

if (import.meta.main) {
  const noPage = Deno.args.includes("--no-page");
  const endpoints = flag("endpoints");
  const cases: Case[] = endpoints
    ? [{
      endpoints: Number(endpoints),
      days: Number(flag("days") ?? (SHORT ? 0.125 : 1)),
      page: !noPage && Number(endpoints) <= 100,
      name: `serve-${endpoints}`,
    }]
    : [
      { endpoints: 100, days: SHORT ? 3 : 30, page: !noPage, name: "serve" },
      { endpoints: 2000, days: SHORT ? 0.125 : 1, page: false, name: "serve-2000" },
      { endpoints: 10000, days: SHORT ? 1 / 24 : 1, page: false, name: "serve-10000" },
    ];
  for (const c of cases) {
    if (!(c.endpoints >= 1 && c.days > 0)) {
      throw new Error("--endpoints and --days: expected positive numbers");
    }
  }
  const missing = [];
  if (!(await has("wrk"))) missing.push("wrk (apt-get install wrk)");
  if (cases.some((c) => c.page) && !(await Deno.stat(CHROMIUM).then(() => true, () => false))) {
    missing.push("chromium (apt-get install chromium)");
  }
  if (missing.length) throw new Error(`missing: ${missing.join(", ")}`);
  for (const c of cases) await runCase(c);
}
