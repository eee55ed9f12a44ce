/**
 * An ad hoc maintenance window as asked for (`checkup maintenance start`, `POST /api/v1/maintenance`):
 * the one validation both use, with messages that name the field and what was expected.
 *
 * @module
 */
import { humanDuration, parseDuration } from "../duration.ts";
import { parseRfc3339 } from "../config/top_level.ts";
import { MAX_WINDOW_NS } from "../config/maintenance.ts";
import { messageTextError } from "../server/messages.ts";

/** A window to start: validated, times in ms. */
export interface WindowRequest {
  /** What is done. */
  title: string;
  /** Endpoint titles and group names; empty: every endpoint. */
  about: string[];
  /** When it opens, ms. */
  start: number;
  /** When it closes, ms. */
  end: number;
  /** Safe Markdown shown with it. */
  message?: string;
}

/** A request as written: the body of `POST /api/v1/maintenance`, or the CLI's arguments. */
export interface WindowInput {
  /** What is done (required). */
  title?: unknown;
  /** An endpoint title or group name, a list of them, or comma-separated names; absent: every endpoint. */
  about?: unknown;
  /** How long: a duration like "1h" (required). */
  duration?: unknown;
  /** When it opens, RFC 3339; default now. */
  start?: unknown;
  /** Safe Markdown shown with it. */
  message?: unknown;
}

/** How far ahead a window may be scheduled: 366 days. */
const MAX_AHEAD_MS = 366 * 86_400_000;
/** How far back a start may lie (a clock a little behind, a command typed slowly): 5 minutes. */
const MAX_BEHIND_MS = 5 * 60_000;

/** Splits names given as a list and/or comma-separated, trimmed, without empty ones. */
export function splitNames(value: unknown): string[] | undefined {
  const list = typeof value === "string" ? [value] : Array.isArray(value) ? value : undefined;
  if (!list || list.some((v) => typeof v !== "string")) return undefined;
  return (list as string[]).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

/**
 * Validates a request at `now` (ms): the window, or why not (`field: expected …, found …`). `known`: the
 * endpoint titles and group names it may name (ignoring case); a name outside them is refused, so a typo
 * does not leave the intended endpoint alerting.
 *
 * @example
 * ```ts
 * import { parseWindowRequest } from "./request.ts";
 * const now = Date.UTC(2026, 0, 1);
 * const w = parseWindowRequest({ title: "DB upgrade", about: "API, Web", duration: "1h" }, now);
 * console.assert(!("error" in w) && w.end - w.start === 3_600_000 && w.about.join() === "API,Web");
 * const bad = parseWindowRequest({ title: "DB", duration: "soon" }, now);
 * console.assert("error" in bad && bad.error.startsWith("duration: "));
 * ```
 */
export function parseWindowRequest(
  input: WindowInput,
  now: number,
  known?: readonly string[],
): WindowRequest | { error: string } {
  const { title, duration, start, message } = input;
  if (typeof title !== "string" || !title.trim() || title.length > 200) {
    return {
      error: `title: expected a title of 1 to 200 characters, found ${
        typeof title === "string" ? `${title.trim() ? title.length : 0} characters` : describe(title)
      }`,
    };
  }
  const about = input.about === undefined || input.about === null ? [] : splitNames(input.about);
  if (!about || about.length > 100 || about.some((a) => a.length > 200)) {
    return {
      error: `about: expected endpoint titles or group names (at most 100, each at most 200 characters)`,
    };
  }
  if (known) {
    const names = new Set(known.map((k) => k.toLowerCase()));
    const unknown = about.filter((a) => !names.has(a.toLowerCase()));
    if (unknown.length) {
      return {
        error: `about: no endpoint or group named ${
          unknown.map((u) => JSON.stringify(u)).join(", ")
        } (known: ${known.join(", ") || "none"})`,
      };
    }
  }
  if (typeof duration !== "string" && typeof duration !== "number") {
    return { error: `duration: expected a duration like "1h" or "30m", found ${describe(duration)}` };
  }
  let ns: number;
  try {
    ns = parseDuration(duration);
  } catch (e) {
    return { error: `duration: ${(e as Error).message}` };
  }
  if (ns < 60e9 || ns > MAX_WINDOW_NS) {
    return {
      error: `duration: expected a duration from 1m to ${humanDuration(MAX_WINDOW_NS)}, found ${
        JSON.stringify(duration)
      }`,
    };
  }
  let from = now;
  if (start !== undefined && start !== null) {
    const at = typeof start === "string" ? parseRfc3339(start) : undefined;
    if (at === undefined) {
      return {
        error: `start: expected an RFC 3339 time like "2026-06-01T22:00:00Z", found ${describe(start)}`,
      };
    }
    from = Number(at / 1_000_000n);
    if (from < now - MAX_BEHIND_MS || from > now + MAX_AHEAD_MS) {
      return { error: `start: expected a time from now to 366 days ahead, found ${JSON.stringify(start)}` };
    }
  }
  if (message !== undefined && message !== null) {
    const invalid = messageTextError(message);
    if (invalid) return { error: `message: ${invalid}` };
  }
  const out: WindowRequest = { title: title.trim(), about, start: from, end: from + ns / 1e6 };
  if (typeof message === "string") out.message = message;
  return out;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "string" ? JSON.stringify(v) : typeof v;
}
