/**
 * What every route group of `checkup serve` shares: the loader and its rollup, the page settings, the
 * cache of generated bodies, and the answers they all give the same way (JSON errors, "not ready yet",
 * a bad `range`). Route modules take this small object instead of closing over the whole server.
 *
 * @module
 */
import type { Context } from "hono";
import type { Logger } from "../log.ts";
import type { EndpointRollup } from "../status/endpoint.js";
import type { QuorumRule } from "../status/quorum.js";
import {
  endpointIds,
  type EndpointView,
  endpointView,
  RANGE_NAMES,
  type StatusView,
  statusView,
  statusViewSteps,
  type ViewOptions,
} from "../status/view.js";
import { BodyCache, builtInSlices, type Pause, type Representation } from "./http_cache.ts";
import { StaleDocuments } from "./documents.ts";
import type { RollupLoader } from "./loader.ts";
import type { MaintenanceWindows } from "../maintenance/windows.ts";

/** The Content-Type of every JSON answer. */
export const JSON_TYPE = "application/json; charset=utf-8";
/** Cache-Control of answers that change with the data: revalidate (ETag) every time. */
export const NO_CACHE = "no-cache";
/**
 * What an unauthenticated answer says when storage cannot be read. The reason (paths, hosts, users,
 * driver messages) goes to the log only.
 */
export const STORAGE_FAILED = "cannot read storage; the server log has the details";
/** One endpoint in the compact status document (`/api/v1/status?detail=summary`). */
export interface EndpointSummary {
  /** Stable URL id: `/api/v1/endpoints/<id>` has the rest. */
  id: string;
  title: string;
  group?: string;
  status: EndpointView["status"];
  /** Every location is silent. */
  stale: boolean;
  /** Latest result (ms). */
  updated: number | null;
  /** Percent of checks not down per range (null: no checks in it). */
  uptime: EndpointView["uptime"];
}

/** The two forms of `/api/v1/status` for one range, ready to serve. */
export interface StatusDocuments {
  /** The page's data (`?detail=full`, the default). */
  readonly full: Representation;
  /** The compact form (`?detail=summary`). */
  readonly summary: Representation;
  /** The overall status in them (the status badge). */
  readonly status: StatusView["status"];
  /** Of the 24 h range only: the endpoint list (`/api/v1/endpoints`, each endpoint without its slots, incidents and messages). */
  readonly list?: Representation;
}

/** The compact status document: the page's header and one small entry per endpoint. */
export interface StatusSummary {
  title: string;
  status: StatusView["status"];
  updated: number | null;
  range: StatusView["range"];
  complete?: boolean;
  endpoints: EndpointSummary[];
  /** The page-wide parts of the view, as in the full document. */
  groups?: StatusView["groups"];
  messages: StatusView["messages"];
  locations: StatusView["locations"];
  maintenance?: StatusView["maintenance"];
  /**
   * The page's timeline: the newest {@linkcode RECENT} incidents and messages of the endpoints, each with its
   * endpoint's id (`maintenance`: an ongoing one's endpoint is under maintenance now).
   */
  recent: {
    incidents: (EndpointView["incidents"][number] & { endpoint: string; maintenance?: true })[];
    messages: (EndpointView["messages"][number] & { endpoint: string })[];
  };
}

/** The incidents and messages of endpoints in the compact document (the page's timeline shows 60). */
export const RECENT = 60;

/**
 * The compact form of a status view: per endpoint its id, title, group, status, last check and uptime; no
 * slots, incidents, messages or nodes (those are per endpoint, at `/api/v1/endpoints/<id>`). Beside them the
 * groups, page messages, locations and maintenance windows as in the full document, and the newest
 * incidents and messages of the endpoints (the page's timeline).
 */
