/**
 * Announcements: what notifiers are told about besides endpoint transitions, when their `notify_on` asks
 * for it: every update of an incident (`incident`) and the start and end of a maintenance window
 * (`maintenance`). They come from the operators' records in the storage (or the config), whoever wrote
 * them (`checkup incident`, `serve`'s API, an automatic incident), so every node that alerts sees them:
 *
 * - an event is announced once per notifier: the alert state keeps a ledger of the events each notifier
 *   was told about (bounded: events older than {@linkcode HORIZON_NS} are never announced and leave it);
 * - a node announces nothing that happened more than {@linkcode LOOK_BACK_NS} before it first looked (a
 *   new node, or an upgrade, does not replay the history), and nothing older than the horizon after a long
 *   stop;
 * - with several locations the alert gate claims each (notifier, event) once, so one node sends it.
 *
 * An announcement travels as an {@linkcode Alert} of kind `incident` or `maintenance` through the same
 * outbox, retries and providers as any alert. Pure and synchronous; the clock comes in as `now`.
 *
 * @module
 */
import { sha256Hex } from "../_internal/sha256.ts";
import type { Result } from "../result.ts";
import type { Impact, Incident, MaintenanceWindow } from "../status/operations.js";
import type { AlertState } from "./alerts.ts";
import type { Alert, TrackedStatus } from "./notifier.ts";
import type { AlertPolicy } from "./policy.ts";

/** Events older than this (24 h, ns) are never announced: after a long stop a node does not replay them. */
export const HORIZON_NS = 86_400_000_000_000n;

/**
 * How far back a state that never looked before announces (5 min, ns): an incident opened just before a
 * node's first round is still announced; older history is not.
 */
export const LOOK_BACK_NS = 300_000_000_000n;

/** One event to announce, before it is addressed to a notifier. */
export interface Announcement {
  /** Unique and stable: the incident and update ids, or the window's occurrence and edge. */
  id: string;
  /** What it is about. */
  kind: "incident" | "maintenance";
  /** When it happened (UTC ns): the update's time, the window's start or end. */
  at: bigint;
  /** The incident's or window's title. */
  title: string;
  /** What it affects, as text: `API (major), DB (partial)`, or `all endpoints`. */
  affects: string;
  /** `down` for a major outage, `degraded` for a lesser one or a window that starts, `healthy` once over. */
  status: TrackedStatus;
  /** The status before this event (`healthy` when it opens something). */
  previous: TrackedStatus;
  /** When the incident or window began (UTC ns). */
  since: bigint;
  /** The text: the update's state and text, or the window's span and message. */
  reason: string;
  /** The same for every event of one incident or window (receivers group by it; PagerDuty's dedup key). */
  key: string;
}

const MS = 1_000_000n;

function hashed(prefix: string, parts: unknown[]): string {
  return `${prefix}${sha256Hex(JSON.stringify(parts)).slice(0, 32)}`;
}

function affectsText(list: readonly { title: string; impact?: string }[]): string {
  return list.length ? list.map((a) => (a.impact ? `${a.title} (${a.impact})` : a.title)).join(", ") : "";
}

const IMPACT_STATUS: Record<Impact, TrackedStatus> = {
  degraded: "degraded",
  partial: "degraded",
  major: "down",
};

