/** Go Checkup's text block for one result, with a coloured assessment on a terminal. */
import { formatDuration } from "../duration.ts";
import { computeStats, type Result, type Status, statusOf } from "../result.ts";

const COLORS: Record<Status, string> = { healthy: "32", degraded: "33", down: "31", unknown: "90" };

/**
 * Formats a result as Go Checkup printed it:
 * `== <title> - <endpoint>`, threshold, max/min/median/mean, all attempts, assessment.
 */
export function formatResult(r: Result, color = false): string {
  const s = computeStats(r.times);
  const status = statusOf(r);
  const all = (r.times ?? []).map((a) => `{${formatDuration(a.rtt)} ${a.error ?? ""}}`).join(" ");
  const assessment = color ? `\x1b[${COLORS[status]}m${status}\x1b[0m` : status;
  const lines = [
    `== ${r.title ?? ""} - ${r.endpoint ?? ""}`,
    `  Threshold: ${formatDuration(r.threshold ?? 0)}`,
    `        Max: ${formatDuration(s.max)}`,
    `        Min: ${formatDuration(s.min)}`,
    `     Median: ${formatDuration(s.median)}`,
    `       Mean: ${formatDuration(s.mean)}`,
    `        All: [${all}]`,
    ` Assessment: ${assessment}`,
  ];
  if (r.notice) lines.push(`     Notice: ${r.notice}`);
  if (r.message) lines.push(`    Message: ${r.message}`);
  if (r.node) lines.push(`       Node: ${r.node}`);
  return lines.join("\n") + "\n\n";
}
