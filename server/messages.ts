/**
 * Status messages through `checkup serve`: the bearer-token check, turning a posted body into the
 * one-result round that carries the message, and the list of recent messages.
 *
 * @module
 */
import { digestsEqual, tokenDigest } from "../_internal/token.ts";
import { nowNs, type Result } from "../result.ts";
import type { Rollup } from "../status/rollup.js";
import type { EndpointRollup } from "../status/endpoint.js";
import { textError } from "../status/incidents.js";

/** Whether an `Authorization` header carries the token (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header ?? "")?.[1]?.trim();
  if (!given) return false;
  return digestsEqual(tokenDigest(given), tokenDigest(token));
}

/**
 * Why a status message text cannot be stored, or undefined when it can: the one rule for
 * `POST /api/v1/messages` and `checkup message` (a non-empty text of at most
 * 4,000 characters, `MAX_MESSAGE`).
 *
 * @example
 * ```ts
 * import { messageTextError } from "./messages.ts";
 * console.assert(messageTextError("Investigating") === undefined);
 * console.assert(messageTextError("  ")?.startsWith("expected a non-empty"));
 * ```
 */
export function messageTextError(text: unknown): string | undefined {
  return textError(text); // one rule for messages and incident updates
}

/** A posted message as a round to store, or why it was refused (HTTP status and message). */
export type PostedMessage = { result: Result } | { status: 400 | 422; error: string };

/**
 * Validates a posted body `{"text": "…", "about": "<endpoint title>"}` against the endpoints known to the
 * rollup (`about` matches a title ignoring case, as `checkup message --about`; without it the message is
 * about everything) and builds the message-only result to store.
 *
 * @example
 * ```ts
 * import { messageFromBody } from "./messages.ts";
 * import { Rollup } from "../status/rollup.js";
 * const refused = messageFromBody('{"text": ""}', new Rollup());
 * console.assert("status" in refused && refused.status === 400);
 * ```
 */
export function messageFromBody(
  text: string,
  rollup: Rollup,
  node?: string,
  now: () => bigint = nowNs,
): PostedMessage {
  let body: { text?: unknown; about?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    return { status: 400, error: 'expected a JSON object like {"text": "…", "about": "<endpoint title>"}' };
  }
  const invalid = messageTextError(body?.text);
  if (invalid) return { status: 400, error: `text: ${invalid}` };
  // Go's status page reads `times` of every result (it throws on a result without one): one attempt with
  // rtt 0, which Go's format allows. Our rollup takes such a result as a message only (see Rollup.add).
  const result: Result = { timestamp: now(), times: [{ rtt: 0 }], message: body.text as string };
  if (node) result.node = node;
  if (body.about === undefined || body.about === "") return { result };
  if (typeof body.about !== "string") return { status: 400, error: "about: expected an endpoint title" };
  const about = body.about.toLowerCase();
  const endpoints = [...rollup.endpoints.values()];
  const e = endpoints.find((x) => x.title.toLowerCase() === about);
  if (!e) {
    const titles = [...new Set(endpoints.map((x) => x.title))].join(", ");
    return {
      status: 422,
      error: `about: no endpoint titled ${JSON.stringify(body.about)} (titles: ${titles})`,
    };
  }
  // The endpoint's latest status goes with the message, so Go's page (which takes the newest result of
  // an endpoint as its status) does not show a down endpoint as healthy because a message was posted.
  const flag = latestStatus(e);
  return {
    result: {
      title: e.title || undefined,
      endpoint: e.endpoint || undefined,
      ...result,
      ...(flag ? { [flag]: true } : {}),
    },
  };
}

const STATUS_FLAGS = [undefined, "healthy", "degraded", "down"] as const;

/** The status of an endpoint's newest result from any node, undefined when none had one. */
export function latestStatus(e: EndpointRollup): "healthy" | "degraded" | "down" | undefined {
  let latest: { t: number; status: number } | undefined;
  for (const n of e.nodes.values()) if (!latest || n.t > latest.t) latest = n;
  return STATUS_FLAGS[latest?.status ?? 0];
}

/** One message as `/api/v1/messages` lists it. */
export interface ListedMessage {
  time: number;
  text: string;
  /** The endpoint's title; absent for messages about everything. */
  about?: string;
  node?: string;
}

/** The newest `limit` messages of every endpoint and about everything, newest first. */
export function recentMessages(rollup: Rollup, limit = 100): ListedMessage[] {
  const all = rollup.messages.map((m) => ({ ...m, about: "" }));
  for (const e of rollup.endpoints.values()) {
    for (const m of e.messages) all.push({ ...m, about: e.title || e.endpoint });
  }
  all.sort((a, b) => b.t - a.t);
  return all.slice(0, limit).map((m) => ({
    time: Math.round(m.t),
    text: m.text,
    ...(m.about ? { about: m.about } : {}),
    ...(m.node ? { node: m.node } : {}),
  }));
}
