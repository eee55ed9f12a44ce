/**
 * The alert state as JSON: what the alert pipeline (`pipeline.ts`) keeps in the storage or a local file between
 * rounds and restarts. Nanoseconds are decimal strings (exact); decoding drops entries with invalid
 * fields rather than failing the whole state, so one bad entry never loses the others.
 *
 * @module
 */
import { type AlertState, CAP, emptyAlertState, type EndpointTrack, type NotifierTrack } from "./alerts.ts";
import type { TrackedStatus } from "./notifier.ts";
import { decodeEntry, encodeEntry, Outbox } from "./outbox.ts";

const VERSION = 1;

function ns(v: bigint | undefined): string | undefined {
  return v === undefined ? undefined : v.toString();
}

function big(v: unknown): bigint | undefined {
  return typeof v === "string" && /^-?\d+$/.test(v) ? BigInt(v) : undefined;
}

function int(v: unknown): number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 ? Math.min(v, CAP) : 0;
}

function tracked(v: unknown): TrackedStatus | undefined {
  return v === "healthy" || v === "degraded" || v === "down" ? v : undefined;
}

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Serialises the state as JSON (nanoseconds as decimal strings, exact). */
export function encodeAlertState(state: AlertState, meta: { node?: string; updated: bigint }): string {
  const endpoints: Record<string, unknown> = {};
  for (const [key, e] of state.endpoints) {
    endpoints[key] = compact({ ...e, since: ns(e.since), bad_since: ns(e.bad_since), seen: ns(e.seen) });
  }
  const notifiers: Record<string, Record<string, unknown>> = {};
  for (const [id, tracks] of state.notifiers) {
    if (!tracks.size) continue;
    notifiers[id] = {};
    for (const [key, t] of tracks) {
      notifiers[id][key] = compact({
        ...t,
        incident_since: ns(t.incident_since),
        last_sent: ns(t.last_sent),
        last_change: ns(t.last_change),
        closed_at: ns(t.closed_at),
      });
    }
  }
  const outbox = state.outbox.entries.map(encodeEntry);
  const announced: Record<string, Record<string, string>> = {};
  for (const [id, told] of state.announced) {
    if (told.size) announced[id] = Object.fromEntries([...told].map(([event, at]) => [event, at.toString()]));
  }
  return JSON.stringify(
    compact({
      version: VERSION,
      node: meta.node,
      updated: ns(meta.updated),
      endpoints,
      notifiers,
      outbox: outbox.length ? outbox : undefined,
      announce_since: ns(state.announce_since),
      announced: Object.keys(announced).length ? announced : undefined,
    }),
  );
}

/**
 * Reads a state written by {@linkcode encodeAlertState}. Throws a `SyntaxError` naming `source` when
 * the text is not such a state; entries with invalid fields are dropped.
 */
export function decodeAlertState(text: string, source = "alert state"): AlertState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const doc = raw as {
    version?: unknown;
    endpoints?: unknown;
    notifiers?: unknown;
    outbox?: unknown;
    announce_since?: unknown;
    announced?: unknown;
  };
  if (!doc || typeof doc !== "object" || doc.version !== VERSION) {
    throw new SyntaxError(`${source}: expected an alert state of version ${VERSION}`);
  }
  const state = emptyAlertState();
  const obj = (v: unknown): Record<string, Record<string, unknown>> =>
    v && typeof v === "object" && !Array.isArray(v) ? v as Record<string, Record<string, unknown>> : {};
  for (const [key, e] of Object.entries(obj(doc.endpoints))) {
    const status = tracked(e?.status), since = big(e?.since);
    if (!status || since === undefined) continue;
    const track: EndpointTrack = {
      seen: big(e.seen) ?? since,
      title: typeof e.title === "string" ? e.title : "",
      endpoint: typeof e.endpoint === "string" ? e.endpoint : "",
      status,
      since,
      streak: Math.max(1, int(e.streak)),
      bad: int(e.bad),
      good: int(e.good),
    };
    const badSince = big(e.bad_since);
    if (badSince !== undefined) track.bad_since = badSince;
    if (typeof e.reason === "string") track.reason = e.reason;
    state.endpoints.set(key, track);
  }
  for (const [id, tracks] of Object.entries(obj(doc.notifiers))) {
    const map = new Map<string, NotifierTrack>();
    for (const [key, t] of Object.entries(obj(tracks))) {
      const notified = tracked(t?.notified);
      if (!notified) continue;
      const track: NotifierTrack = { notified, announced: t.announced === true };
      if (typeof t.ledger === "number" && Number.isSafeInteger(t.ledger) && t.ledger > 0) {
        track.ledger = t.ledger;
      }
      for (const k of ["incident_since", "last_sent", "last_change", "closed_at"] as const) {
        const v = big(t[k]);
        if (v !== undefined) track[k] = v;
      }
      map.set(key, track);
    }
    if (map.size) state.notifiers.set(id, map);
  }
  const since = big(doc.announce_since);
  if (since !== undefined) state.announce_since = since;
  for (const [id, told] of Object.entries(obj(doc.announced))) {
    const map = new Map<string, bigint>();
    for (const [event, at] of Object.entries(obj(told))) {
      const t = big(at);
      if (t !== undefined) map.set(event, t);
    }
    if (map.size) state.announced.set(id, map);
  }
  if (Array.isArray(doc.outbox)) {
    state.outbox = new Outbox(doc.outbox.map(decodeEntry).filter((e) => e !== undefined));
  }
  return state;
}
