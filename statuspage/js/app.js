// @ts-check
/// <reference lib="dom" />
/**
 * The status page's entry point. With `checkup serve` the page reads the compact status document each
 * refresh (`api/v1/status?detail=summary`, answered 304 when nothing changed) and, for a fleet, the detail of
 * the cards near the screen in batches (`api/v1/endpoints?ids=…`, see detail.js); a page of
 * {@link FLEET} endpoints or fewer reads the full document (`api/v1/status`) instead. Hosted statically it
 * reads `config.json` once, then the per-node summary files, merges them and computes the same view in the
 * browser. A source that fails to load is reported, never left "Loading" forever.
 *
 * @module
 */
import { FLEET, needsAttention, OPEN_UP_TO } from "./fleet.js";
// Loaded beside the first data request, not before it.
const rendering = import("./render.js");
const incidentPages = import("./incidents.js");
/** Query routes (they work on static hosting too): `?incidents[&page=N]` and `?incident=<id>`. */
const params = new URLSearchParams(location.search);
const route = params.has("incident") ? "incident" : params.has("incidents") ? "history" : "status";
/** The filter of a fleet's page (`?q=`), kept across refreshes and in the URL. */
let query = (params.get("q") ?? "").slice(0, 500);

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
/**
 * @typedef {object} SiteConfig A static site's `config.json`.
 * @property {string} [title]
 * @property {string} [logo]
 * @property {string[]} [summaries]
 * @property {number} [refresh]
 * @property {number | string} [quorum] Several locations: the quorum of every endpoint (`2`, `"50%"`).
 * @property {Record<string, number | string>} [quorum_by_title] A checker's own quorum, by title.
 * @property {string} [silent_after] A location with no result for this long is silent (`"600s"`, `"10m"`).
 * @property {Record<string, string>} [groups_by_title] A checker's group, by title.
 * @property {{ rules?: unknown, windows?: unknown }} [maintenance] Maintenance windows (written by
 *   `checkup serve --export`): the config's rules and the ad hoc windows stored at export time.
 * @property {string} [incidents] The incidents file (`incidents.json`, written and named by `--export`).
 */
/** @type {SiteConfig | undefined} */
let config;
/** @type {import("../../status/view.js").ViewOptions} */
let locationOptions = {};
/** Problems with config.json's location keys, shown with each refresh. @type {string[]} */
let configProblems = [];
/** The maintenance windows of config.json, evaluated at each refresh. @type {(now: number) => import("../../status/operations.js").MaintenanceWindow[]} */
let windowsAt = () => [];

/**
 * The maintenance key of config.json: the windows around an instant, or a problem when its shape is wrong.
 * @param {SiteConfig["maintenance"]} m
 */
async function maintenanceOf(m) {
  if (m === undefined) return { at: () => [], problems: [] };
  const { windowsBetween, LOOK_BACK_MS, UPCOMING_MS } = await import("../../status/maintenance.js");
  const list = (/** @type {unknown} */ v) => (Array.isArray(v) ? v : []);
  const fine = typeof m === "object" && m !== null &&
    list(m.rules).every((r) => typeof r?.title === "string" && Number.isFinite(r?.duration)) &&
    list(m.windows).every((w) =>
      typeof w?.id === "string" && Number.isFinite(w?.start) && Number.isFinite(w?.end)
    );
  if (!fine) {
    return {
      at: () => [],
      problems: [
        `${source}: maintenance: expected {"rules": [...], "windows": [...]} as checkup serve --export writes it`,
      ],
    };
  }
  const rules = list(m.rules), windows = list(m.windows);
  return {
    at: (/** @type {number} */ now) =>
      windowsBetween(rules, windows, now - LOOK_BACK_MS, now + UPCOMING_MS + 1),
    problems: [],
  };
}

const UNITS =
  /** @type {Record<string, number>} */ ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 });

/**
 * The quorum and silence keys of config.json as view options (what `checkup serve --export` writes from
 * the checkup config), with a message for each key that is not what was expected.
 * @param {SiteConfig} c
 */
