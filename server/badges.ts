/**
 * SVG badges in the familiar flat style: a grey label and a coloured value (status, uptime, response
 * time), with an accessible name. Text is cleaned to what XML can hold and what displays in reading order
 * (no control, non-character or bidi override), then XML-escaped; widths are estimated from Verdana's
 * metrics.
 *
 * @module
 */
import type { CombinedStatus } from "../status/quorum.js";
import { displayLine } from "../status/text.js";

/** Badge colours. */
export const BADGE_COLORS = {
  green: "#2e8540",
  lime: "#5b8c00",
  yellow: "#b58100",
  orange: "#d2651e",
  red: "#d0312d",
  grey: "#6b6b6b",
  blue: "#0366d6",
} as const;

const NARROW = new Set("fijlrtI!|.,:;'`()[]{} /\\");
const WIDE = new Set("mwMW@%");

/** Estimated width of text in 11px Verdana, in pixels. */
export function textWidth(text: string): number {
  let w = 0;
  for (const c of text) {
    if (NARROW.has(c)) w += 4;
    else if (WIDE.has(c)) w += 10;
    else if (c >= "A" && c <= "Z") w += 7.5;
    else w += 6.6;
  }
  return Math.ceil(w);
}

/** Escapes text for XML content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A flat badge: `label | value`, the value on `color`.
 *
 * @example
 * ```ts
 * import { badge } from "./badges.ts";
 * const svg = badge("API", "up", "#2e8540");
 * console.assert(svg.includes('aria-label="API: up"'));
 * ```
 */
export function badge(label: string, value: string, color: string): string {
  const l = displayLine(label, 60), v = displayLine(value, 40);
  const lw = textWidth(l) + 12, vw = textWidth(v) + 12, w = lw + vw;
  const name = escapeXml(`${l}: ${v}`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${name}">` +
    `<title>${name}</title>` +
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>` +
    `<stop offset="1" stop-opacity=".1"/></linearGradient>` +
    `<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/>` +
    `<rect x="${lw}" width="${vw}" height="20" fill="${color}"/>` +
    `<rect width="${w}" height="20" fill="url(#s)"/></g>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">` +
    `<text x="${lw / 2}" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">${escapeXml(l)}</text>` +
    `<text x="${lw / 2}" y="14">${escapeXml(l)}</text>` +
    `<text x="${lw + vw / 2}" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">${
      escapeXml(v)
    }</text>` +
    `<text x="${lw + vw / 2}" y="14">${escapeXml(v)}</text></g></svg>`;
}

const STATUS_BADGE: Record<CombinedStatus, [string, string]> = {
  healthy: ["up", BADGE_COLORS.green],
  // Some locations fail, fewer than the quorum: its own colour, between degraded and down.
  partial: ["partial", BADGE_COLORS.orange],
  degraded: ["degraded", BADGE_COLORS.yellow],
  // A maintenance window covers it: planned, so blue rather than a warning colour.
  maintenance: ["maintenance", BADGE_COLORS.blue],
  down: ["down", BADGE_COLORS.red],
  unknown: ["unknown", BADGE_COLORS.grey],
};

/** A status badge (the combined status with several locations: `partial` has its own colour). */
export function statusBadge(label: string, status: CombinedStatus): string {
  const [text, color] = STATUS_BADGE[status];
  return badge(label, text, color);
}

/** An uptime badge: green from 99.9 %, then lime, yellow (99 %), orange (95 %), red. */
export function uptimeBadge(label: string, percent: number | null): string {
  if (percent === null) return badge(label, "no data", BADGE_COLORS.grey);
  const color = percent >= 99.9
    ? BADGE_COLORS.green
    : percent >= 99.5
    ? BADGE_COLORS.lime
    : percent >= 99
    ? BADGE_COLORS.yellow
    : percent >= 95
    ? BADGE_COLORS.orange
    : BADGE_COLORS.red;
  const text = percent === 100 ? "100%" : `${percent.toFixed(percent >= 99.9 ? 3 : 2).replace(/0+$/, "")}%`;
  return badge(label, text.replace(".%", "%"), color);
}

/** A response-time badge: green under the threshold, yellow above it, blue without one. */
export function rttBadge(label: string, ms: number | null, threshold: number | null): string {
  if (ms === null) return badge(label, "no data", BADGE_COLORS.grey);
  const text = ms >= 1000 ? `${(ms / 1000).toPrecision(3)} s` : `${Math.round(ms)} ms`;
  const color = threshold === null
    ? BADGE_COLORS.blue
    : ms > threshold
    ? BADGE_COLORS.yellow
    : BADGE_COLORS.green;
  return badge(label, text, color);
}
