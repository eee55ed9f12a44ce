/**
 * The orchestrator: runs checkers with a concurrency limit in config order, applies the `timestamp`
 * override, then stores, ends the round, maintains and hands alerts to the outbox; `every` repeats that
 * on a schedule without overlapping rounds. The plugins and the storage pipeline (spool, summaries) are
 * built by `compose.ts`; a round never branches on them.
 *
 * @module
 */
import { type Clock, clockOf, systemClock } from "./clock.ts";
import { createLogger, type Logger, silentLogger } from "./log.ts";
import { type CheckupConfig, loadConfig, resolveConfig, type ResolvedConfig } from "./config/resolve.ts";
import type { Checker } from "./checkers/checker.ts";
import type { Notifier } from "./notifiers/notifier.ts";
import type { DeliveryStats } from "./notifiers/delivery.ts";
import { AlertPipeline, attachGate } from "./notifiers/pipeline.ts";
import { type AlertStateStore, defaultAlertState } from "./notifiers/state.ts";
import type { Result } from "./result.ts";
import { isMaintainer, isSharedStore, type Storage } from "./storage/storage.ts";
import { Locations } from "./locations/locations.ts";
import { byEndpoint, quorumRules } from "./status/quorum_rules.js";
import type { QuorumRule } from "./config/top_level.ts";
import { runRounds, runSchedule } from "./scheduler.ts";
import { HttpClients } from "./http_clients.ts";
import { redactResult } from "./_internal/redact.ts";
import { compose, type SpoolOptions, type StoragePipeline } from "./compose.ts";
import { MaintenanceWindows } from "./maintenance/windows.ts";
import { openWindow } from "./status/maintenance.js";
import type { MaintenanceRule } from "./config/maintenance.ts";
import { IncidentSink } from "./incidents/automatic.ts";
import { IncidentReader } from "./incidents/reader.ts";
import {
  type Announcement,
  incidentAnnouncements,
  maintenanceAnnouncements,
} from "./notifiers/announcements.ts";

/** Dependencies of a {@linkcode Checkup}: all optional. */
export interface CheckupDeps {
  /** Where the Checkup reports; default silent (`fromFile`: stderr, with the config's secrets redacted). */
  logger?: Logger;
  /** The fetch plugins use (default the global `fetch`). */
  fetch?: typeof fetch;
  /** The clock: time (UTC ns) and sleeps (default the system clock). */
  clock?: Clock;
  /** The time alone, UTC Unix nanoseconds, with real sleeps (ignored when `clock` is given). */
  now?: () => bigint;
  /** The config file's path: names the local alert state file (set by `fromFile`). */
  configPath?: string;
  /** Where alert state is kept; default the storage when it can hold it, else a local state file. */
  alertState?: AlertStateStore;
  /** Where `every` keeps rounds the storage could not take (default: `defaultSpoolDir`); false: off. */
  spool?: Partial<SpoolOptions> | false;
}

/** What one round did. */
export interface RoundReport {
  /** The round's results, in config order. */
  results: Result[];
  /** The name the round was stored under, when stored. */
  stored?: string;
  /** Rounds deleted by maintenance. */
  deleted?: number;
  /** Rounds waiting in the spool (the storage failed); this round is among them unless `stored` is set. */
  spooled?: number;
  /** Rounds the storage refused for good (too large, invalid), set aside in the spool's `rejected/`. */
  rejected?: number;
}

/** Options of {@linkcode Checkup.round}. */
export interface RoundOptions {
  /** Store the round (default false). */
  store?: boolean;
  /** After storing, delete expired rounds (`check_expiry`; default false). */
  maintain?: boolean;
  /** Tell the notifiers about status changes (default true). */
  notify?: boolean;
  /** Cancels the checks under way and the storage calls. */
  signal?: AbortSignal;
  /** Adjust the results before they are stored (e.g. attach a message). */
  transform?: (results: Result[]) => Result[];
}

/** A round was interrupted (its `signal` aborted) before it was stored or notified: nothing was kept. */
export class InterruptedError extends Error {
  /** Always `"InterruptedError"`. */
  override name = "InterruptedError";
}

/** The error message of every operation that needs a storage when none is configured. */
export const NO_STORAGE = 'no storage configured (add a "storage" object to the config)';

