/**
 * The notify pipeline: each round, records the results in the alert state, asks the state machine what
 * every notifier should announce under its own policy, delivers that, and saves the state so restarts
 * and one-shot runs (cron) neither repeat nor miss an alert. Notifiers run concurrently, each within a
 * deadline; a failing one is logged and never stops the others, the round or the loop, and what it did
 * not deliver is offered again next round.
 *
 * @module
 */
import { type Logger, silentLogger } from "../_internal/log.ts";
import { nowNs, type Result } from "../result.ts";
import {
  type AlertDecision,
  type AlertState,
  commitDecision,
  decideAlerts,
  decodeAlertState,
  emptyAlertState,
  encodeAlertState,
  endpointKey,
  observeRound,
  pruneEndpoints,
  pruneNotifiers,
} from "./alerts.ts";
import { type Alert, DeliveryError, type Notifier } from "./notifier.ts";
import { type AlertPolicy, DEFAULT_ALERT_POLICY } from "./policy.ts";
import { type AlertStateStore, memoryAlertState } from "./state.ts";

/** Dependencies of an {@linkcode AlertPipeline}; all optional. */
export interface AlertPipelineOptions {
  /** Where delivery outcomes and failures are logged; default: nothing is logged. */
  logger?: Logger;
  /** The clock (UTC ns); default the system clock. */
  now?: () => bigint;
  /** This node's name, carried by alerts and part of their keys. */
  node?: string;
  /** Where the state is kept between rounds and runs; default memory only. */
  state?: AlertStateStore;
  /**
   * The configured endpoints: state about any other endpoint is dropped. Without it, endpoints unseen
   * for 7 days are dropped.
   */
  endpoints?: Iterable<{ title: string; endpoint: string }>;
}

/** What one notifier did in a round. */
export interface NotifierOutcome {
  /** The notifier's state id: `<type>#<n>`, n counting notifiers of that type in config order. */
  id: string;
  /** The notifier's type (e.g. `"slack"`). */
  type: string;
  /** Alerts delivered. */
  sent: Alert[];
  /** Alerts not delivered (offered again next round). */
  failed: Alert[];
  /** Why delivery failed, when it did. */
  error?: string;
}

/** What a round's notifications did. */
export interface AlertReport {
  /** Every alert delivered, all notifiers together. */
  sent: Alert[];
  /** One entry per notifier that had something to deliver. */
  notifiers: NotifierOutcome[];
}

interface Entry {
  id: string;
  notifier: Notifier;
  policy: AlertPolicy;
}

function deadlineMs(policy: AlertPolicy): number {
  // Every attempt's timeout, the backoff between attempts (500 ms doubling), and a second of slack.
  return (policy.timeout / 1e6) * (policy.retries + 1) + 500 * (2 ** policy.retries - 1) + 1_000;
}

/** Turns rounds into alerts on status transitions, delivers them, and keeps the state. */
export class AlertPipeline {
  readonly #entries: Entry[];
  readonly #logger: Logger;
  readonly #now: () => bigint;
  readonly #node?: string;
  readonly #store: AlertStateStore;
  readonly #keep?: ReadonlySet<string>;
  #state?: AlertState;

  /** Sets up delivery to `notifiers`, in order; state is loaded on the first round. */
  constructor(notifiers: readonly Notifier[], options: AlertPipelineOptions = {}) {
    const counts = new Map<string, number>();
    this.#entries = notifiers.map((notifier) => {
      const n = counts.get(notifier.type) ?? 0;
      counts.set(notifier.type, n + 1);
      return { id: `${notifier.type}#${n}`, notifier, policy: notifier.policy ?? DEFAULT_ALERT_POLICY };
    });
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? nowNs;
    this.#node = options.node;
    this.#store = options.state ?? memoryAlertState();
    if (options.endpoints) {
      this.#keep = new Set(
        [...options.endpoints].map((e) => endpointKey(e.title || undefined, e.endpoint || undefined)),
      );
    }
  }

  /** Where the state is kept (for logs). */
  get stateLocation(): string {
    return this.#store.where;
  }

  async #load(signal?: AbortSignal): Promise<AlertState> {
    if (this.#state) return this.#state;
    let text: string | undefined;
    try {
      text = await this.#store.load(signal);
    } catch (e) {
      this.#logger.error("cannot load alert state; starting afresh", { from: this.#store.where, error: e });
    }
    let state = emptyAlertState();
    if (text !== undefined) {
      try {
        state = decodeAlertState(text, this.#store.where);
      } catch (e) {
        this.#logger.warn("ignoring unreadable alert state", { error: e });
      }
    }
    return this.#state = state;
  }

  /**
   * Handles one round: updates the state, delivers each notifier's alerts, saves the state. Never
   * throws: every failure is logged and reported.
   */
  async process(results: readonly Result[], signal?: AbortSignal): Promise<AlertReport> {
    const report: AlertReport = { sent: [], notifiers: [] };
    if (!this.#entries.length) return report;
    const state = await this.#load(signal);
    const now = this.#now();
    const byKey = observeRound(state, results, now);
    pruneEndpoints(state, now, this.#keep);
    pruneNotifiers(state, this.#entries.map((e) => e.id));
    await Promise.all(this.#entries.map(async (entry) => {
      const decisions = decideAlerts(state, entry.id, entry.policy, {
        now,
        node: this.#node,
        results: byKey,
      });
      const toSend: AlertDecision[] = [];
      for (const d of decisions) {
        if (d.alert) toSend.push(d);
        else commitDecision(state, entry.id, d);
      }
      if (!toSend.length) return;
      const outcome = await this.#deliver(entry, toSend.map((d) => d.alert!), signal);
      const failed = new Set(outcome.failed);
      for (const d of toSend) if (!failed.has(d.alert!)) commitDecision(state, entry.id, d);
      report.sent.push(...outcome.sent);
      report.notifiers.push(outcome);
    }));
    try {
      await this.#store.save(encodeAlertState(state, { node: this.#node, updated: now }), signal);
    } catch (e) {
      this.#logger.error("cannot save alert state", { to: this.#store.where, error: e });
    }
    return report;
  }

  async #deliver(entry: Entry, alerts: Alert[], signal?: AbortSignal): Promise<NotifierOutcome> {
    const { notifier, id } = entry;
    const outcome: NotifierOutcome = { id, type: notifier.type, sent: [], failed: [] };
    const ac = new AbortController();
    const onAbort = () => ac.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const limit = deadlineMs(entry.policy);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new Error(`no answer within ${Math.round(limit / 1000)}s`);
        reject(e); // first, so the race reports the deadline rather than the abort it causes
        ac.abort(e);
      }, limit);
    });
    try {
      const sending = notifier.notify(alerts, ac.signal);
      sending.catch(() => {}); // a late failure after the deadline is already reported
      await Promise.race([sending, deadline]);
      outcome.sent = alerts;
    } catch (e) {
      const failed = e instanceof DeliveryError ? e.failed : alerts;
      outcome.failed = [...failed];
      outcome.sent = alerts.filter((a) => !failed.includes(a));
      const cause = e instanceof DeliveryError && e.cause instanceof Error ? e.cause : e;
      outcome.error = (cause as Error)?.message ?? String(cause);
      this.#logger.error("notifier failed; will retry next round", {
        notifier: notifier.type,
        id,
        undelivered: outcome.failed.length,
        error: outcome.error,
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
    for (const a of outcome.sent) {
      this.#logger.info("alert sent", {
        notifier: notifier.type,
        kind: a.kind,
        title: a.title,
        status: a.status,
      });
    }
    return outcome;
  }
}
