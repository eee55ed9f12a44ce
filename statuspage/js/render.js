// @ts-check
/// <reference lib="dom" />
/**
 * Renders a {@link StatusView} into the page: banner, one card per endpoint (status, uptime bar,
 * response-time chart, an expandable breakdown per location) and the timeline of incidents and messages.
 * Cards are updated in place, keyed by endpoint id, so a refresh does not move the reader's place or focus,
 * and an opened breakdown stays open. A fleet's page (see fleet.js) fills only the cards near the screen.
 *
 * @module
 */
import { rttChart, slotAt, slotDetail, uptimeBar } from "./chart.js";
import { h, replace, setText } from "./dom.js";
import { displayText } from "../../status/text.js";
import { formatAgo, formatDateTime, formatRtt, formatSilence, formatUptime, RANGE_LABELS } from "./format.js";
import { renderMarkdown } from "./markdown.js";
import { humanDuration } from "../../status/duration.js";
import { maintenanceNote, renderMaintenance, uptimeExcludesMaintenance } from "./maintenance.js";
import { filterWords, FLEET, matchesFilter, needsAttention, OPEN_UP_TO } from "./fleet.js";

/** @typedef {import("../../status/view.js").StatusView} StatusView */
/** @typedef {import("../../status/view.js").EndpointView} EndpointView */
/** @typedef {import("../../status/groups.js").GroupView} GroupView */

/** Words for each status, on cards and pills. */
export const STATUS_WORDS = /** @type {Record<string, string>} */ ({
  healthy: "Operational",
  partial: "Partial",
  maintenance: "Maintenance",
  degraded: "Degraded",
  down: "Down",
  unknown: "No data",
});

/** @param {StatusView} view */
function bannerText(view) {
  const live = view.endpoints.filter((e) => !e.stale);
  if (!view.endpoints.length) return "No checks stored yet";
  if (!live.length) return "No recent checks";
  const down = live.filter((e) => e.status === "down").length;
  const degraded = live.filter((e) => e.status === "degraded").length;
  const partial = live.filter((e) => e.status === "partial").length;
  if (down && down === live.length) return "Major outage";
  if (down) return `${down === 1 ? "1 service is" : `${down} services are`} down`;
  if (degraded) return `${degraded === 1 ? "1 service is" : `${degraded} services are`} degraded`;
  if (partial) {
    return `${partial === 1 ? "1 service is" : `${partial} services are`} failing from some locations`;
  }
  const maintenance = live.filter((e) => e.status === "maintenance").length;
  if (maintenance) {
    return `${maintenance === 1 ? "1 service is" : `${maintenance} services are`} under maintenance`;
  }
  return "All systems operational";
}

/**
 * A `<time>` kept current by {@link updateTimes}.
 * @param {number} t @param {number} now @param {"long" | "short"} [style]
 */
function ago(t, now, style = "long") {
  return h(
    "time",
    { datetime: new Date(t).toISOString(), title: formatDateTime(t), "data-ago": t, "data-style": style },
    formatAgo(t, now, style),
  );
}

/** Refreshes every relative time on the page. @param {number} now */
export function updateTimes(now) {
  for (const el of document.querySelectorAll("time[data-ago]")) {
    const style = el.getAttribute("data-style") === "short" ? "short" : "long";
    el.textContent = formatAgo(Number(el.getAttribute("data-ago")), now, style);
  }
}

/**
 * A status pill; `detail` is read after the word by screen readers (and shown as a tooltip).
 * @param {string} status @param {string} [detail] @param {string} [word]
 */
function pill(status, detail, word) {
  return h(
    "span",
    { class: `pill ${status}`, title: detail },
    h("span", { class: "dot", "aria-hidden": "true" }),
    word ?? STATUS_WORDS[status] ?? status,
    detail ? h("span", { class: "sr-only" }, `: ${detail}`) : null,
  );
}

/** Display labels of the locations, by node name. @type {Map<string, string>} */
let labels = new Map();
/** @param {string} node */
const labelOf = (node) => labels.get(node) || node || "–";

/**
 * What the quorum says about an endpoint that is not healthy: "down from 1 of 3 locations (quorum 2)".
 * @param {EndpointView} e
 */
function quorumDetail(e) {
  const q = e.quorum;
  if (!q || e.status === "healthy" || e.status === "unknown") return undefined;
  const failing = (e.nodes ?? []).filter((n) =>
    !n.silent && (n.status === "down" || n.status === "degraded")
  );
  const where = failing.length ? ` (${failing.map((n) => n.location || n.node).join(", ")})` : "";
  return `failing from ${q.failing} of ${q.live} location${
    q.live === 1 ? "" : "s"
  }${where}, quorum ${q.needed}`;
}

