/// <reference lib="dom" />
/**
 * Benchmark: the status page over a fleet in headless Chromium, this page against the page before it was
 * made for fleets (commit {@linkcode BASELINE}: every card with its bar and chart built on every refresh), in
 * the same run and on the same data. For 100, 2,000 and 10,000 endpoints (--short: 100 and 2,000), one day of
 * 15-minute checks (every slot of the 24-hour range filled; about 1 % of the endpoints down now) is folded
 * into the documents `checkup serve` answers beside the page (`/api/v1/status`, its compact form
 * `?detail=summary`, and the batched detail `/api/v1/endpoints?ids=…`), and each page is loaded cold, the two
 * alternating, several times; up to 2,000 endpoints also hosted statically ("static" rows: `config.json` and
 * the node's summary file, the view computed in the browser):
 *
 * - rendered: navigation start to the first render done (the page's mark `checkup-rendered`, after the fetch;
 *   a fleet's page adds its cards in passes a frame apart: after the last);
 * - render: the first render alone (from the mark `checkup-data`, the document fetched and parsed);
 * - painted: navigation start to the first frame in which every card on screen has its bar and chart (this
 *   page: after the detail of those cards was read, `api/v1/endpoints?ids=…`);
 * - refresh: what one more refresh costs: this page measures its own (`checkup-refresh`: the compact document
 *   read again, merged and drawn), the baseline draws the document it read once more.
 *
 * Runs standalone: `deno run -A bench/page_bench.ts [--short]`. Target: painted < 1 s at 2,000 endpoints.
 */
import { chromium } from "playwright-core";
import { Rollup } from "../status/rollup.js";
import type { ResultLike } from "../status/rollup.js";
import { type EndpointView, type StatusView, statusView } from "../status/view.js";
import { encodeRollup } from "../status/codec.js";
import { statusSummary } from "../server/context.ts";
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

/** The status view of `n` endpoints, as `/api/v1/status` answers it, and the node's summary file. */
export function statusDocument(n: number, now: number): { view: StatusView; summaryFile: string } {
  const rollup = new Rollup();
  const titles = Array.from({ length: n }, (_, e) => `Service ${String(e + 1).padStart(5, "0")}`);
  const urls = titles.map((_, e) => `https://svc${e + 1}.example.com/health`);
  for (let i = 0; i < ROUNDS; i++) {
    const t = now - (ROUNDS - 1 - i) * STEP;
    for (let e = 0; e < n; e++) rollup.add(resultAt(i, e, titles[e], urls[e]), t + e, e, n);
  }
  return {
    view: statusView(rollup, { range: "24h", now: now + n, title: `${n} endpoints` }),
    summaryFile: JSON.stringify(encodeRollup(rollup)),
  };
}

/** What the bench's server answers: a status view's documents as `checkup serve` writes them. */
export interface Documents {
  /** `/api/v1/status` */
  full: string;
  /** `/api/v1/status?detail=summary` */
  summary: string;
  /** `/api/v1/endpoints/<id>` of each endpoint, by id. */
  byId: Map<string, EndpointView>;
  /** `/api/v1/endpoints`: the endpoints without slots, incidents and messages. */
  list: string;
  /** The static site: `config.json` and the one node's summary it names, `summary-eu.json`. */
  config: string;
  summaryFile: string;
}

/** The documents of a view. */
export function documents({ view, summaryFile }: ReturnType<typeof statusDocument>): Documents {
  return {
    summaryFile,
    config: JSON.stringify({ title: view.title, summaries: ["summary-eu.json"], refresh: 3600 }),
    full: JSON.stringify(view),
    summary: JSON.stringify(statusSummary(view)),
    byId: new Map(view.endpoints.map((e) => [e.id, e])),
    list: JSON.stringify({
      endpoints: view.endpoints.map(({ slots: _s, incidents: _i, messages: _m, ...rest }) => rest),
    }),
  };
}

/**
 * The batched detail route, `/api/v1/endpoints?ids=a,b,c` (at most 100 ids): `{endpoints, missing}`.
 * @param counted each id asked for, in order (what the tests check is fetched)
 */
export function batchAnswer(docs: Documents, url: URL, counted?: string[]): Response {
  const ids = (url.searchParams.get("ids") ?? "").split(",").filter(Boolean);
  if (ids.length > 100) {
    return Response.json({ error: { status: 400, message: "ids: at most 100" } }, { status: 400 });
  }
  counted?.push(...ids);
  const endpoints = ids.flatMap((id) => docs.byId.get(id) ?? []);
  return Response.json({ endpoints, missing: ids.filter((id) => !docs.byId.has(id)) });
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
      "index-static.html",
      html.replace('name="checkup-refresh" content="60"', 'name="checkup-refresh" content="3600"'),
    );
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

/**
 * Serves `/current/…` and `/baseline/…` (the page's files) and `/…/api/v1/status` (the document, full or
 * `?detail=summary`), `/…/api/v1/endpoints` (the list, or the batched detail with `?ids=`).
 */
