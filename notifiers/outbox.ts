/**
 * The outbox: notifications decided by the alert state machine and not yet delivered. A round commits its
 * decisions and the notifications they cause together (the outbox is part of the alert state document,
 * saved in one write); the delivery worker (`delivery.ts`) takes them from here. Everything in this module
 * is pure and synchronous: the clock comes in as `now`, randomness as `random`.
 *
 * - Order per endpoint is kept: for each notifier only the oldest entry of an endpoint is ever due, so a
 *   `recovered` never overtakes its `down`.
 * - A failed attempt is retried with exponential backoff and jitter (1 s doubling to at most 5 min, each
 *   wait drawn between half and all of that), until the entry is older than the notifier's `max_age`.
 * - Every entry keeps the notification's stable id, so every retry carries the same id.
 * - Bounded: a reminder is not queued while the notifier still has an undelivered message about the same
 *   endpoint, and at most {@linkcode MAX_ENTRIES} entries are kept per notifier (the oldest are dropped).
 *
 * @module
 */
import { backoffMs as exponentialBackoff } from "../_internal/retry.ts";
import { decodeResults, encodeResults } from "../result.ts";
import type { Alert, AlertKind, TrackedStatus } from "./notifier.ts";

/** One notification waiting for delivery to one notifier. */
export interface OutboxEntry {
  /** The notifier's state id (`<type>#<n>`). */
  notifier: string;
  /** The notification (its `id` is stable across retries and restarts). */
  alert: Alert;
  /** When it was queued (UTC ns). */
  created: bigint;
  /** Delivery attempts made so far. */
  attempts: number;
  /** Not to be tried before this time (UTC ns). */
  next: bigint;
}

/** Entries kept per notifier at most; beyond it the oldest are dropped (and logged by the caller). */
export const MAX_ENTRIES = 1000;
/** The first retry waits up to this long (ms); each further one doubles it. */
export const BACKOFF_BASE_MS = 1_000;
/** No retry waits longer than this (ms). */
export const BACKOFF_MAX_MS = 300_000;

/**
 * How long to wait before retry number `attempts` (1 = the first retry), in milliseconds: the exponential
 * step capped at {@linkcode BACKOFF_MAX_MS}, scaled into [½, 1) of itself by `random` (jitter, so many
 * nodes or notifiers do not retry in lockstep).
 *
 * @example
 * ```ts
 * import { backoffMs } from "./outbox.ts";
 * import assert from "node:assert/strict";
 * assert.equal(backoffMs(1, () => 0), 500);
 * assert.equal(backoffMs(3, () => 0), 2_000);
 * assert.equal(backoffMs(40, () => 0), 150_000);
 * ```
 */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const backoff = { base: BACKOFF_BASE_MS, max: BACKOFF_MAX_MS, jitter: 0.5 };
  return Math.round(exponentialBackoff(backoff, Math.max(0, attempts - 1), () => 1 - random()));
}

/** The notifications waiting for delivery, all notifiers together, in the order they were queued. */
export class Outbox {
  #entries: OutboxEntry[] = [];

  /** Starts from saved entries (in queued order). */
  constructor(entries: Iterable<OutboxEntry> = []) {
    this.#entries = [...entries];
  }

  /** Every entry, in queued order (for saving). */
  get entries(): readonly OutboxEntry[] {
    return this.#entries;
  }

