/**
 * Message text shared by every provider, so all of them say the same thing: which endpoint, what
 * status (and what it was), since when, the error or notice, the node, and a link to the status page.
 * Providers only choose a layout (plain text, HTML, facts for cards).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { humanDuration } from "../duration.ts";
import type { Alert, AlertKind } from "./notifier.ts";

/** One labelled line of a message (a Slack field, a Teams fact, a line of text). */
export interface Fact {
  /** The label, e.g. `"Status"`. */
  label: string;
  /** The text shown for it. */
  value: string;
}

const EMOJI: Record<string, string> = { down: "🔴", degraded: "🟡", healthy: "✅" };

/** Whether an alert announces an incident update or a maintenance window rather than an endpoint's status. */
export function isAnnouncement(alert: Pick<Alert, "kind">): boolean {
  return alert.kind === "incident" || alert.kind === "maintenance";
}

/** The status word in capitals, as Go Checkup wrote it (`DOWN`, `DEGRADED`, `HEALTHY`). */
export function statusWord(status: string): string {
  return status.toUpperCase();
}

/**
 * One line saying what happened: `API is DOWN`, `API is still DEGRADED`, `API has RECOVERED`.
 *
 * @example
 * ```ts
 * import { alertHeadline } from "./message.ts";
 * import assert from "node:assert/strict";
 * const alert = { kind: "down", title: "API", status: "down" } as const;
 * assert.equal(alertHeadline(alert), "🔴 API is DOWN");
 * assert.equal(alertHeadline(alert, { emoji: false }), "API is DOWN");
 * ```
 */
export function alertHeadline(
  alert: Pick<Alert, "kind" | "title" | "status">,
  options: { emoji?: boolean } = {},
): string {
  const name = alert.title || "Endpoint";
  if (isAnnouncement(alert)) {
    const what = alert.kind === "incident"
      ? (alert.status === "healthy" ? "Incident resolved" : "Incident")
      : (alert.status === "healthy" ? "Maintenance over" : "Maintenance");
    const text = `${what}: ${name}`;
    return options.emoji === false
      ? text
      : `${alert.kind === "maintenance" ? "🛠" : EMOJI[alert.status] ?? "⚪"} ${text}`;
  }
  const text = alert.kind === "recovered"
    ? `${name} has RECOVERED`
    : alert.kind === "reminder"
    ? `${name} is still ${statusWord(alert.status)}`
    : `${name} is ${statusWord(alert.status)}`;
  return options.emoji === false ? text : `${EMOJI[alert.status] ?? "⚪"} ${text}`;
}

