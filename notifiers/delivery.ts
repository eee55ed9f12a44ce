/**
 * The delivery worker: takes notifications from the outbox and hands them to their notifier, one attempt at
 * a time per notifier (so a hung receiver holds up only its own notifier, never a round or another
 * notifier), each attempt cut off at its deadline. A delivered entry leaves the outbox; a failed one is
 * retried later with backoff (see `outbox.ts`) until the notifier's `max_age`, when it is given up with an
 * error log. After every attempt the state document is saved, so a crash at any point loses nothing: at
 * worst the last attempt is made again, with the same notification id (at-least-once delivery).
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import { formatDuration } from "../duration.ts";
import { type Alert, DeliveryError, type Notifier } from "./notifier.ts";
import type { Outbox, OutboxEntry } from "./outbox.ts";
import type { AlertPolicy } from "./policy.ts";

/** A configured notifier with its state id (`<type>#<n>`) and policy. */
export interface DeliveryTarget {
  /** The notifier's state id. */
  id: string;
  /** The notifier. */
  notifier: Notifier;
  /** Its alert policy (timeouts, `max_age`). */
  policy: AlertPolicy;
}

/** What delivery did for one notifier since the process started. */
export interface DeliveryStats {
  /** The notifier's state id (`<type>#<n>`). */
  id: string;
  /** The notifier's type. */
  type: string;
  /** Notifications waiting in the outbox. */
  pending: number;
  /** Notifications delivered. */
  sent: number;
  /** Attempts that failed (each is tried again later, or given up). */
  failed: number;
  /** Attempts that were retries of an earlier failed attempt. */
  retried: number;
  /** Notifications given up after `max_age`, or dropped from a full outbox. */
  expired: number;
}

/** What one delivery attempt did. */
export interface AttemptOutcome {
  /** The notifier's state id. */
  id: string;
  /** The notifier's type. */
  type: string;
  /** Alerts delivered. */
  sent: Alert[];
  /** Alerts not delivered (kept in the outbox). */
  failed: Alert[];
  /** Why delivery failed, when it did. */
  error?: string;
}

/** What the worker needs from its owner. */
export interface DeliveryDeps {
  /** The outbox of the current state (loaded before delivery starts). */
  outbox(): Outbox;
  /** Saves the state document (outbox included); never throws. */
  save(): Promise<void>;
  /** The clock (time and sleeps). */
  clock: Clock;
  /** Where attempts, retries and give-ups are logged. */
  logger: Logger;
  /** Randomness for the backoff's jitter (default `Math.random`). */
  random?: () => number;
  /** Called after each attempt (reports, tests). */
  onAttempt?(outcome: AttemptOutcome): void;
  /** Called with the notifications given up (too old, or dropped from a full outbox). */
  onGiveUp?(alerts: readonly Alert[]): void;
}

/** How long {@linkcode Delivery.run} goes on. */
export interface RunOptions {
  /** No new attempt starts once this aborts. */
  stop: AbortSignal;
  /** Cuts the attempts under way (they count as failed and stay in the outbox). */
  cut: AbortSignal;
  /** Return once no entry is due before this time (UTC ns); without it, run until `stop`. */
  until?: bigint;
}

/** Entries handed to a notifier in one attempt at most. */
const BATCH = 20;
/** The longest an idle worker sleeps before looking at the outbox again (ms). */
const IDLE_MS = 60_000;

/** The time one attempt of `count` alerts may take: every quick retry's timeout and backoff, and a second. */
export function attemptDeadlineMs(policy: Pick<AlertPolicy, "timeout" | "retries">, count = 1): number {
  const one = (policy.timeout / 1e6) * (policy.retries + 1) + 500 * (2 ** policy.retries - 1);
  return one * Math.max(1, count) + 1_000;
}

/** Delivers the outbox; see the module doc. */
export class Delivery {
  readonly #targets: readonly DeliveryTarget[];
  readonly #deps: DeliveryDeps;
  readonly #stats = new Map<string, Omit<DeliveryStats, "pending">>();
  #wake = new AbortController();

  /** Delivers to `targets` (in config order). */
  constructor(targets: readonly DeliveryTarget[], deps: DeliveryDeps) {
    this.#targets = targets;
    this.#deps = deps;
    for (const t of targets) {
      this.#stats.set(t.id, { id: t.id, type: t.notifier.type, sent: 0, failed: 0, retried: 0, expired: 0 });
    }
  }

  /** Tells idle workers that entries were added. */
  wake(): void {
    const old = this.#wake;
    this.#wake = new AbortController();
    old.abort();
  }

