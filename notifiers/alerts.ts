/**
 * The alert state machine. Per endpoint it tracks what the rounds show (status, streaks, since when);
 * per notifier and endpoint, what that notifier was told. Each round it decides, for each notifier's
 * {@linkcode AlertPolicy}, which transitions to announce:
 *
 * - healthy → `down` / `degraded` after `failure_threshold` consecutive bad rounds;
 * - `down` ↔ `degraded` within an incident, once the new status has lasted `failure_threshold` rounds;
 * - → `recovered` after `success_threshold` consecutive healthy rounds (only for an announced incident);
 * - a `reminder` every `reminder_every` while it stays bad;
 * - `min_interval` holds the alert that opens a new incident that soon after a recovery, and a status
 *   change that soon after the previous one, so a flapping endpoint cannot page in a storm;
 * - a maintenance window covering an endpoint (`held`) holds everything about it but a recovery: no
 *   incident opens, changes or reminds while it lasts. After it, an endpoint still bad opens its incident
 *   as usual (at once: its bad rounds kept counting); one that recovered meanwhile sends nothing; an
 *   incident announced before the window stays open, and its recovery is sent whenever it comes.
 *
 * Results whose status is `unknown` carry no information and change nothing. Everything here is pure
 * and synchronous: the clock comes in as `now`, persistence is `alert_codec.ts`.
 *
 * @module
 */
import { sha256Hex } from "../_internal/sha256.ts";
import { type Result, statusOf } from "../result.ts";
import type { Alert, AlertKind, TrackedStatus } from "./notifier.ts";
import { Outbox } from "./outbox.ts";
import { type AlertOn, type AlertPolicy, DEFAULT_ALERT_POLICY } from "./policy.ts";

/** What the rounds have shown about one endpoint. */
export interface EndpointTrack {
  /** The endpoint's title (the result's `title`). */
  title: string;
  /** The endpoint's URL or address (the result's `endpoint`). */
  endpoint: string;
  /** The latest known status. */
  status: TrackedStatus;
  /** First round (UTC ns) of the current run of `status`. */
  since: bigint;
  /** Consecutive rounds in `status`. */
  streak: number;
  /** Consecutive bad (down or degraded) rounds; 0 when healthy. */
  bad: number;
  /** First round of the current bad run. */
  bad_since?: bigint;
  /** Consecutive healthy rounds; 0 when bad. */
  good: number;
  /** The latest error or notice. */
  reason?: string;
  /** When the endpoint was last in a round. */
  seen: bigint;
}

/** What one notifier was told about one endpoint. */
export interface NotifierTrack {
  /** The status this notifier holds for the endpoint (`healthy` outside incidents). */
  notified: TrackedStatus;
  /** Whether a down/degraded alert of the current incident was actually sent. */
  announced: boolean;
  /** When the current incident began. */
  incident_since?: bigint;
  /** When a message about the current incident was last sent (reminders count from it). */
  last_sent?: bigint;
  /** When the held status last changed (opening the incident or changing within it). */
  last_change?: bigint;
  /** When the previous incident was closed (recovery). */
  closed_at?: bigint;
  /**
   * Several locations: the number of the shared claim that opened the current incident (see
   * `notifiers/gate.ts`), which every node agrees on; reminders are claimed under it.
   */
  ledger?: number;
}

/**
 * The whole alert state of one node: endpoints, per notifier id what it was told, and the notifications
 * decided but not yet delivered (saved together, so a decision and what it sends are committed at once).
 */
export interface AlertState {
  /** What the rounds showed, by endpoint key. */
  endpoints: Map<string, EndpointTrack>;
  /** Per notifier id (`<type>#<n>`), what it was told, by endpoint key. */
  notifiers: Map<string, Map<string, NotifierTrack>>;
  /** Notifications waiting for delivery. */
  outbox: Outbox;
  /**
   * Per notifier id, the announcements (incident updates, maintenance) it was told about, by event id, with
   * the event's time (UTC ns); see `announcements.ts`.
   */
  announced: Map<string, Map<string, bigint>>;
  /** When this state first looked for announcements (UTC ns): nothing earlier is announced. */
  announce_since?: bigint;
}

/** One outcome of {@linkcode decideAlerts}: an alert to send (or a silent transition) and the track after it. */
export interface AlertDecision {
  /** The endpoint key. */
  key: string;
  /** The alert to deliver; absent for a transition this notifier does not send (`notify_on`). */
  alert?: Alert;
  /** The notifier's track once the decision is committed (with its alert queued in the outbox). */
  next: NotifierTrack;
}

/** Context of {@linkcode decideAlerts}. */
export interface DecideContext {
  /** The current time (UTC ns). */
  now: bigint;
  /** This node's name, carried by every alert. */
  node?: string;
  /** Results of the round, by endpoint key (the alert carries the latest one). */
  results: ReadonlyMap<string, Result>;
  /** Several locations: alert keys leave the node name out, so every node's alerts about an endpoint match. */
  sharedKeys?: boolean;
  /** Endpoint keys a maintenance window covers now: only recoveries are decided for them. */
  held?: ReadonlySet<string>;
}

