/**
 * Benchmark 4: CLI start-up, with hyperfine: `checkup --help` and a one-endpoint run, against
 * `deno eval 1` as the floor.
 */
import { join } from "node:path";
import { freePortPair, has, report, SHORT, waitForPort } from "./_util.ts";

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
    await Deno.writeTextFile(
      join(dir, "one.json"),
      JSON.stringify({
        checkers: [{ type: "http", endpoint_name: "one", endpoint_url: `http://127.0.0.1:${port}/p/1` }],
      }),
    );
    const main = new URL("../main.ts", import.meta.url).pathname;
    const deno = Deno.execPath();
    const commands: [string, string][] = [
      ["deno eval 1 (floor)", `${deno} eval 1`],
      ["checkup --help", `${deno} run -A ${main} --help`],
      ["checkup one endpoint", `${deno} run -A ${main} -c ${join(dir, "one.json")}`],
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
    }[];
    const floor = results[0].mean;
    await report(
      "startup",
      results.map((r) => ({
        command: r.command,
        mean_ms: Math.round(r.mean * 1000),
        stddev_ms: Number((r.stddev * 1000).toFixed(1)),
        "× floor": Number((r.mean / floor).toFixed(2)),
      })),
    );
  } finally {
    target.kill("SIGTERM");
    await target.status;
    await Deno.remove(dir, { recursive: true });
  }
}
