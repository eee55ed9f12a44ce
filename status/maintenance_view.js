// @ts-check
/**
 * Maintenance in the page's data: an endpoint covered by an open window shows `maintenance` (what its checks
 * say stays in `checked`), with the window's id, title and end; its uptime leaves out the time windows
 * covered it (checks made during a window count neither as up nor as down).
 *
 * @module
 */
import { RANGES, SLOTS } from "./slots.js";
import { checksOf } from "./groups.js";
import { combinedUptime } from "./combined.js";
import { activeAndUpcoming, checksWithin, coveredSpans, openWindow } from "./maintenance.js";

/** @typedef {import("./operations.js").MaintenanceWindow} MaintenanceWindow */
/** @typedef {import("./view.js").EndpointView} EndpointView */
/** @typedef {import("./combined.js").Span} Span */
/** @typedef {import("./endpoint.js").EndpointRollup} EndpointRollup */

/**
 * @typedef {object} EndpointMaintenance The window an endpoint is in.
 * @property {string} id
 * @property {string} title
 * @property {number} start ms
 * @property {number} end ms
 * @property {string} [message]
 */

/**
 * @typedef {object} MaintenanceView The windows of a page.
 * @property {MaintenanceWindow[]} active Open now, by start.
 * @property {MaintenanceWindow[]} upcoming Opening within 7 days, by start.
 */

/**
 * The spans of a combined history with the parts inside `cut` removed.
 * @param {Span[]} spans @param {{ s: number, e: number }[]} cut
 * @returns {Span[]}
 */
function without(spans, cut) {
  /** @type {Span[]} */
  const out = [];
  for (const x of spans) {
    let s = x.s;
    for (const c of cut) {
      if (c.e <= s || c.s >= x.e) continue;
      if (c.s > s) out.push({ ...x, s, e: c.s });
      s = Math.max(s, c.e);
    }
    if (s < x.e) out.push({ ...x, s });
  }
  return out;
}

/**
 * Applies the windows to an endpoint's view (in place): `maintenance` status and window while one covering
 * it is open, and uptime without the covered time.
 * @param {EndpointView} view @param {EndpointRollup} e @param {readonly MaintenanceWindow[]} windows
 * @param {number} now @param {Span[] | undefined} spans the combined history (several locations)
 * @param {{ start: number, width: number }} bar where the range's slots start and how wide each is (ms)
 */
export function applyMaintenance(view, e, windows, now, spans, bar) {
  if (!windows.length) return;
  const n = view.slots.up.length;
  const marked = coveredSpans(windows, view.title, view.group, bar.start, bar.start + n * bar.width);
  if (marked.length) {
    view.slots.maintenance = Array.from({ length: n }, (_, i) => {
      const s = bar.start + i * bar.width, end = s + bar.width;
      return marked.some((c) => c.s < end && c.e > s);
    });
  }
  const open = openWindow(windows, now, view.title, view.group);
  if (open) {
    view.checked = view.status;
    view.status = "maintenance";
    /** @type {EndpointMaintenance} */
    const m = { id: open.id, title: open.title, start: open.start, end: open.end };
    if (open.message) m.message = open.message;
    view.maintenance = m;
  }
  RANGES.forEach((r, tier) => {
    const from = (Math.floor(now / r.slot) - SLOTS + 1) * r.slot;
    const cut = coveredSpans(windows, view.title, view.group, from, now);
    if (!cut.length) return;
    (view.uptime_excludes_maintenance ??= []).push(r.name);
    if (spans) {
      const u = combinedUptime(without(spans, cut), from, now);
      if (u !== null) view.uptime[r.name] = u;
      return;
    }
    const all = checksOf(e, tier, now), inside = checksWithin(e, cut);
    const up = Math.max(0, all.up - inside.up), down = Math.max(0, all.down - inside.down);
    view.uptime[r.name] = up + down >= 0.5 ? Math.floor((up / (up + down)) * 100_000) / 1000 : null;
  });
}

/**
 * The windows the page lists: open now and opening within 7 days; undefined when there are none.
 * @param {readonly MaintenanceWindow[]} windows @param {number} now
 * @returns {MaintenanceView | undefined}
 */
export function maintenanceView(windows, now) {
  const { active, upcoming } = activeAndUpcoming(windows, now);
  return active.length || upcoming.length ? { active, upcoming } : undefined;
}
