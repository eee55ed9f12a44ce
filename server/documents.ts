/**
 * Large generated documents served stale while the next one is built (stale-while-revalidate). A
 * document is built for one version of the data (the loader's generation, the time tick, the maintenance
 * windows). The first request that finds the version moved on starts one build of the next document (in
 * slices that yield to the event loop) and waits for it; every request that comes while it runs gets the
 * previous document at once, whose ETag still names its bytes. A request that comes after a change thus
 * never gets bytes older than the previous version for longer than one build, and a sequence of requests
 * (one client) sees each change at once.
 *
 * @module
 */
import type { Logger } from "../log.ts";

/** Rounds of builds {@linkcode StaleDocuments.idle} waits for at most (builds may start while it waits). */
const IDLE_ROUNDS = 4;

interface Entry<T> {
  /** The version `value` was built for. */
  version: string;
  value?: T;
  /** The build running. */
  building?: Promise<T>;
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
   * document stays until a later build succeeds.
   */
  get(key: string, version: string, build: () => Promise<T>): T | Promise<T> {
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
    if (current.building) return current.value ?? current.building;
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
