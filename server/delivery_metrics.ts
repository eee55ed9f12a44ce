/**
 * Prometheus series of alert delivery (the outbox), for a `serve` that also checks (`--every`): per
 * notifier, the notifications waiting and the deliveries sent, failed, retried and given up. Labels carry
 * the notifier's state id (`<type>#<n>`) and type, never its URL or token.
 *
 * @module
 */
import type { DeliveryStats } from "../notifiers/delivery.ts";

const FAMILIES: [keyof Omit<DeliveryStats, "id" | "type">, string, string, string][] = [
  ["pending", "checkup_outbox_pending", "gauge", "Notifications waiting in the outbox for delivery."],
  ["sent", "checkup_notifications_sent_total", "counter", "Notifications delivered."],
  ["failed", "checkup_notifications_failed_total", "counter", "Delivery attempts that failed."],
  ["retried", "checkup_notifications_retried_total", "counter", "Delivery attempts that were retries."],
  [
    "expired",
    "checkup_notifications_given_up_total",
    "counter",
    "Notifications given up (older than max_age, or dropped from a full outbox).",
  ],
];

/**
 * Renders the delivery series in the text format 0.0.4 (nothing when there are no notifiers).
 *
 * @example
 * ```ts
 * import { renderDeliveryMetrics } from "./delivery_metrics.ts";
 * const text = renderDeliveryMetrics([
 *   { id: "webhook#0", type: "webhook", pending: 2, sent: 5, failed: 3, retried: 1, expired: 0 },
 * ]);
 * console.assert(text.includes('checkup_outbox_pending{notifier="webhook#0",type="webhook"} 2'));
 * ```
 */
export function renderDeliveryMetrics(stats: readonly DeliveryStats[]): string {
  if (!stats.length) return "";
  const out: string[] = [];
  for (const [field, name, type, help] of FAMILIES) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const s of stats) out.push(`${name}{notifier="${s.id}",type="${s.type}"} ${s[field]}`);
  }
  return out.join("\n") + "\n";
}
