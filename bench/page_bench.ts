/// <reference lib="dom" />
/**
 * Benchmark: the status page over a fleet in headless Chromium, this page against the page before it was
 * made for fleets (commit {@linkcode BASELINE}: every card with its bar and chart built on every refresh), in
 * the same run and on the same data. For 100, 2,000 and 10,000 endpoints (--short: 100 and 2,000), one day of
 * 15-minute checks (every slot of the 24-hour range filled; about 1 % of the endpoints down now) is folded
 * into a status document served as `/api/v1/status` beside the page, and each page is loaded cold, the two
 * alternating, several times:
 *
 * - rendered: navigation start to the first render done (the page's mark `checkup-rendered`, after the fetch);
 * - render: the first render alone (from the mark `checkup-data`, the document fetched and parsed);
 * - painted: to the frame after every card on screen has its bar and chart;
 * - refresh: one more render of the same document (what each refresh costs).
 *
 * Runs standalone: `deno run -A bench/page_bench.ts [--short]`. Target: painted < 1 s at 2,000 endpoints.
 */
import { chromium } from "playwright-core";
import { Rollup } from "../status/rollup.js";
import type { ResultLike } from "../status/rollup.js";
import { statusView } from "../status/view.js";
import { ASSETS, pageHtml } from "../server/assets.ts";
import { CHROMIUM, CHROMIUM_ARGS } from "../tests/browser/_browser.ts";
import { report, SHORT } from "./_util.ts";

/** The page before this change (main when the fleet page was started). */
export const BASELINE = "39a563e43a02c83e515598a9311b54c004cc8dee";
const STEP = 15 * 60_000;
const ROUNDS = 96;
const SIZES = SHORT ? [100, 2000] : [100, 2000, 10_000];
const RUNS = SHORT ? 3 : 5;

const say = (s: string) => Deno.stderr.writeSync(new TextEncoder().encode(`${s}\n`));

/** Endpoint e's result in round i: outages now and then, ~1 % down in the last round. */
function resultAt(i: number, e: number, title: string, endpoint: string): ResultLike {
  const down = (e % 10 === 3 && (i + e * 37) % 96 < 3) || (e % 97 === 5 && i === ROUNDS - 1);
  const rtt = (20 + (e % 13) * 7) * 1e6 + ((i * 7919 + e * 104729) % 997) * 1e4;
  return {
    title,
    endpoint,
    times: down ? [{ rtt: 0, error: "dial tcp: connect: connection refused" }] : [{ rtt: Math.round(rtt) }],
    threshold: 500e6,
    ...(down ? { down: true } : { healthy: true }),
    node: "eu",
  };
}

/** The status document of `n` endpoints, as `/api/v1/status` answers it. */
export function statusDocument(n: number, now: number): string {
  const rollup = new Rollup();
  const titles = Array.from({ length: n }, (_, e) => `Service ${String(e + 1).padStart(5, "0")}`);
  const urls = titles.map((_, e) => `https://svc${e + 1}.example.com/health`);
  for (let i = 0; i < ROUNDS; i++) {
    const t = now - (ROUNDS - 1 - i) * STEP;
    for (let e = 0; e < n; e++) rollup.add(resultAt(i, e, titles[e], urls[e]), t + e, e, n);
  }
  return JSON.stringify(statusView(rollup, { range: "24h", now: now + n, title: `${n} endpoints` }));
}

/** The page's files at the baseline commit, as the site serves them (null when git cannot show them). */
export async function baselineAssets(): Promise<Map<string, string> | null> {
  const root = new URL("../", import.meta.url).pathname;
  const git = async (...args: string[]) => {
    const out = await new Deno.Command("git", { args, cwd: root, stdout: "piped", stderr: "null" }).output();
    if (!out.success) throw new Error(`git ${args.join(" ")} failed`);
    return new TextDecoder().decode(out.stdout);
  };
  try {
    const files = new Map<string, string>();
    const list = (await git("ls-tree", "-r", "--name-only", BASELINE, "statuspage/", "status/")).split("\n");
    for (const path of list) {
      if (!/\.(js|css|html|svg)$/.test(path) || path.endsWith("_test.ts")) continue;
      const text = await git("show", `${BASELINE}:${path}`);
      const site = path.replace(/^statuspage\//, "");
      files.set(site, site.startsWith("js/") ? text.replaceAll('"../../status/', '"../status/') : text);
    }
    const html = files.get("index.html");
    if (!html) return null;
    files.set(
      "index.html",
      html.replace(
        'name="checkup-source" content="config.json"',
        'name="checkup-source" content="api/v1/status"',
      )
        .replace('name="checkup-refresh" content="60"', 'name="checkup-refresh" content="3600"'),
    );
    return files;
  } catch {
    return null;
  }
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

/** Serves `/current/…` and `/baseline/…` (the page's files) and `/…/api/v1/status` (the document). */
export function serve(current: Map<string, string>, baseline: Map<string, string> | null, doc: () => string) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    const [, which, ...rest] = path.split("/");
    const file = rest.join("/") || "index.html";
    if (file === "api/v1/status") {
      return new Response(doc(), { headers: { "content-type": "application/json" } });
    }
    const text = (which === "baseline" ? baseline : which === "current" ? current : null)?.get(file);
    if (text === undefined) return new Response("not found", { status: 404 });
    return new Response(text, {
      headers: { "content-type": TYPES[file.slice(file.lastIndexOf(".") + 1)] ?? "" },
    });
  });
}

