/**
 * Prometheus text exposition of the rollup: per endpoint its status (a state set; the combined status with
 * several locations, `partial` among the states), latest RTT, threshold, uptime ratio per window, last check
 * time and checks counted per status (labelled with its `group` when it has one); per location, whether the endpoint answers from it and whether the
 * location is silent; plus the loader's own health.
 *
 * @module
 */
import type { StatusView } from "../status/view.js";
import { STATUSES } from "../status/slots.js";
import { COMBINED_STATUSES } from "../status/quorum.js";

/** What the loader reports about itself. */
export interface LoaderStats {
  rounds: number;
  failures: number;
  unreadable: { count: number };
  complete: boolean;
  refreshedAt: number;
}

/** Checks counted per endpoint and status since the server started reading. */
export type CheckTotals = Map<string, readonly number[]>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
}

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? "+Inf" : v < 0 ? "-Inf" : "NaN";
}

/** Renders the metrics of a 24-hour view (uptime windows are all computed) in the text format 0.0.4. */
export function renderMetrics(view: StatusView, totals: CheckTotals, stats: LoaderStats): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string, lines: string[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
  };
  // An endpoint's labels, always in this order; `group` only when it has one.
  const id = (e: StatusView["endpoints"][number]) => ({
    id: e.id,
    title: e.title,
    endpoint: e.endpoint,
    ...(e.group === undefined ? {} : { group: e.group }),
  });
  const eps = view.endpoints;
  family(
    "checkup_endpoint_status",
    "gauge",
    "Current status of the endpoint (1 for the status it has, 0 for the others); with several locations the combined status (partial: some fail, fewer than the quorum); maintenance while a maintenance window covers it.",
    eps.flatMap((e) =>
      COMBINED_STATUSES.map((s) =>
        `checkup_endpoint_status${labels({ ...id(e), status: s })} ${+(e.status === s)}`
      )
    ),
  );
  family(
    "checkup_endpoint_up",
    "gauge",
    "Whether the endpoint answers (1 when healthy, degraded or partial, 0 when down or unknown); in maintenance, what its checks show.",
    eps.map((e) => {
      const st = e.checked ?? e.status;
      return `checkup_endpoint_up${
        labels(id(e))
      } ${+(st === "healthy" || st === "degraded" || st === "partial")}`;
    }),
  );
  family(
    "checkup_endpoint_rtt_seconds",
    "gauge",
    "Round-trip time of the latest successful check.",
    eps.filter((e) => e.rtt !== null).map((e) =>
      `checkup_endpoint_rtt_seconds${labels(id(e))} ${num(e.rtt! / 1000)}`
    ),
  );
  family(
    "checkup_endpoint_threshold_seconds",
    "gauge",
    "The threshold_rtt above which the endpoint is degraded.",
    eps.filter((e) => e.threshold !== null).map((e) =>
      `checkup_endpoint_threshold_seconds${labels(id(e))} ${num(e.threshold! / 1000)}`
    ),
  );
  family(
    "checkup_endpoint_uptime_ratio",
    "gauge",
    "Share of the window that was not down (degraded counts as up): of the checks with one location, of the observed time of the combined status with several (partial counts as up).",
    eps.flatMap((e) =>
      Object.entries(e.uptime).filter(([, v]) => v !== null).map(([w, v]) =>
        `checkup_endpoint_uptime_ratio${labels({ ...id(e), window: w })} ${num(v! / 100)}`
      )
    ),
  );
  family(
    "checkup_endpoint_last_check_timestamp_seconds",
    "gauge",
    "Unix time of the latest check.",
    eps.filter((e) => e.updated !== null).map((e) =>
      `checkup_endpoint_last_check_timestamp_seconds${labels(id(e))} ${num(e.updated! / 1000)}`
    ),
  );
  family(
    "checkup_endpoint_checks_total",
    "counter",
    "Checks read from storage since the server started, per status.",
    eps.flatMap((e) =>
      STATUSES.map((s, i) =>
        `checkup_endpoint_checks_total${labels({ ...id(e), status: s })} ${totals.get(e.id)?.[i] ?? 0}`
      )
    ),
  );
  const nodes = eps.flatMap((e) => e.nodes.map((n) => ({ e, n })));
  if (nodes.length) {
    family(
      "checkup_endpoint_node_up",
      "gauge",
      "Whether the endpoint answers as seen from one location (1 when healthy or degraded).",
      nodes.map(({ e, n }) =>
        `checkup_endpoint_node_up${
          labels({ ...id(e), location: n.location ?? n.node, node: n.node })
        } ${+(n.status === "healthy" || n.status === "degraded")}`
      ),
    );
  }
  if (view.locations?.length) {
    family(
      "checkup_location_silent",
      "gauge",
      "Whether the location stored no result within its silence threshold (1: silent, left out of the quorum).",
      view.locations.map((l) =>
        `checkup_location_silent${labels({ node: l.node, location: l.location })} ${+l.silent}`
      ),
    );
  }
  family("checkup_rounds_read_total", "counter", "Check rounds read from storage.", [
    `checkup_rounds_read_total ${stats.rounds}`,
  ]);
  family(
    "checkup_rounds_unreadable_total",
    "counter",
    "Stored check rounds skipped because their data cannot be decoded.",
    [`checkup_rounds_unreadable_total ${stats.unreadable.count}`],
  );
  family("checkup_storage_refresh_failures_total", "counter", "Storage reads that failed.", [
    `checkup_storage_refresh_failures_total ${stats.failures}`,
  ]);
  family("checkup_history_complete", "gauge", "1 once all stored history has been read.", [
    `checkup_history_complete ${+stats.complete}`,
  ]);
  family(
    "checkup_last_refresh_timestamp_seconds",
    "gauge",
    "Unix time of the last successful storage read.",
    [
      `checkup_last_refresh_timestamp_seconds ${num(stats.refreshedAt / 1000)}`,
    ],
  );
  return out.join("\n") + "\n";
}
