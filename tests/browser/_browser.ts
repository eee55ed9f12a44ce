/**
 * Headless Chromium for the page tests and the benchmark (playwright-core driving the Debian `chromium`
 * package; `playwright install` is never run), and the servers they load the page from.
 */
import assert from "node:assert/strict";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { join, normalize } from "node:path";
import { silentLogger } from "../../log.ts";
import { createStatusHandler, type StatusHandler, type StatusServerOptions } from "../../server/app.ts";
import { updateSummary } from "../../storage/summarizing.ts";
import type { Result } from "../../result.ts";
import type { Storage } from "../../storage/storage.ts";
import { servicesRequired } from "../helpers/_server.ts";
import { exportPage } from "../../cli/serve.ts";
import type { SiteLocations } from "../../cli/site_locations.ts";
import { byEndpoint } from "../../status/quorum_rules.js";
import { openStorage } from "../serve_fixture.ts";

/** Where the Debian package puts Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Launch flags for a container: no user namespaces for Chromium's sandbox and no GPU, and no background
 * requests (updates, sync) that would leave the machine during a test.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Where the page tests write their screenshots. */
export const SHOTS: URL = new URL("../../out/screenshots/", import.meta.url);

/**
 * A screenshot, `out/screenshots/<name>.png`: of the full page, or (`fullPage` false) of what is on screen (a
 * fleet's page draws its cards as they come into view, so a full page of it would be mostly placeholders).
 */
export async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await Deno.mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage });
}

/** Whether Chromium is installed; under CHECKUP_REQUIRE_SERVICES=1 a missing one throws. */
export function chromiumAvailable(): boolean {
  try {
    Deno.statSync(CHROMIUM);
    return true;
  } catch {
    if (servicesRequired()) throw new Error("chromium is not installed (apt-get install -y chromium)");
    // deno-lint-ignore no-console
    console.warn("skipping browser tests: chromium is not installed (apt-get install -y chromium)");
    return false;
  }
}

/** Starts headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** A status server on a free port of 127.0.0.1. */
export interface LiveServer {
  base: string;
  handler: StatusHandler;
  close(): Promise<void>;
}

/** Serves a storage through `checkup serve`'s handler, with all history read. */
export async function serveStorage(options: StatusServerOptions): Promise<LiveServer> {
  const handler = createStatusHandler(options);
  await handler.refresh();
  await handler.loader.backfill();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler.fetch);
  return { base: `http://127.0.0.1:${server.addr.port}`, handler, close: () => server.shutdown() };
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