interface Timing {
  rendered: number;
  render: number;
  painted: number;
  refresh: number;
}

/** One cold load of a page: see the module's comment. */
async function load(browser: import("playwright-core").Browser, url: string): Promise<Timing> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => performance.getEntriesByName("checkup-rendered").length > 0, undefined, {
      timeout: 120_000,
      polling: 10,
    });
    const [rendered, painted, render] = await page.evaluate(() =>
      new Promise<[number, number, number]>((resolve) => {
        const mark = performance.getEntriesByName("checkup-rendered")[0].startTime;
        const data = performance.getEntriesByName("checkup-data")[0].startTime;
        let frames = 0;
        const drawn = () =>
          [...document.querySelectorAll("li.card")].every((card) => {
            const box = card.getBoundingClientRect();
            return box.bottom < 0 || box.top > innerHeight || box.height === 0 ||
              !!card.querySelector("svg.chart");
          });
        const check = () => {
          if (drawn() || ++frames > 600) {
            requestAnimationFrame(() => resolve([mark, performance.now(), mark - data]));
          } else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      })
    );
    const charts = await page.locator("li.card svg.chart").count();
    if (!charts) throw new Error(`${url}: no chart drawn`);
    const refresh = await page.evaluate(async () => {
      const view = await (await fetch("api/v1/status")).json();
      const { renderPage } = await import(new URL("js/render.js", location.href).href);
      const t0 = performance.now();
      renderPage(view, Date.now());
      return performance.now() - t0;
    });
    return { rendered, render, painted, refresh };
  } finally {
    await context.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (import.meta.main) {
  if (!(await Deno.stat(CHROMIUM).then(() => true, () => false))) {
    say("skipping page: chromium is not installed (apt-get install chromium)");
    Deno.exit(0);
  }
  const current = new Map(Object.entries(ASSETS).map(([path, a]) => [path, a.text]));
  current.set("index.html", pageHtml({ source: "api/v1/status", refresh: 3600 }));
  const baseline = await baselineAssets();
  if (!baseline) {
    say(`page: the baseline ${BASELINE.slice(0, 7)} cannot be read with git; measuring this page alone`);
  }
  let doc = "";
  const server = serve(current, baseline, () => doc);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  const rows: Record<string, string | number>[] = [];
  const raw: Record<string, Record<string, Timing[]>> = {};
  try {
    for (const n of SIZES) {
      say(`page: ${n} endpoints …`);
      doc = statusDocument(n, Math.floor(Date.now() / STEP) * STEP - STEP);
      const runs = n >= 10_000 ? Math.min(RUNS, 3) : RUNS;
      const got: Record<string, Timing[]> = { current: [], baseline: [] };
      for (let i = 0; i < runs; i++) {
        got.current.push(await load(browser, `${base}/current/`));
        if (baseline) got.baseline.push(await load(browser, `${base}/baseline/`));
      }
      raw[n] = got;
      for (const key of ["rendered", "render", "painted", "refresh"] as const) {
        const now = median(got.current.map((t) => t[key]));
        const before = baseline ? median(got.baseline.map((t) => t[key])) : NaN;
        rows.push({
          endpoints: n,
          metric: `${key} (median of ${runs})`,
          page: `${Math.round(now)} ms`,
          before: baseline ? `${Math.round(before)} ms` : "–",
          ratio: baseline ? `${(now / before).toFixed(2)}×` : "–",
          target: key === "painted" && n === 2000 ? "< 1000 ms" : "",
          ok: key === "painted" && n === 2000 ? (now < 1000 ? "yes" : "NO") : "",
        });
      }
    }
  } finally {
    await browser.close();
    await server.shutdown();
  }
  await report("page", rows, {
    baseline: BASELINE,
    rounds: ROUNDS,
    timings: raw,
    loadAverage: Deno.loadavg(),
  });
}
