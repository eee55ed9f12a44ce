// @ts-check
/**
 * The page's data: a {@link Rollup} seen at one moment through one range. `checkup serve` answers
 * `/api/v1/status` with it; the static page computes the same object from the merged summaries, so both
 * render through one code path.
 *
 * @module
 */
import { binValue, RANGES, SLOTS } from "./slots.js";
import { slug } from "./text.js";
import { COMBINED_STATUSES, combineStatuses, quorumText } from "./quorum.js";
import { locationsOf, nodesOf } from "./locations.js";
import { checksOf, groupsOf } from "./groups.js";
import { combinedIncidents, combinedSlots, combinedSpans, combinedUptime } from "./combined.js";
import { applyMaintenance, maintenanceView } from "./maintenance_view.js";
import { indexWindows, windowsCovering } from "./maintenance.js";

/** @typedef {import("./rollup.js").Rollup} Rollup */

/** @typedef {import("./slots.js").Status} Status */
/** @typedef {import("./quorum.js").CombinedStatus} CombinedStatus */
/** @typedef {import("./quorum.js").QuorumRule} QuorumRule */
/** @typedef {import("./groups.js").GroupView} GroupView */
/** @typedef {"24h" | "7d" | "30d" | "90d"} RangeName */
/** @typedef {import("./operations.js").MaintenanceWindow} MaintenanceWindow */

/**
 * @typedef {object} NodeView One node's (location's) latest result for an endpoint.
 * @property {string} node
 * @property {string} location Its display label (the node name unless a `location` is known).
 * @property {Status} status
 * @property {boolean} silent No result for longer than its silence threshold (`silent_after`, default three
 *   of its check intervals, at least 5 minutes): left out of the quorum.
 * @property {number} silent_for How long it has been without a result when silent (ms); 0 otherwise.
 * @property {boolean} stale The same as `silent` (the name of API v1 before locations had a quorum).
 * @property {number} updated Time of its latest result (ms).
 * @property {number | null} rtt Latest RTT in ms; null when it failed.
 * @property {string} [reason] First error or notice when not healthy.
 */

/**
 * @typedef {object} IncidentView A period when an endpoint was not healthy (status changes). With several
 * locations, a period of its combined status: `partial` when some locations failed, never the quorum.
 * @property {"partial" | "degraded" | "down"} status The worst status during the period.
 * @property {number} start
 * @property {number | null} end When the first healthy check came back; null while ongoing.
 * @property {string[]} nodes The nodes that saw it (empty when results carry no node); with several
 *   locations, those that reported it down or degraded.
 * @property {number} checks Failed checks counted in it.
 * @property {string} [reason] The first error or notice.
 */

/** @typedef {{ time: number, text: string, node?: string }} MessageView */

/**
 * @typedef {object} SlotsView 90 slots of the range, oldest first.
 * @property {number[]} up Healthy checks.
 * @property {number[]} degraded
 * @property {number[]} down
 * @property {(number | null)[]} p50 Median RTT (ms) of the slot's successful checks.
 * @property {(number | null)[]} p95
 * @property {(CombinedStatus | null)[]} [combined] With several locations: the worst combined status seen
 *   in the slot (null: not observed).
 * @property {boolean[]} [maintenance] Slots a maintenance window covering the endpoint overlaps (only when
 *   one does).
 */

/**
 * @typedef {object} QuorumView How the combined status of an endpoint checked from several locations came
 * about.
 * @property {number} live Locations with a recent result (not silent).
 * @property {number} needed The quorum among them.
 * @property {number} failing Live locations reporting down or degraded.
 * @property {number} down Live locations reporting down.
 * @property {string} rule The rule as configured (`2`, `50%`) or `majority`.
 */

/**
 * @typedef {object} LocationView One location (node) of the page.
 * @property {string} node
 * @property {string} location Its display label (the node name unless a `location` is known).
 * @property {boolean} silent No result on any endpoint within its silence threshold.
 * @property {number} silent_for How long it has been without a result when silent (ms); 0 otherwise.
 * @property {number | null} updated Its latest result (ms).
 * @property {boolean} duplicate Two processes were seen writing this node name.
 */

