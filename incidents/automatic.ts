/**
 * Automatic incidents (the common checker key `"incident": true`): a sink in the alert pipeline, beside
 * the notifiers, whose "delivery" opens an incident when an endpoint goes down and resolves it when the
 * endpoint recovers. It rides on everything the pipeline gives a notifier: transitions decided on the
 * combined status (the quorum, with several locations), exactly one node sending each (the claims), the
 * outbox retrying what failed, and `min_interval` holding a flapping endpoint back.
 *
 * Writes are idempotent, so a notification delivered twice (a retry after a lost answer, a node taking over
 * another's claim) changes nothing: the incident's id is derived from the alert's node-free key and the
 * outage's start (its first update is a conditional create), and an update records the notification id it
 * was written for and is not written again.
 *
 * @module
 */
import { sha256Hex } from "../_internal/sha256.ts";
import type { Alert, Notifier } from "../notifiers/notifier.ts";
import { type AlertPolicy, DEFAULT_ALERT_POLICY } from "../notifiers/policy.ts";
import type { Logger } from "../log.ts";
import type { SharedStore, Storage } from "../storage/storage.ts";
import { humanDuration } from "../status/duration.js";
import { incidentId } from "../status/incidents.js";
import { goResults } from "./go_rounds.ts";
import { IncidentError, IncidentWriter } from "./store.ts";

/** The sink's type: its outbox and claims id is `incident#0`. */
export const INCIDENT_SINK = "incident";

/**
 * When the sink acts: on going down and on recovery, after one bad (or good) round as the combined status
 * says, never reminding; an endpoint that recovered is given 5 minutes before a new incident opens.
 */
export const INCIDENT_POLICY: Readonly<AlertPolicy> = Object.freeze<AlertPolicy>({
  ...DEFAULT_ALERT_POLICY,
  notify_on: ["down", "recovered"],
});

/** The id of the automatic incident of an outage: the same on every node and every retry. */
export function automaticId(alert: Pick<Alert, "title" | "key" | "incident_since">): string {
  const hash = sha256Hex(`${alert.key}\u0000${alert.incident_since}`);
  return incidentId(`${alert.title} down`, Number(alert.incident_since / 1_000_000n), hash.slice(0, 8));
}

/** Dependencies of an {@linkcode IncidentSink}. */
export interface IncidentSinkOptions {
  /** The storage: its shared documents hold the incidents, its rounds the Go messages. */
  storage: Storage & SharedStore;
  /** The endpoints that open incidents (`"incident": true`), by title and redacted endpoint. */
  endpoints: readonly { title: string; endpoint: string }[];
  /** The node writing. */
  node?: string;
  /** Where skipped writes are reported. */
  logger: Logger;
  /** Wall time, ms (the Checkup's clock). */
  now?: () => number;
  /** Masks the config's secrets in titles and texts. */
  redact?: (text: string) => string;
}

/** Opens and resolves automatic incidents from the alerts it is given (see the module doc). */
export class IncidentSink implements Notifier {
  /** Always {@linkcode INCIDENT_SINK}. */
  readonly type = INCIDENT_SINK;
  /** {@linkcode INCIDENT_POLICY}. */
  readonly policy: AlertPolicy = INCIDENT_POLICY;
  readonly #o: IncidentSinkOptions;
  readonly #keys: Set<string>;
  readonly #writer: IncidentWriter;

  /** A sink writing into `options.storage`. */
  constructor(options: IncidentSinkOptions) {
    this.#o = options;
    this.#keys = new Set(options.endpoints.map((e) => `${e.title}\u0000${e.endpoint}`));
    this.#writer = new IncidentWriter({
      shared: options.storage,
      names: () => options.endpoints.map((e) => e.title),
      node: options.node,
      now: options.now,
      redact: options.redact,
    });
  }

  /** Writes each alert's incident update (other endpoints' alerts are ignored). */
  async notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    for (const alert of alerts) {
      if (!this.#keys.has(`${alert.title}\u0000${alert.endpoint}`)) continue;
      if (alert.kind === "down") await this.#open(alert, signal);
      else if (alert.kind === "recovered") await this.#resolve(alert, signal);
    }
  }

  async #announce(alert: Alert, posted: Awaited<ReturnType<IncidentWriter["open"]>>, signal?: AbortSignal) {
    if (!posted.created) return;
    const endpoint = { title: alert.title, endpoint: alert.endpoint, status: alert.status };
    const results = goResults(posted.incident, posted.update, [endpoint], this.#o.node, alert.at);
    await this.#o.storage.store(results, signal);
  }

  async #open(alert: Alert, signal?: AbortSignal): Promise<void> {
    const reason = alert.reason ? `: ${alert.reason}` : ".";
    const posted = await this.#writer.open({
      id: automaticId(alert),
      title: `${alert.title} is down`,
      text: `Checkup found **${alert.title}** down${reason}`,
      state: "investigating",
      affected: [{ title: alert.title, impact: "major" }],
      automatic: true,
      alert: alert.id,
    }, signal);
    await this.#announce(alert, posted, signal);
  }

  async #resolve(alert: Alert, signal?: AbortSignal): Promise<void> {
    const lasted = humanDuration(Number(alert.at - alert.incident_since));
    try {
      const posted = await this.#writer.update(automaticId(alert), {
        state: "resolved",
        text: `**${alert.title}** is back up, after ${lasted}.`,
        alert: alert.id,
      }, signal);
      await this.#announce(alert, posted, signal);
    } catch (e) {
      // Resolved by hand already, or never opened (incidents were turned on during the outage): nothing to do.
      if (!(e instanceof IncidentError) || e.kind === "invalid") throw e;
      this.#o.logger.info("automatic incident not resolved", { endpoint: alert.title, reason: e.message });
    }
  }
}
