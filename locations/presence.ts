/**
 * Presence: each node's own document in the shared storage (`nodes/<slug>`), rewritten by that node after
 * every round it stores: who it is (node name, display location, a random instance id per process), how
 * often it runs, and the latest result of every endpoint it checks, in a compact form. The other nodes
 * read these documents to combine each endpoint's status over locations (`locations/combine.ts`); `serve`
 * reads them for the locations it shows (labels, silent, duplicates).
 *
 * Liveness never compares one node's clock with another's: a {@linkcode PresenceTracker} notes, on its own
 * monotonic clock, when it last saw each document change (its instance or round counter). A location whose
 * document has not changed for the silence threshold is silent. On first sight (a process just started)
 * the document's own time is used, less `CLOCK_SKEW_MS` (status/quorum.js), so clocks that differ by up to that
 * much change nothing.
 *
 * Two processes writing the same node name are caught by the writers themselves: after its first write a
 * node that finds another instance's document under its own key reports it (log, `/healthz`, the page) and
 * records it in its document, so readers see it too. Names are never merged silently.
 *
 * @module
 */
import { type Result, statusOf } from "../result.ts";
import { reasonOf } from "../notifiers/alerts.ts";
import type { SharedStore } from "../storage/storage.ts";
import { CLOCK_SKEW_MS, silentAfterMs } from "../status/quorum.js";
import { slug } from "../status/text.js";

/** The shared-key prefix of presence documents. */
export const PRESENCE_PREFIX = "nodes/";

/** One endpoint's latest result as one node saw it. */
export interface LatestResult {
  /** Result title. */
  title: string;
  /** Result endpoint (redacted). */
  endpoint: string;
  /** Its status. */
  status: "healthy" | "degraded" | "down" | "unknown";
  /** Its time, UTC ms (the writer's clock). */
  t: number;
  /** RTT in ms of the last attempt, when it had one. */
  rtt?: number;
  /** First error or notice (redacted) when not healthy. */
  reason?: string;
  /** Time since this endpoint's previous result, ms (checks on their own, longer intervals). */
  interval?: number;
}

/** A node's presence document. */
export interface PresenceDoc {
  /** Format version, 1. */
  v: 1;
  /** The node name (`node` in its config; "" when unset). */
  node: string;
  /** Its display label (`location`), when set. */
  location?: string;
  /** Random per process: tells a restart (new instance) and a second process with the same name apart. */
  instance: string;
  /** Rounds this instance has written (grows by one per write). */
  seq: number;
  /** When it wrote, UTC ms (its own clock). */
  at: number;
  /** Its `every` interval in ms, 0 for single runs (cron). */
  interval: number;
  /** When the previous write (any instance) happened, UTC ms: the period of cron runs. */
  prev_at?: number;
  /** The configured silence threshold, ms (`silent_after`), when set. */
  silent_after?: number;
  /** Another process seen writing this node name: its instance and when it was noticed. */
  duplicate?: { instance: string; at: number };
  /** Latest result per endpoint. */
  results: LatestResult[];
}

/**
 * The shared key of a node's presence document.
 *
 * @example
 * ```ts
 * import { presenceKey } from "./presence.ts";
 * console.assert(presenceKey("Frankfurt, DE") === "nodes/frankfurt-de");
 * console.assert(presenceKey(undefined) === "nodes/_unnamed");
 * ```
 */
export function presenceKey(node: string | undefined): string {
  return PRESENCE_PREFIX + (slug(node ?? "") || "_unnamed");
}

/** A result's compact form for a presence document. */
export function latestOf(r: Result): LatestResult {
  const out: LatestResult = {
    title: r.title ?? "",
    endpoint: r.endpoint ?? "",
    status: statusOf(r),
    t: Number((r.timestamp ?? 0n) / 1_000_000n),
  };
  const last = r.times?.at(-1);
  if (last && !last.error) out.rtt = Math.round(Number(last.rtt) / 1e3) / 1e3;
  const reason = out.status === "healthy" ? undefined : reasonOf(r);
  if (reason) out.reason = reason.slice(0, 300);
  return out;
}

