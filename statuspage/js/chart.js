// @ts-check
/// <reference lib="dom" />
/**
 * The two inline SVG graphics of an endpoint: the 90-slot uptime bar and the response-time chart
 * (median line, median-to-p95 band, dashed threshold line). Drawn at the container's pixel width so text
 * keeps its size on a phone. Each has a text alternative.
 *
 * @module
 */
import { s } from "./dom.js";
import { formatDateTime, formatRtt, formatTick, formatUptime, RANGE_LABELS } from "./format.js";

/** @typedef {import("../../status/view.js").SlotsView} SlotsView */
/** @typedef {import("../../status/view.js").StatusView["range"]} Range */

/**
 * The class of one slot: none, up, degraded, partial (some checks down), down (most checks down).
 * @param {number} up @param {number} degraded @param {number} down
 */
export function slotClass(up, degraded, down) {
  const total = up + degraded + down;
  if (!total) return "none";
  if (down / total >= 0.5) return "down";
  if (down) return "partial";
  if (degraded) return "degraded";
  return "up";
}

const SLOT_WORDS = /** @type {Record<string, string>} */ ({
  none: "no data",
  up: "operational",
  degraded: "degraded",
  partial: "partial outage",
  down: "outage",
  maintenance: "maintenance",
});

/** Bar classes of the combined statuses (several locations). */
const COMBINED_CLASS = /** @type {Record<string, string>} */ ({
  unknown: "none",
  healthy: "up",
  partial: "partial",
  degraded: "degraded",
  down: "down",
  maintenance: "maintenance",
});

/**
 * The class of slot i: from the worst combined status seen in it with several locations (a failure below
 * the quorum is partial, at the quorum an outage), else from its checks; a slot with checks during a
 * maintenance window is maintenance.
 * @param {SlotsView} slots @param {number} i
 */
function classOf(slots, i) {
  if (slots.maintenance?.[i] && slots.up[i] + slots.degraded[i] + slots.down[i]) return "maintenance";
  const combined = slots.combined?.[i];
  if (combined) return COMBINED_CLASS[combined] ?? "none";
  return slotClass(slots.up[i], slots.degraded[i], slots.down[i]);
}

const BAR_W = 10, BAR_GAP = 2, BAR_H = 34;

/**
 * What one slot of the bar holds, for its tooltip.
 * @param {SlotsView} slots @param {Range} range @param {number} i
 */
export function slotDetail(slots, range, i) {
  const cls = classOf(slots, i);
  const total = slots.up[i] + slots.degraded[i] + slots.down[i];
  const when = formatDateTime(range.start + i * range.slot);
  if (!total) return `${when}: no data`;
  const word = slots.combined?.[i] === "partial" ? "failing from some locations" : SLOT_WORDS[cls];
  return `${when}: ${word}, ${total} checks, ${slots.down[i]} down, ${slots.degraded[i]} degraded`;
}

/**
 * The uptime bar: one path per kind of slot (a few elements, however many slots), with a summary for
 * screen readers; {@link slotAt} maps a pointer position to a slot for the tooltip.
 * @param {SlotsView} slots @param {Range} range @param {number | null} uptime
 */
export function uptimeBar(slots, range, uptime) {
  const n = slots.up.length;
  /** @type {Record<string, string>} */
  const paths = { none: "", up: "", degraded: "", partial: "", down: "", maintenance: "" };
  for (let i = 0; i < n; i++) {
    const cls = classOf(slots, i);
    paths[cls] += `M${i * (BAR_W + BAR_GAP)} 0h${BAR_W}v${BAR_H}h-${BAR_W}z`;
  }
  const count = (/** @type {string} */ cls) => paths[cls] ? paths[cls].split("M").length - 1 : 0;
  const bad = [
    count("down") && `${count("down")} with an outage`,
    count("partial") &&
    `${count("partial")} ${slots.combined ? "failing from some locations" : "with a partial outage"}`,
    count("degraded") && `${count("degraded")} degraded`,
    count("maintenance") && `${count("maintenance")} in maintenance`,
  ].filter(Boolean);
  const label =
    `Uptime ${formatUptime(uptime)} over the last ${RANGE_LABELS[range.name] ?? range.name}, ${n} periods: ` +
    (bad.length ? bad.join(", ") : "no problems") + (count("none") ? `, ${count("none")} without data` : "") +
    ".";
  return s(
    "svg",
    {
      class: "bar",
      viewBox: `0 0 ${n * (BAR_W + BAR_GAP) - BAR_GAP} ${BAR_H}`,
      preserveAspectRatio: "none",
      role: "img",
      "aria-label": label,
    },
    Object.entries(paths).filter(([, d]) => d).map(([cls, d]) => s("path", { class: `slot s-${cls}`, d })),
  );
}

/**
 * The slot under a pointer at `x` pixels from the bar's left edge, or -1 in a gap.
 * @param {number} x @param {number} width the bar's width in pixels @param {number} n slots
 */