export function statusSummary(view: StatusView): StatusSummary {
  return {
    title: view.title,
    status: view.status,
    updated: view.updated,
    range: view.range,
    complete: view.complete,
    endpoints: view.endpoints.map((e) => ({
      id: e.id,
      title: e.title,
      ...(e.group === undefined ? {} : { group: e.group }),
      status: e.status,
      stale: e.stale,
      updated: e.updated,
      uptime: e.uptime,
    })),
    ...(view.groups === undefined ? {} : { groups: view.groups }),
    messages: view.messages,
    locations: view.locations,
    ...(view.maintenance === undefined ? {} : { maintenance: view.maintenance }),
    recent: {
      incidents: view.endpoints.flatMap((e) =>
        e.incidents.map((i) => ({
          ...i,
          endpoint: e.id,
          ...(i.end === null && e.maintenance ? { maintenance: true as const } : {}),
        }))
      ).sort((a, b) => b.start - a.start).slice(0, RECENT),
      messages: view.endpoints.flatMap((e) => e.messages.map((m) => ({ ...m, endpoint: e.id })))
        .sort((a, b) => b.time - a.time).slice(0, RECENT),
    },
  };
}

/** Generated bodies are rebuilt at least this often (relative times in them move on). */
const TICK_MS = 15_000;
/**
 * Endpoints whose views (and JSON) are built between two calls of a document build's pause (which yields
 * only once its time slice is used up): an endpoint's view takes ~0.1–1 ms.
 */
const BATCH = 8;
/** How long a document's build runs before it lets requests in (the default pause's slice), ms. */
const SLICE_MS = 4;

/**
 * The default {@linkcode Pause} of document builds: yields to the event loop (a macrotask, so requests and
 * I/O get their turn) once the build has run for {@linkcode SLICE_MS}; otherwise goes on at once.
 */
function slicedPause(): Pause {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < SLICE_MS) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    since = performance.now();
  };
}

/**
 * The pieces of `doc` as JSON, its `endpoints` array made of the JSON texts in `parts` (serialised apart,
 * in slices): joined, the text `JSON.stringify` gives for the document.
 */
function withEndpoints(doc: object, parts: string[]): string[] {
  const text = JSON.stringify({ ...doc, endpoints: [] });
  // The first match is the key: the keys before it (title, status, updated, range) hold no such text.
  const at = text.indexOf('"endpoints":[]') + '"endpoints":['.length;
  const pieces = [text.slice(0, at)];
  for (let i = 0; i < parts.length; i++) pieces.push(i ? "," + parts[i] : parts[i]);
  pieces.push(text.slice(at));
  return pieces;
}

/** A JSON error answer, `{"error": {"status", "message"}}`, never cached. */
export function jsonError(
  c: Context,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return c.newResponse(JSON.stringify({ error: { status, message } }) + "\n", status as 400, {
    "content-type": JSON_TYPE,
    "cache-control": "no-store",
    ...headers,
  });
}

/** The endpoints' ids of one data generation, both ways. */
interface EndpointIndex {
  generation: number;
  byId: Map<string, EndpointRollup>;
  ids: Map<EndpointRollup, string>;
}

/** Settings of a {@linkcode RouteContext}. */
export interface RouteSettings {
  /** The loader the routes read. */
  loader: RollupLoader;
  /** Page title. */
  title: string;
  /** The range answered when a request names none. */
  range: string;
  /** Endpoint titles in config order. */
  order?: string[];
  /** Scrubs secrets from endpoints and error texts. */
  redact: (text: string) => string;
  /** Where routes report failures. */
  logger: Logger;
  /** Several locations: the quorum of every endpoint, or of each by title and endpoint; default a majority. */
  quorum?: ViewOptions["quorum"];
  /** Several locations: ms without a result after which a location is silent. */
  silentAfter?: number;
  /** The group of each endpoint (by title and endpoint); none: no groups. */
  groups?: ViewOptions["groups"];
  /** Several locations: the known locations (labels, duplicate writers), asked for at every answer. */
  locations?: () => NonNullable<ViewOptions["locations"]>;
  /** Maintenance windows (config and stored), polled beside the rounds. */
  maintenance?: MaintenanceWindows;
  /** The clock (ms since the epoch) of the views and of the time tick; default `Date.now`. */
  now?: () => number;
  /**
   * Awaited between the slices of a large document's build (tests hold a build there); default: yields
   * to the event loop every few ms.
   */
  pause?: Pause;
}