/** Parses a presence document; undefined when it is not one (another version, garbage). */
export function decodePresence(text: string): PresenceDoc | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const d = doc as Partial<PresenceDoc>;
  if (
    !d || typeof d !== "object" || d.v !== 1 || typeof d.node !== "string" ||
    typeof d.instance !== "string" ||
    typeof d.seq !== "number" || typeof d.at !== "number" || !Array.isArray(d.results)
  ) return undefined;
  const results = d.results.filter((r): r is LatestResult =>
    !!r && typeof r === "object" && typeof r.title === "string" && typeof r.endpoint === "string" &&
    typeof r.status === "string" && typeof r.t === "number"
  );
  return { ...(d as PresenceDoc), interval: typeof d.interval === "number" ? d.interval : 0, results };
}

/** Every presence document in the shared storage, by key (what is not one is skipped). */
export async function readPresence(
  shared: Pick<SharedStore, "list">,
  signal?: AbortSignal,
): Promise<Map<string, PresenceDoc>> {
  const docs = new Map<string, PresenceDoc>();
  for (const [key, text] of await shared.list(PRESENCE_PREFIX, signal)) {
    const doc = decodePresence(text);
    if (doc) docs.set(key, doc);
  }
  return docs;
}

/** What a reader knows about one location. */
export interface LocationState {
  /** Its presence document as last read. */
  doc: PresenceDoc;
  /** Silent: no new round within {@linkcode LocationState.threshold}. */
  silent: boolean;
  /** How long it has been since its document last changed, ms (as this reader measures). */
  quietFor: number;
  /** Its silence threshold, ms. */
  threshold: number;
}

/** Reports how this reader sees the locations: one entry per presence document. */
export interface PresenceSnapshot {
  /** By presence key. */
  locations: Map<string, LocationState>;
}

interface Seen {
  instance: string;
  seq: number;
  /** This reader's monotonic time (ms) when the document last changed. */
  changed: number;
}

/**
 * Tells live locations from silent ones by watching their presence documents change, on this reader's own
 * monotonic clock (never comparing clocks across nodes).
 *
 * @example
 * ```ts
 * import { PresenceTracker, type PresenceDoc } from "./presence.ts";
 * let mono = 0;
 * const tracker = new PresenceTracker({ monotonic: () => mono, now: () => 1_000_000 }, 10_000);
 * const doc = (seq: number): PresenceDoc =>
 *   ({ v: 1, node: "asia", instance: "a", seq, at: 1_000_000, interval: 1000, results: [] });
 * tracker.observe(new Map([["nodes/asia", doc(1)]]));
 * console.assert(!tracker.snapshot().locations.get("nodes/asia")!.silent);
 * mono = 11_000;
 * tracker.observe(new Map([["nodes/asia", doc(1)]]));
 * console.assert(tracker.snapshot().locations.get("nodes/asia")!.silent);
 * tracker.observe(new Map([["nodes/asia", doc(2)]]));
 * console.assert(!tracker.snapshot().locations.get("nodes/asia")!.silent);
 * ```
 */
export class PresenceTracker {
  readonly #clock: { monotonic(): number; now(): number };
  readonly #silentAfter?: number;
  readonly #seen = new Map<string, Seen>();
  readonly #docs = new Map<string, PresenceDoc>();
  /** Monotonic time of the latest successful read: silence is only measured up to it. */
  #readAt = -Infinity;
  /** Monotonic time of the first read that failed since the last successful one. */
  #blindSince?: number;

  /**
   * `clock`: this process's monotonic time and wall time, both ms; `silentAfter`: the configured threshold
   * (ms), else each location's own (its document's `silent_after`, else three of its intervals, ≥ 5 min).
   */
  constructor(clock: { monotonic(): number; now(): number }, silentAfter?: number) {
    this.#clock = clock;
    this.#silentAfter = silentAfter;
  }