async function quorumOptions(c) {
  const [{ parseQuorum }, { quorumRules }] = await Promise.all([
    import("../../status/quorum.js"),
    import("../../status/quorum_rules.js"),
  ]);
  /** @type {string[]} */
  const problems = [];
  /** @param {string} where @param {unknown} value */
  const rule = (where, value) => {
    if (value === undefined) return undefined;
    const r = parseQuorum(value);
    if (typeof r !== "string") return r;
    problems.push(`${source}: ${where}: ${r}`);
    return undefined;
  };
  const fallback = rule("quorum", c.quorum);
  /** @type {import("../../status/quorum_rules.js").EndpointQuorum[]} */
  const rules = [];
  const byTitle = c.quorum_by_title ?? {};
  if (typeof byTitle !== "object" || byTitle === null || Array.isArray(byTitle)) {
    problems.push(`${source}: quorum_by_title: expected an object of titles and quorums like {"API": 2}`);
  }
  for (const [title, value] of Array.isArray(byTitle) ? [] : Object.entries(byTitle)) {
    const r = rule(`quorum_by_title[${JSON.stringify(title)}]`, value);
    if (r) rules.push({ title, quorum: r });
  }
  /** @type {number | undefined} */
  let silentAfter;
  if (c.silent_after !== undefined) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(String(c.silent_after));
    if (m && Number(m[1]) > 0) silentAfter = Number(m[1]) * UNITS[m[2]];
    else {
      problems.push(
        `${source}: silent_after: expected a duration like "600s" or "10m", found ${
          JSON.stringify(c.silent_after)
        }`,
      );
    }
  }
  const groupsByTitle = c.groups_by_title ?? {};
  /** @type {Map<string, string>} */
  const groups = new Map();
  if (typeof groupsByTitle !== "object" || groupsByTitle === null || Array.isArray(groupsByTitle)) {
    problems.push(
      `${source}: groups_by_title: expected an object of titles and groups like {"API": "Payments"}`,
    );
  } else {
    for (const [title, group] of Object.entries(groupsByTitle)) {
      if (typeof group === "string" && group.length >= 1 && group.length <= 100) groups.set(title, group);
      else {
        problems.push(
          `${source}: groups_by_title[${
            JSON.stringify(title)
          }]: expected a group name of 1 to 100 characters, found ${JSON.stringify(group)}`,
        );
      }
    }
  }
  return {
    options: {
      quorum: quorumRules(fallback, rules),
      silentAfter,
      ...(groups.size ? { groups: (/** @type {string} */ title) => groups.get(title) } : {}),
    },
    problems,
  };
}

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

/** With `checkup serve`: a fleet is painted from the compact document ("summary"), a small page from the full one. */
let apiMode = /** @type {"summary" | "full"} */ ("summary");
/** The last compact document read (a fleet's page with `checkup serve`). @type {any} */
let summary;
/** The details of the cards near the screen. @type {ReturnType<typeof import("./detail.js").detailLoader> | undefined} */
let details;
/** The address of each endpoint by id, for the filter (read from `api/v1/endpoints` when it is used). @type {Map<string, string> | undefined} */
let addresses;
/** The batched detail route and the endpoint list beside the status document. */
const endpointsUrl = source.replace(/status$/, "endpoints");

/** The details source of the page drawn now, if it is painted from the compact document. */
const fleetDetails = () => (api && apiMode === "summary" && summary ? details : undefined);

/**
 * The page's view from the compact document and the details read so far: an endpoint with its detail is
 * drawn whole (its status and uptime as the summary says); one without only as its heading and status. The
 * timeline is the document's newest incidents and messages.
 * @returns {StatusView}
 */
function fleetView() {
  const s = summary;
  /** @param {{ endpoint: string }[]} list */
  const byEndpoint = (list) => {
    /** @type {Map<string, any[]>} */
    const m = new Map();
    for (const x of Array.isArray(list) ? list : []) {
      const { endpoint, ...rest } = x;
      const l = m.get(endpoint);
      if (l) l.push(rest);
      else m.set(endpoint, [rest]);
    }
    return m;
  };
  const incidents = byEndpoint(s.recent?.incidents);
  const messages = byEndpoint(s.recent?.messages);
  return {
    title: s.title,
    status: s.status,
    updated: s.updated,
    range: s.range,
    complete: s.complete,
    ...(s.groups ? { groups: s.groups } : {}),
    messages: s.messages ?? [],
    locations: s.locations ?? [],
    ...(s.maintenance ? { maintenance: s.maintenance } : {}),
    endpoints: s.endpoints.map((/** @type {any} */ e) => {
      const d = details?.detail(e.id);
      return {
        ...d,
        ...e,
        endpoint: d?.endpoint ?? addresses?.get(e.id) ?? "",
        incidents: incidents.get(e.id) ?? [],
        messages: messages.get(e.id) ?? [],
      };
    }),
  };
}

/** Draws the page again (details arrived, the filter or the width changed). */
function redraw() {
  if (!current || route !== "status") return;
  if (fleetDetails()) current = fleetView();
  const view = current;
  rendering.then((r) => r.renderPage(view, Date.now(), query, fleetDetails()));
}

/** Details arrived: their cards are drawn again (not the whole page). @param {string[]} ids */
function detailsArrived(ids) {
  if (!current || route !== "status" || !fleetDetails()) return;
  current = fleetView();
  const view = current;
  rendering.then((r) => r.fillDetails(view, ids));
}

