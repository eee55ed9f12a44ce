/**
 * The incidents as `checkup serve` answers them: read from the shared documents beside the rounds (each
 * poll of the loader, and right after this server posted an update), held in memory, so no answer waits
 * on the storage. A failed read keeps the last one and is reported by the caller.
 *
 * @module
 */
import type { SharedStore } from "../storage/storage.ts";
import { readIncidents } from "./store.ts";
import type { Incident } from "../status/operations.js";
import { redactIncident } from "../status/incidents.js";

/** The latest read of the incidents. */
export class IncidentReader {
  readonly #shared: Pick<SharedStore, "list">;
  readonly #redact: (text: string) => string;
  #incidents: Incident[] = [];
  #text = "[]";
  #generation = 0;
  #ready = false;

  /**
   * A reader of `shared`'s incidents (call {@linkcode refresh}); `redact` masks secrets in their titles and
   * texts (incidents written by another process or version are masked too).
   */
  constructor(shared: Pick<SharedStore, "list">, redact: (text: string) => string = (t) => t) {
    this.#shared = shared;
    this.#redact = redact;
  }

  /** Whether one read succeeded. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Changes whenever the incidents read change (cache key). */
  get generation(): number {
    return this.#generation;
  }

  /** Every incident as of the latest read, active first. */
  get incidents(): readonly Incident[] {
    return this.#incidents;
  }

  /** Reads the incidents again; a failure keeps the last read and is thrown. */
  async refresh(signal?: AbortSignal): Promise<void> {
    const incidents = (await readIncidents(this.#shared, signal)).map((i) => redactIncident(i, this.#redact));
    const text = JSON.stringify(incidents);
    this.#ready = true;
    if (text === this.#text) return;
    this.#incidents = incidents;
    this.#text = text;
    this.#generation++;
  }
}