/** UTC time of a nanosecond timestamp: `2026-01-02 15:04:05 UTC`. */
export function formatTime(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** RFC 3339 UTC time of a nanosecond timestamp (millisecond precision). */
export function isoTime(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

function ago(from: bigint, to: bigint): string {
  const d = Number(to - from);
  return d >= 1e9 ? humanDuration(d) : "";
}

/** The facts of an alert, in display order (labels are plain English). */
export function alertFacts(alert: Alert): Fact[] {
  const facts: Fact[] = [];
  if (isAnnouncement(alert)) {
    if (alert.endpoint) facts.push({ label: "Affects", value: alert.endpoint });
    if (alert.reason) {
      facts.push({ label: alert.kind === "incident" ? "Update" : "Window", value: alert.reason });
    }
    facts.push({ label: "Since", value: formatTime(alert.incident_since) });
    if (alert.node) facts.push({ label: "Node", value: alert.node });
    if (alert.url) facts.push({ label: "Status page", value: alert.url });
    return facts;
  }
  if (alert.endpoint) facts.push({ label: "Endpoint", value: alert.endpoint });
  facts.push({
    label: "Status",
    value: alert.previous !== alert.status
      ? `${statusWord(alert.status)} (was ${statusWord(alert.previous)})`
      : statusWord(alert.status),
  });
  if (alert.kind === "recovered") {
    const outage = ago(alert.incident_since, alert.since);
    facts.push({ label: "Recovered at", value: formatTime(alert.since) });
    facts.push({
      label: "Outage",
      value: `${outage ? `${outage}, ` : ""}from ${formatTime(alert.incident_since)}`,
    });
  } else {
    const howLong = ago(alert.since, alert.at);
    facts.push({ label: "Since", value: `${formatTime(alert.since)}${howLong ? ` (${howLong})` : ""}` });
  }
  if (alert.reason) facts.push({ label: alert.status === "down" ? "Error" : "Notice", value: alert.reason });
  if (alert.node) facts.push({ label: "Node", value: alert.node });
  if (alert.url) facts.push({ label: "Status page", value: alert.url });
  return facts;
}

/** Plain text of one alert: the headline, then one `Label: value` line per fact. */
export function alertText(alert: Alert, options: { emoji?: boolean } = {}): string {
  return [alertHeadline(alert, options), ...alertFacts(alert).map((f) => `${f.label}: ${f.value}`)].join(
    "\n",
  );
}

/** A colour per status: red for down, amber for degraded, green for recovered. */
export function alertColor(alert: Pick<Alert, "status">): { hex: string; int: number } {
  const hex = alert.status === "down" ? "#c21408" : alert.status === "degraded" ? "#e8a317" : "#2eb67d";
  return { hex, int: parseInt(hex.slice(1), 16) };
}

function counts(alerts: readonly Alert[]): string {
  const by = new Map<string, number>();
  for (const a of alerts) {
    const word = isAnnouncement(a) ? a.kind : a.kind === "recovered" ? "recovered" : a.status;
    by.set(word, (by.get(word) ?? 0) + 1);
  }
  return [...by].map(([w, n]) => `${n} ${w}`).join(", ");
}

/**
 * The subject of a round's message (mail, Pushover, Gotify): `subject` when configured (Go's key),
 * else `Checkup: <headline>` for one alert or `Checkup: 2 down, 1 recovered` for several.
 */
export function roundSubject(alerts: readonly Alert[], subject?: string): string {
  if (subject?.trim()) return subject;
  if (alerts.length === 1) return `Checkup: ${alertHeadline(alerts[0], { emoji: false })}`;
  return `Checkup: ${counts(alerts)}`;
}

function leadIn(alerts: readonly Alert[]): string {
  if (alerts.every(isAnnouncement)) return "Checkup has news about your services:";
  return alerts.every(isProblem)
    ? "Checkup has detected the following issues:"
    : "Checkup has detected the following changes:";
}

/** Plain text of a round (Go's Pushover layout): a lead-in line, a blank line, one block per alert. */
export function roundText(alerts: readonly Alert[], options: { emoji?: boolean } = {}): string {
  return `${leadIn(alerts)}\n\n${alerts.map((a) => alertText(a, options)).join("\n\n")}`;
}

/** Escapes text for HTML (element content and double-quoted attributes). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * HTML of a round (Go's mail layout): a bold lead-in, then a list with one
 * `<title> - Status <b>down</b>` item per alert, each followed by its facts.
 */
export function roundHtml(alerts: readonly Alert[]): string {
  const items = alerts.map((a) => {
    const facts = alertFacts(a).map((f) => {
      const value = f.label === "Status page" || (f.label === "Endpoint" && /^https?:\/\//.test(f.value))
        ? `<a href="${escapeHtml(f.value)}">${escapeHtml(f.value)}</a>`
        : escapeHtml(f.value);
      return `<br/>${escapeHtml(f.label)}: ${value}`;
    }).join("");
    const word = isAnnouncement(a)
      ? (a.status === "healthy" ? `${a.kind} over` : a.kind)
      : a.kind === "recovered"
      ? "recovered"
      : a.kind === "reminder"
      ? `still ${a.status}`
      : a.status;
    return `<li>${escapeHtml(a.title || a.endpoint)} - Status <b>${word}</b>${facts}</li>`;
  });
  return [`<b>${leadIn(alerts)}</b>`, "<br/><br/>", "<ul>", ...items, "</ul>"].join("\n");
}

/**
 * Whether an alert is about a bad state (down, degraded, or a reminder of one; an incident or maintenance
 * window that is not over).
 */
export function isProblem(alert: Pick<Alert, "kind" | "status">): boolean {
  if (alert.kind === "incident" || alert.kind === "maintenance") return alert.status !== "healthy";
  return alert.kind !== ("recovered" satisfies AlertKind);
}

/** Cuts text to at most `max` characters, ending with `…` when cut (providers' field limits). */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join("") + "…";
}

/**
 * A stable `Message-ID` for an email carrying `alerts`: the same alerts give the same id, so a mail
 * server or client that deduplicates by Message-ID keeps one copy of a retried message. The domain is
 * the sender's (`from`), else `checkup.invalid`.
 *
 * @example
 * ```ts
 * import { messageId } from "./message.ts";
 * import assert from "node:assert/strict";
 * assert.match(messageId([{ id: "checkup-1" }], "Checkup <alerts@example.com>"), /^<[0-9a-f]{32}@example\.com>$/);
 * ```
 */
export function messageId(alerts: readonly Pick<Alert, "id">[], from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? "checkup.invalid";
  const hash = createHash("sha256").update(alerts.map((a) => a.id).join("\n")).digest("hex").slice(0, 32);
  return `<${hash}@${domain}>`;
}
