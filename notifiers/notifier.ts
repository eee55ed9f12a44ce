/**
 * The notifier contract: notifiers receive alerts (status transitions decided by the alert state
 * machine), not every failing round.
 *
 * @module
 */
import type { Result, Status } from "../result.ts";

/** What happened to an endpoint. */
export type AlertKind = "down" | "degraded" | "recovered" | "reminder";

/** One notification-worthy event for one endpoint. */
export interface Alert {
  kind: AlertKind;
  /** The endpoint's title. */
  title: string;
  /** The endpoint checked (URL, address or command). */
  endpoint: string;
  /** The status now. */
  status: Status;
  /** The status before this transition. */
  previous: Status;
  /** Since when (UTC ns) the endpoint has been in `status`. */
  since: bigint;
  /** The latest result. */
  result: Result;
  /** The first attempt error or notice, when there is one. */
  reason?: string;
  /** A link to the status page, when `status_page_url` is configured. */
  url?: string;
}

/** Sends alerts somewhere. Failures throw; the pipeline logs them and never lets them stop a round. */
export interface Notifier {
  /** The config `type`, e.g. `"slack"`. */
  readonly type: string;
  /** Sends the alerts of one round (never called with an empty list). */
  notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void>;
}
