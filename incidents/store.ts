/**
 * Incidents in the storage's shared documents: {@linkcode readIncidents} reads them all (the one reader the
 * server, the CLI, the static export and the feeds use) and an {@linkcode IncidentWriter} opens incidents and
 * posts their updates, lock-free. Each update is its own create-only document `incidents/<id>/u<n>`: update
 * `n` is validated against updates 1…n-1 and created only if nobody created `n` meanwhile (else the writer
 * reads again and validates against what won), so two writers never overwrite each other and a resolved
 * incident never gets an update. Resolved incidents are kept {@linkcode KEEP_RESOLVED_MS} (365 days) and
 * their documents bounded by {@linkcode MAX_DOCUMENTS}: each opening removes what is beyond. At most
 * {@linkcode MAX_ACTIVE} incidents are active at once, each with at most `MAX_UPDATES` (100) updates, so
 * one listing (at most 10,000 documents) always reads them all: 5,000 + 40 × 100 = 9,000.
 *
 * @module
 */
import { isSharedStore, type SharedStore, type Storage } from "../storage/storage.ts";
import {
  type Affected,
  decodeUpdate,
  expiredKeys,
  foldIncident,
  foldIncidents,
  type Incident,
  incidentId,
  INCIDENTS_PREFIX,
  type IncidentUpdate,
  isIncidentId,
  KEEP_RESOLVED_MS,
  MAX_ACTIVE,
  MAX_DOCUMENTS,
  parseUpdateKey,
  resolveAffected,
  stateError,
  textError,
  titleError,
  transitionError,
  type UpdateDoc,
  updateKey,
} from "../status/incidents.js";
import type { IncidentState } from "../status/operations.js";

export { KEEP_RESOLVED_MS, MAX_ACTIVE, MAX_DOCUMENTS };

/** Why an incident request was refused: `invalid` input, a `missing` incident, or a `conflict` with its state. */
export class IncidentError extends Error {
  /** Always `"IncidentError"`. */
  override name = "IncidentError";
  /** What kind of refusal: bad input (400), no such incident (404), not possible in its state (409). */
  readonly kind: "invalid" | "missing" | "conflict";
  /** Creates the error. */
  constructor(message: string, kind: "invalid" | "missing" | "conflict") {
    super(message);
    this.kind = kind;
  }
}

/**
 * The storage's shared documents, where incidents live; an error naming the storage when it has none.
 *
 * @example
 * ```ts
 * import { incidentStore } from "./store.ts";
 * try {
 *   incidentStore({ type: "github", store: () => Promise.resolve("") });
 * } catch (e) {
 *   console.assert((e as Error).message.startsWith("storage github: cannot hold incidents"));
 * }
 * ```
 */
export function incidentStore(storage: Storage | undefined): SharedStore {
  if (!storage) throw new Error('no storage configured (add a "storage" object to the config)');
  if (!isSharedStore(storage)) {
    throw new Error(
      `storage ${storage.type}: cannot hold incidents (no shared documents); expected a storage of type fs, sqlite3, postgres, mysql or s3`,
    );
  }
  return storage;
}

/**
 * Every incident in the shared storage, with its updates oldest first: active incidents first (newest
 * first), then resolved ones (most recently resolved first). One listing of `incidents/`, bounded by
 * {@linkcode MAX_DOCUMENTS}. What is not an incident update is skipped.
 *
 * @example
 * ```ts
 * import { readIncidents } from "./store.ts";
 * const docs = new Map([["incidents/20261130-api-k3f9q2/u1",
 *   '{"v":1,"t":1,"state":"investigating","text":"Looking","affected":[],"title":"API"}']]);
 * const incidents = await readIncidents({ list: () => Promise.resolve(docs) });
 * console.assert(incidents[0].title === "API" && incidents[0].updates[0].id === "u1");
 * ```
 */
export async function readIncidents(
  shared: Pick<SharedStore, "list">,
  signal?: AbortSignal,
): Promise<Incident[]> {
  return foldIncidents(await shared.list(INCIDENTS_PREFIX, signal));
}

/** What opening an incident takes. */
export interface OpenRequest {
  /** The incident's title. */
  title: string;
  /** The first update's text (safe Markdown). */
  text: string;
  /** The opening state (default investigating; not resolved). */
  state?: IncidentState;
  /** Endpoint titles or group names with their impact (default none: about everything). */
  affected?: readonly Affected[];
  /** Opened by Checkup (an endpoint went down by quorum). */
  automatic?: boolean;
  /** The incident's id, for an idempotent opening (automatic incidents); default a new random id. */
  id?: string;
  /** The alert notification that opens it (automatic incidents). */
  alert?: string;
}