function impactStatus(affected: Incident["affected"], resolved: boolean): TrackedStatus {
  if (resolved) return "healthy";
  return affected.some((a) => IMPACT_STATUS[a.impact] === "down") ? "down" : "degraded";
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Every update of the incidents as an announcement: the opening (`previous` healthy), each change, and the
 * resolution (`healthy`).
 *
 * @example
 * ```ts
 * import { incidentAnnouncements } from "./announcements.ts";
 * import assert from "node:assert/strict";
 * const [open] = incidentAnnouncements([{
 *   id: "db", title: "Database slow", state: "investigating", started: 1000, affected: [],
 *   updates: [{ id: "u1", t: 1000, state: "investigating", text: "Looking", affected: [{ title: "API", impact: "major" }] }],
 * }]);
 * assert.equal(open.status, "down");
 * assert.equal(open.reason, "Investigating: Looking");
 * ```
 */
export function incidentAnnouncements(incidents: readonly Incident[]): Announcement[] {
  const out: Announcement[] = [];
  for (const incident of incidents) {
    let previous: TrackedStatus = "healthy";
    const key = hashed("checkup-incident-", [incident.id]).slice(0, 40);
    for (const u of incident.updates) {
      const status = impactStatus(u.affected, u.state === "resolved");
      out.push({
        id: `incident/${incident.id}/${u.id}`,
        kind: "incident",
        at: BigInt(Math.round(u.t)) * MS,
        title: incident.title,
        affects: affectsText(u.affected),
        status,
        previous,
        since: BigInt(Math.round(incident.started)) * MS,
        reason: `${capital(u.state)}: ${u.text}`,
        key,
      });
      previous = status;
    }
  }
  return out;
}

/** UTC time of an instant in ms: `2026-01-02 15:04 UTC`. */
function minute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/**
 * The start and the end of each maintenance window (that has come) as announcements.
 *
 * @example
 * ```ts
 * import { maintenanceAnnouncements } from "./announcements.ts";
 * import assert from "node:assert/strict";
 * const w = { id: "w", title: "DB upgrade", about: ["DB"], start: 0, end: 3_600_000, source: "adhoc" as const };
 * assert.deepEqual(maintenanceAnnouncements([w]).map((a) => a.status), ["degraded", "healthy"]);
 * ```
 */
export function maintenanceAnnouncements(windows: readonly MaintenanceWindow[]): Announcement[] {
  const out: Announcement[] = [];
  for (const w of windows) {
    const key = hashed("checkup-maintenance-", [w.id]).slice(0, 40);
    const span = `${minute(w.start)} to ${minute(w.end)}`;
    const base = {
      kind: "maintenance" as const,
      title: w.title,
      affects: affectsText(w.about.map((title) => ({ title }))) || "all endpoints",
      since: BigInt(Math.round(w.start)) * MS,
      key,
    };
    out.push({
      ...base,
      id: `maintenance/${w.id}/start`,
      at: base.since,
      status: "degraded",
      previous: "healthy",
      reason: `Maintenance from ${span}${w.message ? `: ${w.message}` : ""}`,
    });
    out.push({
      ...base,
      id: `maintenance/${w.id}/end`,
      at: BigInt(Math.round(w.end)) * MS,
      status: "healthy",
      previous: "degraded",
      reason: `Maintenance over (${span})`,
    });
  }
  return out;
}

/** The alert that carries an announcement to one notifier. */
export function announcementAlert(a: Announcement, policy: AlertPolicy, node?: string): Alert {
  const result: Result = {
    title: a.title,
    endpoint: a.affects,
    timestamp: a.at,
    times: [],
    message: a.reason,
  };
  const alert: Alert = {
    kind: a.kind,
    title: a.title,
    endpoint: a.affects,
    status: a.status,
    previous: a.previous,
    since: a.at,
    incident_since: a.since,
    at: a.at,
    result,
    reason: a.reason,
    key: a.key,
    id: hashed("checkup-", ["announcement", a.id]),
  };
  if (node) alert.node = node;
  if (policy.status_page_url) alert.url = policy.status_page_url;
  return alert;
}

/** One announcement due for one notifier. */
export interface DueAnnouncement {
  /** The notifier's state id (`<type>#<n>`). */
  notifier: string;
  /** The event. */
  announcement: Announcement;
  /** The alert to queue. */
  alert: Alert;
}

/**
 * The announcements each notifier has not been told about and should be: its `notify_on` names the kind,
 * the event happened by `now`, after this state first looked, and within the horizon. Pure: record each
 * one sent (or given to another node) with {@linkcode recordAnnouncement}.
 */
export function dueAnnouncements(
  state: AlertState,
  targets: readonly { id: string; policy: AlertPolicy }[],
  events: readonly Announcement[],
  now: bigint,
  node?: string,
): DueAnnouncement[] {
  state.announce_since ??= now - LOOK_BACK_NS;
  const from = state.announce_since > now - HORIZON_NS ? state.announce_since : now - HORIZON_NS;
  const out: DueAnnouncement[] = [];
  for (const t of targets) {
    const told = state.announced.get(t.id);
    for (const a of events) {
      if (!(t.policy.notify_on as string[]).includes(a.kind)) continue;
      if (a.at > now || a.at < from || told?.has(a.id)) continue;
      out.push({ notifier: t.id, announcement: a, alert: announcementAlert(a, t.policy, node) });
    }
  }
  out.sort((
    x,
    y,
  ) => (x.announcement.at < y.announcement.at ? -1 : x.announcement.at > y.announcement.at ? 1 : 0));
  return out;
}

/** Records that a notifier was told about an event (sent by this node or another). */
export function recordAnnouncement(state: AlertState, notifier: string, a: Announcement): void {
  let told = state.announced.get(notifier);
  if (!told) state.announced.set(notifier, told = new Map());
  told.set(a.id, a.at);
}

/** Forgets ledger entries past the horizon (they can never be due again) and of notifiers gone. */
export function pruneAnnounced(state: AlertState, now: bigint, ids: Iterable<string>): void {
  const keep = new Set(ids);
  for (const [id, told] of [...state.announced]) {
    if (!keep.has(id)) {
      state.announced.delete(id);
      continue;
    }
    for (const [event, at] of [...told]) if (at < now - 2n * HORIZON_NS) told.delete(event);
    if (!told.size) state.announced.delete(id);
  }
}