/**
 * @typedef {object} EndpointView
 * @property {string} id Stable URL id (badges, anchors).
 * @property {string} title
 * @property {string} endpoint
 * @property {string} [group] The group it is shown in (its checker's `group`), when it has one.
 * @property {CombinedStatus} status The combined status of the live (not silent) locations under the
 *   quorum; with one location, its status; `maintenance` while a window covers it.
 * @property {CombinedStatus} [checked] In maintenance: the status its checks show.
 * @property {import("./maintenance_view.js").EndpointMaintenance} [maintenance] The open window covering it.
 * @property {boolean} stale Every location is silent.
 * @property {number | null} since Since when it has had this status (ms).
 * @property {number | null} updated Latest result (ms).
 * @property {number | null} rtt Latest RTT (ms).
 * @property {number | null} threshold threshold_rtt (ms), null when unset.
 * @property {string} [reason]
 * @property {Record<RangeName, number | null>} uptime Percent of checks not down (degraded counts as up);
 *   with several locations, percent of the observed time the combined status was not down; maintenance
 *   windows covering it are left out.
 * @property {RangeName[]} [uptime_excludes_maintenance] The ranges whose uptime left maintenance time out.
 * @property {QuorumView} [quorum] With several locations.
 * @property {NodeView[]} nodes Per node, when results carry a node.
 * @property {SlotsView} slots
 * @property {IncidentView[]} incidents Newest first.
 * @property {MessageView[]} messages Newest first.
 */

/**
 * @typedef {object} StatusView
 * @property {string} title
 * @property {CombinedStatus} status Worst current status of the endpoints that are not stale.
 * @property {number | null} updated Newest result (ms).
 * @property {{ name: RangeName, start: number, end: number, slot: number, slots: number }} range
 * @property {EndpointView[]} endpoints In config order.
 * @property {GroupView[]} [groups] When some endpoints have a group: the groups in order of first
 *   appearance (config order), each with the ids of its members.
 * @property {MessageView[]} messages Messages about no endpoint in particular, newest first.
 * @property {LocationView[]} locations Every named location seen, by name.
 * @property {boolean} [complete] False while `checkup serve` is still reading older history.
 * @property {import("./maintenance_view.js").MaintenanceView} [maintenance] Windows open now or within 7
 *   days, when there are some.
 */

/**
 * @typedef {object} ViewOptions
 * @property {string} [range] One of {@link RANGE_NAMES}; default "24h".
 * @property {number} [now] ms since the epoch; default Date.now().
 * @property {string} [title]
 * @property {(text: string) => string} [redact] Applied to endpoints and error texts.
 * @property {string[]} [order] Endpoint titles in config order (they come first, in this order).
 * @property {QuorumRule | ((title: string, endpoint: string) => QuorumRule | undefined)} [quorum] The
 *   quorum of every endpoint, or of each (by title and endpoint); default a majority of the live locations.
 * @property {number} [silentAfter] ms without a result after which a location is silent; default three of
 *   its check intervals, at least 5 minutes.
 * @property {{ node: string, location?: string, duplicate?: boolean }[]} [locations] Known locations:
 *   display labels, and names two processes were seen writing.
 * @property {(title: string, endpoint: string) => string | undefined} [groups] The group of each endpoint
 *   (by title and endpoint), its checker's `group`; none: no groups.
 * @property {MaintenanceWindow[]} [maintenance] Maintenance windows (config occurrences and ad hoc) around
 *   `now`, back to the longest range (see `status/maintenance.js`).
 * @property {Map<import("./endpoint.js").EndpointRollup, string>} [ids] The endpoints' ids as
 *   {@link endpointIds} gives them, when the caller keeps them (computed otherwise).
 * @property {boolean} [lazySlots] Each endpoint's `slots` are computed when first read (a getter), not with
 *   the view: for a rollup that no longer changes (the static page's, which draws the bars of the cards
 *   near the screen only).
 */

/**
 * @typedef {object} EndpointOptions What {@link endpointView} needs besides the rollup.
 * @property {QuorumRule} [quorum] The endpoint's quorum rule; default a majority.
 * @property {number} [silentAfter] ms; default three check intervals, at least 5 minutes.
 * @property {Map<string, string>} [labels] Display label per node name.
 * @property {string} [group] The group it is shown in.
 * @property {readonly MaintenanceWindow[]} [maintenance] Maintenance windows around `now`.
 * @property {boolean} [lazySlots] See {@link ViewOptions}.
 */

/** The names of the ranges, shortest first. */
export const RANGE_NAMES = /** @type {RangeName[]} */ (RANGES.map((r) => r.name));
const MAX_INCIDENTS = 50;
const MAX_MESSAGES = 20;

/** @param {number} v */
const sig = (v) => Number(v.toPrecision(3));

/** @param {string} s */
function idOf(s) {
  return slug(s, 60).replace(/-+$/, "") || "endpoint";
}

/** @param {string} s */
function hash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36).padStart(7, "0").slice(0, 6);
}

/**
 * Stable ids: the slug of the title (or endpoint); colliding slugs get a short hash of title + endpoint.
 * @param {Rollup} rollup
 * @returns {Map<import("./endpoint.js").EndpointRollup, string>}
 */