/** Ids of the endpoints whose location breakdown the reader opened (kept across refreshes). */
const opened = new Set();

/**
 * The per-location breakdown: a disclosure button (`aria-expanded`, Enter or Space) showing a table with
 * one row per location: status, response time, last check (or how long it has been silent), and under a
 * failing one its error.
 * @param {EndpointView} e @param {number} now
 */
function locationsBreakdown(e, now) {
  const silent = e.nodes.filter((n) => n.silent).length;
  const ok = e.nodes.filter((n) => !n.silent && n.status === "healthy").length;
  const summary = e.nodes.length === 1
    ? `Location: ${labelOf(e.nodes[0].node)}`
    : `${e.nodes.length} locations: ${ok} operational` + (silent ? `, ${silent} silent` : "");
  const open = opened.has(e.id);
  const table = h(
    "table",
    { class: "nodes", id: `loc-${e.id}`, hidden: !open },
    h("caption", { class: "sr-only" }, h("bdi", {}, e.title), " by location"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "Location"),
        h("th", { scope: "col" }, "Status"),
        h("th", { scope: "col" }, "Response"),
        h("th", { scope: "col" }, "Last check"),
      ),
    ),
    h(
      "tbody",
      {},
      e.nodes.flatMap((n) => {
        const row = h(
          "tr",
          { class: n.silent ? "silent" : null },
          h("th", { scope: "row", dir: "auto" }, labelOf(n.node)),
          h("td", {}, n.silent ? pill("unknown", undefined, "Silent") : pill(n.status)),
          h("td", {}, formatRtt(n.rtt)),
          h(
            "td",
            {},
            n.silent ? `silent for ${formatSilence(n.silent_for)}` : ago(n.updated, now, "short"),
          ),
        );
        // The error takes a row of its own under its location: it stays readable on a phone.
        if (n.silent || n.status === "healthy" || !n.reason) return [row];
        return [
          row,
          h(
            "tr",
            { class: "error-row" },
            h(
              "td",
              { colspan: 4, dir: "auto" },
              h("span", { class: "sr-only" }, `Error from ${labelOf(n.node)}: `),
              n.reason,
            ),
          ),
        ];
      }),
    ),
  );
  const toggle = h(
    "button",
    {
      type: "button",
      class: "locations-toggle",
      "aria-expanded": String(open),
      "aria-controls": `loc-${e.id}`,
    },
    h("span", { class: "chevron", "aria-hidden": "true" }),
    summary,
  );
  toggle.addEventListener("click", () => {
    const show = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(show));
    table.hidden = !show;
    if (show) opened.add(e.id);
    else opened.delete(e.id);
  });
  return h("div", { class: "locations" }, toggle, table);
}

/** Cards of a fleet's page near the screen (600 px ahead or behind), by id, as the observer last said. */
const near = new Set();
/** How to fill a card of a fleet's page, shown as its heading and status until it comes near, by id. @type {Map<string, () => void>} */
const pending = new Map();
/** @type {IntersectionObserver | undefined} */
let observer;
/** The cards the observer watches. @type {WeakSet<Element>} */
const watched = new WeakSet();
/** The width of the charts in pixels (one layout read per render). */
let chartWidth = 600;

/** Watches where a card of a fleet's page is, and fills it when it comes near. @param {HTMLElement} card */
function watch(card) {
  if (watched.has(card)) return;
  watched.add(card);
  observer ??= new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const id = entry.target.id;
      if (!entry.isIntersecting) {
        near.delete(id);
        continue;
      }
      near.add(id);
      const fill = pending.get(id);
      pending.delete(id);
      fill?.();
    }
  }, { rootMargin: "600px 0px" });
  observer.observe(card);
}

/**
 * Fills the cards around the focus at once (three before, three after, in page order), so that Tab and
 * Shift+Tab never pass over a card not filled yet, however fast the keys are pressed.
 * @param {EventTarget | null} target the element that got the focus
 */
