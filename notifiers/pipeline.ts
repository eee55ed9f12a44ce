/**
 * The notify pipeline. Each round it records the results in the alert state, asks the state machine what
 * every notifier should announce under its own policy, and commits those decisions together with the
 * notifications they cause (the outbox) in one save of the state document: in the storage when it can
 * hold it, else the local state directory. Delivery is separate (`delivery.ts`) and never blocks a round:
 *
 * - `checkup every` and `serve --every` run the worker in the background ({@linkcode AlertPipeline.start});
 *   a round only commits and wakes it. On shutdown the attempts under way get a grace period, the rest stays
 *   in the outbox for the next start.
 * - Single runs (`checkup --store` from cron, library calls) deliver what they can within a bounded time
 *   after committing ({@linkcode AlertPipeline.process}) and leave the rest for the next run.
 *
 * @module
 */
import { type Clock, clockOf, systemClock } from "../clock.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { Result } from "../result.ts";
import {
  type AlertState,
  commitDecision,
  decideAlerts,
  emptyAlertState,
  endpointKey,
  observeRound,
  pruneEndpoints,
  pruneNotifiers,
  redactAlertState,
} from "./alerts.ts";
import { decodeAlertState, encodeAlertState } from "./alert_codec.ts";
import { type AttemptOutcome, Delivery, type DeliveryStats, type DeliveryTarget } from "./delivery.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { DEFAULT_ALERT_POLICY } from "./policy.ts";
import type { AlertDecision } from "./alerts.ts";
import type { Adoption, AlertGate } from "./gate.ts";
import { type Announcement, dueAnnouncements, pruneAnnounced, recordAnnouncement } from "./announcements.ts";
import { type AlertStateStore, memoryAlertState } from "./state.ts";

/** Default of {@linkcode AlertPipelineOptions.deliverWithin}: 10 s. */
export const DEFAULT_DELIVER_WITHIN_MS = 10_000;
/** Default of the shutdown grace of {@linkcode AlertPipeline.stop}: 5 s. */
export const DEFAULT_GRACE_MS = 5_000;

/** Dependencies of an {@linkcode AlertPipeline}; all optional. */
export interface AlertPipelineOptions {
  /** Where delivery outcomes and failures are logged; default: nothing is logged. */
  logger?: Logger;
  /** The clock: time (UTC ns) and sleeps; default the system clock. */
  clock?: Clock;
  /** The time alone (UTC ns), with real sleeps; ignored when `clock` is given. */
  now?: () => bigint;
  /** This node's name, carried by alerts and part of their keys. */
  node?: string;
  /** Where the state (outbox included) is kept between rounds and runs; default memory only. */
  state?: AlertStateStore;
  /**
   * The configured endpoints: state about any other endpoint is dropped. Without it, endpoints unseen
   * for 7 days are dropped.
   */
  endpoints?: Iterable<{ title: string; endpoint: string }>;
  /** How long {@linkcode AlertPipeline.process} delivers when no worker runs, ms (default 10 s). */
  deliverWithin?: number;
  /** Randomness for the retry jitter (default `Math.random`). */
  random?: () => number;
  /** When a call's signal aborts, attempts under way get this long to finish, ms (default 5 s). */
  grace?: number;
  /**
   * The config's redactor: a state saved before results were redacted is re-keyed through it on load, so
   * an upgrade neither forgets an open incident nor announces it again.
   */
  redact?: (text: string) => string;
}

/** The gates attached by {@linkcode attachGate} (internal wiring, not part of the library API). */
const gates = new WeakMap<AlertPipeline, (gate: AlertGate) => void>();

/**
 * Several locations: makes `pipeline` claim each transition through `gate` before sending it
 * (`locations/claims.ts`), so that exactly one node sends it; alert keys then leave the node name out, so
 * they are the same on every node. Call before the first round. Used by `Checkup`; not exported by the
 * package.
 */
export function attachGate(pipeline: AlertPipeline, gate: AlertGate): void {
  gates.get(pipeline)?.(gate);
}

/** A decision another node made already: its incident and announcement, nothing to send. */
function adopted(d: AlertDecision, a: Adoption): AlertDecision {
  if (d.next.notified === "healthy") return { key: d.key, next: d.next };
  const next = { ...d.next, incident_since: a.incident_since, announced: a.announced, last_sent: a.at };
  if (a.ledger !== undefined) next.ledger = a.ledger;
  return { key: d.key, next };
}