export function endpointIds(rollup) {
  /** @type {Map<string, import("./endpoint.js").EndpointRollup[]>} */
  const bySlug = new Map();
  for (const e of rollup.endpoints.values()) {
    const s = idOf(e.title || e.endpoint);
    bySlug.set(s, [...(bySlug.get(s) ?? []), e]);
  }
  const ids = new Map();
  for (const [s, list] of bySlug) {
    for (const e of list) ids.set(e, list.length === 1 ? s : `${s}-${hash(e.title + "\u0000" + e.endpoint)}`);
  }
  return ids;
}

/** Each RTT bin's value in ms to 3 significant digits, computed once per bin (`toPrecision` is slow). */
/** @type {number[]} */
const BIN_MS = [];
/** @param {number} b */
function binMs(b) {
  return BIN_MS[b] ??= sig(binValue(b));
}

/**
 * The median and 95th percentile of the RTT histogram of the slot at ring position pos, in one pass, into
 * `out` (null when it holds no RTT).
 * @param {import("./endpoint.js").EndpointRollup} e @param {number} pos @param {(number | null)[]} out
 */
function percentiles(e, pos, out) {
  const low = e.lowBin(pos), high = e.highBin(pos);
  let total = 0;
  for (let b = low; b < high; b++) total += e.rtts(pos, b);
  out[0] = out[1] = null;
  if (!total) return;
  const median = Math.max(1, Math.ceil(0.5 * total)), p95 = Math.max(1, Math.ceil(0.95 * total));
  let seen = 0;
  for (let b = low; b < high; b++) {
    seen += e.rtts(pos, b);
    if (out[0] === null && seen >= median) out[0] = binMs(b);
    if (seen >= p95) {
      out[1] = binMs(b);
      return;
    }
  }
}

/**
 * Percent of checks not down over the 90 slots of a range ending at `now`; null without checks.
 * @param {import("./endpoint.js").EndpointRollup} e @param {number} tier @param {number} now
 */
export function uptimeOf(e, tier, now) {
  const { up, down } = checksOf(e, tier, now);
  return up + down ? Math.floor((up / (up + down)) * 100_000) / 1000 : null;
}

/**
 * The periods that were not healthy and overlap [start, end], merged across nodes, newest first.
 * @param {import("./endpoint.js").EndpointRollup} e @param {number} start @param {number} end
 * @param {(s: string) => string} redact
 * @returns {IncidentView[]}
 */
function incidentsOf(e, start, end, redact) {
  /** @type {{ st: number, start: number, end: number | null, nodes: Set<string>, checks: number, why: string }[]} */
  const spans = [];
  for (const n of e.nodes.values()) {
    const runs = n.runs;
    for (let i = runs.length - 1; i >= 0; i--) {
      const r = runs[i];
      const until = i + 1 < runs.length ? runs[i + 1].s : null;
      if ((until ?? end) < start) break;
      if (r.st < 2 || r.s > end) continue;
      spans.push({ st: r.st, start: r.s, end: until, nodes: new Set([n.node]), checks: r.n, why: r.why });
    }
  }
  spans.sort((a, b) => a.start - b.start);
  /** @type {typeof spans} */
  const merged = [];
  for (const s of spans) {
    const cur = merged[merged.length - 1];
    if (cur && s.start <= (cur.end ?? Infinity)) {
      cur.end = cur.end === null || s.end === null ? null : Math.max(cur.end, s.end);
      // The reason shown is the first one of the worst status.
      if (s.st > cur.st) [cur.st, cur.why] = [s.st, s.why || cur.why];
      else cur.why ||= s.why;
      for (const n of s.nodes) cur.nodes.add(n);
      cur.checks += s.checks;
    } else merged.push(s);
  }
  return merged.reverse().slice(0, MAX_INCIDENTS).map((s) => {
    /** @type {IncidentView} */
    const v = {
      status: s.st === 3 ? "down" : "degraded",
      start: Math.round(s.start),
      end: s.end === null ? null : Math.round(s.end),
      nodes: [...s.nodes].filter(Boolean).sort(),
      checks: s.checks,
    };
    if (s.why) v.reason = redact(s.why);
    return v;
  });
}

/**
 * @param {import("./messages.js").Message[]} list @param {number} start
 * @returns {MessageView[]}
 */
function messagesOf(list, start) {
  const out = [];
  for (let i = list.length - 1; i >= 0 && out.length < MAX_MESSAGES; i--) {
    const m = list[i];
    if (m.t < start) break;
    out.push(
      m.node
        ? { time: Math.round(m.t), text: m.text, node: m.node }
        : { time: Math.round(m.t), text: m.text },
    );
  }
  return out;
}