function fillAroundFocus(target) {
  if (!pending.size || !(target instanceof Element)) return;
  const cards = [...document.querySelectorAll("#problem-list > li.card, #endpoints li.card")];
  const own = target.closest("li.card");
  let i = cards.findIndex((c) =>
    c === own || (target.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0
  );
  if (i < 0) i = cards.length;
  for (const card of cards.slice(Math.max(0, i - 3), i + 4)) {
    const fill = pending.get(card.id);
    pending.delete(card.id);
    fill?.();
  }
}

/** Forgets a card that left the page. @param {HTMLElement} card */
function forget(card) {
  pending.delete(card.id);
  near.delete(card.id);
  observer?.unobserve(card);
  watched.delete(card);
  signatures.delete(card.id);
}

/**
 * A card's heading and status (all a card of a fleet's page shows until it comes near the screen).
 * @param {EndpointView} e @param {"h3" | "h4"} level its heading's @param {string} [detail] where a partial
 *   status fails
 */
function cardHead(e, level, detail) {
  return h(
    "div",
    { class: "card-head" },
    // Inside a group or the section of those needing attention (an h3) a card's heading is one level down.
    h(level, { class: "name", id: `t-${e.id}`, dir: "auto" }, e.title || e.endpoint),
    // The pill of a partial status says where it fails (its word alone would not); the note below says
    // it for every status the quorum decided.
    pill(e.stale ? "unknown" : e.status, e.status === "partial" ? detail : undefined),
  );
}

/** A card shown as its heading and status, with the height of a card (a fleet's page, far from the screen). @param {HTMLElement} card @param {EndpointView} e @param {"h3" | "h4"} level */
function shell(card, e, level) {
  card.className = `card shell ${e.stale ? "unknown" : e.status}`;
  replace(card, cardHead(e, level, e.stale ? undefined : quorumDetail(e)));
  card.setAttribute("aria-labelledby", `t-${e.id}`);
}

/**
 * A card near the screen whose detail (bars, chart, locations) is not read yet, or could not be read: its
 * heading and status, and a line saying which (`aria-busy` while it loads).
 * @param {HTMLElement} card @param {EndpointView} e @param {"h3" | "h4"} level @param {string} [failure]
 */
function waiting(card, e, level, failure) {
  card.className = `card shell waiting ${e.stale ? "unknown" : e.status}`;
  const refocus = card.contains(document.activeElement);
  replace(
    card,
    cardHead(e, level),
    failure
      ? h(
        "p",
        { class: "detail-state failed" },
        `Could not load this service's history (${failure}). Retrying at the next refresh.`,
      )
      : h("p", { class: "detail-state" }, "Loading the history…"),
    // The tab stop of the card (its breakdown button) is there before the detail: tabbing faster than the
    // details arrive skips no card, and the focus moves to the real button when it does.
    h(
      "div",
      { class: "locations" },
      h(
        "button",
        { type: "button", class: "locations-toggle", "aria-disabled": "true", "aria-expanded": "false" },
        h("span", { class: "chevron", "aria-hidden": "true" }),
        failure ? "Locations: not loaded" : "Locations: loading…",
      ),
    ),
  );
  card.setAttribute("aria-labelledby", `t-${e.id}`);
  if (failure) card.removeAttribute("aria-busy");
  else card.setAttribute("aria-busy", "true");
  if (refocus) {
    /** @type {HTMLElement | null} */ (card.querySelector(".locations-toggle"))?.focus({
      preventScroll: true,
    });
  }
}

/**
 * Fills one endpoint card.
 * @param {HTMLElement} card @param {EndpointView} e @param {StatusView} view @param {number} now
 * @param {"h3" | "h4"} level its heading's
 */
function fillCard(card, e, view, now, level) {
  const range = RANGE_LABELS[view.range.name] ?? view.range.name;
  const uptime = e.uptime[view.range.name];
  // Uptime that left maintenance time out says so (an asterisk, explained below the figures).
  const excludes = uptimeExcludesMaintenance(e, view.range.name);
  card.className = `card ${e.stale ? "unknown" : e.status}`;
  card.removeAttribute("aria-busy");
  const detail = e.stale ? undefined : quorumDetail(e);
  // The card is drawn anew: a reader on its breakdown button keeps the focus there.
  const focused = document.activeElement;
  const refocus = focused instanceof HTMLElement && card.contains(focused) &&
    focused.matches(".locations-toggle");
  const endpointText = /^https?:\/\//.test(e.endpoint) ? e.endpoint.replace(/^https?:\/\//, "") : e.endpoint;
  replace(
    card,
    cardHead(e, level, detail),
    h(
      "p",
      { class: "sub" },
      // Shown apart from its group (it needs attention): the group is named.
      e.group && level === "h4" && !card.closest(".group")
        ? h("span", { class: "k" }, "Group ", h("strong", { dir: "auto" }, e.group))
        : null,
      e.title && e.endpoint ? h("span", { class: "endpoint", dir: "auto" }, endpointText) : null,
      h(
        "span",
        {},
        h("span", { class: "k" }, "Uptime "),
        h("strong", {}, formatUptime(uptime)),
        excludes ? h("span", { class: "k" }, " (excl. maintenance)") : null,
      ),
      h("span", {}, h("span", { class: "k" }, "Response "), h("strong", {}, formatRtt(e.rtt))),
      e.updated !== null ? h("span", { class: "k" }, "checked ", ago(e.updated, now)) : null,
    ),
    detail ? h("p", { class: "quorum-note" }, detail[0].toUpperCase() + detail.slice(1)) : null,
    maintenanceNote(e, now),
    e.status !== "healthy" && e.reason ? h("p", { class: "reason", dir: "auto" }, e.reason) : null,
    e.stale && e.updated !== null
      ? h("p", { class: "reason" }, "No recent checks: the last one was ", ago(e.updated, now), ".")
      : null,
    uptimeBar(e.slots, view.range, uptime),
    h(
      "div",
      { class: "bar-legend", "aria-hidden": "true" },
      h("span", {}, `${range} ago`),
      h("span", {}, `${formatUptime(uptime)} uptime`),
      h("span", {}, "now"),
    ),
    h("div", { class: "chart-box" }, rttChart(e.slots, view.range, e.threshold, chartWidth)),
    e.nodes.length ? locationsBreakdown(e, now) : null,
  );
  card.setAttribute("aria-labelledby", `t-${e.id}`);
  if (refocus) {
    /** @type {HTMLElement | null} */ (card.querySelector(".locations-toggle"))?.focus({
      preventScroll: true,
    });
  }
}

/**
 * The timeline: incidents of every endpoint and all messages, newest first.
 * @param {StatusView} view @param {number} now
 */
function timelineItems(view, now) {
  // Only the items shown are built (a fleet's endpoints may have thousands of incidents between them).
  /** @type {{ time: number, node: () => HTMLElement }[]} */
  const items = [];
  for (const e of view.endpoints) {
    for (const i of e.incidents) {
      items.push({ time: i.start, node: () => incidentItem(e, i, now) });
    }
    for (const m of e.messages) items.push({ time: m.time, node: () => message(m, e.title, now) });
  }
  for (const m of view.messages) items.push({ time: m.time, node: () => message(m, "", now) });
  return items.sort((a, b) => b.time - a.time).slice(0, 60).map((i) => i.node());
}

/**
 * One incident of the timeline.
 * @param {EndpointView} e @param {import("../../status/view.js").IncidentView} i @param {number} now
 */
function incidentItem(e, i, now) {
  const ongoing = i.end === null;
  const from = i.nodes.map(labelOf).join(", ");
  const what = i.status === "partial"
    ? `failing from ${from || "some locations"}`
    : i.status === "down"
    ? "down"
    : "degraded";
  // The name is isolated (bdi) so right-to-left text in it cannot reorder the words around it.
  const head = [
    h("bdi", {}, e.title),
    ongoing
      ? ` is ${what}`
      : ` was ${what} for ${humanDuration((/** @type {number} */ (i.end) - i.start) * 1e6)}`,
  ];
  return h(
    "li",
    { class: `event ${i.status}` },
    h("span", { class: "marker", "aria-hidden": "true" }),
    h(
      "div",
      { class: "event-body" },
      h(
        "p",
        { class: "event-head" },
        h("strong", {}, head),
        ongoing ? h("span", { class: "tag" }, "ongoing") : null,
        // Its endpoint is under maintenance now: planned, alerts held.
        ongoing && (e.maintenance || /** @type {{ maintenance?: true }} */ (i).maintenance)
          ? h("span", { class: "tag maintenance-tag" }, "under maintenance")
          : null,
      ),
      h(
        "p",
        { class: "event-meta" },
        "Started ",
        ago(i.start, now),
        ` · ${i.checks} failed check${i.checks === 1 ? "" : "s"}`,
        i.nodes.length && i.status !== "partial" ? ` · seen from ${from}` : "",
      ),
      i.reason ? h("p", { class: "event-reason", dir: "auto" }, i.reason) : null,
    ),
  );
}

/** @param {import("../../status/view.js").MessageView} m @param {string} about @param {number} now */
function message(m, about, now) {
  return h(
    "li",
    { class: "event message" },
    h("span", { class: "marker", "aria-hidden": "true" }),
    h(
      "div",
      { class: "event-body" },
      h(
        "p",
        { class: "event-head" },
        h("strong", {}, about ? ["Update on ", h("bdi", {}, about)] : "Update"),
        " ",
        ago(m.time, now),
        m.node ? ` · from ${m.node}` : "",
      ),
      h("div", { class: "message-text", dir: "auto" }, renderMarkdown(m.text)),
    ),
  );
}

/** The slots behind each card's (and group's) bar, for the tooltip. @type {Map<string, { e: { slots: EndpointView["slots"] }, range: StatusView["range"] }>} */
const bars = new Map();
let tipsReady = false;

/** One tooltip for every bar: the slot under the pointer. @param {HTMLElement} list */
function installTips(list) {
  const tip = /** @type {HTMLElement} */ (document.getElementById("tip"));
  list.addEventListener("pointermove", (ev) => {
    const bar = /** @type {Element} */ (ev.target).closest?.("svg.bar");
    const card = bar?.closest("li.card, li.group");
    const data = card && bars.get(card.id);
    if (!bar || !data) return void (tip.hidden = true);
    const box = bar.getBoundingClientRect();
    const i = slotAt(ev.clientX - box.left, box.width, data.e.slots.up.length);
    if (i < 0) return void (tip.hidden = true);
    setText(tip, slotDetail(data.e.slots, data.range, i));
    tip.hidden = false;
    const x = Math.min(ev.clientX + 12, globalThis.innerWidth - tip.offsetWidth - 8);
    tip.style.left = `${Math.max(8, x)}px`;
    tip.style.top = `${box.bottom + 6}px`;
  });
  list.addEventListener("pointerleave", () => (tip.hidden = true));
}

/** Groups the reader opened (true) or closed (false), by name: kept across refreshes. @type {Map<string, boolean>} */
const groupChoice = new Map();

/**
 * Whether a group is open: the reader's choice, else open unless healthy with many members; on a fleet's page
 * (whose problems have a section of their own), open only when small.
 * @param {GroupView} g @param {boolean} fleet
 */
function groupOpen(g, fleet) {
  const small = g.endpoints.length <= OPEN_UP_TO;
  return groupChoice.get(g.name) ?? (fleet ? small : !(g.status === "healthy" && !small));
}

/**
 * Where the cards of a fleet's page painted without their detail get it.
 * @typedef {{ need(id: string): void, failure(id: string): string | undefined }} Details
 */

/** The last view drawn, to draw it again when the reader opens a group or types a filter. */
let last = {
  view: /** @type {StatusView | undefined} */ (undefined),
  query: "",
  details: /** @type {Details | undefined} */ (undefined),
};

/**
 * A group's section (made once, kept across refreshes): a heading whose button opens or closes it
 * (`aria-expanded`, Enter or Space), its worst status, its uptime bar, and the list of its members' cards.
 * @param {string} id
 */
function groupSection(id) {
  const toggle = h("button", {
    type: "button",
    class: "group-toggle",
    "aria-controls": `${id}-list`,
  });
  const members = h("ul", { class: "endpoints group-list", id: `${id}-list` });
  const section = h(
    "li",
    { id, class: "group" },
    h("h3", { class: "group-head" }, toggle),
    h("div", { class: "group-bar" }),
    h("p", { class: "group-moved", hidden: true }),
    members,
  );
  toggle.addEventListener("click", () => {
    const show = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(show));
    members.hidden = !show;
    groupChoice.set(section.dataset.group ?? "", show);
    // A fleet's page fills the cards of a group when it opens.
    if (show && last.view && last.view.endpoints.length > FLEET) {
      renderPage(last.view, Date.now(), last.query, last.details);
    }
  });
  return section;
}

