// @ts-check
/// <reference lib="dom" />
/**
 * The status page's entry point. With `checkup serve` the page makes one request per refresh
 * (`api/v1/status`, answered 304 when nothing changed); hosted statically it reads `config.json` once,
 * then the per-node summary files, merges them and computes the same view in the browser. A source
 * that fails to load is reported, never left "Loading" forever.
 *
 * @module
 */
// Loaded beside the first data request, not before it.
const rendering = import("./render.js");

/** @typedef {import("../../status/view.js").StatusView} StatusView */

/** @param {string} name */
const meta = (name) => document.querySelector(`meta[name="checkup-${name}"]`)?.getAttribute("content") ?? "";

const RANGES = ["24h", "7d", "30d", "90d"];
const source = meta("source") || "config.json";
const api = source.endsWith("/status");
const refreshSeconds = Math.max(1, Number(meta("refresh")) || 60);
let range = RANGES.includes(meta("range")) ? meta("range") : "24h";
/** @type {StatusView | undefined} */
let current;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
/** @type {{ title?: string, logo?: string, summaries?: string[], refresh?: number } | undefined} */
let config;

const fromHash = new URLSearchParams(location.hash.slice(1)).get("range");
if (fromHash && RANGES.includes(fromHash)) range = fromHash;

/** @param {string} url */
async function getJson(url) {
  const res = await fetch(url, { cache: "no-cache", headers: { accept: "application/json" } });
  if (!res.ok) {
    const err = new Error(`${url}: HTTP ${res.status}`);
    /** @type {any} */ (err).status = res.status;
    throw err;
  }
  return await res.json();
}

/** One refresh from `checkup serve`. @returns {Promise<StatusView>} */
async function fromApi() {
  return await getJson(`${source}?range=${encodeURIComponent(range)}`);
}

/** One refresh from static summary files. @returns {Promise<StatusView & { problem?: string }>} */
async function fromSummaries() {
  const [{ Rollup }, { decodeRollup }, { statusView }] = await Promise.all([
    import("../../status/rollup.js"),
    import("../../status/codec.js"),
    import("../../status/view.js"),
  ]);
  if (!config) {
    config = await getJson(source);
    if (!Array.isArray(config?.summaries) || !config.summaries.length) {
      throw new Error(`${source}: expected "summaries": a list of summary file URLs`);
    }
    if (config.title) document.title = config.title;
    if (config.logo) /** @type {HTMLImageElement} */ (document.getElementById("logo")).src = config.logo;
  }
  const summaries = /** @type {string[]} */ (config.summaries);
  const loaded = await Promise.allSettled(summaries.map((url) => getJson(url)));
  const rollup = new Rollup();
  /** @type {string[]} */
  const failed = [];
  loaded.forEach((r, i) => {
    if (r.status === "rejected") return void failed.push(/** @type {Error} */ (r.reason).message);
    try {
      rollup.merge(decodeRollup(r.value));
    } catch (e) {
      failed.push(`${summaries[i]}: ${/** @type {Error} */ (e).message}`);
    }
  });
  if (failed.length === summaries.length) throw new Error(`no summary could be read: ${failed.join("; ")}`);
  /** @type {StatusView & { problem?: string }} */
  const view = statusView(rollup, { range, title: config.title || "Status" });
  if (failed.length) view.problem = `Some locations could not be read: ${failed.join("; ")}`;
  return view;
}

async function refresh() {
  clearTimeout(timer);
  let next = refreshSeconds * 1000;
  try {
    const view =
      /** @type {StatusView & { problem?: string }} */ (api ? await fromApi() : await fromSummaries());
    const { notice, renderPage } = await rendering;
    const first = !current;
    if (first) performance.mark("checkup-data");
    current = view;
    renderPage(view, Date.now());
    notice(view.problem);
    if (first) performance.mark("checkup-rendered");
    if (view.complete === false) next = Math.min(next, 5000);
  } catch (e) {
    const { notice } = await rendering;
    const err = /** @type {Error & { status?: number }} */ (e);
    if (err.status === 503) {
      notice("The server is starting and still reading stored checks…");
      next = 2000;
    } else notice(`Could not refresh the status: ${err.message}. Retrying.`);
    if (!current) {
      /** @type {HTMLElement} */ (document.getElementById("overall-text")).textContent = "Status unavailable";
    }
  }
  if (!document.hidden) timer = setTimeout(refresh, next);
}

/** @param {string} name */
function selectRange(name) {
  if (!RANGES.includes(name) || name === range) return;
  range = name;
  history.replaceState(null, "", `#range=${name}`);
  for (const b of document.querySelectorAll("[data-range]")) {
    b.setAttribute("aria-pressed", String(b.getAttribute("data-range") === name));
  }
  refresh();
}

for (const b of document.querySelectorAll("[data-range]")) {
  b.addEventListener("click", () => selectRange(b.getAttribute("data-range") ?? ""));
}
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) refresh();
  else clearTimeout(timer);
});
/** @type {ReturnType<typeof setTimeout> | undefined} */
let resizeTimer;
let lastWidth = globalThis.innerWidth;
globalThis.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (current && globalThis.innerWidth !== lastWidth) {
      rendering.then((r) => current && r.renderPage(current, Date.now()));
    }
    lastWidth = globalThis.innerWidth;
  }, 150);
});
setInterval(() => rendering.then((r) => r.updateTimes(Date.now())), 30_000);
refresh();