/**
 * One endpoint through one range. With several locations its status, uptime, bar and incidents are those
 * of the combined status under the quorum (see `combined.js`).
 * @param {import("./endpoint.js").EndpointRollup} e @param {string} id @param {number} tier @param {number} now
 * @param {(s: string) => string} redact @param {EndpointOptions} [options]
 * @returns {EndpointView}
 */
export function endpointView(e, id, tier, now, redact, options = {}) {
  const width = RANGES[tier].slot;
  const last = Math.floor(now / width);
  const start = (last - SLOTS + 1) * width;
  const nodes = nodesOf(e, now, redact, options);
  const live = nodes.filter((n) => !n.v.silent);
  const pool = live.length ? live : nodes;
  let worst = pool[0];
  for (const n of pool) if (n.series.status > worst.series.status) worst = n;
  const newest = nodes.reduce((a, b) => (b.series.t > a.series.t ? b : a), nodes[0]);
  const several = nodes.length > 1;
  const combined = combineStatuses(live.map((n) => n.v.status), options.quorum);
  const spans = several
    ? combinedSpans(nodes.map((n) => n.series), options.quorum, now, options.silentAfter)
    : [];
  /** @type {CombinedStatus} */
  const status = several ? combined.status : live.length ? worst.v.status : "unknown";
  let since = worst ? Math.round(worst.series.runs[worst.series.runs.length - 1]?.s ?? worst.series.t) : null;
  if (several && spans.length && spans[spans.length - 1].status === status) {
    let i = spans.length - 1;
    while (i > 0 && spans[i - 1].e === spans[i].s && spans[i - 1].status === status) i--;
    since = Math.round(spans[i].s);
  }
  /** @returns {SlotsView} */
  const slotsOf = () => {
    /** @type {SlotsView} */
    const slots = { up: [], degraded: [], down: [], p50: [], p95: [] };
    /** @type {(number | null)[]} */
    const pq = [null, null];
    for (let k = last - SLOTS + 1; k <= last; k++) {
      const pos = tier * SLOTS + (k % SLOTS);
      const held = e.key(pos) === k;
      slots.up.push(held ? e.count(pos, 1) : 0);
      slots.degraded.push(held ? e.count(pos, 2) : 0);
      slots.down.push(held ? e.count(pos, 3) : 0);
      if (held) percentiles(e, pos, pq);
      slots.p50.push(held ? pq[0] : null);
      slots.p95.push(held ? pq[1] : null);
    }
    if (several) slots.combined = combinedSlots(spans, start, width, SLOTS);
    return slots;
  };
  const slots = options.lazySlots ? /** @type {SlotsView} */ ({}) : slotsOf();
  /** @type {EndpointView} */
  const view = {
    id,
    title: e.title,
    endpoint: redact(e.endpoint),
    ...(options.group ? { group: options.group } : {}),
    status,
    stale: !live.length,
    since,
    updated: newest ? newest.v.updated : null,
    rtt: newest ? newest.v.rtt : null,
    threshold: e.threshold > 0 ? sig(e.threshold) : null,
    uptime: /** @type {Record<RangeName, number | null>} */ (Object.fromEntries(
      RANGES.map((r, i) => {
        if (!several) return [r.name, uptimeOf(e, i, now)];
        const from = (Math.floor(now / r.slot) - SLOTS + 1) * r.slot;
        return [r.name, combinedUptime(spans, from, now) ?? uptimeOf(e, i, now)];
      }),
    )),
    nodes: nodes.some((n) => n.v.node)
      ? nodes.map((n) => n.v).sort((a, b) => a.node.localeCompare(b.node))
      : [],
    slots,
    incidents: several
      ? combinedIncidents(spans, start, now).slice(0, MAX_INCIDENTS).map(({ why, ...i }) => ({
        ...i,
        start: Math.round(i.start),
        end: i.end === null ? null : Math.round(i.end),
        ...(why ? { reason: redact(why) } : {}),
      }))
      : incidentsOf(e, start, now, redact),
    messages: messagesOf(e.messages, start),
  };
  if (several) {
    view.quorum = {
      live: combined.live,
      needed: combined.needed,
      failing: combined.failing,
      down: combined.down,
      rule: quorumText(options.quorum),
    };
    // The reason shown is that of a live location reporting the worst status.
    const failing = live.filter((n) => n.series.status >= 2).sort((a, b) =>
      b.series.status - a.series.status
    );
    const why = (failing[0] ?? (live.length ? undefined : worst))?.v.reason;
    if (why && status !== "healthy") view.reason = why;
  } else if (worst?.v.reason && view.status !== "healthy") view.reason = worst.v.reason;
  if (options.lazySlots) {
    /** @type {SlotsView | undefined} */
    let made;
    Object.defineProperty(view, "slots", {
      enumerable: true,
      configurable: true,
      get: () => (made ??= slotsOf()),
      set: (/** @type {SlotsView} */ v) => void (made = v),
    });
  }
  applyMaintenance(view, e, options.maintenance ?? [], now, several ? spans : undefined, { start, width });
  return view;
}

