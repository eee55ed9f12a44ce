/**
 * The `heartbeat` checker: a job that reports in (a cron job, a backup) pings `checkup serve`
 * (`/api/v1/ping/<token>`, `/start`, `/fail`, `/<exit code>`) or runs `checkup ping "<name>"`; the pings are
 * shared documents of the storage (`pings.ts`), so every node judges them the same way (`judge.ts`): healthy
 * while a success ping came within `period + grace`, down after, down after a failure until the next success,
 * degraded when a run took longer than `max_runtime` from its start ping to its success.
 *
 * The token is a secret: it is kept only as its SHA-256 digest (compared in constant time by the ping route),
 * and never reaches a key, a result, a log line or an error.
 *
 * @module
 */
import { tokenDigest } from "../../_internal/token.ts";
import { z } from "zod";
import { type Duration, formatDuration } from "../../duration.ts";
import { duration, typeTag } from "../../config/fields.ts";
import type { ConfigIssue } from "../../config/errors.ts";
import type { PluginDefinition } from "../../config/plugin.ts";
import type { Result } from "../../result.ts";
import { timeout } from "../_fields.ts";
import {
  abortMessage,
  attemptSignal,
  type Checker,
  type CheckerContext,
  errorText,
  runCheck,
} from "../checker.ts";
import { type HeartbeatVerdict, judgeHeartbeat } from "./judge.ts";
import { kindOfExit, type Ping, pingKey, type PingKind, PingLog } from "./pings.ts";

export { type Ping, pingKey, type PingKind, PingLog } from "./pings.ts";
export { type HeartbeatRules, type HeartbeatVerdict, judgeHeartbeat } from "./judge.ts";

/** `checkup.json` options of a `heartbeat` checker. */
export interface HeartbeatCheckerConfig {
  /** The checker type, `"heartbeat"`. */
  type: "heartbeat";
  /** The heartbeat's name: the result's title, what `checkup ping` names, what its pings are stored under. */
  endpoint_name: string;
  /** How often the job reports success, e.g. `"1d"`. */
  period: Duration;
  /** How late a success ping may be (default a tenth of `period`, at least 1m). */
  grace?: Duration;
  /** Degraded when a run takes longer than this from its start ping to its success (default: no limit). */
  max_runtime?: Duration;
  /** The secret in the ping URL (`/api/v1/ping/<token>`), at least 16 characters; unset: `checkup ping` only. */
  token?: string;
  /** Timeout of reading the pings from the storage (default 10s). */
  timeout?: Duration;
}

/** Validated options of a `heartbeat` checker: defaults applied, durations in nanoseconds. */
export interface HeartbeatCheckerOptions {
  /** The checker type, always `"heartbeat"`. */
  type: "heartbeat";
  /** The heartbeat's name. */
  endpoint_name: string;
  /** How often a success ping is expected, nanoseconds. */
  period: number;
  /** How late it may be, nanoseconds. */
  grace: number;
  /** Longest run from start ping to success, nanoseconds; 0: no limit. */
  max_runtime: number;
  /** The ping URL's secret; undefined: pings only through `checkup ping`. */
  token?: string;
  /** Timeout of reading the pings, nanoseconds. */
  timeout: number;
}

/** The shortest token accepted. */
export const MIN_TOKEN = 16;
const DAY = 86_400e9;
/** The bounds of `period`, `grace` and `max_runtime`: a typo ("1ns" for "1d") must not pass. */
const SPAN = { min: 1e9, max: 400 * DAY };

/** A span that may be 0 (none), else within {@linkcode SPAN}. */
function spanOrZero(description: string) {
  return duration(description, { max: SPAN.max }).superRefine((v, ctx) => {
    if (v !== 0 && v < SPAN.min) {
      ctx.addIssue({
        code: "custom",
        message: `expected 0 or a duration of at least 1s, found ${formatDuration(v)}`,
      });
    }
  });
}

/** What is wrong with a token, never quoting it (it is a secret); undefined when it is fine. */
function tokenProblem(v: string): string | undefined {
  const expected = `expected at least ${MIN_TOKEN} characters of A-Z, a-z, 0-9, ".", "_", "~" or "-" ` +
    "(it is a segment of the ping URL)";
  const bad = v.search(/[^A-Za-z0-9._~-]/);
  if (bad >= 0) {
    return `${expected}, found a character not allowed at position ${bad + 1} of ${v.length} ` +
      "(the value is not shown: it is a secret)";
  }
  if (v.length < MIN_TOKEN) {
    return `${expected}, found ${v.length} characters (the value is not shown: it is a secret)`;
  }
  return undefined;
}

const schema: z.ZodType<HeartbeatCheckerOptions, HeartbeatCheckerConfig> = z.lazy(() =>
  z.object({
    type: typeTag("heartbeat"),
    endpoint_name: z.string().refine((v) => v.trim() !== "", {
      error: "expected the heartbeat's name, found an empty string",
    })
      .meta({
        description:
          "The heartbeat's name: the result's title, what `checkup ping` names, what its pings are stored under.",
      }),
    period: duration('How often the job reports success, e.g. "1d".', SPAN),
    grace: spanOrZero("How late a success ping may be; default a tenth of period, at least 1m.").optional(),
    max_runtime: spanOrZero(
      "Degraded when a run takes longer than this from its start ping to its success; 0 or unset: no limit.",
    ).optional(),
    token: z.string().superRefine((v, ctx) => {
      const problem = tokenProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }).optional().meta({
      description: `The secret in the ping URL /api/v1/ping/<token>, at least ${MIN_TOKEN} characters ` +
        "(use ${ENV_VAR}); unset: pings only through `checkup ping`.",
    }),
    timeout: timeout(10e9, "reading the pings from the storage; default 10s"),
  }).transform((o) => ({
    type: o.type,
    endpoint_name: o.endpoint_name,
    period: o.period,
    grace: o.grace ?? Math.max(60e9, Math.round(o.period / 10)),
    max_runtime: o.max_runtime ?? 0,
    ...(o.token !== undefined ? { token: o.token } : {}),
    timeout: o.timeout,
  }))
);