/** What an update takes. */
export interface UpdateRequest {
  /** Its text (safe Markdown). */
  text: string;
  /** The new state (default: the incident's). */
  state?: IncidentState;
  /** The endpoints affected from now on (default: as before). */
  affected?: readonly Affected[];
  /** The alert notification that posts it: an update this alert already posted is not posted again. */
  alert?: string;
}

/** What a write did. */
export interface Posted {
  /** The incident as of the update. */
  incident: Incident;
  /** The update. */
  update: IncidentUpdate;
  /** False when the update existed already (an automatic incident's alert delivered twice). */
  created: boolean;
}

/** Dependencies of an {@linkcode IncidentWriter}. */
export interface IncidentWriterOptions {
  /** The shared documents. */
  shared: SharedStore;
  /** Endpoint titles and group names that `affected` may name (matched ignoring case). */
  names: () => readonly string[];
  /** The node or process posting, recorded on each update. */
  node?: string;
  /** Wall time, ms (default `Date.now`). */
  now?: () => number;
  /** Masks the config's secrets in titles and texts before they are stored (as results are redacted). */
  redact?: (text: string) => string;
  /** A random id suffix, `[a-z0-9]+` (default 6 base-36 characters). */
  random?: () => string;
  /**
   * Called after an update is created (the Go message round, `go_rounds.ts`). Its error is thrown to the
   * caller, the update staying stored.
   */
  announce?: (incident: Incident, update: IncidentUpdate, signal?: AbortSignal) => Promise<void>;
}

/** Attempts at one update while other writers keep taking its number. */
const ATTEMPTS = 8;

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => (b % 36).toString(36)).join("");
}

/** Opens incidents and posts their updates (see the module doc). */
export class IncidentWriter {
  readonly #o: IncidentWriterOptions;
  readonly #now: () => number;

  /** A writer over `options.shared`. */
  constructor(options: IncidentWriterOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  #affected(affected: readonly Affected[] | undefined, where: string): Affected[] | undefined {
    if (affected === undefined) return undefined;
    const resolved = resolveAffected(affected, this.#o.names());
    if (typeof resolved === "string") {
      throw new IncidentError(`${where}${resolved.startsWith("[") ? "" : ": "}${resolved}`, "invalid");
    }
    return resolved;
  }

  /** One incident's documents (by update number) and the incident they fold into. */
  async #read(id: string, signal?: AbortSignal) {
    const docs = new Map<number, UpdateDoc>();
    let top = 0;
    for (const [key, text] of await this.#o.shared.list(`${INCIDENTS_PREFIX}${id}/`, signal)) {
      const k = parseUpdateKey(key);
      if (!k || k.id !== id) continue;
      top = Math.max(top, k.n);
      const doc = decodeUpdate(text);
      if (doc) docs.set(k.n, doc);
    }
    return { docs, top, incident: foldIncident(id, docs) };
  }

  /** One incident by id; an {@linkcode IncidentError} (missing) when there is none. */
  async get(id: string, signal?: AbortSignal): Promise<Incident> {
    if (!isIncidentId(id)) throw new IncidentError(`no incident with id ${JSON.stringify(id)}`, "missing");
    const { incident } = await this.#read(id, signal);
    if (!incident) throw new IncidentError(`no incident with id ${JSON.stringify(id)}`, "missing");
    return incident;
  }

