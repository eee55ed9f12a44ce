// @ts-check
/// <reference lib="dom" />
/**
 * Incidents on the page: the active ones on top of the status page, the history (`?incidents`, paged, by
 * month) and one incident with its timeline (`?incident=<id>`). Query routes, so the same files work from
 * `checkup serve` (which answers `api/v1/incidents`) and from static hosting (where `checkup serve --export`
 * wrote `incidents.json`, or the file `config.json` names in `incidents`).
 *
 * @module
 */
import { h, replace } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { formatAgo, formatDateTime } from "./format.js";
import { humanDuration } from "../../status/duration.js";
import { incidentPage, isIncidentId, worstImpact } from "../../status/incidents.js";

/** @typedef {import("../../status/operations.js").Incident} Incident */
/** @typedef {import("../../status/operations.js").IncidentUpdate} IncidentUpdate */
/** @typedef {import("../../status/incidents.js").IncidentPage} IncidentPage */

/** Words for each state. */
export const STATE_WORDS = /** @type {Record<string, string>} */ ({
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
});
/** Words and colours (status classes) for each impact. */
const IMPACTS = /** @type {Record<string, { word: string, status: string }>} */ ({
  major: { word: "Major outage", status: "down" },
  partial: { word: "Partial outage", status: "partial" },
  degraded: { word: "Degraded performance", status: "degraded" },
});

/**
 * @typedef {object} IncidentSource Where the page reads incidents.
 * @property {(page: number) => Promise<IncidentPage>} page One page of the history (page 1: active ones too).
 * @property {(id: string) => Promise<Incident | undefined>} one One incident.
 */

/**
 * The incidents of `checkup serve` (`api` is the URL of `api/v1/status`) or of a static site (`file`, the
 * incidents file; none: no incidents).
 * @param {{ api?: string, file?: string }} where
 * @param {(url: string) => Promise<any>} getJson throws an error with `status` on an HTTP error
 * @returns {IncidentSource}
 */
export function incidentSource(where, getJson) {
  if (where.api) {
    const base = where.api.replace(/status$/, "incidents");
    return {
      page: (n) => getJson(`${base}?page=${n}`),
      one: (id) =>
        getJson(`${base}/${encodeURIComponent(id)}`).then((r) => r.incident, (e) => {
          if (e.status === 404) return undefined;
          throw e;
        }),
    };
  }
  const file = where.file;
  /** @returns {Promise<Incident[]>} */
  const all = () =>
    !file
      ? Promise.resolve([])
      : getJson(file).then((r) => (Array.isArray(r?.incidents) ? r.incidents : []), (e) => {
        if (e.status === 404) return [];
        throw e;
      });
  return {
    page: async (n) => incidentPage(await all(), n),
    one: async (id) => (await all()).find((i) => i.id === id),
  };
}

/** @param {number} t @param {number} now */
function when(t, now) {
  return h(
    "time",
    { datetime: new Date(t).toISOString(), title: formatDateTime(t), "data-ago": t, "data-style": "long" },
    formatAgo(t, now),
  );
}

/** A state badge. @param {string} state */
function stateBadge(state) {
  return h("span", { class: `state ${state}` }, STATE_WORDS[state] ?? state);
}

/** The link to one incident. @param {Incident} i */
function link(i) {
  return h("a", { href: `?incident=${encodeURIComponent(i.id)}` }, h("bdi", {}, i.title));
}

/** The affected endpoints and groups with their impact. @param {Incident["affected"]} affected */
function affectedList(affected) {
  if (!affected.length) return h("p", { class: "affected" }, "Affects all services");
  return h(
    "ul",
    { class: "affected", "aria-label": "Affected services" },
    affected.map((a) =>
      h(
        "li",
        { class: `pill ${IMPACTS[a.impact]?.status ?? "unknown"}`, title: IMPACTS[a.impact]?.word },
        h("span", { class: "dot", "aria-hidden": "true" }),
        h("bdi", {}, a.title),
        h("span", { class: "impact" }, ` · ${a.impact}`),
      )
    ),
  );
}

/** The colour of an incident: its worst impact while active, resolved when over. @param {Incident} i */
function statusOf(i) {
  if (i.state === "resolved") return "healthy";
  return IMPACTS[worstImpact(i.affected) ?? "major"].status;
}

/**
 * One active incident as a card: title, state, impact, its latest update and what it affects.
 * @param {Incident} i @param {number} now
 */
function activeCard(i, now) {
  const latest = i.updates[i.updates.length - 1];
  const impact = worstImpact(i.affected);
  return h(
    "article",
    { class: `incident-card ${statusOf(i)}`, id: `incident-${i.id}` },
    h(
      "div",
      { class: "incident-head" },
      h("h3", {}, link(i)),
      stateBadge(i.state),
      i.automatic
        ? h("span", { class: "auto", title: "Opened by Checkup when the service went down" }, "automatic")
        : null,
    ),
    h(
      "p",
      { class: "incident-meta" },
      impact ? `${IMPACTS[impact].word} · ` : "",
      "Started ",
      when(i.started, now),
      " · updated ",
      when(latest.t, now),
    ),
    h("div", { class: "message-text", dir: "auto" }, renderMarkdown(latest.text)),
    affectedList(i.affected),
  );
}