export function slotAt(x, width, n) {
  const unit = (x / width) * (n * (BAR_W + BAR_GAP) - BAR_GAP);
  const i = Math.floor(unit / (BAR_W + BAR_GAP));
  return i >= 0 && i < n && unit - i * (BAR_W + BAR_GAP) <= BAR_W ? i : -1;
}

/** A "nice" upper bound for an axis: 1, 2, 2.5 or 5 × 10^k. @param {number} v */
export function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * The response-time chart, `width` pixels wide.
 * @param {SlotsView} slots @param {Range} range @param {number | null} threshold @param {number} width
 */
export function rttChart(slots, range, threshold, width) {
  const height = 132, left = 48, right = 8, top = 10, bottom = 22;
  const plotW = Math.max(60, width - left - right), plotH = height - top - bottom;
  const values = [...slots.p50, ...slots.p95].filter((v) => v !== null);
  const peak = values.length ? Math.max(...values) : 0;
  const showThreshold = threshold !== null && threshold <= Math.max(peak * 3, 1);
  const yMax = niceMax(Math.max(peak * 1.1, showThreshold && threshold !== null ? threshold * 1.1 : 0, 1));
  const n = slots.p50.length;
  const x = (/** @type {number} */ i) => left + (i + 0.5) * (plotW / n);
  const y = (/** @type {number} */ v) => top + plotH - (Math.min(v, yMax) / yMax) * plotH;
  const parts = [];
  for (const f of [0, 0.5, 1]) {
    const v = yMax * f;
    parts.push(
      s("line", { class: "grid", x1: left, x2: left + plotW, y1: y(v), y2: y(v) }),
      s("text", { class: "tick", x: left - 6, y: y(v) + 4, "text-anchor": "end" }, formatRtt(v)),
    );
  }
  const span = range.end - range.start;
  for (
    const [i, anchor] of /** @type {[number, string][]} */ ([[0, "start"], [n / 2, "middle"], [n, "end"]])
  ) {
    const t = range.start + (i / n) * span;
    parts.push(
      s(
        "text",
        { class: "tick", x: left + (i / n) * plotW, y: height - 6, "text-anchor": anchor },
        i === n ? "now" : formatTick(t, span),
      ),
    );
  }
  // Band from p50 to p95, and the median line, broken where a slot has no RTT.
  let band = "", line = "";
  let open = false;
  /** @type {number[]} */
  let run = [];
  const flush = () => {
    if (run.length) {
      const upper = run.map((i) =>
        `${x(i).toFixed(1)},${y(/** @type {number} */ (slots.p95[i])).toFixed(1)}`
      );
      const lower = run.map((i) => `${x(i).toFixed(1)},${y(/** @type {number} */ (slots.p50[i])).toFixed(1)}`)
        .reverse();
      band += `M${upper.join("L")}L${lower.join("L")}Z`;
    }
    run = [];
  };
  for (let i = 0; i < n; i++) {
    const v = slots.p50[i];
    if (v === null) {
      open = false;
      flush();
      continue;
    }
    line += `${open ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    open = true;
    if (slots.p95[i] !== null) run.push(i);
  }
  flush();
  if (band) parts.push(s("path", { class: "band", d: band }));
  if (line) parts.push(s("path", { class: "median", d: line }));
  // A lone point has no line to show: mark points when they are sparse.
  for (let i = 0; i < n; i++) {
    const v = slots.p50[i];
    if (v !== null && slots.p50[i - 1] == null && slots.p50[i + 1] == null) {
      parts.push(s("circle", { class: "point", cx: x(i), cy: y(v), r: 2.5 }));
    }
  }
  if (showThreshold && threshold !== null) {
    parts.push(
      s("line", { class: "threshold", x1: left, x2: left + plotW, y1: y(threshold), y2: y(threshold) }),
      s("text", {
        class: "tick threshold-label",
        x: left + plotW - 4,
        y: y(threshold) - 4,
        "text-anchor": "end",
      }, `threshold ${formatRtt(threshold)}`),
    );
  }
  if (!values.length) {
    parts.push(
      s(
        "text",
        { class: "empty", x: left + plotW / 2, y: top + plotH / 2, "text-anchor": "middle" },
        "No response times in this period",
      ),
    );
  }
  const p50s = /** @type {number[]} */ (slots.p50.filter((v) => v !== null));
  const median = p50s.length ? [...p50s].sort((a, b) => a - b)[p50s.length >> 1] : null;
  const label = values.length
    ? `Response time over the last ${RANGE_LABELS[range.name] ?? range.name}: typically ${
      formatRtt(median)
    }, ` +
      `95th percentile up to ${formatRtt(peak)}` +
      (threshold !== null ? `, threshold ${formatRtt(threshold)}` : "") + "."
    : `No response times over the last ${RANGE_LABELS[range.name] ?? range.name}.`;
  return s("svg", {
    class: "chart",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": label,
  }, parts);
}
