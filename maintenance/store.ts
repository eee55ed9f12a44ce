/**
 * Ad hoc maintenance windows in the storage's shared documents, so every node and every `checkup serve`
 * sees them. Lock-free, create-only: a window is `maintenance/<id>/window`, ending it early creates
 * `maintenance/<id>/end`; nothing is ever rewritten. Windows that ended more than 90 days ago are removed
 * when the list is read, which bounds it.
 *
 * @module
 */
import { isSharedStore, type SharedStore, type Storage } from "../storage/storage.ts";
import { slug } from "../status/text.js";
import type { MaintenanceWindow } from "../status/operations.js";
import type { WindowRequest } from "./request.ts";

/** The shared-key prefix of maintenance documents. */
export const MAINTENANCE_PREFIX = "maintenance/";
/** Windows that ended longer ago than this are removed: 90 days (the longest range of the page). */
export const KEEP_ENDED_MS = 90 * 86_400_000;
/** The most windows kept at once (open, upcoming and ended within 90 days): a bound on every listing. */
export const MAX_STORED_WINDOWS = 1000;

/** A new window would exceed {@linkcode MAX_STORED_WINDOWS}. */
export class TooManyWindowsError extends Error {
  /** Always `"TooManyWindowsError"`. */
  override name = "TooManyWindowsError";
}

/** The document of a window, `maintenance/<id>/window`. */
interface WindowDoc {
  v: 1;
  id: string;
  title: string;
  about: string[];
  start: number;
  end: number;
  message?: string;
  /** The node or process that started it. */
  node?: string;
  /** When it was posted, ms. */
  created: number;
}

/** The document that ends a window early, `maintenance/<id>/end`. */
interface EndDoc {
  v: 1;
  at: number;
  node?: string;
}

/** What reading the documents found. */
export interface StoredWindows {
  /** The ad hoc windows (ended early ones end at their end document's time), by start. */
  windows: MaintenanceWindow[];
  /** Keys whose document cannot be read (skipped; they do not hide the others). */
  unreadable: string[];
}

/** The error of a storage that cannot hold shared documents. */
export function noSharedStore(storage: Storage): Error {
  return new Error(
    `storage ${storage.type}: cannot hold maintenance windows (it has no shared documents); use fs, sqlite3, postgres, mysql or s3`,
  );
}

/** A window's id: its start, its title's slug and a random suffix (`20261130-2000-db-upgrade-k3x9`). */
function newId(title: string, start: number): string {
  const t = new Date(start).toISOString();
  const stamp = `${t.slice(0, 10).replaceAll("-", "")}-${t.slice(11, 16).replace(":", "")}`;
  const rand = crypto.getRandomValues(new Uint32Array(1))[0].toString(36).padStart(7, "0").slice(0, 6);
  return `${stamp}-${slug(title, 40).replace(/-+$/, "") || "maintenance"}-${rand}`;
}

const isString = (v: unknown): v is string => typeof v === "string";

function decodeWindow(text: string): WindowDoc | undefined {
  try {
    const d = JSON.parse(text);
    if (
      d?.v === 1 && isString(d.id) && isString(d.title) && Array.isArray(d.about) &&
      d.about.every(isString) &&
      Number.isFinite(d.start) && Number.isFinite(d.end) && (d.message === undefined || isString(d.message))
    ) return d;
  } catch {
    // unreadable
  }
  return undefined;
}

function decodeEnd(text: string): EndDoc | undefined {
  try {
    const d = JSON.parse(text);
    if (d?.v === 1 && Number.isFinite(d.at)) return d;
  } catch {
    // unreadable
  }
  return undefined;
}

/** Ad hoc windows over a {@linkcode SharedStore}. */
export class MaintenanceStore {
  readonly #shared: SharedStore;
  readonly #node?: string;

  /** `node`: the name the documents carry (who started or ended a window). */
  constructor(shared: SharedStore, node?: string) {
    this.#shared = shared;
    this.#node = node;
  }

  /** The store of a storage; throws an error naming it when it has no shared documents. */
  static of(storage: Storage, node?: string): MaintenanceStore {
    if (!isSharedStore(storage)) throw noSharedStore(storage);
    return new MaintenanceStore(storage, node);
  }