/**
 * Fills a group's heading and bar.
 * @param {HTMLElement} section @param {GroupView} g @param {StatusView} view @param {boolean} open
 * @param {number} moved members shown in the section of those needing attention instead
 */
function fillGroup(section, g, view, open, moved) {
  const uptime = g.uptime[view.range.name];
  const n = g.endpoints.length;
  section.dataset.group = g.name;
  section.className = `group ${g.status}`;
  const toggle = /** @type {HTMLElement} */ (section.querySelector(".group-toggle"));
  const members = /** @type {HTMLElement} */ (section.querySelector(".group-list"));
  toggle.setAttribute("aria-expanded", String(open));
  members.hidden = !open;
  members.setAttribute("aria-label", `${g.name}: ${n} service${n === 1 ? "" : "s"}`);
  const note = /** @type {HTMLElement} */ (section.querySelector(".group-moved"));
  note.hidden = !moved;
  setText(note, `${moved === 1 ? "1 member is" : `${moved} members are`} shown under Needs attention.`);
  replace(
    toggle,
    h("span", { class: "chevron", "aria-hidden": "true" }),
    h("span", { class: "group-name", dir: "auto" }, g.name),
    h("span", { class: "group-count" }, `${n} service${n === 1 ? "" : "s"}`),
    h(
      "span",
      { class: "group-uptime" },
      `${formatUptime(uptime)} uptime`,
      view.endpoints.some((e) => g.endpoints.includes(e.id) && uptimeExcludesMaintenance(e, view.range.name))
        ? " (excl. maintenance)"
        : "",
    ),
    pill(g.status),
  );
  replace(
    /** @type {HTMLElement} */ (section.querySelector(".group-bar")),
    uptimeBar(g.slots, view.range, uptime),
  );
}