/** What one notifier did in a round (with no background worker: what its delivery attempts did). */
export interface NotifierOutcome {
  /** The notifier's state id: `<type>#<n>`, n counting notifiers of that type in config order. */
  id: string;
  /** The notifier's type (e.g. `"slack"`). */
  type: string;
  /** Alerts delivered. */
  sent: Alert[];
  /** Alerts whose latest attempt failed (kept in the outbox and tried again later). */
  failed: Alert[];
  /** Why the latest failed attempt failed. */
  error?: string;
}

/** What a round's notifications did. */
export interface AlertReport {
  /** Alerts this round decided (queued in the outbox). */
  queued: Alert[];
  /** Alerts delivered during the call, all notifiers together (none when a background worker delivers). */
  sent: Alert[];
  /** One entry per notifier that attempted a delivery during the call. */
  notifiers: NotifierOutcome[];
  /** Notifications still waiting in the outbox afterwards. */
  pending: number;
}

/** Turns rounds into alerts on status transitions, keeps them in the outbox and delivers them. */
export class AlertPipeline {
  readonly #targets: DeliveryTarget[];
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #node?: string;
  readonly #store: AlertStateStore;
  readonly #keep?: ReadonlySet<string>;
  readonly #deliverWithin: number;
  readonly #grace: number;
  readonly #redact?: (text: string) => string;
  readonly #delivery: Delivery;
  #gate?: AlertGate;
  /** Settled notifications being recorded by the gate (awaited at stop). */
  readonly #marking = new Set<Promise<void>>();
  #state?: AlertState;
  #loading?: Promise<AlertState>;
  /** Outcomes of attempts, collected for the report of a call that delivers. */
  #outcomes?: AttemptOutcome[];
  #saveChain: Promise<void> = Promise.resolve();
  #saveQueued?: Promise<void>;
  #worker?: { stop: AbortController; cut: AbortController; done: Promise<void> };
  #leftover = 0;