/** Cards on the first screen of a fleet's page, guessed from the summary to ask their detail at once. */
const FIRST_SCREEN = 6;

/** The filter also matches addresses: read once it is used, and again when endpoints were added. */
async function readAddresses() {
  if (!fleetDetails() || !filterWordsUsed() || !summary) return;
  if (addresses && summary.endpoints.every((/** @type {{ id: string }} */ e) => addresses?.has(e.id))) return;
  try {
    const body = await getJson(endpointsUrl);
    addresses = new Map(
      (Array.isArray(body?.endpoints) ? body.endpoints : []).map((
        /** @type {any} */ e,
      ) => [e.id, e.endpoint]),
    );
    redraw();
  } catch {
    // The filter matches titles, groups and statuses meanwhile; the next refresh tries again.
  }
}
const filterWordsUsed = () => query.trim() !== "";

/** One refresh from `checkup serve`. @returns {Promise<StatusView>} */
async function fromApi() {
  const url = `${source}?range=${encodeURIComponent(range)}`;
  if (apiMode === "full") {
    const view = await getJson(url);
    if (view.endpoints.length <= FLEET) return view;
    apiMode = "summary";
  }
  const s = await getJson(`${url}&detail=summary`);
  if (!Array.isArray(s?.endpoints)) throw new Error(`${url}&detail=summary: expected {"endpoints": [...]}`);
  if (s.endpoints.length <= FLEET) {
    // A small page: one request for everything from now on.
    apiMode = "full";
    summary = undefined;
    return await getJson(url);
  }
  summary = s;
  details ??= (await import("./detail.js")).detailLoader({
    url: endpointsUrl,
    getJson,
    loaded: detailsArrived,
  });
  details.summary(s.endpoints, s.range.name);
  if (!current) {
    // The first screen's cards (those needing attention first, then the others outside large groups) are
    // asked for beside the first render, not after it.
    const size = new Map();
    for (const e of s.endpoints) if (e.group) size.set(e.group, (size.get(e.group) ?? 0) + 1);
    const first = [
      ...s.endpoints.filter(needsAttention),
      ...s.endpoints.filter((/** @type {any} */ e) =>
        !needsAttention(e) && (size.get(e.group) ?? 0) <= OPEN_UP_TO
      ),
    ];
    for (const e of first.slice(0, FIRST_SCREEN)) details.need(e.id);
  }
  return fleetView();
}

/** One refresh from static summary files. @returns {Promise<StatusView & { problem?: string }>} */
async function fromSummaries() {
  // The status model loads beside config.json and the summaries, and the summaries are read beside the
  // config's quorum and maintenance keys: nothing waits for what it does not need.
  const model = Promise.all([import("../../status/codec.js"), import("../../status/view.js")]);
  model.catch(() => {}); // a failure is reported where it is awaited
  const first = !config;
  if (!config) {
    config = await getJson(source);
    if (!Array.isArray(config?.summaries) || !config.summaries.length) {
      throw new Error(`${source}: expected "summaries": a list of summary file URLs`);
    }
    if (config.title) document.title = config.title;
    if (config.logo) /** @type {HTMLImageElement} */ (document.getElementById("logo")).src = config.logo;
  }
  const summaries = /** @type {string[]} */ (config.summaries);
  const reading = Promise.allSettled(summaries.map((url) => getJson(url)));
  if (first) {
    const [quorum, maintenance] = await Promise.all([
      quorumOptions(config),
      maintenanceOf(config.maintenance),
    ]);
    ({ options: locationOptions, problems: configProblems } = quorum);
    windowsAt = maintenance.at;
    configProblems.push(...maintenance.problems);
  }
  const [[{ decodeRollup }, { statusView }], loaded] = await Promise.all([model, reading]);
  // The first summary read is the rollup the others are merged into: merging it into an empty one would
  // copy every slot of every endpoint again (most of a fleet's load time with one location).
  /** @type {import("../../status/rollup.js").Rollup | undefined} */
  let merged;
  /** @type {string[]} */
  const failed = [];
  loaded.forEach((r, i) => {
    if (r.status === "rejected") return void failed.push(/** @type {Error} */ (r.reason).message);
    try {
      const decoded = decodeRollup(r.value);
      if (merged) merged.merge(decoded);
      else merged = decoded;
    } catch (e) {
      failed.push(`${summaries[i]}: ${/** @type {Error} */ (e).message}`);
    }
  });
  if (!merged) throw new Error(`no summary could be read: ${failed.join("; ")}`);
  const rollup = merged;
  const now = Date.now();
  /** @type {StatusView & { problem?: string }} */
  const view = statusView(rollup, {
    range,
    now,
    title: config.title || "Status",
    ...locationOptions,
    maintenance: windowsAt(now),
    // The bars of the cards near the screen only are computed (the rollup is this refresh's own).
    lazySlots: true,
  });
  const problems = [...configProblems];
  if (failed.length) problems.push(`Some locations could not be read: ${failed.join("; ")}`);
  if (problems.length) view.problem = problems.join(" ");
  return view;
}

