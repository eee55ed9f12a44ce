/**
 * The checker contract and the attempt loop every checker shares: attempts run one after another,
 * `attempt_spacing` pauses between them (not after a transport failure, as in Go Checkup), and the
 * result is judged by Go's status rules ({@linkcode judge}).
 *
 * @module
 */
import { type Attempt, judge, type Result, type Verdict } from "../result.ts";
import type { PluginContext } from "../config/plugin.ts";
import { formatDuration, type Nanoseconds } from "../duration.ts";
import { sleep } from "../clock.ts";

/** What checkers need from the outside world: the clock, fetch, the node name and the shared documents. */
export type CheckerContext = Pick<PluginContext, "now" | "fetch" | "node" | "httpClients" | "shared">;

/** Checks one endpoint. A failed check is data (`down`, `degraded`), never an exception. */
export interface Checker {
  /** The config `type`, e.g. `"http"`. */
  readonly type: string;
  /** The endpoint's name (`result.title`). */
  readonly title: string;
  /** What is checked (`result.endpoint`): URL, address or command. */
  readonly endpoint: string;
  /** Runs every attempt and returns the judged result. Honours `signal`; never hangs past its timeout. */
  check(signal?: AbortSignal): Promise<Result>;
}

/** What one attempt found. */
export interface AttemptOutcome extends Attempt {
  /** The attempt failed at the transport level: skip `attempt_spacing` after it (Go behaviour). */
  transportFailure?: boolean;
}

/** Options of {@linkcode runCheck}. */
export interface RunCheckOptions {
  /** The result's title (the configured `endpoint_name`, or `name` for exec). */
  title: string;
  /** The result's endpoint: the URL, `host:port` or command checked. */
  endpoint: string;
  /** Number of attempts (values below 1 mean 1). */
  attempts?: number;
  /** Pause after each attempt, nanoseconds. */
  attempt_spacing?: number;
  /** `threshold_rtt`, nanoseconds (exact: a bigint beyond 2^53). */
  threshold_rtt?: Nanoseconds;
  /** Take the timestamp after the attempts rather than before (Go's tls checker). */
  timestampAfter?: boolean;
  /** The clock: current time as UTC Unix nanoseconds (the result's timestamp). */
  now: () => bigint;
  /** The node name copied into the result, when configured. */
  node?: string;
  /** Cancels the check: no further attempt starts and the current one is aborted. */
  signal?: AbortSignal;
  /** Runs attempt number `index` (0-based). */
  attempt: (index: number, signal: AbortSignal) => Promise<AttemptOutcome>;
  /** Extra verdict inputs once all attempts are done (e.g. a certificate expiring soon). */
  verdict?: (times: Attempt[]) => Verdict;
}

/** Runs a check's attempts and judges them: the shared core of every checker. */
export async function runCheck(o: RunCheckOptions): Promise<Result> {
  const signal = o.signal ?? new AbortController().signal;
  let timestamp = o.now();
  const count = Math.max(1, Math.floor(o.attempts ?? 1));
  const times: Attempt[] = [];
  for (let i = 0; i < count; i++) {
    if (signal.aborted) {
      times.push({ rtt: 0, error: "check aborted" });
      break;
    }
    let outcome: AttemptOutcome;
    const start = performance.now();
    try {
      outcome = await o.attempt(i, signal);
    } catch (e) {
      // As Go does for every failed attempt: the RTT is the time the attempt took.
      const rtt = (performance.now() - start) * 1e6;
      outcome = { rtt, error: (e as Error)?.message ?? String(e), transportFailure: true };
    }
    const rtt = typeof outcome.rtt === "number" ? Math.round(outcome.rtt) : outcome.rtt;
    times.push(outcome.error ? { rtt, error: outcome.error } : { rtt });
    if (i < count - 1 && o.attempt_spacing && !outcome.transportFailure) {
      await sleep(o.attempt_spacing / 1e6, signal);
    }
  }
  if (o.timestampAfter) timestamp = o.now();
  const result: Result = { title: o.title || undefined, endpoint: o.endpoint || undefined, timestamp, times };
  if (o.node) result.node = o.node;
  return judge(result, { threshold: o.threshold_rtt, ...o.verdict?.(times) });
}