/** A configured set of checkers, an optional storage and notifiers. */
export class Checkup {
  /** The checkers, in config order. */
  readonly checkers: readonly Checker[];
  /** The storage backend, when one is configured (rounds reach it through the composed pipeline). */
  readonly storage?: Storage;
  /** The notifiers, in config order (the legacy `notifier` first). */
  readonly notifiers: readonly Notifier[];
  /** Checks run at once (`concurrent_checks`; default 5). */
  readonly concurrentChecks: number;
  /** The config's `timestamp` (UTC ns), which replaces every result's timestamp. */
  readonly timestamp?: bigint;
  /** The config's warnings: unknown keys and deprecated types. */
  readonly warnings: readonly string[];
  /** Per-checker periods for `every` (nanoseconds; undefined = the every interval). */
  readonly intervals: readonly (number | undefined)[];
  /** Whether `every` spreads checks over the interval. */
  readonly spread: boolean;
  /** How long deliveries under way may finish when `every` stops (`shutdown_grace`), ms. */
  readonly shutdownGrace: number;
  /**
   * Each endpoint's quorum over locations, by title and (redacted) endpoint: its checker's `quorum`, else the
   * top-level one; undefined means a majority.
   */
  readonly quorumOf: (title: string, endpoint: string) => QuorumRule | undefined;
  /** Each endpoint's `group`, by title and (redacted) endpoint; undefined when no checker has one. */
  readonly groupOf?: (title: string, endpoint: string) => string | undefined;
  /** The config's maintenance windows (`maintenance`; ad hoc ones are in the storage). */
  readonly maintenance: readonly MaintenanceRule[];
  /** The windows in force for alerts: the config's and the stored ones, read once per round. */
  readonly #windows?: MaintenanceWindows;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #now: () => bigint;
  readonly #alerts: AlertPipeline;
  /** Whether the alert pipeline has anyone to tell: notifiers, or the automatic incidents. */
  readonly #alerting: boolean;
  /** Notifiers told about maintenance windows (`notify_on`). */
  readonly #announce: { maintenance: boolean };
  /** The incidents, read each round when a notifier is told about their updates (`notify_on`). */
  #incidents?: IncidentReader;
  /** Several locations: this node's presence, the combined status and the alert claims (shared storages). */
  readonly #locations?: Locations;
  /** How rounds reach the storage: `once` for {@linkcode round}, `every` (spooled) for {@linkcode every}. */
  readonly #pipeline?: StoragePipeline;
  readonly #httpClients = new HttpClients();
  /** The config's redactor: results are redacted as they are made, so nothing secret is stored or sent. */
  readonly #redact: (text: string) => string;

