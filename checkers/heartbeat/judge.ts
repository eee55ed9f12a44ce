/**
 * The verdict on a heartbeat from its stored pings, at a given time: a pure function, so the rules read in
 * one place and tests drive time directly.
 *
 * - **down** after a failure (`/fail`, a non-zero exit code) until the next success;
 * - **down** when the latest success is older than `period + grace`; when no success ever came, once
 *   `period + grace` has passed since the heartbeat was first judged (or its first ping, if earlier);
 * - **degraded** (with `max_runtime`) when the latest run took longer than `max_runtime` from its start ping
 *   to its success, or a run started and has not ended after `max_runtime`;
 * - **healthy** otherwise, including a new heartbeat still within its first `period + grace`.
 *
 * Texts say when the last ping came, as a span and an instant, so the page reads "last ping 1d 3h ago".
 *
 * @module
 */
import { humanDuration } from "../../status/duration.js";
import { type Ping, type PingHistory, runStart } from "./pings.ts";

/** How a heartbeat is judged; durations in nanoseconds. */
export interface HeartbeatRules {
  /** How often a success ping is expected. */
  period: number;
  /** How late it may be. */
  grace: number;
  /** Longest run from its start ping to its success; 0: no limit. */
  max_runtime: number;
}

/** A verdict: `down` or `degraded` with why; neither when healthy. */
export interface HeartbeatVerdict {
  /** Why it is down. */
  down?: string;
  /** Why it is degraded. */
  degraded?: string;
}

/** An instant for people and logs: RFC 3339 to the second, UTC. */
function instant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

/** How long ago `t` was, at `now` (both UTC ms): "2h 5m". */
function span(now: number, t: number): string {
  return humanDuration(Math.max(0, now - t) * 1e6);
}

/** "2h 5m ago (at 2026-11-30T17:55:00Z)". */
function ago(now: number, t: number): string {
  const s = span(now, t);
  return `${s === "0s" ? "just now" : `${s} ago`} (at ${instant(t)})`;
}

/**
 * Judges a heartbeat's pings (oldest first) at `now` (UTC ms).
 *
 * @example
 * ```ts
 * import { judgeHeartbeat } from "./judge.ts";
 * const rules = { period: 3600e9, grace: 600e9, max_runtime: 0 };
 * const t = Date.UTC(2026, 0, 1);
 * const pings = [{ kind: "success" as const, t, via: "cli" as const }];
 * console.assert(judgeHeartbeat({ pings }, t + 3600_000, rules).down === undefined);
 * const late = judgeHeartbeat({ pings }, t + 2 * 3600_000, rules);
 * console.assert(late.down === "last ping 2h ago (at 2026-01-01T00:00:00Z); expected every 1h, grace 10m");
 * ```
 */
export function judgeHeartbeat(history: PingHistory, now: number, rules: HeartbeatRules): HeartbeatVerdict {
  const { pings } = history;
  const window = (rules.period + rules.grace) / 1e6;
  const expected = `expected every ${humanDuration(rules.period)}${
    rules.grace ? `, grace ${humanDuration(rules.grace)}` : ""
  }`;
  const end = pings.findLastIndex((p) => p.kind !== "start");
  const lastEnd: Ping | undefined = pings[end];
  const success = pings.findLastIndex((p) => p.kind === "success");
  const lastSuccess: Ping | undefined = pings[success];
  if (lastEnd?.kind === "fail") {
    const code = lastEnd.exit !== undefined ? ` with exit code ${lastEnd.exit}` : "";
    const before = lastSuccess ? `; last success ${ago(now, lastSuccess.t)}` : "";
    return { down: `last run failed${code} ${ago(now, lastEnd.t)}${before}; down until a success ping` };
  }
  if (lastSuccess) {
    if (now - lastSuccess.t > window) return { down: `last ping ${ago(now, lastSuccess.t)}; ${expected}` };
  } else {
    const since = Math.min(history.first ?? Infinity, pings[0]?.t ?? Infinity);
    const waiting = Number.isFinite(since) ? since : now;
    if (now - waiting > window) {
      const last = pings.at(-1);
      return {
        down: last
          ? `no success ping ever came; last ping: a start ${ago(now, last.t)}; ${expected}`
          : `no ping ever came (waiting since ${instant(waiting)}, ${span(now, waiting)}); ${expected}`,
      };
    }
  }
  if (!rules.max_runtime) return {};
  const limit = rules.max_runtime / 1e6;
  const max = `max_runtime ${humanDuration(rules.max_runtime)}`;
  // A run under way: a start after the latest end.
  const started = pings.findLastIndex((p) => p.kind === "start");
  if (started > end && now - pings[started].t > limit) {
    return {
      degraded: `running for ${span(now, pings[started].t)} since its start ping (at ${
        instant(pings[started].t)
      }), longer than ${max}`,
    };
  }
  const start = lastSuccess ? runStart(pings, success) : undefined;
  if (lastSuccess && start !== undefined && lastSuccess.t - pings[start].t > limit) {
    return {
      degraded:
        `the last run took ${humanDuration((lastSuccess.t - pings[start].t) * 1e6)}, longer than ${max}` +
        `; it ended ${ago(now, lastSuccess.t)}`,
    };
  }
  return {};
}
