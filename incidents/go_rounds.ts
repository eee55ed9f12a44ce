/**
 * Each incident update also as a Go message round, so Go Checkup's status page (which knows nothing of
 * incidents) still shows it: one message-only result per affected endpoint (a group stands for its
 * members), or one about everything, as `POST /api/v1/messages` stores a message (`server/messages.ts`):
 * one attempt with rtt 0, the endpoint's latest status with it (Go's page takes the newest result of an
 * endpoint as its status). Go's page inserts a message as raw HTML, so the text is escaped. The results
 * carry the incident's id, which Go ignores and our rollup uses to leave them out of the messages (the page
 * shows the incident itself).
 *
 * @module
 */
import type { Result, Status } from "../result.ts";
import type { Incident, IncidentUpdate } from "../status/operations.js";

/** An endpoint a Go round may be about. */
export interface GoEndpoint {
  /** Its title. */
  title: string;
  /** Its endpoint (redacted). */
  endpoint: string;
  /** Its group, if any. */
  group?: string;
  /** Its latest status, carried with the message. */
  status?: Status;
}

const STATE_WORDS: Record<string, string> = {
  investigating: "Investigating",
  identified: "Identified",
  monitoring: "Monitoring",
  resolved: "Resolved",
};

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** The message Go's page shows for an update: title, state and text, HTML-escaped. */
export function goMessage(incident: Incident, update: IncidentUpdate): string {
  const text = `${incident.title} (${STATE_WORDS[update.state]}): ${update.text}`;
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/**
 * The message-only results that repeat `update` for Go's page: one per endpoint it affects (by title or
 * group, ignoring case), or one about everything when it names none (or none of them is known).
 *
 * @example
 * ```ts
 * import { goResults } from "./go_rounds.ts";
 * const incident = { id: "i", title: "API <slow>", state: "identified", started: 1, affected: [], updates: [] } as const;
 * const update = { id: "u2", t: 2, state: "identified", text: "Cache", affected: [{ title: "api", impact: "major" }] } as const;
 * const [r] = goResults({ ...incident, affected: [], updates: [] }, { ...update, affected: [...update.affected] },
 *   [{ title: "API", endpoint: "https://api.example", status: "down" }], undefined, 5n);
 * console.assert(r.title === "API" && r.down && r.message === "API &lt;slow&gt; (Identified): Cache");
 * ```
 */
export function goResults(
  incident: Incident,
  update: IncidentUpdate,
  endpoints: readonly GoEndpoint[],
  node: string | undefined,
  timestamp: bigint,
): Result[] {
  const message = goMessage(incident, update);
  const base: Result = { timestamp, times: [{ rtt: 0 }], message, incident: incident.id };
  if (node) base.node = node;
  const names = new Set(update.affected.map((a) => a.title.toLowerCase()));
  const about = endpoints.filter((e) =>
    names.has(e.title.toLowerCase()) || (e.group !== undefined && names.has(e.group.toLowerCase()))
  );
  if (!about.length) return [base];
  const seen = new Set<string>();
  const out: Result[] = [];
  for (const e of about) {
    const key = `${e.title}\u0000${e.endpoint}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const r: Result = { title: e.title || undefined, endpoint: e.endpoint || undefined, ...base };
    if (e.status === "healthy" || e.status === "degraded" || e.status === "down") r[e.status] = true;
    out.push(r);
  }
  return out;
}