/** The ceiling of every round counter (streaks), so a long-lived state never grows its numbers unbounded. */
export const CAP = 1_000_000;

/** An empty state. */
export function emptyAlertState(): AlertState {
  return { endpoints: new Map(), notifiers: new Map(), outbox: new Outbox(), announced: new Map() };
}

/** The state key of an endpoint: its title and what is checked. */
export function endpointKey(title: string | undefined, endpoint: string | undefined): string {
  return JSON.stringify([title ?? "", endpoint ?? ""]);
}

/** A stable, opaque key per node and endpoint (at most 40 characters), for deduplicating receivers. */
export function alertKey(node: string | undefined, title: string, endpoint: string): string {
  const hash = sha256Hex(JSON.stringify([node ?? "", title, endpoint]));
  return `checkup-${hash.slice(0, 32)}`;
}

/**
 * The id of one notification: the same for every retry of it, after a restart too, and different for every
 * other notification (node, endpoint, incident, kind, status and the time it was decided).
 *
 * @example
 * ```ts
 * import { notificationId } from "./alerts.ts";
 * import assert from "node:assert/strict";
 * const a = notificationId({ key: "checkup-1", incident_since: 5n, kind: "down", status: "down", at: 7n });
 * assert.equal(a, notificationId({ key: "checkup-1", incident_since: 5n, kind: "down", status: "down", at: 7n }));
 * assert.notEqual(a, notificationId({ key: "checkup-1", incident_since: 5n, kind: "recovered", status: "healthy", at: 9n }));
 * assert.match(a, /^checkup-[0-9a-f]{32}$/);
 * ```
 */
export function notificationId(
  a: Pick<Alert, "key" | "incident_since" | "kind" | "status" | "at">,
): string {
  const text = JSON.stringify([a.key, String(a.incident_since), a.kind, a.status, String(a.at)]);
  return `checkup-${sha256Hex(text).slice(0, 32)}`;
}

/** The first attempt error, else the notice, of a result. */
export function reasonOf(result: Result): string | undefined {
  return result.times?.find((t) => t.error)?.error ?? result.notice ?? undefined;
}

/**
 * Records a round (all endpoints, or only those due when checks run on their own schedules): updates
 * each endpoint's status, streaks and since. Returns the round's results by endpoint key.
 */
export function observeRound(
  state: AlertState,
  results: readonly Result[],
  now: bigint,
): Map<string, Result> {
  const byKey = new Map<string, Result>();
  for (const r of results) {
    const key = endpointKey(r.title, r.endpoint);
    byKey.set(key, r);
    const status = statusOf(r);
    const prev = state.endpoints.get(key);
    if (status === "unknown") {
      if (prev) prev.seen = now;
      continue;
    }
    const bad = status !== "healthy";
    const same = prev?.status === status;
    const next: EndpointTrack = {
      title: r.title ?? "",
      endpoint: r.endpoint ?? "",
      status,
      since: same ? prev.since : now,
      streak: same ? Math.min(prev.streak + 1, CAP) : 1,
      bad: bad ? Math.min((prev?.bad ?? 0) + 1, CAP) : 0,
      good: bad ? 0 : Math.min((prev?.good ?? 0) + 1, CAP),
      seen: now,
    };
    if (bad) next.bad_since = prev?.bad ? prev.bad_since ?? now : now;
    const reason = reasonOf(r);
    if (reason) next.reason = reason;
    state.endpoints.set(key, next);
  }
  return byKey;
}

/**
 * Forgets endpoints (and what notifiers were told about them) that are no longer configured: those not
 * in `keep` when it is given, else those not seen for `maxAge` nanoseconds (default 7 days).
 */
export function pruneEndpoints(
  state: AlertState,
  now: bigint,
  keep?: ReadonlySet<string>,
  maxAge = 7n * 86_400_000_000_000n,
): void {
  for (const [key, e] of [...state.endpoints]) {
    if (keep ? !keep.has(key) : now - e.seen > maxAge) state.endpoints.delete(key);
  }
  for (const tracks of state.notifiers.values()) {
    for (const key of [...tracks.keys()]) if (!state.endpoints.has(key)) tracks.delete(key);
  }
}

/** Forgets the tracks of notifiers that are no longer configured. */
export function pruneNotifiers(state: AlertState, ids: Iterable<string>): void {
  const keep = new Set(ids);
  for (const id of [...state.notifiers.keys()]) if (!keep.has(id)) state.notifiers.delete(id);
}

const HEALTHY: NotifierTrack = { notified: "healthy", announced: false };

function sends(policy: AlertPolicy, kind: AlertOn): boolean {
  return policy.notify_on.includes(kind);
}