/** What each card was last filled from (a fleet's page fills again only the cards that changed). @type {Map<string, string>} */
const signatures = new Map();

/** @param {number} n */
const count = (n) => n.toLocaleString("en");

/**
 * One shown card of a fleet's page: filled when near the screen (or holding the focus) and changed, else
 * shown as its heading and status and filled when it comes near; without its detail, waiting for it.
 * @param {HTMLElement} card @param {EndpointView} e @param {"h3" | "h4"} level @param {boolean} attention
 * @param {StatusView} view @param {number} now @param {Details} [details]
 */
function fleetCard(card, e, level, attention, view, now, details) {
  watch(card);
  const full = () =>
    `${level} ${attention} ${chartWidth} ${view.range.name} ${
      e.maintenance ? Math.floor(now / 60_000) : ""
    } ${JSON.stringify(e)}`;
  /** Without its detail: asked for, and the card says so. */
  const wait = () => {
    const failure = details?.failure(e.id);
    const signature = `wait ${level} ${e.title} ${e.stale ? "unknown" : e.status} ${failure ?? ""}`;
    if (signatures.get(card.id) !== signature) {
      signatures.set(card.id, signature);
      waiting(card, e, level, failure);
    }
  };
  if (near.has(card.id) || card.contains(document.activeElement)) {
    pending.delete(card.id);
    details?.need(e.id);
    if (!e.slots) return wait();
    const signature = full();
    if (signatures.get(card.id) === signature) return;
    signatures.set(card.id, signature);
    fillCard(card, e, view, now, level);
    return;
  }
  const head = `shell ${level} ${e.title || e.endpoint} ${e.stale ? "unknown" : e.status} ${
    e.status === "partial" ? quorumDetail(e) : ""
  }`;
  if (signatures.get(card.id) !== head) {
    signatures.set(card.id, head);
    shell(card, e, level);
  }
  pending.set(card.id, () => {
    details?.need(e.id);
    if (!e.slots) return wait();
    signatures.set(card.id, full());
    fillCard(card, e, view, Date.now(), level);
  });
}