  /**
   * Stores a new window (created once, never rewritten) and returns it; throws a
   * {@linkcode TooManyWindowsError} when {@linkcode MAX_STORED_WINDOWS} are kept already.
   */
  async start(request: WindowRequest, now: number, signal?: AbortSignal): Promise<MaintenanceWindow> {
    const kept = (await this.list(now, signal)).windows.length;
    if (kept >= MAX_STORED_WINDOWS) {
      throw new TooManyWindowsError(
        `maintenance: expected at most ${MAX_STORED_WINDOWS} windows kept (open, upcoming and ended within 90 days), found ${kept}: end or cancel some, or wait until old ones are removed`,
      );
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = newId(request.title, request.start);
      const doc: WindowDoc = { v: 1, id, ...request, created: now };
      if (this.#node) doc.node = this.#node;
      if (await this.#shared.create(`${MAINTENANCE_PREFIX}${id}/window`, JSON.stringify(doc), signal)) {
        return toWindow(doc);
      }
    }
    throw new Error("cannot find a free id for the maintenance window (5 tries)");
  }

  /**
   * Ends a window at `at` (ms): the window as it now stands, or undefined when there is no window `id`. A
   * window already ended, or over, stays as it was.
   */
  async end(id: string, at: number, signal?: AbortSignal): Promise<MaintenanceWindow | undefined> {
    const docs = await this.#shared.list(`${MAINTENANCE_PREFIX}${id}/`, signal);
    const doc = decodeWindow(docs.get(`${MAINTENANCE_PREFIX}${id}/window`) ?? "");
    if (!doc) return undefined;
    const ended = decodeEnd(docs.get(`${MAINTENANCE_PREFIX}${id}/end`) ?? "");
    if (ended || doc.end <= at) return toWindow(doc, ended);
    const end: EndDoc = { v: 1, at };
    if (this.#node) end.node = this.#node;
    const created = await this.#shared.create(`${MAINTENANCE_PREFIX}${id}/end`, JSON.stringify(end), signal);
    if (created) return toWindow(doc, end);
    // Another process ended it at the same time: its end stands.
    const theirs = (await this.#shared.list(`${MAINTENANCE_PREFIX}${id}/end`, signal)).values().next().value;
    return toWindow(doc, decodeEnd(theirs ?? ""));
  }

  /**
   * Every stored window (one listing), by start; windows that ended more than 90 days before `now` are
   * removed from the storage (a failure to remove them is not an error of the read).
   */
  async list(now: number, signal?: AbortSignal): Promise<StoredWindows> {
    const docs = await this.#shared.list(MAINTENANCE_PREFIX, signal);
    const windows: MaintenanceWindow[] = [];
    const unreadable: string[] = [];
    const stale: string[] = [];
    for (const [key, text] of docs) {
      const m = /^maintenance\/([a-z0-9._-]+)\/window$/.exec(key);
      if (!m) {
        if (!/^maintenance\/[a-z0-9._-]+\/end$/.test(key)) unreadable.push(key);
        continue;
      }
      const doc = decodeWindow(text);
      if (!doc || doc.id !== m[1]) {
        unreadable.push(key);
        continue;
      }
      const endKey = `${MAINTENANCE_PREFIX}${doc.id}/end`;
      const w = toWindow(doc, docs.has(endKey) ? decodeEnd(docs.get(endKey)!) : undefined);
      if (w.end < now - KEEP_ENDED_MS) stale.push(key, endKey);
      else windows.push(w);
    }
    if (stale.length) await this.#shared.remove(stale, signal).catch(() => {});
    windows.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
    return { windows, unreadable };
  }
}

/** A stored window as the shared shape; an end document ends it early (never before it opens). */
function toWindow(doc: WindowDoc, ended?: EndDoc): MaintenanceWindow {
  const w: MaintenanceWindow = {
    id: doc.id,
    title: doc.title,
    about: doc.about,
    start: doc.start,
    end: ended ? Math.max(doc.start, Math.min(doc.end, ended.at)) : doc.end,
    source: "adhoc",
  };
  if (doc.message) w.message = doc.message;
  return w;
}
