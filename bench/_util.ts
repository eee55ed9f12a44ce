/** Shared benchmark plumbing: process metrics from /proc, subprocesses, tables and result files. */

const decoder = new TextDecoder();
const CLK_TCK = 100; // Linux USER_HZ

/** CPU seconds (user + system) of a process, and of its waited-for children, from /proc. */
export function cpuSeconds(pid: number | "self" = "self"): { own: number; children: number } {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[11..14] = utime, stime, cutime, cstime (0-based after the comm field)
  const [ut, st, cut, cst] = fields.slice(11, 15).map(Number);
  return { own: (ut + st) / CLK_TCK, children: (cut + cst) / CLK_TCK };
}

/** Current and peak resident set size of a process in MiB, from /proc/PID/status. */
export function rssMiB(pid: number | "self" = "self"): { rss: number; peak: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * A port P on 127.0.0.1 such that P and P + 1 are both free (the target serves HTTP and TCP there). Picked
 * below Linux's ephemeral range (32768–60999): after a soak of 100,000 new connections, most ports in that
 * range sit in TIME_WAIT as client ports, and a pair there is rarely free.
 */
export function freePortPair(): number {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    let a: Deno.Listener;
    try {
      a = Deno.listen({ hostname: "127.0.0.1", port });
    } catch {
      continue;
    }
    try {
      Deno.listen({ hostname: "127.0.0.1", port: port + 1 }).close();
      return port;
    } catch {
      // P + 1 is taken: try another P
    } finally {
      a.close();
    }
  }
  throw new Error("no two adjacent free ports on 127.0.0.1");
}

/** Waits until something accepts TCP connections on 127.0.0.1:port (bounded). */
export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs}ms`);
}

/** Runs a Deno script in a fresh process and parses the JSON it prints last. */
export async function runDenoJson<T>(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  denoFlags: string[] = [],
): Promise<T> {
  const root = new URL("../", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...denoFlags,
      "--config",
      `${root}deno.json`,
      new URL(script, import.meta.url).pathname,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    env,
  }).output();
  const text = decoder.decode(out.stdout).trim();
  if (out.code !== 0) {
    throw new Error(`${script} failed (${out.code}): ${decoder.decode(out.stderr).slice(-2000)}`);
  }
  return JSON.parse(text.slice(text.lastIndexOf("\n") + 1)) as T;
}

/** The V8 flags Checkup ships with (deno.json tasks, `deno task compile`, the container). */
export const SHIPPED_FLAGS: string[] = ["--v8-flags=--max-semi-space-size=4"];

/** Is a binary on PATH? */
export async function has(bin: string): Promise<boolean> {
  try {
    return (await new Deno.Command("sh", { args: ["-c", `command -v ${bin}`], stdout: "null" }).output())
      .code === 0;
  } catch {
    return false;
  }
}

/** Prints rows as an aligned table. */
export function table(rows: Record<string, string | number>[]): string {
  if (!rows.length) return "";
  const cols = Object.keys(rows[0]);
  const cell = (
    v: string | number,
  ) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c] ?? "").length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(width[i])).join("  ");
  return [
    line(cols),
    line(width.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(cols.map((c) => cell(r[c] ?? "")))),
  ]
    .join("\n");
}

/** Writes bench/results/NAME.json and prints the table. */
export async function report(
  name: string,
  rows: Record<string, string | number>[],
  extra: Record<string, unknown> = {},
) {
  const path = new URL(`./results/${name}.json`, import.meta.url);
  await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
  await Deno.writeTextFile(
    path,
    JSON.stringify({ name, date: new Date().toISOString(), rows, ...extra }, null, 2) + "\n",
  );
  Deno.stdout.writeSync(new TextEncoder().encode(`\n## ${name}\n${table(rows)}\n`));
}

/** Whether the suite runs in its short mode (CI): `--short` or BENCH_SHORT=1. */
export const SHORT: boolean = Deno.args.includes("--short") || Deno.env.get("BENCH_SHORT") === "1";
