/**
 * A real `checkup` process (`deno run -A main.ts …`) for CLI tests: its stdout and stderr are read as they
 * come, so a test can wait for a line (an event) instead of for a length of time, signal the process, and
 * collect its exit code and output.
 */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** A running `checkup` process. */
export interface CheckupProcess {
  child: Deno.ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves once stdout or stderr holds `pattern` (a string or a regular expression); its match. */
  output(pattern: string | RegExp): Promise<RegExpExecArray | string>;
  /** Waits for the exit: the exit code and everything written. */
  exit(): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Starts `checkup <args>` with `env` added to the environment (NO_COLOR set). */
export function spawnCheckup(args: string[], env: Record<string, string> = {}): CheckupProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const text = { stdout: "", stderr: "" };
  const waiters: { pattern: string | RegExp; resolve: (m: RegExpExecArray | string) => void }[] = [];
  const find = (pattern: string | RegExp): RegExpExecArray | string | undefined => {
    const all = text.stdout + "\n" + text.stderr;
    if (typeof pattern === "string") return all.includes(pattern) ? pattern : undefined;
    return pattern.exec(text.stdout) ?? pattern.exec(text.stderr) ?? undefined;
  };
  const drain = async (stream: ReadableStream<Uint8Array>, key: "stdout" | "stderr") => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text[key] += decoder.decode(chunk, { stream: true });
      for (const w of [...waiters]) {
        const m = find(w.pattern);
        if (m === undefined) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  const reading = Promise.all([drain(child.stdout, "stdout"), drain(child.stderr, "stderr")]);
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    output(pattern) {
      const m = find(pattern);
      if (m !== undefined) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        // A process that ends without the line: fail instead of waiting forever.
        reading.then(() => {
          if (waiters.some((w) => w.pattern === pattern)) {
            reject(new Error(`checkup exited without writing ${pattern}:\n${text.stderr}`));
          }
        });
      });
    },
    async exit() {
      const [status] = await Promise.all([child.status, reading]);
      return { code: status.code, stdout: text.stdout, stderr: text.stderr };
    },
  };
}
