/**
 * The maintenance windows in force: the config's (recurring ones as occurrences) and the ad hoc ones stored
 * in the shared storage, as {@linkcode MaintenanceWindow}s around an instant. Nodes read the stored ones
 * once per round, `checkup serve` polls them beside the rounds; a failed read keeps the last known windows
 * (and is logged), so an outage of the storage neither lifts a window nor invents one.
 *
 * @module
 */
import { type Logger, silentLogger } from "../log.ts";
import { isSharedStore, type Storage, type StorageReader } from "../storage/storage.ts";
import type { MaintenanceWindow } from "../status/operations.js";
import { LOOK_BACK_MS, UPCOMING_MS, windowsBetween } from "../status/maintenance.js";
import type { MaintenanceRule } from "../config/maintenance.ts";
import { MaintenanceStore } from "./store.ts";

/** Options of {@linkcode MaintenanceWindows}. */
export interface MaintenanceWindowsOptions {
  /** The config's windows (`maintenance`). */
  rules?: readonly MaintenanceRule[];
  /** Where ad hoc windows are stored; a storage without shared documents has none. */
  storage?: Storage | StorageReader;
  /** Where failed reads are reported. */
  logger?: Logger;
}

/** The windows of the config and of the storage, the stored ones as of the latest read. */
export class MaintenanceWindows {
  readonly #rules: readonly MaintenanceRule[];
  readonly #store?: MaintenanceStore;
  readonly #logger: Logger;
  #adhoc: MaintenanceWindow[] = [];
  #failing = false;
  #generation = 0;
  /** The windows of the latest minute asked for (they are the same all minute long). */
  #cached?: { minute: number; generation: number; windows: MaintenanceWindow[] };

  constructor(options: MaintenanceWindowsOptions = {}) {
    this.#rules = options.rules ?? [];
    this.#logger = options.logger ?? silentLogger;
    if (options.storage && isSharedStore(options.storage)) {
      this.#store = new MaintenanceStore(options.storage);
    }
  }

  /** Whether stored windows are read (the storage has shared documents). */
  get stored(): boolean {
    return this.#store !== undefined;
  }

  /** Grows whenever the stored windows change (cache keys of answers built from them). */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Reads the stored windows again (one listing). Never throws: a failure is logged and the last known
   * windows stay in force.
   */
  async refresh(now: number, signal?: AbortSignal): Promise<void> {
    if (!this.#store) return;
    try {
      const { windows, unreadable } = await this.#store.list(now, signal);
      if (unreadable.length) {
        this.#logger.warn("skipping unreadable maintenance documents", {
          keys: unreadable.slice(0, 5).join(", "),
        });
      }
      if (JSON.stringify(windows) !== JSON.stringify(this.#adhoc)) this.#generation++;
      this.#adhoc = windows;
      if (this.#failing) this.#logger.info("maintenance windows read again");
      this.#failing = false;
    } catch (e) {
      this.#logger[this.#failing ? "debug" : "warn"](
        "cannot read the maintenance windows; keeping the last known ones",
        { known: this.#adhoc.length, error: e },
      );
      this.#failing = true;
    }
  }

  /** The windows open at `now`. */
  open(now: number): MaintenanceWindow[] {
    return windowsBetween(this.#rules, this.#adhoc, now, now + 1);
  }

  /** Every window from 90 days before `now` to 7 days after, config and stored, by start. */
  windows(now: number): MaintenanceWindow[] {
    const minute = Math.floor(now / 60_000);
    const c = this.#cached;
    if (c && c.minute === minute && c.generation === this.#generation) return c.windows;
    // Whole minutes: a window opening or closing within the minute is in either way.
    const from = minute * 60_000;
    const windows = windowsBetween(
      this.#rules,
      this.#adhoc,
      from - LOOK_BACK_MS,
      from + 60_000 + UPCOMING_MS,
    );
    this.#cached = { minute, generation: this.#generation, windows };
    return windows;
  }
}

/**
 * The windows (config and stored) around `now` (ms), read once: 90 days back to 7 days ahead, by start.
 * Throws when the stored windows cannot be read. One call for whoever needs them once (`checkup
 * maintenance list`, notifications about maintenance).
 *
 * @example
 * ```ts
 * import { maintenanceWindows } from "./windows.ts";
 * const rules = [{ title: "Backup", about: [], every: "daily", at: "03:00", time_zone: "UTC", duration: 3_600_000 }] as const;
 * const now = Date.UTC(2026, 0, 1, 3, 30);
 * const windows = await maintenanceWindows(undefined, rules, now);
 * console.assert(windows.some((w) => w.start <= now && now < w.end && w.title === "Backup"));
 * ```
 */
export async function maintenanceWindows(
  storage: Storage | undefined,
  rules: readonly MaintenanceRule[],
  now: number,
  signal?: AbortSignal,
): Promise<MaintenanceWindow[]> {
  const adhoc = storage && isSharedStore(storage)
    ? (await new MaintenanceStore(storage).list(now, signal)).windows
    : [];
  return windowsBetween(rules, adhoc, now - LOOK_BACK_MS, now + UPCOMING_MS + 1);
}