/**
 * Decides, for one notifier, what this round announces. Pure: apply each decision's `next` with
 * {@linkcode commitDecision} and queue its alert in the outbox, in the same step.
 */
export function decideAlerts(
  state: AlertState,
  notifierId: string,
  policy: AlertPolicy = DEFAULT_ALERT_POLICY,
  ctx: DecideContext,
): AlertDecision[] {
  const { now } = ctx;
  const tracks = state.notifiers.get(notifierId);
  const out: AlertDecision[] = [];
  for (const [key, result] of ctx.results) {
    const e = state.endpoints.get(key);
    if (!e || statusOf(result) === "unknown") continue;
    if (e.status !== "healthy" && ctx.held?.has(key)) continue;
    const t = tracks?.get(key) ?? HEALTHY;
    const make = (kind: AlertKind, incident: bigint): Alert => {
      const alert: Alert = {
        kind,
        title: e.title,
        endpoint: e.endpoint,
        status: e.status,
        previous: t.notified,
        since: e.since,
        incident_since: incident,
        at: now,
        result,
        key: alertKey(ctx.sharedKeys ? undefined : ctx.node, e.title, e.endpoint),
        id: "",
      };
      alert.id = notificationId(alert);
      if (e.reason && e.status !== "healthy") alert.reason = e.reason;
      if (ctx.node) alert.node = ctx.node;
      if (policy.status_page_url) alert.url = policy.status_page_url;
      return alert;
    };
    const interval = BigInt(policy.min_interval);
    if (e.status === "healthy") {
      if (t.notified === "healthy" || e.good < policy.success_threshold) continue;
      const next: NotifierTrack = { notified: "healthy", announced: false, closed_at: now };
      const incident = t.incident_since ?? e.since;
      out.push(
        t.announced && sends(policy, "recovered")
          ? { key, alert: make("recovered", incident), next }
          : { key, next },
      );
    } else if (t.notified === "healthy") {
      // Opening an incident.
      if (e.bad < policy.failure_threshold) continue;
      if (t.closed_at !== undefined && now - t.closed_at < interval) continue; // held: flapping
      const incident = e.bad_since ?? e.since;
      const announce = sends(policy, e.status);
      const next: NotifierTrack = {
        notified: e.status,
        announced: announce,
        incident_since: incident,
        last_change: now,
      };
      if (t.closed_at !== undefined) next.closed_at = t.closed_at;
      if (announce) next.last_sent = now;
      out.push(announce ? { key, alert: make(e.status, incident), next } : { key, next });
    } else if (t.notified !== e.status) {
      // down ↔ degraded within the incident.
      if (e.streak < policy.failure_threshold) continue;
      if (t.last_change !== undefined && now - t.last_change < interval) continue;
      const incident = t.incident_since ?? e.bad_since ?? e.since;
      const announce = sends(policy, e.status);
      const next: NotifierTrack = { ...t, notified: e.status, last_change: now, incident_since: incident };
      if (announce) {
        next.announced = true;
        next.last_sent = now;
      }
      out.push(announce ? { key, alert: make(e.status, incident), next } : { key, next });
    } else if (policy.reminder_every > 0 && t.announced && sends(policy, e.status)) {
      const last = t.last_sent ?? t.last_change ?? now;
      if (now - last < BigInt(policy.reminder_every)) continue;
      out.push({
        key,
        alert: make("reminder", t.incident_since ?? e.bad_since ?? e.since),
        next: { ...t, last_sent: now },
      });
    }
  }
  return out;
}

/** Applies a decision's track for a notifier. */
export function commitDecision(state: AlertState, notifierId: string, decision: AlertDecision): void {
  let tracks = state.notifiers.get(notifierId);
  if (!tracks) state.notifiers.set(notifierId, tracks = new Map());
  if (decision.next.notified === "healthy" && decision.next.closed_at === undefined) {
    tracks.delete(decision.key);
  } else tracks.set(decision.key, decision.next);
}

/**
 * Re-keys a state whose endpoints were recorded before their text was redacted (an upgrade: results are
 * now redacted as they are made): each endpoint's text goes through `redact`, and what notifiers were told
 * follows it, so an open incident is neither forgotten nor announced again. Idempotent.
 */
export function redactAlertState(state: AlertState, redact: (text: string) => string): void {
  const moves = new Map<string, string>();
  const endpoints = new Map<string, EndpointTrack>();
  for (const [key, e] of state.endpoints) {
    const endpoint = redact(e.endpoint);
    const reason = e.reason === undefined ? undefined : redact(e.reason);
    const next = endpointKey(e.title || undefined, endpoint || undefined);
    if (next !== key) moves.set(key, next);
    endpoints.set(next, { ...e, endpoint, ...(reason === undefined ? {} : { reason }) });
  }
  state.endpoints = endpoints;
  if (!moves.size) return;
  for (const [id, tracks] of state.notifiers) {
    state.notifiers.set(id, new Map([...tracks].map(([key, t]) => [moves.get(key) ?? key, t])));
  }
}
