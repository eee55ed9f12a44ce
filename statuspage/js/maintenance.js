// @ts-check
/// <reference lib="dom" />
/**
 * Maintenance on the page: the note on a card while a window covers it (its title, its end, its message,
 * and what the checks say), and the list of windows open now and within 7 days.
 *
 * @module
 */
import { h, replace } from "./dom.js";
import { formatAgo, formatDateTime } from "./format.js";
import { renderMarkdown } from "./markdown.js";

/** @typedef {import("../../status/view.js").StatusView} StatusView */
/** @typedef {import("../../status/view.js").EndpointView} EndpointView */
/** @typedef {import("../../status/operations.js").MaintenanceWindow} MaintenanceWindow */

/** Words for what the checks of an endpoint in maintenance say. */
const CHECKED = /** @type {Record<string, string>} */ ({
  healthy: "operational",
  partial: "failing from some locations",
  degraded: "degraded",
  down: "down",
  unknown: "not reporting",
});

/** An absolute time with the relative one after it. @param {number} t @param {number} now */
function when(t, now) {
  return h(
    "time",
    { datetime: new Date(t).toISOString(), title: formatAgo(t, now) },
    formatDateTime(t),
  );
}

/**
 * The note on a card whose endpoint a window covers; null otherwise.
 * @param {EndpointView} e @param {number} now
 */
export function maintenanceNote(e, now) {
  const m = e.maintenance;
  if (!m) return null;
  return h(
    "div",
    { class: "maintenance-note" },
    h(
      "p",
      {},
      h("strong", {}, "Under maintenance: "),
      h("bdi", {}, m.title),
      ", until ",
      when(m.end, now),
      e.checked ? ` · checks say ${CHECKED[e.checked] ?? e.checked}` : "",
    ),
    m.message ? h("div", { class: "message-text", dir: "auto" }, renderMarkdown(m.message)) : null,
  );
}

/**
 * Whether the card's uptime for the range shown left maintenance time out (the card says so).
 * @param {EndpointView} e @param {string} range
 */
export function uptimeExcludesMaintenance(e, range) {
  return (e.uptime_excludes_maintenance ?? []).some((r) => r === range);
}

/** @param {MaintenanceWindow} w @param {boolean} open @param {number} now */
function windowItem(w, open, now) {
  return h(
    "li",
    { class: `window ${open ? "open" : "upcoming"}` },
    h(
      "p",
      { class: "window-head" },
      h("span", { class: "tag" }, open ? "In progress" : "Scheduled"),
      " ",
      h("strong", { dir: "auto" }, w.title),
    ),
    h(
      "p",
      { class: "event-meta" },
      open ? ["Until ", when(w.end, now)] : [when(w.start, now), " to ", when(w.end, now)],
      " · ",
      w.about.length ? ["Affects ", h("bdi", {}, w.about.join(", "))] : "Affects all services",
    ),
    w.message ? h("div", { class: "message-text", dir: "auto" }, renderMarkdown(w.message)) : null,
  );
}

/**
 * Fills the maintenance section (hidden when no window is open or within 7 days).
 * @param {HTMLElement} section @param {HTMLElement} list @param {StatusView} view @param {number} now
 */
export function renderMaintenance(section, list, view, now) {
  const m = view.maintenance;
  section.hidden = !m;
  if (!m) {
    replace(list);
    return;
  }
  replace(
    list,
    ...m.active.map((w) => windowItem(w, true, now)),
    ...m.upcoming.map((w) => windowItem(w, false, now)),
  );
}
