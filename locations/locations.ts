/**
 * Several locations, one node's side: after each stored round a node publishes its presence document
 * (`presence.ts`), reads the others', and turns its own fresh results plus the other live locations'
 * latest into the combined results its alerts are decided on (`status/quorum.js`), with one more result
 * per other location that says whether it still reports (silent locations are alerted on like endpoints).
 * The alert claims (`claims.ts`) then make sure one node sends each alert.
 *
 * A location that has been silent is left out of the quorum; a location's result older than its silence
 * threshold (by its own clock) is too. When the shared storage cannot be read, the last read stands, and the
 * time it could not be read counts as no one's silence (after an outage of the shared storage, the others
 * could not write either).
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import { type Result, statusOf } from "../result.ts";
import type { SharedStore } from "../storage/storage.ts";
import { combineStatuses, silentAfterMs } from "../status/quorum.js";
import type { QuorumRule } from "../config/top_level.ts";
import { humanDuration } from "../status/duration.js";
import { AlertClaims } from "./claims.ts";
import {
  latestOf,
  type LatestResult,
  type LocationState,
  type PresenceDoc,
  presenceKey,
  PresenceTracker,
  readPresence,
} from "./presence.ts";

/** The endpoint of a location's own result ("does it still report"), e.g. `location:asia`. */
export const LOCATION_ENDPOINT = "location:";
/** Locations silent for longer than this are forgotten (their document is still there; delete it). */
const FORGET_AFTER_MS = 7 * 86_400_000;

/** An endpoint's key among a location's results. */
function keyOf(title: string, endpoint: string): string {
  return `${title}\u0000${endpoint}`;
}

/** Options of {@linkcode Locations}. */
export interface LocationsOptions {
  /** The shared storage. */
  shared: SharedStore;
  /** This node's name (`node`). */
  node?: string;
  /** Its display label (`location`). */
  location?: string;
  /** `silent_after`, ms. */
  silentAfter?: number;
  /** The quorum of an endpoint (its checker's, else the top level's; undefined: a majority). */
  quorum: (title: string, endpoint: string) => QuorumRule | undefined;
  /** The clock. */
  clock: Clock;
  /** Where it reports. */
  logger: Logger;
}

/** One node among several (see the module doc). */
export class Locations {
  /** This process's random id. */
  readonly instance: string = crypto.randomUUID();
  /** The alert gate over the shared storage. */
  readonly claims: AlertClaims;
  readonly #o: LocationsOptions;
  readonly #key: string;
  readonly #tracker: PresenceTracker;
  #seq = 0;
  #prevAt?: number;
  #interval = 0;
  #duplicate?: { instance: string; at: number };
  /** This node's latest result per endpoint (rounds of checks on their own intervals hold only those due). */
  readonly #latest = new Map<string, LatestResult>();
  #readFailing = false;
  #writeFailing = false;

  constructor(o: LocationsOptions) {
    this.#o = o;
    this.#key = presenceKey(o.node);
    const clock = { monotonic: () => o.clock.monotonic(), now: () => Number(o.clock.now() / 1_000_000n) };
    this.#tracker = new PresenceTracker(clock, o.silentAfter);
    this.claims = new AlertClaims(o.shared, {
      node: o.node ?? "",
      logger: o.logger,
      now: clock.now,
      silentNodes: () => this.silentNodes(),
    });
  }

  /** The `every` interval, ms (0: single runs), published so others can tell when this node is silent. */
  set interval(ms: number) {
    this.#interval = ms;
  }