  /** Entries waiting, for one notifier or for all. */
  depth(notifier?: string): number {
    if (notifier === undefined) return this.#entries.length;
    let n = 0;
    for (const e of this.#entries) if (e.notifier === notifier) n++;
    return n;
  }

  /**
   * Queues alerts for a notifier, due at once (a reminder only when nothing about its endpoint is waiting);
   * returns the entries dropped to stay within {@linkcode MAX_ENTRIES} (the notifier's oldest).
   */
  add(notifier: string, alerts: readonly Alert[], now: bigint): OutboxEntry[] {
    for (const alert of alerts) {
      // A reminder adds nothing while the notifier still has an undelivered message about the endpoint.
      if (
        alert.kind === "reminder" &&
        this.#entries.some((e) => e.notifier === notifier && e.alert.key === alert.key)
      ) {
        continue;
      }
      this.#entries.push({ notifier, alert, created: now, attempts: 0, next: now });
    }
    const over = this.depth(notifier) - MAX_ENTRIES;
    if (over <= 0) return [];
    const dropped: OutboxEntry[] = [];
    this.#entries = this.#entries.filter((e) => {
      if (e.notifier !== notifier || dropped.length >= over) return true;
      dropped.push(e);
      return false;
    });
    return dropped;
  }

  /** For one notifier, the oldest entry of each endpoint (the only ones that may be sent), in order. */
  #heads(notifier: string): OutboxEntry[] {
    const seen = new Set<string>();
    const heads: OutboxEntry[] = [];
    for (const e of this.#entries) {
      if (e.notifier !== notifier || seen.has(e.alert.key)) continue;
      seen.add(e.alert.key);
      heads.push(e);
    }
    return heads;
  }

  /** Up to `limit` entries of a notifier that may be sent at `now`, oldest first. */
  due(notifier: string, now: bigint, limit = Infinity): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const e of this.#heads(notifier)) {
      if (out.length >= limit) break;
      if (e.next <= now) out.push(e);
    }
    return out;
  }

  /** When the next entry of a notifier may be sent (UTC ns), or undefined when it has none. */
  nextDue(notifier: string): bigint | undefined {
    let next: bigint | undefined;
    for (const e of this.#heads(notifier)) if (next === undefined || e.next < next) next = e.next;
    return next;
  }

  /** Removes entries (delivered, expired or dropped). */
  remove(entries: Iterable<OutboxEntry>): void {
    const gone = new Set(entries);
    if (gone.size) this.#entries = this.#entries.filter((e) => !gone.has(e));
  }

  /**
   * Records a failed attempt of each entry: counts it and sets the time of the next try by
   * {@linkcode backoffMs}.
   */
  retryLater(entries: Iterable<OutboxEntry>, now: bigint, random: () => number = Math.random): void {
    for (const e of entries) {
      e.attempts = Math.min(e.attempts + 1, 1_000_000);
      e.next = now + BigInt(backoffMs(e.attempts, random)) * 1_000_000n;
    }
  }

  /** Removes and returns the entries of a notifier queued more than `maxAge` ns before `now`. */
  expire(notifier: string, now: bigint, maxAge: number): OutboxEntry[] {
    const limit = BigInt(maxAge);
    const expired = this.#entries.filter((e) => e.notifier === notifier && now - e.created > limit);
    this.remove(expired);
    return expired;
  }

  /** Removes and returns the entries of notifiers not in `ids` (no longer configured). */
  keepOnly(ids: Iterable<string>): OutboxEntry[] {
    const keep = new Set(ids);
    const orphans = this.#entries.filter((e) => !keep.has(e.notifier));
    this.remove(orphans);
    return orphans;
  }
}

// ---- persistence (part of the alert state document) -------------------------------------------

const KINDS = new Set<AlertKind>(["down", "degraded", "recovered", "reminder", "incident", "maintenance"]);
const STATUSES = new Set<TrackedStatus>(["healthy", "degraded", "down"]);

function ns(v: unknown): bigint | undefined {
  return typeof v === "string" && /^-?\d+$/.test(v) ? BigInt(v) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** An entry as plain JSON (times as decimal strings, the result in Go's check-file format). */
export function encodeEntry(e: OutboxEntry): Record<string, unknown> {
  const a = e.alert;
  const alert: Record<string, unknown> = {
    id: a.id,
    kind: a.kind,
    title: a.title,
    endpoint: a.endpoint,
    status: a.status,
    previous: a.previous,
    since: a.since.toString(),
    incident_since: a.incident_since.toString(),
    at: a.at.toString(),
    key: a.key,
    result: encodeResults([a.result]),
  };
  if (a.reason !== undefined) alert.reason = a.reason;
  if (a.node !== undefined) alert.node = a.node;
  if (a.url !== undefined) alert.url = a.url;
  return {
    notifier: e.notifier,
    created: e.created.toString(),
    attempts: e.attempts,
    next: e.next.toString(),
    alert,
  };
}

/** Reads an entry written by {@linkcode encodeEntry}; undefined when it is not one. */
export function decodeEntry(raw: unknown): OutboxEntry | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const r = raw as Record<string, unknown>;
  const a = r.alert as Record<string, unknown> | undefined;
  if (!a || typeof a !== "object") return undefined;
  const created = ns(r.created), next = ns(r.next);
  const since = ns(a.since), incident = ns(a.incident_since), at = ns(a.at);
  const notifier = str(r.notifier), id = str(a.id), key = str(a.key), text = str(a.result);
  const kind = a.kind as AlertKind,
    status = a.status as TrackedStatus,
    previous = a.previous as TrackedStatus;
  if (
    created === undefined || next === undefined || since === undefined || incident === undefined ||
    at === undefined || !notifier || !id || !key || text === undefined || !KINDS.has(kind) ||
    !STATUSES.has(status) || !STATUSES.has(previous)
  ) return undefined;
  let result;
  try {
    [result] = decodeResults(text, "outbox entry");
  } catch {
    return undefined;
  }
  if (!result) return undefined;
  const alert: Alert = {
    id,
    kind,
    title: str(a.title) ?? "",
    endpoint: str(a.endpoint) ?? "",
    status,
    previous,
    since,
    incident_since: incident,
    at,
    result,
    key,
  };
  for (const k of ["reason", "node", "url"] as const) {
    const v = str(a[k]);
    if (v !== undefined) alert[k] = v;
  }
  const attempts = typeof r.attempts === "number" && Number.isInteger(r.attempts) && r.attempts >= 0
    ? r.attempts
    : 0;
  return { notifier, alert, created, attempts, next };
}