/**
 * Details arrived (see detail.js): the cards of these endpoints are drawn again from `view` (the same page
 * with them), without drawing the whole page; those not near the screen are filled when they come near.
 * @param {StatusView} view @param {string[]} ids
 */
export function fillDetails(view, ids) {
  if (!last.view) return;
  last = { ...last, view };
  const byId = new Map(view.endpoints.map((e) => [e.id, e]));
  const now = Date.now();
  for (const id of ids) {
    const card = document.getElementById(`ep-${id}`);
    const e = byId.get(id);
    if (!card) continue;
    // Near the screen, to be filled when it comes near, or waiting (a card filled for the focus).
    const shown = near.has(card.id) || pending.has(card.id) || signatures.get(card.id)?.startsWith("wait ");
    if (!e || !shown) continue;
    bars.set(card.id, { e, range: view.range });
    const attention = card.parentElement?.id === "problem-list";
    const level = card.querySelector(".card-head .name")?.tagName === "H3" ? "h3" : "h4";
    fleetCard(card, e, level, attention, view, now, last.details);
  }
}

/**
 * Renders the whole view; `query`: the filter of a fleet's page (see fleet.js).
 *
 * A page of more than {@link FLEET} endpoints shows those needing attention first, in a section of their own,
 * keeps large groups closed, and fills only the cards shown (not those of closed groups or filtered out) that
 * are near the screen and changed; the others show their heading and status until they come near.
 *
 * `details`: a fleet's page painted from the compact document, whose endpoints come without their detail
 * (no `slots`): a card near the screen asks for its detail there and says it is loading (or why it could not
 * be read) until an endpoint with its detail is drawn (see detail.js).
 * @param {StatusView} view @param {number} now @param {string} [query] @param {Details} [details]
 */
