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
 * the document's own time is used, less {@linkcode SKEW_TOLERANCE_MS}, so clocks that differ by up to that
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

/** How far apart node clocks may be without changing anything (freshness on first sight). */
export const SKEW_TOLERANCE_MS = 30_000;
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
  const slug = (node ?? "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 100);
  return PRESENCE_PREFIX + (slug || "_unnamed");
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
    !d || typeof d !== "object" || d.v !== 1 || typeof d.node !== "string" || typeof d.instance !== "string" ||
    typeof d.seq !== "number" || typeof d.at !== "number" || !Array.isArray(d.results)
  ) return undefined;
  const results = d.results.filter((r): r is LatestResult =>
    !!r && typeof r === "object" && typeof r.title === "string" && typeof r.endpoint === "string" &&
    typeof r.status === "string" && typeof r.t === "number"
  );
  return { ...(d as PresenceDoc), interval: typeof d.interval === "number" ? d.interval : 0, results };
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