/** Why a ping cannot be recorded: the storage has no shared documents. */
const NO_SHARED = "the storage has no shared documents, so it cannot hold heartbeat pings";

/** Judges a heartbeat from its stored pings; records pings for `checkup ping` and `serve`. */
export class HeartbeatChecker implements Checker {
  /** Always `"heartbeat"`. */
  readonly type = "heartbeat";
  /** The heartbeat's name. */
  readonly title: string;
  /** `heartbeat:<key>`: what is checked, never the token. */
  readonly endpoint: string;
  /** Where its pings are stored: `pings/<key>/` ({@linkcode pingKey}). */
  readonly key: string;
  /** SHA-256 of the token, for the ping route's constant-time match; undefined without a token. */
  readonly tokenDigest?: Uint8Array;
  readonly #options: HeartbeatCheckerOptions;
  readonly #ctx: CheckerContext;
  readonly #log?: PingLog;

  /** Builds the checker from validated options; `ctx.shared` is where its pings are. */
  constructor(options: HeartbeatCheckerOptions, ctx: CheckerContext) {
    this.#options = options;
    this.#ctx = ctx;
    this.title = options.endpoint_name;
    this.key = pingKey(options.endpoint_name);
    this.endpoint = `heartbeat:${this.key}`;
    if (options.token) this.tokenDigest = tokenDigest(options.token);
    if (ctx.shared) this.#log = new PingLog(ctx.shared, this.key);
  }

  /** Records a ping: `kind`, or the kind of `exit` (0 success, else failure), received now. */
  async record(
    ping: { kind?: PingKind; exit?: number; via: Ping["via"] },
    signal?: AbortSignal,
  ): Promise<Ping> {
    if (!this.#log) throw new Error(NO_SHARED);
    const stored: Ping = {
      kind: ping.exit !== undefined ? kindOfExit(ping.exit) : ping.kind ?? "success",
      t: Number(this.#ctx.now()) / 1e6,
      via: ping.via,
      ...(ping.exit !== undefined ? { exit: ping.exit } : {}),
      ...(this.#ctx.node ? { node: this.#ctx.node } : {}),
    };
    await this.#log.record(stored, signal);
    return stored;
  }

  /** Reads the pings and judges them: one attempt, whose RTT is the time the read took. */
  check(signal?: AbortSignal): Promise<Result> {
    const o = this.#options;
    let verdict: HeartbeatVerdict = {};
    return runCheck({
      title: this.title,
      endpoint: this.endpoint,
      now: this.#ctx.now,
      node: this.#ctx.node,
      signal,
      attempt: async (_i, outer) => {
        const start = performance.now();
        const elapsed = () => (performance.now() - start) * 1e6;
        if (!this.#log) return { rtt: 0, error: NO_SHARED };
        const s = attemptSignal(outer, o.timeout);
        try {
          const now = Number(this.#ctx.now()) / 1e6;
          verdict = judgeHeartbeat(await this.#log.read(s, now), now, o);
          return { rtt: elapsed(), ...(verdict.down ? { error: verdict.down } : {}) };
        } catch (e) {
          const error = s.aborted
            ? abortMessage(s, o.timeout, "reading the pings")
            : `cannot read the pings: ${errorText(e)}`;
          return { rtt: elapsed(), error };
        }
      },
      verdict: () => (verdict.degraded ? { degradedNotice: verdict.degraded } : {}),
    });
  }
}

/** Whether a checker is a heartbeat (for `serve`'s ping route and `checkup ping`). */
export function isHeartbeat(c: Checker): c is HeartbeatChecker {
  return c instanceof HeartbeatChecker;
}

/** Two heartbeats must not share a token (a ping would be ambiguous) or a stored name (their pings would mix). */
function crossCheck(entries: readonly { options: HeartbeatCheckerOptions; path: string }[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const keys = new Map<string, string>();
  const tokens = new Map<string, string>();
  for (const { options, path } of entries) {
    const key = pingKey(options.endpoint_name);
    const sameKey = keys.get(key);
    if (sameKey) {
      issues.push({
        path: `${path}.endpoint_name`,
        message:
          `expected a name of its own, found one stored as "pings/${key}" like the heartbeat at ${sameKey}`,
      });
    } else keys.set(key, path);
    if (!options.token) continue;
    const digest = tokenDigest(options.token).toHex();
    const sameToken = tokens.get(digest);
    if (sameToken) {
      issues.push({
        path: `${path}.token`,
        message: `expected a token of its own, found the token of the heartbeat at ${sameToken} (not shown)`,
      });
    } else tokens.set(digest, path);
  }
  return issues;
}

/** The `heartbeat` checker type. */
export const heartbeatChecker: PluginDefinition<Checker, HeartbeatCheckerOptions> = {
  type: "heartbeat",
  summary:
    "A job that reports in (cron, backups): down when its success ping is overdue or it reported a failure.",
  schema,
  needsShared: true,
  crossCheck,
  create: (options, ctx) => new HeartbeatChecker(options, ctx),
};