  /** The names of the other locations that are silent now. */
  silentNodes(): Set<string> {
    const out = new Set<string>();
    for (const [key, l] of this.#tracker.snapshot().locations) {
      if (key !== this.#key && l.silent) out.add(l.doc.node);
    }
    return out;
  }

  /** The instance id of another process seen writing this node's name, if any. */
  get duplicate(): string | undefined {
    return this.#duplicate?.instance;
  }

  async #read(signal?: AbortSignal): Promise<Map<string, PresenceDoc> | undefined> {
    try {
      const docs = await readPresence(this.#o.shared, signal);
      if (this.#readFailing) this.#o.logger.info("the other locations can be read again");
      this.#readFailing = false;
      return docs;
    } catch (e) {
      if (!this.#readFailing) {
        this.#o.logger.warn("cannot read the other locations; using the last read", { error: e });
      }
      this.#readFailing = true;
      this.#tracker.missed();
      return undefined;
    }
  }

  async #write(results: readonly Result[], signal?: AbortSignal): Promise<void> {
    // Checks on their own intervals (or spread) flush only those due: the document keeps every endpoint's latest.
    for (const r of results) {
      const key = keyOf(r.title ?? "", r.endpoint ?? "");
      const latest = latestOf(r), before = this.#latest.get(key);
      if (before && latest.t > before.t) latest.interval = latest.t - before.t;
      this.#latest.set(key, latest);
    }
    const at = Number(this.#o.clock.now() / 1_000_000n);
    const doc: PresenceDoc = {
      v: 1,
      node: this.#o.node ?? "",
      instance: this.instance,
      seq: ++this.#seq,
      at,
      interval: this.#interval,
      results: [...this.#latest.values()],
    };
    if (this.#o.location) doc.location = this.#o.location;
    if (this.#prevAt !== undefined) doc.prev_at = this.#prevAt;
    if (this.#o.silentAfter) doc.silent_after = this.#o.silentAfter;
    if (this.#duplicate) doc.duplicate = this.#duplicate;
    try {
      await this.#o.shared.put(this.#key, JSON.stringify(doc), signal);
      this.#prevAt = at;
      if (this.#writeFailing) this.#o.logger.info("this location's presence is published again");
      this.#writeFailing = false;
    } catch (e) {
      if (!this.#writeFailing) this.#o.logger.warn("cannot publish this location's presence", { error: e });
      this.#writeFailing = true;
    }
  }

  /**
   * After a round: reads the others, publishes this node's presence, and returns what to alert on: each of
   * this round's results with its combined status, and one result per other location (silent: down).
   */
  async round(
    results: readonly Result[],
    signal?: AbortSignal,
  ): Promise<{ results: Result[]; locations: Result[] }> {
    const docs = await this.#read(signal);
    if (docs) {
      const own = docs.get(this.#key);
      if (own && own.instance !== this.instance) {
        if (this.#seq > 0 && own.instance !== this.#duplicate?.instance) {
          this.#duplicate = { instance: own.instance, at: Number(this.#o.clock.now() / 1_000_000n) };
          this.#o.logger.error(
            "another process stores rounds under this node name; give each location its own `node`",
            { node: this.#o.node ?? "", other: own.instance },
          );
        }
        this.#prevAt ??= own.at;
      }
      this.#tracker.observe(docs);
    }
    await this.#write(results, signal);
    const others = [...this.#tracker.snapshot().locations].filter(([key]) => key !== this.#key)
      .map(([, l]) => l);
    // Each live location's latest results by endpoint, indexed once per round (not searched per endpoint).
    const latest = others.filter((l) => !l.silent).map((l) => ({
      l,
      byEndpoint: new Map(l.doc.results.map((x) => [keyOf(x.title, x.endpoint), x])),
    }));
    return {
      results: results.map((r) => this.#combine(r, latest)),
      locations: this.#locationResults(others, results[0]),
    };
  }

  /** A result with the status combined over this node and the other live locations. */
  #combine(r: Result, others: { l: LocationState; byEndpoint: Map<string, LatestResult> }[]): Result {
    const title = r.title ?? "", endpoint = r.endpoint ?? "";
    const own = statusOf(r);
    const seen: { node: string; status: string; reason?: string }[] = [
      { node: this.#o.location ?? this.#o.node ?? "", status: own },
    ];
    for (const { l, byEndpoint } of others) {
      const latest = byEndpoint.get(keyOf(title, endpoint));
      // Too old by its writer's own clock: the location's threshold, or three of the endpoint's own intervals.
      if (!latest || l.doc.at - latest.t > Math.max(l.threshold, silentAfterMs(latest.interval ?? 0))) {
        continue;
      }
      seen.push({ node: l.doc.location ?? l.doc.node, status: latest.status, reason: latest.reason });
    }
    if (seen.length === 1) return r; // one location: as before
    const c = combineStatuses(seen.map((s) => s.status), this.#o.quorum(title, endpoint));
    const out: Result = { ...r };
    delete out.healthy, delete out.degraded, delete out.down;
    if (c.status === "down") out.down = true;
    else if (c.status === "degraded") out.degraded = true;
    else if (c.status !== "unknown") out.healthy = true;
    if (c.failing) {
      const failing = seen.filter((s) => s.status === "down" || s.status === "degraded");
      const first = own !== "healthy" && own !== "unknown"
        ? r.times?.find((t) => t.error)?.error ?? r.notice
        : failing.find((s) => s.reason)?.reason;
      out.notice = `${c.status === "partial" ? "failing" : c.status} from ${
        failing.map((s) => s.node || "(unnamed)").join(", ")
      } (${c.failing} of ${c.live} locations, quorum ${c.needed})${first ? `: ${first}` : ""}`;
      out.times = r.times?.map((t) => ({ rtt: t.rtt }));
    }
    return out;
  }

  /** One result per other location: down while it is silent. */
  #locationResults(others: LocationState[], template: Result | undefined): Result[] {
    const out: Result[] = [];
    const timestamp = template?.timestamp ?? this.#o.clock.now();
    for (const l of others) {
      if (l.quietFor > FORGET_AFTER_MS) continue;
      const label = l.doc.location ?? l.doc.node;
      const r: Result = {
        title: `Location ${label || "(unnamed)"}`,
        endpoint: LOCATION_ENDPOINT + (l.doc.node || "_unnamed"),
        timestamp,
      };
      if (this.#o.node) r.node = this.#o.node;
      if (l.silent) {
        r.down = true;
        r.notice = `${label || "(unnamed)"} stopped reporting: no round for ${
          humanDuration(l.quietFor * 1e6)
        }`;
      } else r.healthy = true;
      out.push(r);
    }
    return out;
  }
}
