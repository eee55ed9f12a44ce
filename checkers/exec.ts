/**
 * The `exec` checker: runs a program (no shell) and judges its exit code and output, as Go Checkup's:
 * exit 0 plus `must_contain` / `must_not_contain` on stdout and stderr combined; `raise: "warn"` turns
 * a failure into degraded. Each attempt is killed at `timeout`; when it ends, every process it started
 * is ended too (its process group, and on Linux the descendants that left it: see `_process_tree.ts`).
 *
 * @module
 */
import { z } from "zod";
import type { Duration, Nanoseconds } from "../duration.ts";
import { formatDuration } from "../duration.ts";
import { typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { attempts, attemptSpacing, thresholdRtt, timeout } from "./_fields.ts";
import {
  AttemptChecker,
  type AttemptOutcome,
  attemptSignal,
  bodyError,
  type Checker,
  type CheckerContext,
  errorText,
} from "./checker.ts";
import type { Verdict } from "../result.ts";
import { killTree, treeEnv } from "./_process_tree.ts";

/** `checkup.json` options of an `exec` checker (Go Checkup's keys plus `timeout`). */
export interface ExecCheckerConfig {
  /** The checker type, `"exec"`. */
  type: "exec";
  /** The check's name, shown as the result's title (exec uses `name`, not `endpoint_name`). */
  name?: string;
  /** The program, looked up on PATH; run directly, without a shell. */
  command: string;
  /** Its arguments. */
  arguments?: string[];
  /** The combined output must contain this text. */
  must_contain?: string;
  /** The combined output must not contain this text. */
  must_not_contain?: string;
  /** `"warn"` or `"warning"`: a failure makes the result degraded, not down. Default `"error"`. */
  raise?: string;
  /** Degraded when the median run time is strictly above this. */
  threshold_rtt?: Duration;
  /** Attempts per check (default 1). */
  attempts?: number;
  /** Pause after each attempt (not after the command failed). */
  attempt_spacing?: Duration;
  /** Kill an attempt after this long (default 10s, Go's fixed value). */
  timeout?: Duration;
}

/** Validated options of an `exec` checker: defaults applied, durations in nanoseconds. */
export interface ExecCheckerOptions {
  /** The checker type, always `"exec"`. */
  type: "exec";
  /** The result's title; `""` when unset. */
  name: string;
  /** The program, looked up on PATH and run without a shell. */
  command: string;
  /** The program's arguments (default none). */
  arguments: string[];
  /** Text the combined stdout and stderr must contain; `""`: no rule. */
  must_contain: string;
  /** Text the combined stdout and stderr must not contain; `""`: no rule. */
  must_not_contain: string;
  /** What a failure makes the result: `"error"` down (the default), `"warn"` degraded. */
  raise: "error" | "warn";
  /** Degraded when the median run time is strictly above this, nanoseconds; 0: off. */
  threshold_rtt: Nanoseconds;
  /** Attempts per check (default 1). */
  attempts: number;
  /** Pause after each attempt, nanoseconds (default 0). */
  attempt_spacing: number;
  /** The process is killed after this long, nanoseconds (default 10 s). */
  timeout: number;
}

const schema: z.ZodType<ExecCheckerOptions, ExecCheckerConfig> = z.lazy(() =>
  z.object({
    type: typeTag("exec"),
    name: z.string().default("").meta({ description: "The check's name, shown as the result title." }),
    command: z.string().min(1).meta({ description: "The program, looked up on PATH; run without a shell." }),
    arguments: z.array(z.string()).default([]).meta({ description: "The program's arguments." }),
    must_contain: z.string().default("").meta({
      description: "The combined stdout and stderr must contain this.",
    }),
    must_not_contain: z.string().default("").meta({
      description: "The combined stdout and stderr must not contain this.",
    }),
    raise: z.string().default("").transform((v) => v.toLowerCase()).pipe(
      z.enum(["", "error", "warn", "warning"]),
    )
      .transform((v): "error" | "warn" => (v === "warn" || v === "warning" ? "warn" : "error")).meta({
        description:
          'What a failure makes the result: "error" (down, the default) or "warn"/"warning" (degraded).',
      }),
    threshold_rtt: thresholdRtt(),
    attempts: attempts(),
    attempt_spacing: attemptSpacing(),
    timeout: timeout(10e9, "the process is killed after it; default 10s"),
  })
);

/** Output kept for the body rules: the first 1 MiB and the last 64 KiB. */
const HEAD = 1024 * 1024;
const TAIL = 64 * 1024;
/** How much output an error text shows at most (its start and its end). */
const SHOWN_HEAD = 512;
const SHOWN_TAIL = 1536;
/** How long to wait for the output pipes after the process exited (a background child may hold them). */
const DRAIN_MS = 500;

/** stdout and stderr combined in arrival order, bounded in memory. */
class Output {
  #head: Uint8Array[] = [];
  #headSize = 0;
  #tail: Uint8Array[] = [];
  #tailSize = 0;
  omitted = 0;

  add(chunk: Uint8Array): void {
    if (this.#headSize < HEAD) {
      const take = chunk.subarray(0, HEAD - this.#headSize);
      this.#head.push(take);
      this.#headSize += take.length;
      chunk = chunk.subarray(take.length);
    }
    if (!chunk.length) return;
    this.#tail.push(chunk);
    this.#tailSize += chunk.length;
    while (this.#tailSize - this.#tail[0].length >= TAIL) {
      this.#tailSize -= this.#tail[0].length;
      this.omitted += this.#tail.shift()!.length;
    }
  }

  text(): string {
    const decode = (parts: Uint8Array[]) => new TextDecoder().decode(concat(parts));
    const gap = this.omitted ? `\n[... ${this.omitted} bytes of output omitted ...]\n` : "";
    return decode(this.#head) + gap + decode(this.#tail);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), at += p.length);
  return out;
}

/** Output as Go's error text shows it: "empty" when blank, else cut to its start and end. */
function shown(output: string): string {
  if (output.trim() === "") return "empty";
  if (output.length <= SHOWN_HEAD + SHOWN_TAIL) return output;
  const cut = output.length - SHOWN_HEAD - SHOWN_TAIL;
  return `${output.slice(0, SHOWN_HEAD)}\n[... ${cut} characters cut ...]\n${output.slice(-SHOWN_TAIL)}`;
}

/** Go's exec error text: `Error: <err>\nOutput: <output or "empty">\n`. */
function goError(error: string, output: string): string {
  return `Error: ${error}\nOutput: ${shown(output)}\n`;
}

function spawnError(command: string, e: unknown): string {
  if (e instanceof Deno.errors.NotFound) {
    return command.includes("/")
      ? `fork/exec ${command}: no such file or directory`
      : `exec: "${command}": executable file not found in $PATH`;
  }
  if (e instanceof Deno.errors.PermissionDenied) return `fork/exec ${command}: permission denied`;
  return `cannot run ${command}: ${errorText(e)}`;
}

const SIGNAL_WORDS: Record<string, string> = {
  SIGKILL: "killed",
  SIGTERM: "terminated",
  SIGINT: "interrupt",
  SIGSEGV: "segmentation fault",
  SIGABRT: "aborted",
};

async function pump(stream: ReadableStream<Uint8Array>, out: Output, stop: Promise<void>): Promise<void> {
  const reader = stream.getReader();
  let stopped = false;
  stop.then(() => {
    stopped = true;
    reader.cancel().catch(() => {});
  });
  try {
    while (!stopped) {
      const { done, value } = await reader.read();
      if (done) break;
      out.add(value);
    }
  } catch {
    // cancelled or the pipe broke: keep what arrived
  } finally {
    reader.releaseLock();
  }
}

/** Runs a command and judges its exit code and output. */
export class ExecChecker extends AttemptChecker<ExecCheckerOptions> {
  /** Always `"exec"`. */
  override readonly type = "exec";

  /** Builds the checker from validated options (see the `parseChecker` config helper). */
  constructor(options: ExecCheckerOptions, ctx: CheckerContext) {
    super(options, ctx, options.name, options.command);
  }

  /** Makes a failure degraded instead of down when `raise` is `"warn"`. */
  protected override verdict(): Verdict {
    return { warnOnly: this.options.raise === "warn" };
  }

  /** Runs the command once and applies the output rules. */
  protected override async attempt(outer: AbortSignal): Promise<AttemptOutcome> {
    const o = this.options;
    const signal = attemptSignal(outer, o.timeout);
    const start = performance.now();
    const tree = treeEnv();
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(o.command, {
        args: o.arguments,
        env: tree.env, // added to ours: marks every descendant, also those that leave the group
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        detached: true, // its own process group, so a timeout kills the children it started too
      }).spawn();
    } catch (e) {
      const rtt = (performance.now() - start) * 1e6; // Go's RTT of a command that cannot start
      return { rtt, error: goError(spawnError(o.command, e), ""), transportFailure: true };
    }
    const kill = () => {
      try {
        Deno.kill(-child.pid, "SIGKILL");
      } catch {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }
    };
    if (signal.aborted) kill();
    signal.addEventListener("abort", kill, { once: true });
    const output = new Output();
    let stopDrain!: () => void;
    const stop = new Promise<void>((resolve) => (stopDrain = resolve));
    const pumps = Promise.all([pump(child.stdout, output, stop), pump(child.stderr, output, stop)]);
    const status = await child.status;
    const rtt = (performance.now() - start) * 1e6;
    signal.removeEventListener("abort", kill);
    // Nothing the check started outlives it: its group, and descendants that left it (setsid).
    await killTree(child.pid, tree.id);
    const drainTimer = setTimeout(stopDrain, DRAIN_MS);
    await pumps;
    clearTimeout(drainTimer);
    stopDrain();
    const text = output.text();
    if (signal.aborted) {
      const timedOut = (signal.reason as { name?: string })?.name === "TimeoutError";
      const why = timedOut ? `signal: killed (timeout after ${formatDuration(o.timeout)})` : "check aborted";
      return { rtt, error: goError(why, text), transportFailure: true };
    }
    if (!status.success) {
      const why = status.signal
        ? `signal: ${SIGNAL_WORDS[status.signal] ?? status.signal}`
        : `exit status ${status.code}`;
      return { rtt, error: goError(why, text), transportFailure: true };
    }
    const error = bodyError(text, o.must_contain, o.must_not_contain);
    return error ? { rtt, error } : { rtt };
  }
}

/** The `exec` checker type. */
export const execChecker: PluginDefinition<Checker, ExecCheckerOptions> = {
  type: "exec",
  summary: "Runs a program (no shell), judged by exit code, output and run time.",
  schema,
  create: (options, ctx) => new ExecChecker(options, ctx),
};