/**
 * The active incidents on top of the status page (hidden when there are none).
 * @param {HTMLElement} section @param {readonly Incident[]} active @param {number} now
 */
export function renderActive(section, active, now) {
  section.hidden = !active.length;
  const list = /** @type {HTMLElement} */ (section.querySelector(".incident-list"));
  replace(list, active.map((i) => activeCard(i, now)));
}

/** One row of the history. @param {Incident} i */
function historyRow(i) {
  const span = i.resolved !== undefined
    ? `${formatDateTime(i.started)} – lasted ${humanDuration((i.resolved - i.started) * 1e6)}`
    : `Since ${formatDateTime(i.started)}`;
  return h(
    "li",
    { class: `history-row ${statusOf(i)}` },
    h("span", { class: "marker", "aria-hidden": "true" }),
    h(
      "div",
      {},
      h("p", { class: "history-title" }, link(i), " ", stateBadge(i.state)),
      h("p", { class: "incident-meta" }, span),
    ),
  );
}

const monthName = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric", timeZone: "UTC" });

/**
 * The history page: active incidents, then resolved ones by month, with links to the other pages.
 * @param {HTMLElement} el @param {IncidentPage} page @param {number} now
 */
export function renderHistory(el, page, now) {
  const pager = h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    page.page > 1 ? h("a", { href: `?incidents&page=${page.page - 1}`, rel: "prev" }, "← Newer") : null,
    h("span", {}, `Page ${page.page} of ${page.pages}`),
    page.page < page.pages
      ? h("a", { href: `?incidents&page=${page.page + 1}`, rel: "next" }, "Older →")
      : null,
  );
  replace(
    el,
    h("p", { class: "back" }, h("a", { href: "./" }, "← Current status")),
    h("h2", { id: "incident-view-h" }, "Incident history"),
    page.active.length
      ? h(
        "section",
        { class: "month" },
        h("h3", {}, "Active"),
        h("div", { class: "incident-list" }, page.active.map((i) => activeCard(i, now))),
      )
      : null,
    page.months.map((m) =>
      h(
        "section",
        { class: "month" },
        h("h3", {}, monthName.format(Date.parse(`${m.month}-01T00:00:00Z`))),
        h("ol", { class: "history-list" }, m.incidents.map(historyRow)),
      )
    ),
    !page.active.length && !page.months.length
      ? h("p", { class: "empty-note" }, "No incidents reported.")
      : null,
    page.pages > 1 ? pager : null,
  );
}

/** One update of an incident's timeline. @param {IncidentUpdate} u @param {IncidentUpdate | undefined} before @param {number} now */
function updateItem(u, before, now) {
  const changed = before && JSON.stringify(before.affected) !== JSON.stringify(u.affected);
  return h(
    "li",
    { class: `event update ${u.state === "resolved" ? "healthy" : ""}`, id: `update-${u.id}` },
    h("span", { class: "marker", "aria-hidden": "true" }),
    h(
      "div",
      { class: "event-body" },
      h(
        "p",
        { class: "event-head" },
        stateBadge(u.state),
        " ",
        when(u.t, now),
        h("span", { class: "event-meta" }, ` · ${formatDateTime(u.t)}`),
      ),
      h("div", { class: "message-text", dir: "auto" }, renderMarkdown(u.text)),
      changed ? affectedList(u.affected) : null,
    ),
  );
}

/**
 * One incident's page: title, state, impact, what it affects and its updates, newest first.
 * @param {HTMLElement} el @param {Incident | undefined} i @param {string} id @param {number} now
 */
export function renderIncident(el, i, id, now) {
  const back = h(
    "p",
    { class: "back" },
    h("a", { href: "./" }, "← Current status"),
    " · ",
    h("a", { href: "?incidents" }, "Incident history"),
  );
  if (!i) {
    replace(
      el,
      back,
      h("h2", { id: "incident-view-h" }, "Incident not found"),
      h(
        "p",
        { class: "empty-note" },
        isIncidentId(id) ? `No incident has the id ${id}.` : "This is not an incident id.",
      ),
    );
    return;
  }
  const impact = worstImpact(i.affected);
  const updates = [...i.updates].reverse();
  replace(
    el,
    back,
    h(
      "article",
      { class: `incident-page ${statusOf(i)}` },
      h(
        "div",
        { class: "incident-head" },
        h("h2", { id: "incident-view-h" }, h("bdi", {}, i.title)),
        stateBadge(i.state),
      ),
      h(
        "p",
        { class: "incident-meta" },
        impact && i.state !== "resolved" ? `${IMPACTS[impact].word} · ` : "",
        `Started ${formatDateTime(i.started)}`,
        i.resolved !== undefined
          ? ` · resolved ${formatDateTime(i.resolved)}, after ${
            humanDuration((i.resolved - i.started) * 1e6)
          }`
          : "",
        i.automatic ? " · opened automatically" : "",
      ),
      affectedList(i.affected),
      h("h3", {}, "Updates"),
      h(
        "ol",
        { class: "timeline incident-timeline" },
        updates.map((u, k) => updateItem(u, updates[k + 1], now)),
      ),
    ),
  );
}
