/**
 * Config validation at N checkers (run in its own process by startup_bench.ts): `resolveConfig` of N http
 * checkers, against `JSON.parse` of the same config's text (the floor of reading it). Usage:
 * _validate.ts N RUNS → prints one JSON line: the median and best of each, ms.
 */
import { resolveConfig } from "../config/load.ts";

const [n, runs] = [Number(Deno.args[0] ?? 10_000), Number(Deno.args[1] ?? 15)];
const config = {
  checkers: Array.from({ length: n }, (_, i) => ({
    type: "http",
    endpoint_name: `e${i}`,
    endpoint_url: `http://127.0.0.1:9/p/${i}`,
  })),
};
const text = JSON.stringify(config);

function time(fn: () => unknown): { median_ms: number; best_ms: number } {
  const ms: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median_ms: ms[Math.floor(ms.length / 2)], best_ms: ms[0] };
}

const parse = time(() => JSON.parse(text));
// The first validation builds the http schema (plugin schemas are built on first use): counted apart.
const t0 = performance.now();
resolveConfig(JSON.parse(text));
const first_ms = performance.now() - t0;
const validate = time(() => resolveConfig(JSON.parse(text)));
Deno.stdout.writeSync(
  new TextEncoder().encode(JSON.stringify({ n, runs, parse, first_ms, validate }) + "\n"),
);
