/**
 * Benchmark 4: CLI start-up, with hyperfine: `checkup --help` and a one-endpoint run (printed, and
 * stored with `--store` in an fs storage), against `deno eval 1` as the floor, all in the same hyperfine
 * run, beside what the floor is made of (`deno run` of an empty file, and of zod alone); the same for the
 * compiled binary (`deno compile`, as contrib/compile.ts builds it, into out/bench/) when it can be built
 * here (it needs the runtime download), and for one bundled module (`deno bundle`). Then config
 * validation of 10,000 checkers against `JSON.parse` of the same text: the first validation (a run's,
 * cold) and the median of warm ones.
 * Targets: a one-endpoint run ≤ 2× the floor; validation of 10,000 checkers in a few ms.
 */
import { join } from "node:path";
import { freePortPair, has, report, runDenoJson, SHIPPED_FLAGS, SHORT, waitForPort } from "./_util.ts";

interface Validation {
  n: number;
  runs: number;
  parse: { median_ms: number; best_ms: number };
  first_ms: number;
  validate: { median_ms: number; best_ms: number };
}

/**
 * Runs `deno <args…>` on main.ts (a build: compile or bundle) and returns `built` when it succeeds; else the
 * reason (the last cause deno names, e.g. the runtime download failing offline).
 */
async function build(args: string[], built: string): Promise<{ path?: string; why?: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...args, new URL("../main.ts", import.meta.url).pathname],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (out.code === 0) return { path: built };
  const all = new TextDecoder().decode(out.stderr).split("\n").map((l) => l.trim());
  // RUST_BACKTRACE=1 appends a numbered backtrace: not a cause.
  const lines = all.slice(0, all.includes("Stack backtrace:") ? all.indexOf("Stack backtrace:") : undefined);
  const error = lines.find((l) => l.startsWith("error")) ?? `exit ${out.code}`;
  // "Caused by:" lists the chain, innermost last ("0: …", "1: …"): the innermost says why.
  const causes = lines.filter((l) => /^\d+: /.test(l)).map((l) => l.replace(/^\d+: /, ""));
  return { why: causes.length ? `${error} (${causes.at(-1)})` : error };
}

/**
 * Builds the executable as contrib/compile.ts does (host target) into out/bench/ (deno compile writes a
 * temporary file beside its output, so not into a temporary directory of another mount).
 */
async function compile(): Promise<{ path?: string; why?: string }> {
  const dir = new URL("../out/bench/", import.meta.url).pathname;
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, "checkup");
  return await build(["compile", "-A", ...SHIPPED_FLAGS, "--output", path], path);
}

/**
 * Bundles the CLI with `deno bundle` (esbuild; code splitting keeps each type's module lazy) into
 * out/bench/bundle/: what loading one file instead of about 75 modules saves, apart from evaluating them.
 */
async function bundle(): Promise<{ path?: string; why?: string }> {
  const dir = new URL("../out/bench/bundle/", import.meta.url).pathname;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  return await build(
    ["bundle", "--platform", "deno", "--code-splitting", "--outdir", dir],
    join(dir, "main.js"),
  );
}