  /**
   * A read failed. The time until the next successful read is not counted as anyone's silence: the others
   * most likely could not write either (an outage of the shared storage), and this reader cannot tell.
   */
  missed(): void {
    this.#blindSince ??= this.#clock.monotonic();
  }

  /** Takes in the documents of one successful read (all of them: a missing one is forgotten). */
  observe(docs: ReadonlyMap<string, PresenceDoc>): void {
    const mono = this.#clock.monotonic();
    const blind = this.#blindSince === undefined ? 0 : mono - this.#blindSince;
    for (const seen of this.#seen.values()) seen.changed += blind;
    this.#blindSince = undefined;
    this.#readAt = mono;
    for (const key of [...this.#seen.keys()]) {
      if (!docs.has(key)) (this.#seen.delete(key), this.#docs.delete(key));
    }
    for (const [key, doc] of docs) {
      const prev = this.#seen.get(key);
      this.#docs.set(key, doc);
      if (prev && prev.instance === doc.instance && prev.seq === doc.seq) continue;
      // First sight: its own time tells how long it has been quiet, less the clock skew tolerated and the
      // time this reader could not read.
      const age = prev ? 0 : Math.max(0, this.#clock.now() - doc.at - CLOCK_SKEW_MS - blind);
      this.#seen.set(key, { instance: doc.instance, seq: doc.seq, changed: mono - age });
    }
  }

  /** The silence threshold of a location, ms. */
  #thresholdOf(doc: PresenceDoc): number {
    const interval = doc.interval || (doc.prev_at ? doc.at - doc.prev_at : 0);
    return silentAfterMs(interval, this.#silentAfter ?? doc.silent_after);
  }

  /** How each location looks as of the latest read. */
  snapshot(): PresenceSnapshot {
    const locations = new Map<string, LocationState>();
    for (const [key, doc] of this.#docs) {
      const seen = this.#seen.get(key)!;
      const quietFor = Math.max(0, this.#readAt - seen.changed);
      const threshold = this.#thresholdOf(doc);
      locations.set(key, { doc, silent: quietFor >= threshold, quietFor, threshold });
    }
    return { locations };
  }
}

/** A location as `serve` shows it: its name, label, and whether another process writes the same name. */
export interface LocationMeta {
  /** The node name. */
  node: string;
  /** Its display label, when set. */
  location?: string;
  /** Another process was seen writing this node name. */
  duplicate?: boolean;
}

/** A duplicate writer noticed longer ago than this is no longer reported. */
const DUPLICATE_SHOWN_MS = 86_400_000;

/**
 * The presence documents as `serve` reads them (labels, duplicate writers), refreshed by the caller
 * (alongside the rounds); answers synchronously from the latest read.
 */
export class PresenceReader {
  readonly #shared: Pick<SharedStore, "list">;
  readonly #now: () => number;
  #docs: PresenceDoc[] = [];

  /** `now`: wall time, ms (how old a duplicate is). */
  constructor(shared: Pick<SharedStore, "list">, now: () => number = Date.now) {
    this.#shared = shared;
    this.#now = now;
  }

  /** Reads the documents again; a failure keeps the last read and is thrown. */
  async refresh(signal?: AbortSignal): Promise<void> {
    this.#docs = [...(await readPresence(this.#shared, signal)).values()];
  }

  /** The locations of the latest read. */
  locations(): LocationMeta[] {
    return this.#docs.map((d) => {
      const meta: LocationMeta = { node: d.node };
      if (d.location) meta.location = d.location;
      if (d.duplicate && this.#now() - d.duplicate.at < DUPLICATE_SHOWN_MS) meta.duplicate = true;
      return meta;
    });
  }

  /** Node names another process was seen writing too. */
  duplicates(): string[] {
    return this.locations().filter((l) => l.duplicate).map((l) => l.node);
  }
}