/** A plain static file server over a directory (what S3 or GitHub Pages do), on 127.0.0.1. */
export function serveDirectory(dir: string): { base: string; close(): Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = normalize(decodeURIComponent(new URL(req.url).pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(dir, path.endsWith("/") ? `${path}index.html` : path);
    if (!file.startsWith(dir)) return new Response("forbidden", { status: 403 });
    try {
      const body = await Deno.readFile(file);
      const type = TYPES[file.slice(file.lastIndexOf("."))] ?? "application/octet-stream";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return { base: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

/** Stores rounds and keeps each node's summary as `checkup` does after storing. */
export function summarizingStorage(storage: Storage): Storage {
  return {
    type: storage.type,
    async store(results: readonly Result[], signal?: AbortSignal, options?: { at?: bigint }) {
      const name = await storage.store(results, signal, options);
      await updateSummary(storage, results, silentLogger, signal);
      return name;
    },
  };
}

/**
 * Grouped endpoints served by `checkup serve` (refresh: 1) from fs storage at `<dir>/site/checks`: `rounds`
 * rounds five minutes apart, ending now, each made by `round(at)` and summarized as `checkup` does.
 */
export async function serveGrouped(
  dir: string,
  title: string,
  order: readonly string[],
  groupOf: Record<string, string>,
  round: (at: number) => Result[],
  rounds: number,
): Promise<LiveServer> {
  const storage = openStorage({ type: "fs", dir: `${dir}/site/checks` });
  const now = Date.now();
  const summarizing = summarizingStorage(storage);
  for (let k = rounds - 1; k >= 0; k--) await summarizing.store(round(now - k * 5 * 60_000));
  return await serveStorage({
    reader: storage,
    title,
    order: [...order],
    refresh: 1,
    groups: byEndpoint(Object.entries(groupOf).map(([title, value]) => ({ title, value }))),
  });
}

/**
 * The cards every page test expects from the seeded data: three endpoints in config order with their
 * statuses, and both nodes on the first.
 */
export async function assertSeededCards(page: Page): Promise<void> {
  const cards = page.locator("#endpoints > li.card");
  assert.deepEqual(await cards.locator("h3").allTextContents(), ["Website", "API", "Database"]);
  assert.deepEqual(await cards.locator(".card-head .pill").allTextContents(), [
    "Operational",
    "Degraded",
    "Down",
  ]);
  assert.deepEqual(await cards.nth(0).locator("table.nodes tbody th").allTextContents(), [
    "eu-west",
    "us-east",
  ]);
}

/** A phone's browser context (for {@linkcode open}). */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

/** Tabs (at most 80 times) until the element matching `selector` has the focus. */
export async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    if (await page.evaluate((s) => document.activeElement === document.querySelector(s), selector)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`${selector} cannot be reached with the Tab key`);
}

/** A page opened by {@linkcode open}, with what it requested and every console error or page error. */
export interface Watched {
  page: Page;
  requests: string[];
  problems: string[];
}

/**
 * One round of `titles` at `at` (ms) from node `eu`: healthy (40 ms) unless `down(title)`, then down with
 * `error`.
 */
export function roundOf(
  titles: readonly string[],
  at: number,
  down: (title: string) => boolean,
  error = "response status 503 Service Unavailable",
): Result[] {
  return titles.map((title): Result => {
    const isDown = down(title);
    return {
      title,
      endpoint: `https://${title.toLowerCase()}.example.com/`,
      timestamp: BigInt(at) * 1_000_000n,
      times: [isDown ? { rtt: 0, error } : { rtt: 40e6 }],
      ...(isDown ? { down: true } : { healthy: true }),
      node: "eu",
    };
  });
}

/**
 * Opens `url` in a new context, records requests and problems, and waits until `ready` shows (by default
 * until the cards have charts).
 */
export async function open(
  browser: Browser,
  url: string,
  options: BrowserContextOptions = {},
  ready = "#endpoints li.card .chart",
): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on("request", (r) => void requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => void problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector(ready);
  return { page, requests, problems };
}

/**
 * Opens `url` on a phone (and checks nothing scrolls sideways) and in the dark theme (and checks `selector`
 * is not drawn on white), after `ready` on each; screenshots `<name>-phone` and `<name>-dark`. Returns the
 * problems both pages reported.
 */
export async function phoneAndDark(
  browser: Browser,
  url: string,
  name: string,
  selector: string,
  ready: (page: Page) => Promise<unknown> = () => Promise.resolve(),
  fullPage = true,
): Promise<string[]> {
  const phone = await open(browser, url, PHONE);
  await ready(phone.page);
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling on a phone (${overflow}px too wide)`);
  await shot(phone.page, `${name}-phone`, fullPage);
  const dark = await open(browser, url, { colorScheme: "dark" });
  await ready(dark.page);
  assert.notEqual(
    await dark.page.evaluate((s) => getComputedStyle(document.querySelector(s)!).backgroundColor, selector),
    "rgb(255, 255, 255)",
    `the dark theme draws ${selector} dark`,
  );
  await shot(dark.page, `${name}-dark`, fullPage);
  return [...phone.problems, ...dark.problems];
}

/**
 * Exports the page into `<dir>` (`serve --export` with `site` keys), points its config.json at `summaries`
 * and serves the directory.
 */
export async function exportAndServe(
  dir: string,
  site: SiteLocations,
  summaries: string[],
): Promise<{ base: string; close(): Promise<void> }> {
  await exportPage(dir, { config: "checkup.json", title: "Static status" }, site);
  const config = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
  config.summaries = summaries;
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
  return serveDirectory(dir);
}