if (import.meta.main) {
  if (!(await has("hyperfine"))) throw new Error("hyperfine is missing (apt-get install hyperfine)");
  const port = freePortPair();
  const dir = await Deno.makeTempDir();
  const target = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./target.ts", import.meta.url).pathname, String(port)],
    stdout: "null",
  }).spawn();
  try {
    await waitForPort(port);
    const one = join(dir, "one.json"), stored = join(dir, "stored.json");
    const checkers = [{ type: "http", endpoint_name: "one", endpoint_url: `http://127.0.0.1:${port}/p/1` }];
    await Deno.writeTextFile(one, JSON.stringify({ checkers }));
    await Deno.writeTextFile(
      stored,
      JSON.stringify({ checkers, storage: { type: "fs", dir: join(dir, "checks") } }),
    );
    const main = new URL("../main.ts", import.meta.url).pathname;
    // As `deno task checkup` runs it: modules of other commands and types are not even read (the flag needs
    // read permission on the sources for what loads later, so runs with narrow --allow-read go without it).
    const flags = [...SHIPPED_FLAGS, "--unstable-lazy-dynamic-imports"].join(" ");
    const deno = Deno.execPath();
    const bin = await compile();
    const bundled = await bundle();
    const config = new URL("../deno.json", import.meta.url).pathname;
    const empty = join(dir, "empty.ts");
    await Deno.writeTextFile(empty, "");
    const zod = new URL("./_import_zod.ts", import.meta.url).pathname;
    const commands: [string, string][] = [
      ["deno eval 1 (floor)", `${deno} eval 1`],
      ["deno run: an empty file", `${deno} run -A --config ${config} ${empty}`],
      ["deno run: zod alone (one schema)", `${deno} run -A --config ${config} ${zod}`],
      ["checkup --help", `${deno} run -A ${flags} ${main} --help`],
      ["checkup one endpoint", `${deno} run -A ${flags} ${main} -c ${one}`],
      ["checkup one endpoint --store", `${deno} run -A ${flags} ${main} -c ${stored} --store`],
      [
        "checkup one endpoint, eager module graph",
        `${deno} run -A ${SHIPPED_FLAGS.join(" ")} ${main} -c ${one}`,
      ],
      ...(bundled.path
        ? [["bundled (deno bundle) one endpoint", `${deno} run -A ${flags} ${bundled.path} -c ${one}`]] as [
          string,
          string,
        ][]
        : []),
      ...(bin.path
        ? [
          ["compiled --help", `${bin.path} --help`],
          ["compiled one endpoint", `${bin.path} -c ${one}`],
        ] as [string, string][]
        : []),
    ];
    const json = join(dir, "h.json");
    const runs = SHORT ? 5 : 20;
    const out = await new Deno.Command("hyperfine", {
      args: [
        "-N",
        "--warmup",
        "2",
        "--runs",
        String(runs),
        "--export-json",
        json,
        ...commands.flatMap(([n, c]) => ["-n", n, c]),
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    if (out.code !== 0) throw new Error("hyperfine failed");
    const results = JSON.parse(await Deno.readTextFile(json)).results as {
      command: string;
      mean: number;
      stddev: number;
      user: number;
      system: number;
    }[];
    const floor = results[0];
    const rows: Record<string, string | number>[] = results.map((r) => ({
      command: r.command,
      mean_ms: Math.round(r.mean * 1000),
      stddev_ms: Number((r.stddev * 1000).toFixed(1)),
      "× floor": Number((r.mean / floor.mean).toFixed(2)),
      "cpu × floor": Number(((r.user + r.system) / (floor.user + floor.system)).toFixed(2)),
      target: r.command.includes("one endpoint") ? "≤ 2× floor" : "",
    }));
    const v = await runDenoJson<Validation>("./_validate.ts", ["10000", SHORT ? "5" : "15"]);
    rows.push({
      command: `validate ${v.n} checkers, first (cold, as a run)`,
      mean_ms: Math.round(v.first_ms),
      stddev_ms: "-",
      "× floor": Number((v.first_ms / v.parse.median_ms).toFixed(1)),
      "cpu × floor": "-",
      target: "",
    });
    rows.push({
      command: `validate ${v.n} checkers (median of ${v.runs})`,
      mean_ms: Math.round(v.validate.median_ms),
      stddev_ms: "-",
      "× floor": Number((v.validate.median_ms / v.parse.median_ms).toFixed(1)),
      "cpu × floor": "-",
      target: "a few ms",
    });
    await report("startup", rows, {
      runs,
      floor_of_validation: "JSON.parse of the same config text, ms (median)",
      validation: v,
      compiled: bin.path ? "built" : `not built here: ${bin.why}`,
      bundled: bundled.path ? "built" : `not built here: ${bundled.why}`,
    });
  } finally {
    target.kill("SIGTERM");
    await target.status;
    await Deno.remove(dir, { recursive: true });
  }
}
