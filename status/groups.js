// @ts-check
/**
 * Groups of endpoints (the common checker key `group`): one section of the page per group, with the worst
 * combined status of its members, their uptime and one uptime bar for all of them.
 *
 * - status: the worst combined status of the members that are not stale (`unknown` when all are);
 * - uptime, per range: checks-weighted over the members, i.e. the members' checks not down over all their
 *   checks in the range (an endpoint checked more often weighs more);
 * - slots: the members' check counts summed per slot, and per slot the worst status of any member
 *   (`combined`), so one outage of one member shows on the group's bar.
 *
 * @module
 */
import { worseOf } from "./quorum.js";
import { RANGES, SLOTS } from "./slots.js";
import { checksWithin, coveredSpans } from "./maintenance.js";

/** @typedef {import("./quorum.js").CombinedStatus} CombinedStatus */
/** @typedef {import("./view.js").EndpointView} EndpointView */
/** @typedef {import("./view.js").SlotsView} SlotsView */
/** @typedef {import("./view.js").RangeName} RangeName */
/** @typedef {import("./endpoint.js").EndpointRollup} EndpointRollup */

/**
 * @typedef {object} GroupView A group of endpoints (the checkers' `group` key).
 * @property {string} name
 * @property {CombinedStatus} status Worst combined status of its members that are not stale.
 * @property {string[]} endpoints The ids of its members, in page order.
 * @property {Record<RangeName, number | null>} uptime Percent of the members' checks not down (degraded
 *   counts as up), all members' checks together; null without checks.
 * @property {SlotsView} slots The members' counts summed per slot; `combined` the worst status of any
 *   member in each slot (null: none observed); p50/p95 are null (they do not add up).
 */

/**
 * Checks not down and down of an endpoint over the 90 slots of a range ending at `now`.
 * @param {EndpointRollup} e @param {number} tier @param {number} now
 */
export function checksOf(e, tier, now) {
  const last = Math.floor(now / RANGES[tier].slot);
  let up = 0, down = 0;
  for (let k = last - SLOTS + 1; k <= last; k++) {
    const pos = tier * SLOTS + (k % SLOTS);
    if (e.key(pos) !== k) continue;
    up += e.count(pos, 1) + e.count(pos, 2);
    down += e.count(pos, 3);
  }
  return { up, down };
}

/**
 * One slot of an endpoint's bar as a combined status: its combined status with several locations, else
 * what its checks say (as the page colours them: half or more down is down, some down is partial);
 * maintenance when a window covering it overlaps the slot.
 * @param {SlotsView} slots @param {number} i
 * @returns {CombinedStatus | null}
 */
export function slotStatus(slots, i) {
  const combined = slots.combined?.[i];
  const up = slots.up[i], degraded = slots.degraded[i], down = slots.down[i];
  const total = up + degraded + down;
  // Checked during a maintenance window covering it: maintenance (as on its own bar).
  if (slots.maintenance?.[i] && (combined ? combined !== "unknown" : total)) return "maintenance";
  if (combined !== undefined) return combined;
  if (!total) return null;
  if (down / total >= 0.5) return "down";
  if (down) return "partial";
  return degraded ? "degraded" : "healthy";
}

/**
 * The groups of a page, in order of first appearance among `endpoints` (config order); endpoints without a
 * group belong to none. Empty when no endpoint has a group.
 * @param {{ e: EndpointRollup, v: EndpointView }[]} endpoints In page order, each with its `group` set.
 * @param {number} now
 * @param {(v: EndpointView) => readonly import("./operations.js").MaintenanceWindow[]} [windowsOf] The
 *   maintenance windows covering a member: its checks during them count neither as up nor as down.
 * @returns {GroupView[]}
 */
export function groupsOf(endpoints, now, windowsOf = () => []) {
  /** @type {Map<string, { e: EndpointRollup, v: EndpointView }[]>} */
  const byName = new Map();
  for (const item of endpoints) {
    const name = item.v.group;
    if (name === undefined) continue;
    const list = byName.get(name);
    if (list) list.push(item);
    else byName.set(name, [item]);
  }
  return [...byName].map(([name, members]) => {
    /** @type {CombinedStatus} */
    let status = "unknown";
    for (const { v } of members) if (!v.stale) status = worseOf(status, v.status);
    const n = members[0].v.slots.up.length;
    /** @type {SlotsView} */
    const slots = { up: [], degraded: [], down: [], p50: [], p95: [], combined: [] };
    for (let i = 0; i < n; i++) {
      let up = 0, degraded = 0, down = 0;
      /** @type {CombinedStatus | null} */
      let worst = null;
      for (const { v } of members) {
        up += v.slots.up[i];
        degraded += v.slots.degraded[i];
        down += v.slots.down[i];
        const st = slotStatus(v.slots, i);
        if (st) worst = worst ? worseOf(worst, st) : st;
      }
      slots.up.push(up);
      slots.degraded.push(degraded);
      slots.down.push(down);
      slots.p50.push(null);
      slots.p95.push(null);
      /** @type {(CombinedStatus | null)[]} */ (slots.combined).push(worst);
    }
    const uptime =
      /** @type {Record<RangeName, number | null>} */ (Object.fromEntries(RANGES.map((r, tier) => {
        let up = 0, down = 0;
        const from = (Math.floor(now / r.slot) - SLOTS + 1) * r.slot;
        for (const { e, v } of members) {
          const c = checksOf(e, tier, now);
          const windows = windowsOf(v);
          const cut = windows.length ? coveredSpans(windows, v.title, v.group, from, now) : [];
          const inside = cut.length ? checksWithin(e, cut) : { up: 0, down: 0 };
          up += Math.max(0, c.up - inside.up);
          down += Math.max(0, c.down - inside.down);
        }
        return [r.name, up + down >= 0.5 ? Math.floor((up / (up + down)) * 100_000) / 1000 : null];
      })));
    return { name, status, endpoints: members.map(({ v }) => v.id), uptime, slots };
  });
}