/**
 * The whole page's data for one range.
 * @param {Rollup} rollup @param {ViewOptions} [options]
 * @returns {StatusView}
 */
export function statusView(rollup, options = {}) {
  const steps = statusViewSteps(rollup, options, Infinity);
  for (let step = steps.next();; step = steps.next()) if (step.done) return step.value;
}

/**
 * {@link statusView} in steps: the generator pauses after every `batch` endpoints (their views built), so
 * a server can answer requests between the steps of a large view; its return value is the view. Each
 * endpoint's view is built in one step; endpoints the rollup gained after the first step wait for the
 * next view.
 * @param {Rollup} rollup @param {ViewOptions} [options] @param {number} [batch]
 * @returns {Generator<void, StatusView, void>}
 */
export function* statusViewSteps(rollup, options = {}, batch = 100) {
  const now = options.now ?? Date.now();
  const redact = options.redact ?? ((s) => s);
  const tier = Math.max(0, RANGE_NAMES.indexOf(/** @type {RangeName} */ (options.range ?? "24h")));
  const width = RANGES[tier].slot;
  const last = Math.floor(now / width);
  const ids = options.ids ?? endpointIds(rollup);
  const configured = new Map((options.order ?? []).map((title, i) => [title, i]));
  const rank = (/** @type {import("./endpoint.js").EndpointRollup} */ e) =>
    configured.get(e.title) ?? Infinity;
  const labels = new Map(
    (options.locations ?? []).filter((l) => l.location).map((l) => [l.node, l.location ?? ""]),
  );
  const quorum = options.quorum;
  // Each endpoint gets the windows that cover it (an index: many windows and endpoints stay cheap).
  const windows = options.maintenance?.length ? indexWindows(options.maintenance) : undefined;
  /** @param {{ title: string, group?: string }} v */
  const windowsOf = (v) => (windows ? windowsCovering(windows, v.title, v.group) : []);
  /** @param {import("./endpoint.js").EndpointRollup} e @returns {EndpointOptions} */
  const optionsOf = (e) => {
    const group = options.groups?.(e.title, e.endpoint);
    return {
      quorum: typeof quorum === "function" ? quorum(e.title, e.endpoint) : quorum,
      silentAfter: options.silentAfter,
      labels,
      group,
      maintenance: windowsOf({ title: e.title, group }),
      ...(options.lazySlots ? { lazySlots: true } : {}),
    };
  };
  /** @type {{ e: import("./endpoint.js").EndpointRollup, v: EndpointView }[]} */
  const built = [];
  for (const e of rollup.endpoints.values()) {
    const id = ids.get(e);
    if (id === undefined || (!e.nodes.size && !e.messages.length)) continue; // id: added since the first step
    built.push({ e, v: endpointView(e, id, tier, now, redact, optionsOf(e)) });
    if (built.length % batch === 0) yield;
  }
  const sorted = built
    .sort((a, b) =>
      Number(a.v.stale) - Number(b.v.stale) || (rank(a.e) - rank(b.e) || 0) || a.e.order - b.e.order ||
      a.v.title.localeCompare(b.v.title)
    );
  const groups = groupsOf(sorted, now, windowsOf);
  const endpoints = sorted.map(({ v }) => v);
  let status = 0;
  for (const v of endpoints) if (!v.stale) status = Math.max(status, COMBINED_STATUSES.indexOf(v.status));
  const maintenance = maintenanceView(options.maintenance ?? [], now);
  return {
    title: options.title ?? "Status",
    status: COMBINED_STATUSES[status],
    updated: Number.isFinite(rollup.updated) ? Math.round(rollup.updated) : null,
    range: {
      name: RANGE_NAMES[tier],
      start: (last - SLOTS + 1) * width,
      end: (last + 1) * width,
      slot: width,
      slots: SLOTS,
    },
    endpoints,
    ...(groups.length ? { groups } : {}),
    messages: messagesOf(rollup.messages, (last - SLOTS + 1) * width),
    locations: locationsOf(rollup, options, now),
    ...(maintenance ? { maintenance } : {}),
  };
}
