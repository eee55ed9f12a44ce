/**
 * `deno task bench [--short] [NAME…]`: runs the benchmark suite (each benchmark in its own process so they
 * do not disturb each other), prints each table and writes bench/results/NAME.json. All traffic stays on
 * 127.0.0.1 and every loop is bounded in count and time.
 *
 *   round    one round of N http/tcp checks vs a bare loop, blackbox_exporter and check_http
 *   alerts   schedule drift of `checkup every 1s` over 60 rounds with a hung webhook vs no notifiers
 *   soak     `checkup every 10s` over 1,000 endpoints (10 min; 1 min with --short)
 *   storage  storing a 1,000-result round and reading 30 days back, per backend
 *   serve    `checkup serve` over 100 endpoints × 30 days, 2,000 and 10,000 × 1 day: first answer, latency
 *            under wrk, RSS, page render (at 100)
 *   rollup   the status-page rollup: memory, fold time and summary size per endpoint
 *   startup  CLI start-up against `deno eval 1`
 *   locations  what several locations add to a round (presence, quorum) against storing the round
 *   page     the status page over 100, 2,000 and 10,000 endpoints in Chromium against the page before fleets
 */
const ALL = ["round", "startup", "storage", "serve", "rollup", "alerts", "locations", "page", "soak"];
const names = Deno.args.filter((a) => !a.startsWith("--"));
const flags = Deno.args.filter((a) => a.startsWith("--"));
const selected = names.length ? names : ALL;
const encoder = new TextEncoder();
let failed = 0;
for (const name of selected) {
  if (!ALL.includes(name)) {
    Deno.stderr.writeSync(encoder.encode(`unknown benchmark ${name}; expected one of ${ALL.join(", ")}\n`));
    Deno.exit(2);
  }
  const script = new URL(`./${name}_bench.ts`, import.meta.url);
  if (!(await Deno.stat(script).then(() => true, () => false))) {
    Deno.stderr.writeSync(encoder.encode(`skipping ${name}: ${script.pathname} does not exist\n`));
    continue;
  }
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script.pathname, ...flags],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) failed++;
}
Deno.exit(failed ? 1 : 0);
