/**
 * Large generated documents served stale while the next one is built (stale-while-revalidate). A
 * document is built for one version of the data (the loader's generation, the time tick, the maintenance
 * windows). The first request that finds the version moved on starts one build of the next document (in
 * slices that yield to the event loop) and waits for it; every request that comes while it runs gets the
 * previous document at once, whose ETag still names its bytes. A request for a version newer than the one
 * being built waits for that build and then for its own, so a request that comes after a change never gets
 * bytes older than the change, and a sequence of requests (one client) sees each change at once.
 *
 * @module
 */
import type { Logger } from "../log.ts";

/** Rounds of builds {@linkcode StaleDocuments.idle} waits for at most (builds may start while it waits). */
const IDLE_ROUNDS = 4;
/** Builds of older versions a request waits for at most before it takes what there is. */
const MAX_WAITS = 3;

interface Entry<T> {
  /** The version `value` was built for. */
  version: string;
  value?: T;
  /** The build running. */
  building?: Promise<T>;
  /** The version the running build is for. */
  buildingVersion?: string;
}

/** Documents by key (a few: one per range), each rebuilt once per version and served stale meanwhile. */
export class StaleDocuments<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #max: number;
  readonly #logger: Logger;

  /** Keeps at most `max` keys (the least recently built dropped first). */
  constructor(logger: Logger, max = 8) {
    this.#logger = logger;
    this.#max = max;
  }

  /**
   * The document of `key` for `version`: the one built for it; else, while a build runs, the previous
   * one (a value, at once; the build's promise when there is none); else the promise of a build of it
   * that this call starts. Concurrent requests share one build. A build that fails rejects the promise
   * of the request that started it (and of those with nothing to serve) and is logged; the previous
   * document stays until a later build succeeds. A request whose version is not the one being built (the
   * data changed after that build started) waits for it and then for a build of its own version (at most
   * {@linkcode MAX_WAITS} builds, then served as above): after a change, no request gets bytes of before it.
   */
  get(key: string, version: string, build: () => Promise<T>): T | Promise<T> {
    return this.#get(key, version, build, 0);
  }

  /** {@linkcode get}, after `waited` builds of older versions. */
  #get(key: string, version: string, build: () => Promise<T>, waited: number): T | Promise<T> {
    let entry = this.#entries.get(key);
    if (entry && entry.version === version && entry.value !== undefined) return entry.value;
    if (!entry) {
      entry = { version: "" };
      this.#entries.set(key, entry);
      for (const k of this.#entries.keys()) {
        if (this.#entries.size <= this.#max) break;
        if (k !== key) this.#entries.delete(k);
      }
    }
    const current = entry;
    if (current.building) {
      if (current.buildingVersion === version || waited >= MAX_WAITS) {
        return current.value ?? current.building;
      }
      // The running build is of an older version: what it ends with, and the value before it, predate this
      // request's data (a round stored, then read). Wait for it, then for a build of this version.
      const running = current.building;
      return running.then(() => {}, () => {}).then(() => this.#get(key, version, build, waited + 1));
    }
    current.buildingVersion = version;
    const done = build().then((value) => {
      current.value = value;
      current.version = version;
      return value;
    }).finally(() => current.building = undefined);
    current.building = done;
    done.catch((e) => this.#logger.error("building a document failed", { key, error: e }));
    return done;
  }

  /**
   * Resolves once no build runs (at once when none does): work that can wait (reading older history)
   * awaits it between its slices, so a document a request waits for is not built at a fraction of the CPU.
   * Builds that start meanwhile are waited for too, a few rounds at most.
   */
  async idle(): Promise<void> {
    for (let round = 0; round < IDLE_ROUNDS; round++) {
      const building = [...this.#entries.values()].flatMap((e) => e.building ? [e.building] : []);
      if (!building.length) return;
      await Promise.allSettled(building);
    }
  }
}