  /** Counters per notifier, with the depth of `outbox` (0 without one: not loaded yet). */
  stats(outbox?: Outbox): DeliveryStats[] {
    return [...this.#stats.values()].map((s) => ({ ...s, pending: outbox?.depth(s.id) ?? 0 }));
  }

  /** Counts entries given up or dropped and logs each (the notifier and the alert, never a secret). */
  expired(target: DeliveryTarget, entries: readonly OutboxEntry[], why: string): void {
    if (!entries.length) return;
    this.#stats.get(target.id)!.expired += entries.length;
    this.#deps.onGiveUp?.(entries.map((e) => e.alert));
    const now = this.#deps.clock.now();
    for (const e of entries) {
      this.#deps.logger.error(`giving up on a notification: ${why}`, {
        notifier: target.notifier.type,
        id: target.id,
        kind: e.alert.kind,
        title: e.alert.title,
        notification: e.alert.id,
        attempts: e.attempts,
        age: formatDuration(Number(now - e.created)),
      });
    }
  }

  /** Runs one loop per notifier until `o.stop` (or, with `o.until`, until nothing more is due). */
  async run(o: RunOptions): Promise<void> {
    await Promise.all(this.#targets.map((t) => this.#loop(t, o)));
  }

  async #loop(t: DeliveryTarget, o: RunOptions): Promise<void> {
    const { clock } = this.#deps;
    while (!o.stop.aborted) {
      const outbox = this.#deps.outbox();
      const now = clock.now();
      const old = outbox.expire(t.id, now, t.policy.max_age);
      if (old.length) {
        this.expired(t, old, `older than max_age (${formatDuration(t.policy.max_age)})`);
        await this.#deps.save();
        continue;
      }
      const batch = outbox.due(t.id, now, BATCH);
      if (batch.length) {
        await this.#attempt(t, batch, o.cut);
        continue;
      }
      const next = outbox.nextDue(t.id);
      if (o.until !== undefined && (next === undefined || next > o.until)) return;
      const wait = next === undefined
        ? IDLE_MS
        : Math.min(IDLE_MS, Number((next - now + 999_999n) / 1_000_000n));
      await clock.sleep(wait, AbortSignal.any([o.stop, this.#wake.signal]));
    }
  }

  async #attempt(t: DeliveryTarget, batch: OutboxEntry[], cut: AbortSignal): Promise<void> {
    const { notifier, id, policy } = t;
    const stats = this.#stats.get(id)!;
    const alerts = batch.map((e) => e.alert);
    stats.retried += batch.filter((e) => e.attempts > 0).length;
    const ac = new AbortController();
    const onCut = () => ac.abort(cut.reason);
    cut.addEventListener("abort", onCut, { once: true });
    const limit = attemptDeadlineMs(policy, alerts.length);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new Error(`no answer within ${formatDuration(Math.round(limit * 1e6))}`);
        reject(e); // first, so the race reports the deadline rather than the abort it causes
        ac.abort(e);
      }, limit);
    });
    const outcome: AttemptOutcome = { id, type: notifier.type, sent: [], failed: [] };
    try {
      if (cut.aborted) throw new Error("stopped before the attempt");
      const sending = notifier.notify(alerts, ac.signal);
      sending.catch(() => {}); // a late failure after the deadline is already reported
      await Promise.race([sending, deadline]);
      outcome.sent = alerts;
    } catch (e) {
      const failed = e instanceof DeliveryError ? e.failed : alerts;
      outcome.failed = alerts.filter((a) => failed.includes(a));
      outcome.sent = alerts.filter((a) => !failed.includes(a));
      const cause = e instanceof DeliveryError && e.cause instanceof Error ? e.cause : e;
      outcome.error = cut.aborted && !(cause instanceof Error && /no answer within/.test(cause.message))
        ? "cut off at shutdown or at the end of the delivery time"
        : (cause as Error)?.message ?? String(cause);
    } finally {
      clearTimeout(timer);
      cut.removeEventListener("abort", onCut);
    }
    const outbox = this.#deps.outbox();
    const now = this.#deps.clock.now();
    const sent = new Set(outcome.sent);
    outbox.remove(batch.filter((e) => sent.has(e.alert)));
    const failed = batch.filter((e) => !sent.has(e.alert));
    outbox.retryLater(failed, now, this.#deps.random);
    stats.sent += outcome.sent.length;
    stats.failed += failed.length;
    for (const a of outcome.sent) {
      this.#deps.logger.info("alert sent", {
        notifier: notifier.type,
        kind: a.kind,
        title: a.title,
        status: a.status,
        notification: a.id,
      });
    }
    if (failed.length) {
      this.#deps.logger.error("notifier failed; will try again", {
        notifier: notifier.type,
        id,
        undelivered: failed.length,
        attempts: Math.max(...failed.map((e) => e.attempts)),
        retry_in: formatDuration(Number(failed[0].next - now)),
        error: outcome.error,
      });
    }
    await this.#deps.save();
    this.#deps.onAttempt?.(outcome);
  }
}