/** The server's state and shared answers, handed to every route group. */
export class RouteContext {
  /** The loader behind every answer about the status. */
  readonly loader: RollupLoader;
  /** Page title. */
  readonly title: string;
  /** The range answered when a request names none. */
  readonly defaultRange: string;
  /** Scrubs secrets from endpoints and error texts. */
  readonly redact: (text: string) => string;
  /** Where routes report failures. */
  readonly logger: Logger;
  readonly #order?: string[];
  readonly #quorum?: ViewOptions["quorum"];
  readonly #silentAfter?: number;
  readonly #groups?: ViewOptions["groups"];
  readonly #locations?: () => NonNullable<ViewOptions["locations"]>;
  /** Maintenance windows (config and stored). */
  readonly maintenance?: MaintenanceWindows;
  readonly #cache = new BodyCache();
  #ids?: EndpointIndex;
  /** The full and compact status documents per range (a few ranges), served stale while rebuilt. */
  readonly #documents: StaleDocuments<StatusDocuments>;
  /** Each endpoint's JSON per range, for the data version they were built for. */
  #fragments: { version: string; json: Map<string, string> } = { version: "", json: new Map() };
  readonly #now: () => number;
  readonly #pause?: Pause;

  constructor(settings: RouteSettings) {
    this.loader = settings.loader;
    this.title = settings.title;
    this.defaultRange = settings.range;
    this.redact = settings.redact;
    this.logger = settings.logger;
    this.#order = settings.order;
    this.#quorum = settings.quorum;
    this.#silentAfter = settings.silentAfter;
    this.#groups = settings.groups;
    this.#locations = settings.locations;
    this.maintenance = settings.maintenance;
    this.#now = settings.now ?? Date.now;
    this.#pause = settings.pause;
    this.#documents = new StaleDocuments(settings.logger);
  }

  /** The group of an endpoint (its checker's `group`), if any. */
  groupOf(title: string, endpoint: string): string | undefined {
    return this.#groups?.(title, endpoint);
  }

  /** Node names that two processes were seen writing (several locations), for `/healthz`. */
  duplicateNodes(): string[] {
    return (this.#locations?.() ?? []).filter((l) => l.duplicate).map((l) => l.node);
  }

  /** The time tick generated bodies are keyed by, besides the data generation. */
  tick(): number {
    return Math.floor(this.#now() / TICK_MS);
  }

  /** What generated bodies are built for: the data generation, the time tick, the maintenance windows. */
  #version(): string {
    return `${this.loader.generation}:${this.tick()}:${this.maintenance?.generation ?? ""}`;
  }

  /** The body cached under `key` for this data generation and tick, or the one `build` makes. */
  cached(key: string, build: () => Representation): Representation {
    const windows = this.maintenance ? `:m${this.maintenance.generation}` : "";
    return this.#cache.get(key + windows, this.loader.generation, this.tick(), build);
  }

  /**
   * The full and the compact status documents of one range (and, of the 24 h range, the endpoint list),
   * serialised and gzipped once per data generation and time tick from one view, which is not kept: only
   * the bytes are. Built in slices (see {@linkcode RouteSettings.pause}); while the next version is built
   * the previous documents are served (see `documents.ts`): only the first request of a range waits.
   */
  statusDocuments(range: string): StatusDocuments | Promise<StatusDocuments> {
    return this.#documents.get(range, this.#version(), () => this.#buildDocuments(range));
  }

  /** Resolves once no status document is being built (see {@linkcode StaleDocuments.idle}). */
  idle(): Promise<void> {
    return this.#documents.idle();
  }

  async #buildDocuments(range: string): Promise<StatusDocuments> {
    const pause = this.#pause ?? slicedPause();
    const steps = statusViewSteps(this.loader.rollup, this.#viewOptions(range), BATCH);
    let step = steps.next();
    for (; !step.done; step = steps.next()) await pause();
    const view: StatusView = { ...step.value, complete: this.loader.complete };
    const compact = statusSummary(view);
    const full: string[] = [], summary: string[] = [], list: string[] = [];
    const listed = range === "24h";
    for (let i = 0; i < view.endpoints.length; i++) {
      const e = view.endpoints[i];
      full.push(JSON.stringify(e));
      summary.push(JSON.stringify(compact.endpoints[i]));
      if (listed) {
        const { slots: _s, incidents: _i, messages: _m, ...rest } = e;
        list.push(JSON.stringify(rest));
      }
      if (i % BATCH === BATCH - 1) await pause();
    }
    const json = (pieces: string[]) => builtInSlices(pieces, JSON_TYPE, NO_CACHE, pause);
    return {
      full: await json(withEndpoints(view, full)),
      summary: await json(withEndpoints(compact, summary)),
      status: view.status,
      ...(listed ? { list: await json(withEndpoints({}, list)) } : {}),
    };
  }

  #viewOptions(range: string): ViewOptions {
    const now = this.#now();
    return {
      range,
      now,
      ids: this.#indexed().ids,
      title: this.title,
      redact: this.redact,
      order: this.#order,
      quorum: this.#quorum,
      silentAfter: this.#silentAfter,
      groups: this.#groups,
      locations: this.#locations?.(),
      maintenance: this.maintenance?.windows(now),
    };
  }