/** The options every attempt-based checker shares (Go's keys). */
export interface AttemptOptions {
  /** Attempts per check (values below 1 mean 1). */
  attempts?: number;
  /** Pause after each attempt, nanoseconds. */
  attempt_spacing?: number;
  /** `threshold_rtt`, nanoseconds (exact: a bigint beyond 2^53). */
  threshold_rtt?: Nanoseconds;
}

/**
 * The shared shape of a checker: options and context in, {@linkcode runCheck} around its attempts.
 * A subclass implements `attempt`; `newState` gives each check scratch space its attempts fill and
 * `verdict` reads (e.g. the certificates seen).
 */
export abstract class AttemptChecker<O extends AttemptOptions, S = undefined> implements Checker {
  /** The config `type`, e.g. `"http"`. */
  abstract readonly type: string;
  /** The endpoint's name (`result.title`). */
  readonly title: string;
  /** What is checked (`result.endpoint`). */
  readonly endpoint: string;
  /** Validated options. */
  protected readonly options: O;
  /** Clock, fetch, node name and shared HTTP clients. */
  protected readonly ctx: CheckerContext;
  /** Take the result's timestamp after the attempts (Go's tls checker) rather than before. */
  protected readonly timestampAfter: boolean = false;

  /** Keeps the options and context; `title` and `endpoint` become the result's. */
  constructor(options: O, ctx: CheckerContext, title: string, endpoint: string) {
    this.options = options;
    this.ctx = ctx;
    this.title = title;
    this.endpoint = endpoint;
  }

  /** Runs every attempt and returns the judged result. */
  check(signal?: AbortSignal): Promise<Result> {
    const state = this.newState();
    return runCheck({
      ...this.options,
      title: this.title,
      endpoint: this.endpoint,
      now: this.ctx.now,
      node: this.ctx.node,
      signal,
      timestampAfter: this.timestampAfter,
      attempt: (_i, s) => this.attempt(s, state),
      verdict: (times) => this.verdict(state, times),
    });
  }

  /** Fresh scratch space for one check. */
  protected newState(): S {
    return undefined as S;
  }

  /** Runs one attempt under `signal` (which carries the attempt timeout the subclass sets). */
  protected abstract attempt(signal: AbortSignal, state: S): Promise<AttemptOutcome>;

  /** Extra verdict inputs once the attempts are done. */
  protected verdict(_state: S, _times: Attempt[]): Verdict {
    return {};
  }
}

/** Body expectations shared by http and exec: Go's `must_contain` / `must_not_contain` texts. */
export function bodyError(
  body: string,
  must_contain?: string,
  must_not_contain?: string,
): string | undefined {
  if (must_contain && !body.includes(must_contain)) return `response does not contain '${must_contain}'`;
  if (must_not_contain && body.includes(must_not_contain)) return `response contains '${must_not_contain}'`;
  return undefined;
}

/**
 * The signal of one attempt: aborts when the check's `signal` does or after `timeout` nanoseconds,
 * whichever comes first. {@linkcode abortMessage} turns its reason into an error text.
 */
export function attemptSignal(signal: AbortSignal, timeout: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, Math.ceil(timeout / 1e6)))]);
}

/**
 * Why `signal` aborted, as an attempt error: `"<phase> timed out after 1s"` for the attempt timeout,
 * `"check aborted"` when the check itself was cancelled.
 *
 * @example
 * ```ts
 * import { abortMessage } from "./checker.ts";
 * import assert from "node:assert/strict";
 * const signal = AbortSignal.abort(new DOMException("t", "TimeoutError"));
 * assert.equal(abortMessage(signal, 1e9, "connect"), "connect timed out after 1s");
 * ```
 */
export function abortMessage(signal: AbortSignal, timeout: number, phase: string): string {
  const reason = signal.reason as { name?: string } | undefined;
  if (reason?.name === "TimeoutError") return `${phase} timed out after ${formatDuration(timeout)}`;
  return "check aborted";
}

/** The message of anything thrown, without a trailing period. */
export function errorText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/\.$/, "") || (e as Error)?.name || "unknown error";
}

/** A string shown inside an error text: JSON-quoted (so control characters show) and cut at `max`. */
export function quoteSnippet(text: string, max = 200): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  return JSON.stringify(cut) + (text.length > max ? ` (+${text.length - max} chars)` : "");
}