  /** Opens an incident: its first update. Throws an {@linkcode IncidentError} for bad input. */
  async open(request: OpenRequest, signal?: AbortSignal): Promise<Posted> {
    const title = typeof request.title === "string" ? request.title.trim() : request.title;
    const bad = (what: string, why: string | undefined) => {
      if (why) throw new IncidentError(`${what}: ${why}`, "invalid");
    };
    bad("title", titleError(title));
    bad("text", textError(request.text));
    const state = request.state ?? "investigating";
    bad("state", stateError(state) ?? transitionError(undefined, state));
    if (request.id !== undefined && !isIncidentId(request.id)) {
      bad("id", "expected [a-z0-9-], 1 to 80 characters");
    }
    const affected = this.#affected(request.affected ?? [], "affected") ?? [];
    const redact = this.#o.redact ?? ((t: string) => t);
    const doc: UpdateDoc = {
      v: 1,
      t: this.#now(),
      state,
      text: redact(request.text),
      affected,
      title: redact(title),
    };
    if (this.#o.node) doc.node = this.#o.node;
    if (request.automatic) doc.automatic = true;
    if (request.alert) doc.alert = request.alert;
    // Expired incidents go first; the active ones are bounded, so one listing always reads them all.
    const { active } = await this.purge(signal);
    if (active >= MAX_ACTIVE) {
      if (request.id) {
        const existing = await this.get(request.id, signal).catch(() => undefined);
        if (existing) return { incident: existing, update: existing.updates[0], created: false };
      }
      throw new IncidentError(
        `expected at most ${MAX_ACTIVE} active incidents, found ${active}: resolve some before opening another`,
        "conflict",
      );
    }
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const id = request.id ?? incidentId(doc.title!, doc.t, (this.#o.random ?? randomSuffix)());
      if (await this.#o.shared.create(updateKey(id, 1), JSON.stringify(doc), signal)) {
        const incident = foldIncident(id, new Map([[1, doc]]))!;
        await this.#o.announce?.(incident, incident.updates[0], signal);
        return { incident, update: incident.updates[0], created: true };
      }
      if (request.id) {
        const incident = await this.get(request.id, signal);
        return { incident, update: incident.updates[0], created: false };
      }
    }
    throw new IncidentError(`title: no free incident id after ${ATTEMPTS} attempts`, "conflict");
  }

  /** Posts an update to incident `id`. Throws an {@linkcode IncidentError} when it cannot follow. */
  async update(id: string, request: UpdateRequest, signal?: AbortSignal): Promise<Posted> {
    const why = textError(request.text);
    if (why) throw new IncidentError(`text: ${why}`, "invalid");
    if (request.state !== undefined) {
      const bad = stateError(request.state);
      if (bad) throw new IncidentError(`state: ${bad}`, "invalid");
    }
    const affected = this.#affected(request.affected, "affected");
    if (!isIncidentId(id)) throw new IncidentError(`no incident with id ${JSON.stringify(id)}`, "missing");
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const { docs, top, incident } = await this.#read(id, signal);
      if (!incident) throw new IncidentError(`no incident with id ${JSON.stringify(id)}`, "missing");
      if (request.alert) {
        const n = [...docs].find(([, d]) => d.alert === request.alert)?.[0];
        const update = incident.updates.find((u) => u.id === `u${n}`);
        if (update) return { incident, update, created: false };
      }
      const state = request.state ?? incident.state;
      const conflict = transitionError(incident, state);
      if (conflict) throw new IncidentError(conflict, "conflict");
      const last = incident.updates[incident.updates.length - 1];
      const doc: UpdateDoc = {
        v: 1,
        t: Math.max(this.#now(), last.t),
        state,
        text: this.#o.redact ? this.#o.redact(request.text) : request.text,
        affected: affected ?? incident.affected,
      };
      if (this.#o.node) doc.node = this.#o.node;
      if (request.alert) doc.alert = request.alert;
      const n = top + 1;
      if (!await this.#o.shared.create(updateKey(id, n), JSON.stringify(doc), signal)) continue;
      docs.set(n, doc);
      const now = foldIncident(id, docs)!;
      const update = now.updates[now.updates.length - 1];
      await this.#o.announce?.(now, update, signal);
      return { incident: now, update, created: true };
    }
    throw new IncidentError(
      `incident ${id}: other writers kept posting; expected to post within ${ATTEMPTS} attempts`,
      "conflict",
    );
  }

  /** Resolves incident `id` (an update to resolved, the affected endpoints kept as they were). */
  resolve(id: string, text: string, signal?: AbortSignal): Promise<Posted> {
    return this.update(id, { text, state: "resolved" }, signal);
  }

  /**
   * Removes incidents resolved more than {@linkcode KEEP_RESOLVED_MS} ago, and the longest-resolved ones
   * while more than {@linkcode MAX_DOCUMENTS} update documents remain; returns how many documents it removed
   * and how many incidents are active.
   */
  async purge(signal?: AbortSignal): Promise<{ removed: number; active: number }> {
    const listed = await this.#o.shared.list(INCIDENTS_PREFIX, signal);
    const incidents = foldIncidents(listed);
    const keys = expiredKeys([...listed.keys()], incidents, this.#now());
    if (keys.length) await this.#o.shared.remove(keys, signal);
    return { removed: keys.length, active: incidents.filter((i) => i.state !== "resolved").length };
  }
}