/** Where the incidents are read: the API of `checkup serve`, or the static site's incidents file. */
async function incidents() {
  const { incidentSource } = await incidentPages;
  if (api) return incidentSource({ api: source }, getJson);
  config ??= await getJson(source);
  const file = typeof config?.incidents === "string" ? config.incidents : undefined;
  return incidentSource({ file }, getJson);
}

/** The active incidents on top of the status page; a failure keeps what is shown. */
async function refreshIncidents() {
  try {
    const [page, { renderActive }] = await Promise.all([(await incidents()).page(1), incidentPages]);
    renderActive(
      /** @type {HTMLElement} */ (document.getElementById("active-incidents")),
      page.active,
      Date.now(),
    );
  } catch {
    // The status is shown whatever happens to the incidents; the next refresh tries again.
  }
}

/** The history or one incident, instead of the status. */
async function showIncidents() {
  clearTimeout(timer);
  document.body.classList.add("incident-mode");
  const el = /** @type {HTMLElement} */ (document.getElementById("incident-view"));
  el.hidden = false;
  try {
    const [src, pages, { notice }] = await Promise.all([incidents(), incidentPages, rendering]);
    const site = (!api && config?.title) || document.getElementById("page-title")?.textContent || "Status";
    if (config?.title) {
      /** @type {HTMLElement} */ (document.getElementById("page-title")).textContent = config.title;
    }
    if (config?.logo) /** @type {HTMLImageElement} */ (document.getElementById("logo")).src = config.logo;
    if (route === "history") {
      const page = Math.max(1, Math.floor(Number(params.get("page"))) || 1);
      pages.renderHistory(el, await src.page(page), Date.now());
      document.title = `Incident history · ${site}`;
    } else {
      const id = params.get("incident") ?? "";
      const incident = await src.one(id);
      pages.renderIncident(el, incident, id, Date.now());
      document.title = `${incident ? incident.title : "Incident not found"} · ${site}`;
    }
    notice(undefined);
  } catch (e) {
    const { notice } = await rendering;
    notice(`Could not read the incidents: ${/** @type {Error} */ (e).message}. Retrying.`);
  }
  if (!document.hidden) timer = setTimeout(showIncidents, refreshSeconds * 1000);
}

/** One refresh; `incidents`: read the incidents too (not on a range switch: they do not depend on it). */
async function refresh(incidents = true) {
  if (route !== "status") return showIncidents();
  clearTimeout(timer);
  let next = refreshSeconds * 1000;
  const start = performance.now();
  try {
    let view =
      /** @type {StatusView & { problem?: string }} */ (api ? await fromApi() : await fromSummaries());
    const { notice, renderPage, drawn } = await rendering;
    // With the details that arrived meanwhile (those of the first screen may have).
    if (fleetDetails()) view = fleetView();
    const first = !current;
    if (first) performance.mark("checkup-data");
    current = view;
    renderPage(view, Date.now(), query, fleetDetails());
    readAddresses();
    notice(view.problem);
    if (incidents) await refreshIncidents();
    if (first) {
      await drawn();
      performance.mark("checkup-rendered");
    } // What each refresh costs (read, merge, draw), for the benchmark.
    else {
      performance.clearMeasures("checkup-refresh");
      performance.measure("checkup-refresh", { start });
    }
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
  refresh(false);
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
    if (current && globalThis.innerWidth !== lastWidth) redraw();
    lastWidth = globalThis.innerWidth;
  }, 150);
});
/**
 * The filter box: each change draws the page again (keyed: only the cards shown change) and is kept in the
 * URL (`?q=`, beside the other query routes and the `#range=` hash) without adding to the history.
 */
const filterInput = /** @type {HTMLInputElement} */ (document.getElementById("filter-input"));
filterInput.value = query;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let filterTimer;
function applyFilter() {
  clearTimeout(filterTimer);
  query = filterInput.value.slice(0, 500);
  const url = new URL(location.href);
  if (query.trim()) url.searchParams.set("q", query);
  else url.searchParams.delete("q");
  history.replaceState(null, "", url);
  redraw();
  readAddresses();
}
filterInput.addEventListener("input", () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(applyFilter, 150);
});
// Escape clears the filter (and the focus stays in the box).
filterInput.addEventListener("keydown", (ev) => {
  if (ev.key !== "Escape" || !filterInput.value) return;
  ev.preventDefault();
  filterInput.value = "";
  applyFilter();
});
setInterval(() => rendering.then((r) => r.updateTimes(Date.now())), 30_000);
refresh();
