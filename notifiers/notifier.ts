/**
 * The notifier contract: notifiers receive alerts (status transitions decided by the alert state
 * machine in `alerts.ts`), never every failing round as Go Checkup's did.
 *
 * @module
 */
import type { Result, Status } from "../result.ts";
import type { AlertPolicy } from "./policy.ts";

/** A status the alert state machine tracks (`unknown` carries no information and changes nothing). */
export type TrackedStatus = "healthy" | "degraded" | "down";

/**
 * What happened to an endpoint: it went `down`, became `degraded`, `recovered`, or a `reminder` that it
 * is still down or degraded (`reminder_every`). Besides endpoints, announcements (`notify_on`): an
 * `incident` update posted by an operator (or opened automatically), or a `maintenance` window that starts
 * or ends; their `title` is the incident's or window's, `endpoint` what it affects, and `reason` the text.
 */
export type AlertKind = "down" | "degraded" | "recovered" | "reminder" | "incident" | "maintenance";

/** One notification-worthy event for one endpoint. */
export interface Alert {
  /** What happened. */
  kind: AlertKind;
  /** The endpoint's title (`endpoint_name`). */
  title: string;
  /** The endpoint checked (URL, address or command). */
  endpoint: string;
  /** The status now: `down` or `degraded`, or `healthy` for `recovered`. */
  status: Status;
  /** The status the notifier last announced (`healthy` when this opens an incident). */
  previous: Status;
  /** Since when (UTC ns) the endpoint has been in `status`: the first round of the current streak. */
  since: bigint;
  /** When the incident began (UTC ns): the first bad round (for `recovered`, the outage's start). */
  incident_since: bigint;
  /** When the alert was raised (UTC ns, the injected clock). */
  at: bigint;
  /** The latest result of the endpoint. */
  result: Result;
  /** The first attempt error, or the notice, when there is one. */
  reason?: string;
  /** The node that saw it (`node` in the config), when set. */
  node?: string;
  /** A link to the status page, when `status_page_url` is configured. */
  url?: string;
  /** A stable key per endpoint and node (PagerDuty's dedup key, webhook receivers' grouping key). */
  key: string;
  /**
   * The notification's own id, stable across retries and restarts (derived from the node, the endpoint,
   * the incident and the transition): receivers that deduplicate use it (webhook `id` and
   * `Idempotency-Key`, mail `Message-ID`).
   */
  id: string;
}

/**
 * Sends alerts somewhere. Failures throw; the outbox keeps what was not delivered and tries it again later
 * (the same alerts, with the same ids), so a failure never stops a round.
 */
export interface Notifier {
  /** The config `type`, e.g. `"slack"`. */
  readonly type: string;
  /**
   * When to notify (thresholds, reminders, which kinds). Config-built notifiers always have one;
   * library notifiers without one get the defaults.
   */
  readonly policy?: AlertPolicy;
  /**
   * Sends alerts (never called with an empty list): one attempt, within the policy's `timeout` (and its
   * `retries` quick retries). Throws when nothing was delivered; throws a {@linkcode DeliveryError} naming
   * the alerts that failed when only some were. Undelivered alerts are tried again later by the outbox.
   */
  notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void>;
}

/** Some alerts of a batch were not delivered: `failed` lists them, `cause` says why (the first failure). */
export class DeliveryError extends Error {
  /** Always `"DeliveryError"`. */
  override name = "DeliveryError";
  /** The alerts that were not delivered. */
  readonly failed: readonly Alert[];
  /** Creates the error: `failed` lists the alerts not delivered; `options.cause` the first failure. */
  constructor(message: string, failed: readonly Alert[], options?: ErrorOptions) {
    super(message, options);
    this.failed = failed;
  }
}