export function renderPage(view, now, query = "", details = undefined) {
  last = { view, query, details };
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  labels = new Map((view.locations ?? []).map((l) => [l.node, l.location]));
  document.title = displayText(
    view.status === "healthy" || view.status === "unknown"
      ? view.title
      : `(${STATUS_WORDS[view.status]}) ${view.title}`,
  );
  setText($("page-title"), view.title);
  const favicon = /** @type {HTMLLinkElement} */ ($("favicon"));
  favicon.href = `images/status-${view.status}.svg`;
  const banner = $("overall");
  banner.className = `banner ${view.status}`;
  replace($("overall-text"), bannerText(view));
  locationsNotice($("locations-notice"), view, now);
  renderMaintenance($("maintenance"), $("maintenance-list"), view, now);
  replace($("updated"), view.updated !== null ? ago(view.updated, now) : "never");
  const loading = $("history-loading");
  loading.hidden = view.complete !== false;
  for (const b of document.querySelectorAll("[data-range]")) {
    b.setAttribute("aria-pressed", String(b.getAttribute("data-range") === view.range.name));
  }
  const fleet = view.endpoints.length > FLEET;
  document.body.classList.toggle("fleet", fleet);
  $("filter").hidden = !fleet;
  const words = fleet ? filterWords(query) : [];
  const list = $("endpoints");
  const problemList = $("problem-list");
  /** @type {Map<string, HTMLElement>} */
  const existing = new Map();
  for (
    const li of document.querySelectorAll("#endpoints li.card, #endpoints li.group, #problem-list li.card")
  ) {
    existing.set(li.id, /** @type {HTMLElement} */ (li));
  }
  /** @param {string} id @param {() => HTMLElement} make */
  const take = (id, make) => {
    const el = existing.get(id) ?? make();
    existing.delete(id);
    return el;
  };
  // Top-level items in page order: ungrouped cards, and each group where its first member appears; on a
  // fleet's page, those needing attention first in their own list.
  const groupOf = new Map((view.groups ?? []).flatMap((g, i) => g.endpoints.map((id) => [id, { g, i }])));
  /** @type {HTMLElement[]} */
  const top = [];
  /** @type {HTMLElement[]} */
  const problems = [];
  /** @type {Map<GroupView, { cards: HTMLElement[], moved: number, matching: number }>} */
  const inGroup = new Map();
  /** @type {{ section: HTMLElement, g: GroupView }[]} */
  const sections = [];
  let matching = 0;
  // A fleet's page makes at most CHUNK new cards a pass (those needing attention always), and at most as many
  // as it has (up to MAX_CHUNK; few passes over 10,000): the first screen is painted after the first pass,
  // and the next passes, in the background, add the rest in page order.
  let budget = fleet ? Math.min(MAX_CHUNK, Math.max(CHUNK, existing.size)) : Infinity;
  let more = false;
  /** @type {{ card: HTMLElement, e: EndpointView, attention: boolean, grouped: { g: GroupView, i: number } | undefined }[]} */
  const cards = [];
  for (const e of view.endpoints) {
    const match = matchesFilter(e, words, STATUS_WORDS);
    if (match) matching++;
    const grouped = groupOf.get(e.id);
    const attention = fleet && needsAttention(e);
    /** @type {{ cards: HTMLElement[], moved: number, matching: number } | undefined} */
    let members;
    if (grouped) {
      members = inGroup.get(grouped.g);
      if (!members) {
        inGroup.set(grouped.g, members = { cards: [], moved: 0, matching: 0 });
        const section = take(`grp-${grouped.i}`, () => groupSection(`grp-${grouped.i}`));
        sections.push({ section, g: grouped.g });
        top.push(section);
      }
    }
    if (members && !attention && match) members.matching++;
    if (!existing.has(`ep-${e.id}`)) {
      if (!attention && budget <= 0) {
        more = true;
        continue;
      }
      budget--;
    }
    const card = take(`ep-${e.id}`, () => h("li", { id: `ep-${e.id}` }));
    card.hidden = !match;
    if (attention) {
      problems.push(card);
      if (members) members.moved++;
    } else if (members) members.cards.push(card);
    else top.push(card);
    cards.push({ card, e, attention, grouped });
  }
  for (const old of existing.values()) {
    old.remove();
    forget(old);
  }
  /** Puts `children` first in `parent`, in order, moving only those out of place (linear). @param {HTMLElement} parent @param {HTMLElement[]} children */
  const order = (parent, children) => {
    let at = parent.firstElementChild;
    for (const child of children) {
      if (child === at) at = at.nextElementSibling;
      else parent.insertBefore(child, at);
    }
  };
  order(list, top);
  order(problemList, problems);
  const shownProblems = problems.filter((c) => !c.hidden).length;
  $("problems").hidden = !shownProblems;
  setText($("problems-count"), count(shownProblems));
  bars.clear();
  /** Groups shown open (a filter opens those with a match without changing the reader's choice). */
  const open = new Set();
  for (const { section, g } of sections) {
    const members = /** @type {{ cards: HTMLElement[], moved: number, matching: number }} */ (inGroup.get(g));
    const isOpen = words.length ? members.matching > 0 : groupOpen(g, fleet);
    if (isOpen) open.add(g);
    section.hidden = words.length > 0 && !members.matching;
    order(/** @type {HTMLElement} */ (section.querySelector(".group-list")), members.cards);
    fillGroup(section, g, view, isOpen, members.moved);
    bars.set(section.id, { e: { slots: g.slots }, range: view.range });
  }
  // One layout read for all cards (reading it per card would force a layout each time), on a shown card.
  let width = 600;
  const shown = cards.find(({ card }) => card.classList.contains("card") && card.clientWidth > 0)?.card;
  if (shown) {
    const style = getComputedStyle(shown);
    const inner = shown.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    width = Math.max(240, Math.floor(inner));
  } else if (cards.length) width = Math.max(240, Math.floor(list.clientWidth - 40));
  chartWidth = width;
  for (const { card, e, attention, grouped } of cards) {
    bars.set(card.id, { e, range: view.range });
    const level = grouped || attention ? "h4" : "h3";
    if (!fleet) {
      pending.delete(card.id);
      fillCard(card, e, view, now, level);
      continue;
    }
    // A fleet's page fills the cards shown (not those filtered out or in a closed group) near the screen, or
    // holding the focus, when they changed (what a card says about maintenance depends on the minute); the
    // others show their heading and status until they come near.
    if (card.hidden || (grouped && !attention && !open.has(grouped.g))) {
      pending.delete(card.id);
      continue;
    }
    fleetCard(card, e, level, attention, view, now, details);
  }
  if (!tipsReady) {
    installTips(list);
    installTips(problemList);
    document.addEventListener("focusin", (ev) => fillAroundFocus(ev.target));
  }
  tipsReady = true;
  const filtered = $("filter-count");
  const total = view.endpoints.length;
  setText(
    filtered,
    !words.length
      ? ""
      : matching
      ? `${count(matching)} of ${count(total)} services match`
      : `No service matches “${query.trim()}”`,
  );
  $("endpoints-empty").hidden = view.endpoints.length > 0;
  const items = timelineItems(view, now);
  replace($("timeline"), items);
  $("timeline-empty").hidden = items.length > 0;
  replace($("range-info"), `Showing the last ${RANGE_LABELS[view.range.name] ?? view.range.name}`);
  if (more) drawMore();
  else for (const resolve of whole.splice(0)) resolve();
}