  /**
   * Builds a Checkup from a config object: the same shape as `checkup.json`, or an already resolved config.
   * Throws a `ConfigError` listing every problem.
   *
   * @example
   * ```ts
   * import { Checkup } from "./checkup.ts";
   * const checkup = new Checkup({
   *   checkers: [{ type: "http", endpoint_name: "Example", endpoint_url: "http://127.0.0.1:9" }],
   *   storage: { type: "fs", dir: "/tmp/checkup-example" },
   * });
   * console.assert(checkup.checkers.length === 1);
   * ```
   */
  constructor(config: CheckupConfig | ResolvedConfig, deps: CheckupDeps = {}) {
    const resolved = "redactor" in config ? config as ResolvedConfig : resolveConfig(config);
    this.#logger = deps.logger ?? silentLogger;
    this.#clock = deps.clock ?? (deps.now ? clockOf(deps.now) : systemClock);
    this.#now = () => this.#clock.now();
    this.#redact = (text) => resolved.redactor.redact(text);
    const built = compose(resolved, {
      logger: this.#logger,
      fetch: deps.fetch ?? ((...a) => fetch(...a)),
      now: this.#now,
      httpClients: this.#httpClients,
      redact: this.#redact,
      spool: deps.spool,
    });
    this.checkers = built.checkers;
    this.storage = built.storage;
    this.#pipeline = built.pipeline;
    this.notifiers = built.notifiers;
    this.concurrentChecks = resolved.concurrent_checks;
    this.timestamp = resolved.timestamp;
    this.warnings = resolved.warnings;
    this.intervals = resolved.checkers.map((c) => c.interval);
    this.spread = resolved.spread;
    this.shutdownGrace = resolved.shutdown_grace / 1e6;
    // Checker settings by endpoint as results carry it (title, redacted endpoint): one lookup for the alerts
    // here and for `checkup serve`.
    const setting = <T>(value: (c: ResolvedConfig["checkers"][number]) => T | undefined) =>
      resolved.checkers.flatMap((c, i) => {
        const v = value(c);
        return v === undefined
          ? []
          : [{ title: this.checkers[i].title, endpoint: this.#redact(this.checkers[i].endpoint), value: v }];
      });
    this.quorumOf = quorumRules(
      resolved.quorum,
      setting((c) => c.quorum).map(({ value, ...e }) => ({ ...e, quorum: value })),
    );
    const groups = setting((c) => c.group);
    this.groupOf = groups.length ? byEndpoint(groups) : undefined;
    this.maintenance = resolved.maintenance ?? [];
    // Several locations are named ones: without a `node`, a setup is one location and behaves as before
    // (no presence documents, no claims).
    if (this.storage && resolved.node && isSharedStore(this.storage)) {
      this.#locations = new Locations({
        shared: this.storage,
        node: resolved.node,
        location: resolved.location,
        silentAfter: resolved.silent_after === undefined ? undefined : resolved.silent_after / 1e6,
        quorum: this.quorumOf,
        clock: this.#clock,
        logger: this.#logger,
      });
    } else if (this.storage && resolved.node) {
      this.#logger[this.notifiers.length ? "warn" : "debug"](
        "this storage cannot coordinate several locations (no shared documents): with several nodes, each combines nothing and alerts on its own",
        { storage: this.storage.type },
      );
    }
    // Automatic incidents (`"incident": true`): a sink beside the notifiers, in the storage's shared documents.
    const automatic = setting((c) => c.incident || undefined);
    let sink: IncidentSink | undefined;
    if (automatic.length && this.storage && isSharedStore(this.storage)) {
      sink = new IncidentSink({
        storage: this.storage,
        endpoints: automatic,
        node: resolved.node,
        logger: this.#logger,
        now: () => Number(this.#clock.now() / 1_000_000n),
        redact: this.#redact,
      });
    } else if (automatic.length) {
      this.#logger.error(
        `automatic incidents are off: storage ${
          this.storage?.type ?? "(none)"
        } cannot hold incidents (no shared documents); expected a storage of type fs, sqlite3, postgres, mysql or s3`,
        { endpoints: automatic.map((e) => e.title).join(", ") },
      );
    }
    const targets = sink ? [...this.notifiers, sink] : this.notifiers;
    this.#alerting = targets.length > 0;
    // Alerts (and automatic incidents) are held for endpoints a maintenance window covers: the config's
    // windows, and those stored ad hoc when the storage has shared documents (read once per round).
    const shared = this.storage && isSharedStore(this.storage) ? this.storage : undefined;
    if (targets.length && (this.maintenance.length || shared)) {
      this.#windows = new MaintenanceWindows({
        rules: this.maintenance,
        storage: this.storage,
        logger: this.#logger,
      });
    }
    // Announcements (`notify_on`): incident updates read from the shared documents each round, and the
    // maintenance windows' starts and ends.
    const asks = (kind: string) =>
      this.notifiers.some((n) => (n.policy?.notify_on as string[] | undefined)?.includes(kind));
    this.#announce = { maintenance: asks("maintenance") };
    if (asks("incident") && shared) this.#incidents = new IncidentReader(shared, this.#redact);
    this.#alerts = new AlertPipeline(targets, {
      logger: this.#logger,
      clock: this.#clock,
      deliverWithin: resolved.deliver_within / 1e6,
      grace: resolved.shutdown_grace / 1e6,
      node: resolved.node,
      endpoints: this.checkers.map((c) => ({ title: c.title, endpoint: this.#redact(c.endpoint) })),
      redact: this.#redact,
      held: this.#windows && ((r) => this.#held(r)),
      state: deps.alertState ?? (targets.length
        ? defaultAlertState({
          storage: this.storage,
          node: resolved.node,
          configPath: deps.configPath,
          identity: this.checkers.map((c) => `${c.title}\u0000${c.endpoint}`).join("\n"),
          logger: this.#logger,
        })
        : undefined),
    });
    if (this.#locations) attachGate(this.#alerts, this.#locations.claims);
  }

  /**
   * What notifiers that ask for them (`notify_on`) are told besides transitions: every update of the
   * incidents last read and the maintenance windows around now; undefined when no notifier asks.
   */
  #announcements(): Announcement[] | undefined {
    if (!this.#incidents && !this.#announce.maintenance) return undefined;
    const now = Number(this.#clock.now() / 1_000_000n);
    return [
      ...(this.#incidents ? incidentAnnouncements(this.#incidents.incidents) : []),
      ...(this.#announce.maintenance && this.#windows
        ? maintenanceAnnouncements(this.#windows.windows(now))
        : []),
    ];
  }

  /** Whether a maintenance window covers the endpoint of `r` now (its alerts are held). */
  #held(r: Result): boolean {
    const now = Number(this.#clock.now() / 1_000_000n);
    const title = r.title ?? "", group = this.groupOf?.(title, r.endpoint ?? "");
    return openWindow(this.#windows!.open(now), now, title, group) !== undefined;
  }

  /** Loads `checkup.json` (or another path) and builds a Checkup from it. */
  static async fromFile(path: string, deps: CheckupDeps = {}): Promise<Checkup> {
    const resolved = await loadConfig(path);
    const logger = deps.logger ?? createLogger({ redactor: resolved.redactor });
    return new Checkup(resolved, { configPath: path, ...deps, logger });
  }

  /**
   * Runs every checker once, at most `concurrent_checks` at a time; results come back in config order.
   * A checker that throws (a bug or misconfiguration) yields a down result carrying the error.
   */
  async check(signal?: AbortSignal): Promise<Result[]> {
    const results = new Array<Result>(this.checkers.length);
    let next = 0;
    const worker = async () => {
      while (next < this.checkers.length) {
        const i = next++;
        results[i] = await this.#checkOne(i, signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrentChecks, this.checkers.length) }, worker));
    return results;
  }

  /**
   * Runs checker `i`; an exception becomes a down result. Applies the timestamp override, and redacts the
   * result (endpoint, notice, errors) with the config's redactor.
   */
  async #checkOne(i: number, signal?: AbortSignal): Promise<Result> {
    const c = this.checkers[i];
    const started = this.#clock.monotonic();
    let result: Result;
    try {
      result = await c.check(signal);
    } catch (e) {
      this.#logger.error("checker failed", { checker: c.type, title: c.title, error: e });
      // The time the failed check took, as Go records for a failed attempt (never 0 for a real attempt).
      const rtt = Math.max(1, Math.round((this.#clock.monotonic() - started) * 1e6));
      result = {
        title: c.title || undefined,
        endpoint: c.endpoint || undefined,
        timestamp: this.#now(),
        times: [{ rtt, error: `checker error: ${(e as Error).message}` }],
        down: true,
      };
    }
    if (this.timestamp !== undefined) result.timestamp = this.timestamp;
    return redactResult(result, this.#redact);
  }

  /** Stores a round; throws when there is no storage ({@linkcode NO_STORAGE}) or the storage fails. */
  async store(results: readonly Result[], signal?: AbortSignal): Promise<string> {
    if (!this.storage) throw new Error(NO_STORAGE);
    return await this.storage.store(results, signal);
  }

  /**
   * One round: check, then (as asked) store, maintain and notify. Storage errors propagate. When `signal`
   * aborts during the checks, nothing is stored or notified and an {@linkcode InterruptedError} is thrown.
   * Without a background delivery worker (see {@linkcode every}), the round's notifications are delivered
   * for up to `deliver_within` after it is committed; what is left waits in the outbox for the next run.
   */
  round(options: RoundOptions = {}): Promise<RoundReport> {
    return this.#round(options, this.#pipeline?.once);
  }

  /** A round stored through `via` (a storage pipeline). */
  async #round(options: RoundOptions, via: Storage | undefined): Promise<RoundReport> {
    let results = await this.check(options.signal);
    if (options.signal?.aborted) throw new InterruptedError("interrupted: the round was not stored");
    if (options.transform) results = options.transform(results);
    // Once the checks are done the round is stored whatever happens; the signal only stops delivery.
    return await this.#finish(results, { ...options, signal: undefined }, via, options.signal);
  }

  /** Delivery counters and outbox depth per notifier (for `/metrics`). */
  deliveryStats(): DeliveryStats[] {
    return this.#alerts.stats();
  }

  /**
   * The rest of a round once results are in: store through `via`, end the round, maintain the backend,
   * notify (as asked).
   */
  async #finish(
    results: Result[],
    options: RoundOptions,
    via: Storage | undefined,
    notifySignal = options.signal,
  ): Promise<RoundReport> {
    const report: RoundReport = { results };
    // Notifying runs beside storing: neither waits for nor is skipped by the other (process never throws).
    // It commits the alert decisions and their notifications (the outbox); delivery never blocks the round
    // when `every` runs the delivery worker, and is bounded by `deliver_within` otherwise.
    const locations = options.store ? this.#locations : undefined;
    // The stored maintenance windows are read once per round, beside the rest (a failed read keeps the last).
    const windows = this.#windows?.refresh(Number(this.#clock.now() / 1_000_000n), notifySignal);
    // So are the incidents when a notifier is told about their updates (a failed read keeps the last too).
    const incidents = this.#incidents?.refresh(notifySignal).catch((e) =>
      this.#logger.warn("cannot read the incidents; announcing from the last read", { error: e })
    );
    const notifying = options.notify !== false && (this.#alerting || locations)
      ? Promise.all([
        locations ? locations.round(results) : Promise.resolve({ results, locations: [] }),
        windows,
        incidents,
      ]).then(([c]) => this.#alerts.process(c.results, notifySignal, c.locations, this.#announcements()))
      : undefined;
    try {
      if (options.store) {
        if (!via) throw new Error(NO_STORAGE);
        // A decorator that kept the round instead of storing it (the spool) answers "": see the round's end.
        report.stored = (await via.store(results, options.signal)) || undefined;
      }
      // The end of the round: decorators write what they hold once per round (the summaries: one commit).
      const end = await via?.endRound?.(options.signal);
      if (end?.pending) report.spooled = end.pending;
      if (end?.rejected) report.rejected = end.rejected;
      if (options.maintain && !report.spooled && this.storage && isMaintainer(this.storage)) {
        try {
          report.deleted = await this.storage.maintain(options.signal);
        } catch (e) {
          this.#logger.error("maintenance failed", { storage: this.storage.type, error: e });
        }
      }
    } finally {
      await notifying;
    }
    return report;
  }

  /** Check, store, then purge expired rounds (Go's CheckAndStore). */
  checkAndStore(signal?: AbortSignal): Promise<RoundReport> {
    return this.round({ store: true, maintain: true, signal });
  }

  /**
   * Runs a round now and then every `interval` nanoseconds until `signal` aborts. Rounds never overlap:
   * a round that runs late skips the ticks it missed, and says so. An error in a round is logged and the
   * loop carries on. Notifications are delivered in the background the whole time, never holding up a
   * round. On abort, the round under way finishes (including its store), deliveries under way get
   * `shutdown_grace` to finish, and what is undelivered stays in the outbox; then this returns.
   */
  async every(interval: number, signal: AbortSignal, onRound?: (report: RoundReport) => void): Promise<void> {
    if (!(interval > 0)) throw new RangeError(`expected an interval > 0, found ${interval}`);
    if (this.#locations) this.#locations.interval = interval / 1e6;
    await this.#alerts.start();
    try {
      await this.#loop(interval, signal, onRound);
    } finally {
      await this.#alerts.stop(this.shutdownGrace);
    }
  }

  async #loop(interval: number, signal: AbortSignal, onRound?: (report: RoundReport) => void): Promise<void> {
    if (this.spread || this.intervals.some((i) => i !== undefined)) {
      return await runSchedule({
        checks: this.checkers.map((c, index) => ({
          index,
          title: c.title,
          interval: this.intervals[index] ?? interval,
          run: (s) => this.#checkOne(index, s),
        })),
        flushInterval: interval,
        concurrency: this.concurrentChecks,
        spread: this.spread,
        logger: this.#logger,
        signal,
        clock: this.#clock,
        flush: async (results) => {
          const report = await this.#finish(results, { store: true, maintain: true }, this.#pipeline?.every);
          this.#logger.info("round done", { checks: results.length, stored: report.stored });
          onRound?.(report);
        },
      });
    }
    await runRounds({
      interval,
      logger: this.#logger,
      signal,
      clock: this.#clock,
      round: async () => {
        const report = await this.#round({ store: true, maintain: true }, this.#pipeline?.every);
        this.#logger.info("round done", {
          checks: report.results.length,
          stored: report.stored,
          ...(report.spooled ? { spooled: report.spooled } : {}),
          ...(report.deleted ? { deleted: report.deleted } : {}),
        });
        onRound?.(report);
      },
    });
  }

  /** Stops background delivery (deliveries under way get `shutdown_grace`) and releases storage connections. */
  async close(): Promise<void> {
    await this.#alerts.stop(this.shutdownGrace);
    this.#httpClients.close();
    await (this.#pipeline?.every ?? this.storage)?.close?.(); // decorators close what they wrap
  }
}