  /** The page's data through one range (built at once: the large documents use {@linkcode statusDocuments}). */
  view(range: string): StatusView {
    return { ...statusView(this.loader.rollup, this.#viewOptions(range)), complete: this.loader.complete };
  }

  /**
   * One endpoint through one range as JSON (the endpoint route and the batched one), built once per data
   * version and kept until the version changes.
   */
  endpointJson(e: EndpointRollup, id: string, range: string): string {
    const version = this.#version();
    if (this.#fragments.version !== version) this.#fragments = { version, json: new Map() };
    const key = `${range}:${id}`;
    let json = this.#fragments.json.get(key);
    if (json === undefined) this.#fragments.json.set(key, json = JSON.stringify(this.endpoint(e, id, range)));
    return json;
  }

  /** One endpoint through one range (the endpoint route and its badges), under its quorum. */
  endpoint(e: EndpointRollup, id: string, range: string): EndpointView {
    const quorum: QuorumRule | undefined = typeof this.#quorum === "function"
      ? this.#quorum(e.title, e.endpoint)
      : this.#quorum;
    const labels = new Map<string, string>();
    for (const l of this.#locations?.() ?? []) if (l.location) labels.set(l.node, l.location);
    const tier = RANGE_NAMES.indexOf(range as typeof RANGE_NAMES[number]);
    const now = this.#now();
    return endpointView(e, id, tier, now, this.redact, {
      quorum,
      silentAfter: this.#silentAfter,
      labels,
      group: this.#groups?.(e.title, e.endpoint),
      maintenance: this.maintenance?.windows(now),
    });
  }

  /** The endpoint titles and group names known (what a maintenance window may name). */
  names(): string[] {
    const names = new Set(this.#order ?? []);
    for (const e of this.loader.rollup.endpoints.values()) {
      names.add(e.title);
      const group = this.#groups?.(e.title, e.endpoint);
      if (group) names.add(group);
    }
    names.delete("");
    return [...names];
  }

  /** The endpoint with this id, if any (the ids are indexed once per data generation). */
  findEndpoint(id: string): EndpointRollup | undefined {
    return this.#indexed().byId.get(id);
  }

  #indexed(): EndpointIndex {
    const generation = this.loader.generation;
    if (this.#ids?.generation !== generation) {
      const ids = endpointIds(this.loader.rollup);
      const byId = new Map<string, EndpointRollup>();
      for (const [e, eid] of ids) byId.set(eid, e);
      this.#ids = { generation, byId, ids };
    }
    return this.#ids;
  }

  /** 503 while the first read of storage has not finished (or failed). */
  notReady(c: Context): Response {
    return jsonError(
      c,
      503,
      this.loader.error ? STORAGE_FAILED : "reading stored checks, try again shortly",
      { "retry-after": "2" },
    );
  }

  /** The request's `range` (or `fallback`), or the 400 answer when it names no range. */
  rangeOf(c: Context, fallback: string): string | Response {
    const r = c.req.query("range") ?? fallback;
    return RANGE_NAMES.includes(r as typeof RANGE_NAMES[number])
      ? r
      : jsonError(c, 400, `range: expected one of ${RANGE_NAMES.join(", ")}, found ${JSON.stringify(r)}`);
  }
}
