/**
 * The notify pipeline: turns each round's results into alerts and hands them to every notifier.
 * A failing notifier is logged and never stops the others, the round or the loop.
 *
 * @module
 */
import type { Logger } from "../_internal/log.ts";
import { type Result, type Status, statusOf } from "../result.ts";
import type { Alert, Notifier } from "./notifier.ts";

/** Turns rounds into alerts on status transitions, then sends them. */
export class AlertPipeline {
  readonly #notifiers: readonly Notifier[];
  readonly #logger: Logger;
  readonly #last = new Map<string, { status: Status; since: bigint }>();

  constructor(notifiers: readonly Notifier[], logger: Logger) {
    this.#notifiers = notifiers;
    this.#logger = logger;
  }

  /** The alerts a round produces: one per endpoint whose status changed since the previous round. */
  alertsFor(results: readonly Result[]): Alert[] {
    const alerts: Alert[] = [];
    for (const r of results) {
      const key = `${r.title ?? ""}\u0000${r.endpoint ?? ""}`;
      const status = statusOf(r);
      const prev = this.#last.get(key) ?? { status: "healthy" as Status, since: r.timestamp };
      if (prev.status === status) continue;
      this.#last.set(key, { status, since: r.timestamp });
      const kind = status === "down"
        ? "down"
        : status === "degraded"
        ? "degraded"
        : status === "healthy"
        ? "recovered"
        : undefined;
      if (!kind) continue;
      alerts.push({
        kind,
        title: r.title ?? "",
        endpoint: r.endpoint ?? "",
        status,
        previous: prev.status,
        since: r.timestamp,
        result: r,
        reason: r.times?.find((t) => t.error)?.error ?? r.notice,
      });
    }
    return alerts;
  }

  /** Sends a round's alerts to every notifier; returns the alerts sent. */
  async process(results: readonly Result[], signal?: AbortSignal): Promise<Alert[]> {
    const alerts = this.alertsFor(results);
    if (!alerts.length) return alerts;
    await Promise.all(this.#notifiers.map(async (n) => {
      try {
        await n.notify(alerts, signal);
      } catch (e) {
        this.#logger.error("notifier failed", { notifier: n.type, error: e });
      }
    }));
    return alerts;
  }
}