/** New cards a pass on a fleet's page (a few screens' worth: the first pass paints at once). */
const CHUNK = 300;
/** New cards a later pass at most (a longer one would hold up the reader's scrolling and typing). */
const MAX_CHUNK = 2000;
/** A pass adding more cards is on its way. */
let morePending = false;
/** Waiting for every card to be on the page. @type {(() => void)[]} */
const whole = [];

/**
 * The next pass of a fleet's page, at background priority where the browser has it (after the frames and
 * the answers bringing the detail of the cards on screen), else after the frame showing this one.
 */
function drawMore() {
  if (morePending) return;
  morePending = true;
  const pass = () => {
    morePending = false;
    if (last.view) renderPage(last.view, Date.now(), last.query, last.details);
  };
  const scheduler =
    /** @type {{ scheduler?: { postTask(f: () => void, o: { priority: string }): Promise<void> } }} */ (
      /** @type {unknown} */ (globalThis)
    ).scheduler;
  if (scheduler) scheduler.postTask(pass, { priority: "background" });
  else if (document.hidden) setTimeout(pass);
  else requestAnimationFrame(() => setTimeout(pass));
}

/** Resolves when every card of the page drawn last is on it (a fleet's page adds them in passes). */
export function drawn() {
  return morePending ? new Promise((resolve) => whole.push(() => resolve(undefined))) : Promise.resolve();
}

/**
 * What the page says about its locations: names two processes write (their results are mixed up), and
 * locations that went silent.
 * @param {HTMLElement} el @param {StatusView} view @param {number} now
 */
function locationsNotice(el, view, now) {
  const locations = view.locations ?? [];
  const duplicates = locations.filter((l) => l.duplicate);
  const silent = locations.filter((l) => l.silent && l.updated !== null);
  const lines = [];
  if (duplicates.length) {
    lines.push(h(
      "p",
      { class: "duplicate" },
      h("strong", {}, "Two checkup processes report as the same location: "),
      duplicates.map((l) => l.location).join(", "),
      ". Their results are mixed; give each location its own node name.",
    ));
  }
  if (silent.length && locations.length > 1) {
    lines.push(h(
      "p",
      {},
      silent.map((l) => `${l.location} silent for ${formatSilence(now - /** @type {number} */ (l.updated))}`)
        .join("; "),
      " (left out of the quorum).",
    ));
  }
  el.hidden = !lines.length;
  el.className = duplicates.length ? "notice warn" : "notice";
  replace(el, lines);
}

/** Shows or hides the problem notice. @param {string} [text] */
export function notice(text) {
  const el = /** @type {HTMLElement} */ (document.getElementById("notice"));
  el.hidden = !text;
  setText(el, text ?? "");
}
