/**
 * The gate between deciding an alert and sending it, for several nodes alerting on the same endpoints
 * (several locations). Every node runs the state machine on the combined status and reaches the same
 * transitions; the gate makes sure exactly one of them sends each: before a transition is committed the
 * pipeline asks the gate, which claims it in the shared storage (a conditional create). The node that wins
 * sends it; the others adopt what the winner decided (its incident, whether it was announced) and send
 * nothing. The implementation lives in `locations/claims.ts`; a pipeline without a gate decides alone.
 *
 * @module
 */
import type { AlertDecision, NotifierTrack } from "./alerts.ts";
import type { Alert } from "./notifier.ts";
import type { AlertPolicy } from "./policy.ts";
import type { Outbox } from "./outbox.ts";

/** What another node already decided about a transition. */
export interface Adoption {
  /** The incident it opened or continued (UTC ns), which alerts carry. */
  incident_since: bigint;
  /** Whether that node announced the incident. */
  announced: boolean;
  /** When it decided (UTC ns, its clock). */
  at: bigint;
  /** The claim number of the incident's opening. */
  ledger?: number;
}

/** The gate's answer about one decision. */
export type GateVerdict =
  /** This node commits and sends it: it won the claim (`ledger`: the claim's number) or could not claim. */
  | { send: true; ledger?: number }
  /** Another node decided it already: commit what it decided, send nothing. */
  | { send: false; adopt: Adoption };

/** One decision put to the gate. */
export interface GateRequest {
  /** The notifier's state id (`<type>#<n>`). */
  notifier: string;
  /** The notifier's policy. */
  policy: AlertPolicy;
  /** The decision (its `next` track; its alert when it sends one). */
  decision: AlertDecision;
  /** The notifier's track before it. */
  previous?: NotifierTrack;
  /** Now, UTC ns. */
  now: bigint;
}

/** What {@linkcode AlertGate.reconcile} asks of the outbox. */
export interface Reconciled {
  /** Notifications this node now owns: claimed but never queued, or taken over from a silent node. */
  add: { notifier: string; alert: Alert }[];
  /** Notification ids another node took over: drop them. */
  drop: string[];
}

/** Claims transitions for one node among several (see the module doc). */
export interface AlertGate {
  /** Claims one decision. Never throws: when the shared storage fails, the node sends (a page twice beats none). */
  decide(request: GateRequest, signal?: AbortSignal): Promise<GateVerdict>;
  /** Notifications delivered or given up: settled, so no node takes them over. Never throws. */
  settled(alerts: readonly Alert[]): Promise<void>;
  /** What the outbox must gain or lose (once per round; cheap while nothing is pending); never throws. */
  reconcile(outbox: Outbox, signal?: AbortSignal): Promise<Reconciled>;
  /**
   * Claims telling `notifier` about one announcement (an incident update, a maintenance window's start or
   * end: `event` is its id): true when this node sends it (it won the claim, or could not claim), false
   * when another node did. Never throws.
   */
  announce(notifier: string, event: string, signal?: AbortSignal): Promise<boolean>;
}