  /** Sets up delivery to `notifiers`, in order; state is loaded on first use. */
  constructor(notifiers: readonly Notifier[], options: AlertPipelineOptions = {}) {
    const counts = new Map<string, number>();
    this.#targets = notifiers.map((notifier) => {
      const n = counts.get(notifier.type) ?? 0;
      counts.set(notifier.type, n + 1);
      return { id: `${notifier.type}#${n}`, notifier, policy: notifier.policy ?? DEFAULT_ALERT_POLICY };
    });
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? (options.now ? clockOf(options.now) : systemClock);
    this.#node = options.node;
    this.#store = options.state ?? memoryAlertState();
    this.#deliverWithin = options.deliverWithin ?? DEFAULT_DELIVER_WITHIN_MS;
    this.#grace = options.grace ?? DEFAULT_GRACE_MS;
    this.#redact = options.redact;
    gates.set(this, (gate) => (this.#gate = gate));
    if (options.endpoints) {
      this.#keep = new Set(
        [...options.endpoints].map((e) => endpointKey(e.title || undefined, e.endpoint || undefined)),
      );
    }
    this.#delivery = new Delivery(this.#targets, {
      outbox: () => this.#state!.outbox,
      save: () => this.#save(),
      clock: this.#clock,
      logger: this.#logger,
      random: options.random,
      onGiveUp: (alerts) => this.#settle(alerts),
      onAttempt: (outcome) => {
        this.#outcomes?.push(outcome);
        if (outcome.sent.length) this.#settle(outcome.sent);
        if (this.#leftover && !this.#state!.outbox.depth()) {
          this.#logger.info("outbox drained: notifications left by an earlier run are delivered", {
            left: this.#leftover,
          });
          this.#leftover = 0;
        }
      },
    });
  }

  /** Tells the gate that notifications are delivered or given up (awaited at stop). */
  #settle(alerts: readonly Alert[]): void {
    if (!this.#gate || !alerts.length) return;
    const mark = this.#gate.settled(alerts);
    this.#marking.add(mark);
    mark.finally(() => this.#marking.delete(mark));
  }

  /** Where the state is kept (for logs). */
  get stateLocation(): string {
    return this.#store.where;
  }

  /** Delivery counters and outbox depth per notifier (for `/metrics`). */
  stats(): DeliveryStats[] {
    return this.#delivery.stats(this.#state?.outbox);
  }

  #load(signal?: AbortSignal): Promise<AlertState> {
    if (this.#state) return Promise.resolve(this.#state);
    return this.#loading ??= this.#read(signal).then((state) => {
      this.#state = state;
      const orphans = state.outbox.keepOnly(this.#targets.map((t) => t.id));
      this.#settle(orphans.map((e) => e.alert));
      if (orphans.length) {
        this.#logger.warn("dropping notifications of notifiers no longer configured", {
          dropped: orphans.length,
        });
      }
      this.#leftover = state.outbox.depth();
      if (this.#leftover) {
        this.#logger.info("delivering notifications left by an earlier run", { pending: this.#leftover });
      }
      return state;
    }).finally(() => this.#loading = undefined);
  }

  async #read(signal?: AbortSignal): Promise<AlertState> {
    let text: string | undefined;
    try {
      text = await this.#store.load(signal);
    } catch (e) {
      this.#logger.error("cannot load alert state; starting afresh", { from: this.#store.where, error: e });
    }
    if (text === undefined) return emptyAlertState();
    try {
      const state = decodeAlertState(text, this.#store.where);
      if (this.#redact) redactAlertState(state, this.#redact);
      return state;
    } catch (e) {
      this.#logger.warn("ignoring unreadable alert state", { error: e });
      return emptyAlertState();
    }
  }

  /**
   * Saves the state document (decisions and outbox together). Saves run one after another; calls made
   * while one is waiting share it, so a burst of attempts costs one write. Never throws.
   */
  #save(): Promise<void> {
    if (this.#saveQueued) return this.#saveQueued;
    const run = this.#saveChain.then(async () => {
      this.#saveQueued = undefined;
      const text = encodeAlertState(this.#state!, { node: this.#node, updated: this.#clock.now() });
      try {
        await this.#store.save(text);
      } catch (e) {
        this.#logger.error("cannot save alert state", { to: this.#store.where, error: e });
      }
    });
    this.#saveQueued = run;
    this.#saveChain = run;
    return run;
  }

  /**
   * Handles one round: updates the state, decides each notifier's alerts and commits them with the
   * notifications to send in one save. With a background worker running (see {@linkcode start}) it
   * returns then and the worker delivers; otherwise it delivers what it can within `deliverWithin` and
   * leaves the rest in the outbox. Never throws: every failure is logged and reported. `extra`: results
   * about something other than the configured endpoints (several locations: whether each still reports),
   * decided on like them and kept while they come. `announcements`: incident updates and maintenance windows
   * as they stand (all of them, each round): those a notifier's `notify_on` asks for and was not told
   * about yet are queued (see `announcements.ts`).
   */
  async process(
    results: readonly Result[],
    signal?: AbortSignal,
    extra?: readonly Result[],
    announcements?: readonly Announcement[],
  ): Promise<AlertReport> {
    if (!this.#targets.length) return { queued: [], sent: [], notifiers: [], pending: 0 };
    const state = await this.#load(signal);
    const now = this.#clock.now();
    if (extra?.length) results = [...results, ...extra];
    const byKey = observeRound(state, results, now);
    const keep = this.#keep && extra?.length
      ? new Set([...this.#keep, ...extra.map((r) => endpointKey(r.title, r.endpoint))])
      : this.#keep;
    pruneEndpoints(state, now, keep);
    pruneNotifiers(state, this.#targets.map((t) => t.id));
    if (this.#gate) await this.#reconcile(state, now, signal);
    const queued: Alert[] = [];
    const ctx = { now, node: this.#node, results: byKey, sharedKeys: this.#gate !== undefined };
    for (const target of this.#targets) {
      const alerts: Alert[] = [];
      for (let d of decideAlerts(state, target.id, target.policy, ctx)) {
        if (this.#gate) {
          const previous = state.notifiers.get(target.id)?.get(d.key);
          const verdict = await this.#gate.decide(
            { notifier: target.id, policy: target.policy, decision: d, previous, now },
            signal,
          );
          if (!verdict.send) d = adopted(d, verdict.adopt);
          else if (verdict.ledger !== undefined) d.next.ledger = verdict.ledger;
        }
        commitDecision(state, target.id, d);
        if (d.alert) alerts.push(d.alert);
      }
      if (!alerts.length) continue;
      this.#delivery.expired(target, state.outbox.add(target.id, alerts, now), "the outbox is full");
      queued.push(...alerts);
    }
    if (announcements) queued.push(...await this.#announce(state, announcements, now, signal));
    await this.#save();
    if (this.#worker) {
      if (queued.length) this.#delivery.wake();
      return { queued, sent: [], notifiers: [], pending: state.outbox.depth() };
    }
    return { ...await this.deliver(this.#deliverWithin, signal), queued };
  }

  /** Queues the announcements each notifier is due (one node among several sends each: the gate). */
  async #announce(
    state: AlertState,
    events: readonly Announcement[],
    now: bigint,
    signal?: AbortSignal,
  ): Promise<Alert[]> {
    pruneAnnounced(state, now, this.#targets.map((t) => t.id));
    const queued: Alert[] = [];
    for (const due of dueAnnouncements(state, this.#targets, events, now, this.#node)) {
      const send = this.#gate ? await this.#gate.announce(due.notifier, due.announcement.id, signal) : true;
      recordAnnouncement(state, due.notifier, due.announcement);
      if (!send) continue;
      const target = this.#targets.find((t) => t.id === due.notifier)!;
      this.#delivery.expired(target, state.outbox.add(target.id, [due.alert], now), "the outbox is full");
      queued.push(due.alert);
    }
    return queued;
  }

  /** Takes in what the gate says the outbox must gain (claims of this node or of silent ones) or lose. */
  async #reconcile(state: AlertState, now: bigint, signal?: AbortSignal): Promise<void> {
    const { add, drop } = await this.#gate!.reconcile(state.outbox, signal);
    if (drop.length) {
      state.outbox.remove(state.outbox.entries.filter((e) => drop.includes(e.alert.id)));
      this.#logger.info("notifications taken over by another node; not sending them", {
        dropped: drop.length,
      });
    }
    const ids = new Set(state.outbox.entries.map((e) => e.alert.id));
    const known = new Set(this.#targets.map((t) => t.id));
    const fresh = add.filter((a) => known.has(a.notifier) && !ids.has(a.alert.id));
    for (const a of fresh) state.outbox.add(a.notifier, [a.alert], now);
    if (fresh.length) {
      this.#logger.info("took over notifications claimed but not delivered", { notifications: fresh.length });
      this.#delivery.wake();
    }
  }

  /**
   * Delivers what is due now and what falls due within `ms` (retries included), for at most `ms`
   * milliseconds, then returns; attempts still under way are cut off and stay in the outbox. When `signal`
   * aborts, no new attempt starts and those under way get the grace period. Used by single runs; does
   * nothing while a background worker runs.
   */
  async deliver(ms: number, signal?: AbortSignal): Promise<AlertReport> {
    const report: AlertReport = { queued: [], sent: [], notifiers: [], pending: 0 };
    if (!this.#targets.length) return report;
    const state = await this.#load(signal);
    if (this.#worker) return { ...report, pending: state.outbox.depth() };
    const stop = new AbortController(), cut = new AbortController();
    const timers = [setTimeout(() => (stop.abort(), cut.abort()), ms)];
    const onAbort = () => {
      stop.abort();
      timers.push(setTimeout(() => cut.abort(), this.#grace));
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    const outcomes: AttemptOutcome[] = this.#outcomes = [];
    try {
      const until = this.#clock.now() + BigInt(Math.round(ms * 1e6));
      await this.#delivery.run({ stop: stop.signal, cut: cut.signal, until });
    } finally {
      for (const t of timers) clearTimeout(t);
      signal?.removeEventListener("abort", onAbort);
      this.#outcomes = undefined;
    }
    const byId = new Map<string, NotifierOutcome>();
    for (const o of outcomes) {
      const n = byId.get(o.id) ?? { id: o.id, type: o.type, sent: [], failed: [] };
      n.sent.push(...o.sent);
      n.failed = o.failed;
      if (o.error) n.error = o.error;
      byId.set(o.id, n);
    }
    report.notifiers = [...byId.values()];
    report.sent = report.notifiers.flatMap((n) => n.sent);
    report.pending = state.outbox.depth();
    return report;
  }

  /**
   * Starts delivering in the background (loading the state first): from now on {@linkcode process}
   * only commits. Stop it with {@linkcode stop}.
   */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.#worker || !this.#targets.length) return;
    await this.#load(signal);
    const stop = new AbortController(), cut = new AbortController();
    const done = this.#delivery.run({ stop: stop.signal, cut: cut.signal }).catch((e) =>
      this.#logger.error("alert delivery stopped", { error: e })
    );
    this.#worker = { stop, cut, done };
  }

  /**
   * Stops the background worker: no new attempt starts, the attempts under way get `graceMs` to finish,
   * then they are cut off; what was not delivered stays in the outbox (saved) for the next start.
   */
  async stop(graceMs = DEFAULT_GRACE_MS): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    worker.stop.abort();
    const grace = new AbortController();
    const timer = setTimeout(() => grace.abort(), graceMs);
    await Promise.race([worker.done, new Promise((r) => grace.signal.addEventListener("abort", r))]);
    clearTimeout(timer);
    worker.cut.abort();
    await worker.done;
    await Promise.all(this.#marking);
    this.#worker = undefined;
    if (this.#state) {
      const pending = this.#state.outbox.depth();
      await this.#save();
      if (pending) this.#logger.info("kept undelivered notifications for the next start", { pending });
    }
  }
}