export function serve(
  current: Map<string, string>,
  baseline: Map<string, string> | null,
  doc: () => Documents,
) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    const [, which, ...rest] = url.pathname.split("/");
    // `/<which>/static/`: the page hosted statically (config.json, the summary file).
    const hosted = rest[0] === "static";
    const file = rest.slice(hosted ? 1 : 0).join("/") || (hosted ? "index-static.html" : "index.html");
    if (hosted && (file === "config.json" || file === "summary-eu.json")) {
      const body = file === "config.json" ? doc().config : doc().summaryFile;
      return new Response(body, { headers: { "content-type": "application/json" } });
    }
    if (file === "api/v1/status") {
      const body = url.searchParams.get("detail") === "summary" ? doc().summary : doc().full;
      return new Response(body, { headers: { "content-type": "application/json" } });
    }
    if (file === "api/v1/endpoints") {
      if (url.searchParams.has("ids")) return batchAnswer(doc(), url);
      return new Response(doc().list, { headers: { "content-type": "application/json" } });
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
    // From the start, each frame: is every card on screen (at least one) drawn with its chart?
    await page.addInitScript(() => {
      const w = globalThis as unknown as { checkupPainted?: number };
      const check = () => {
        let seen = 0;
        let missing = false;
        for (const card of document.querySelectorAll("li.card")) {
          const box = card.getBoundingClientRect();
          if (box.height === 0 || box.bottom < 0) continue;
          if (box.top > innerHeight) break;
          seen++;
          if (!card.querySelector("svg.chart")) {
            missing = true;
            break;
          }
        }
        if (seen && !missing) w.checkupPainted = performance.now();
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
    await page.goto(url);
    await page.waitForFunction(() => performance.getEntriesByName("checkup-rendered").length > 0, undefined, {
      timeout: 120_000,
      polling: 10,
    });
    await page.waitForFunction(() => "checkupPainted" in globalThis, undefined, {
      timeout: 120_000,
      polling: 10,
    });
    const [rendered, painted, render] = await page.evaluate(() => {
      const mark = performance.getEntriesByName("checkup-rendered")[0].startTime;
      const data = performance.getEntriesByName("checkup-data")[0].startTime;
      return [mark, (globalThis as unknown as { checkupPainted: number }).checkupPainted, mark - data];
    });
    const charts = await page.locator("li.card svg.chart").count();
    if (!charts) throw new Error(`${url}: no chart drawn`);
    // This page measures its own refreshes (the compact document read again, answered from the cache, merged
    // and drawn); the baseline's refresh is one more render of the document it read.
    const refresh = await page.evaluate(async () => {
      if (performance.getEntriesByName("checkup-rendered").length && document.querySelector("#filter")) {
        const done = new Promise<number>((resolve) =>
          new PerformanceObserver((list) => {
            const m = list.getEntriesByName("checkup-refresh")[0];
            if (m) resolve(m.duration);
          }).observe({ type: "measure" })
        );
        document.dispatchEvent(new Event("visibilitychange"));
        return await done;
      }
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
  current.set("index-static.html", pageHtml({ source: "config.json", refresh: 3600 }));
  const baseline = await baselineAssets();
  if (!baseline) {
    say(`page: the baseline ${BASELINE.slice(0, 7)} cannot be read with git; measuring this page alone`);
  }
  let doc: Documents = { full: "", summary: "", byId: new Map(), list: "", config: "", summaryFile: "" };
  const server = serve(current, baseline, () => doc);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  const rows: Record<string, string | number>[] = [];
  const raw: Record<string, Record<string, Timing[]>> = {};
  try {
    for (const n of SIZES) {
      say(`page: ${n} endpoints …`);
      doc = documents(statusDocument(n, Math.floor(Date.now() / STEP) * STEP - STEP));
      const runs = n >= 10_000 ? Math.min(RUNS, 3) : RUNS;
      // Hosted statically (the browser merges the summary and computes the view): up to 2,000 endpoints.
      const hosted = n <= 2000 ? ["", "static "] : [""];
      const got: Record<string, Timing[]> = {};
      for (const mode of hosted) {
        got[`${mode}current`] = [];
        got[`${mode}baseline`] = [];
      }
      for (let i = 0; i < runs; i++) {
        for (const mode of hosted) {
          const path = mode ? "static/" : "";
          got[`${mode}current`].push(await load(browser, `${base}/current/${path}`));
          if (baseline) got[`${mode}baseline`].push(await load(browser, `${base}/baseline/${path}`));
        }
      }
      raw[n] = got;
      for (const mode of hosted) {
        for (const key of ["rendered", "render", "painted", "refresh"] as const) {
          const now = median(got[`${mode}current`].map((t) => t[key]));
          const before = baseline ? median(got[`${mode}baseline`].map((t) => t[key])) : NaN;
          rows.push({
            endpoints: n,
            metric: `${mode}${key} (median of ${runs})`,
            page: `${Math.round(now)} ms`,
            before: baseline ? `${Math.round(before)} ms` : "–",
            ratio: baseline ? `${(now / before).toFixed(2)}×` : "–",
            target: !mode && key === "painted" && n === 2000 ? "< 1000 ms" : "",
            ok: !mode && key === "painted" && n === 2000 ? (now < 1000 ? "yes" : "NO") : "",
          });
        }
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
