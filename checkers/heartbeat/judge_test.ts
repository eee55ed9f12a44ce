import assert from "node:assert/strict";
import { judgeHeartbeat } from "./judge.ts";
import type { Ping, PingKind } from "./pings.ts";

const MIN = 60_000;
const T = Date.UTC(2026, 10, 30, 12, 0, 0);
const rules = { period: 60 * MIN * 1e6, grace: 10 * MIN * 1e6, max_runtime: 20 * MIN * 1e6 };
const p = (kind: PingKind, minutes: number, exit?: number): Ping => ({
  kind,
  t: T + minutes * MIN,
  via: "serve",
  ...(exit !== undefined ? { exit } : {}),
});
const at = (minutes: number) => new Date(T + minutes * MIN).toISOString().replace(/\.\d+Z$/, "Z");

// [what, pings, first judged (minutes), now (minutes), expected verdict]
const cases: [string, Ping[], number | undefined, number, ReturnType<typeof judgeHeartbeat>][] = [
  ["never pinged, within period + grace of the first judgement", [], 0, 70, {}],
  ["never pinged, past period + grace", [], 0, 71, {
    down: `no ping ever came (waiting since ${at(0)}, 1h 11m); expected every 1h, grace 10m`,
  }],
  ["never judged before (now is the first time)", [], undefined, 500, {}],
  ["a success within period + grace", [p("success", 0)], 0, 70, {}],
  ["a success older than period + grace", [p("success", 0)], 0, 71, {
    down: `last ping 1h 11m ago (at ${at(0)}); expected every 1h, grace 10m`,
  }],
  ["recovers on the next success", [p("success", 0), p("success", 80)], 0, 81, {}],
  ["a failure: down until the next success, even within the period", [p("success", 0), p("fail", 5)], 0, 6, {
    down: `last run failed 1m ago (at ${at(5)}); last success 6m ago (at ${
      at(0)
    }); down until a success ping`,
  }],
  ["a non-zero exit code", [p("fail", 5, 3)], 0, 7, {
    down: `last run failed with exit code 3 2m ago (at ${at(5)}); down until a success ping`,
  }],
  ["a start after a failure keeps it down", [p("fail", 5, 3), p("start", 6)], 0, 7, {
    down: `last run failed with exit code 3 2m ago (at ${at(5)}); down until a success ping`,
  }],
  ["a success after a failure recovers", [p("fail", 5), p("start", 6), p("success", 8, 0)], 0, 9, {}],
  ["a run within max_runtime", [p("start", 0), p("success", 20)], 0, 21, {}],
  ["a run longer than max_runtime", [p("start", 0), p("success", 25)], 0, 26, {
    degraded: `the last run took 25m, longer than max_runtime 20m; it ended 1m ago (at ${at(25)})`,
  }],
  ["a run under way past max_runtime", [p("success", 0), p("start", 30)], 0, 51, {
    degraded: `running for 21m since its start ping (at ${at(30)}), longer than max_runtime 20m`,
  }],
  ["a run under way within max_runtime", [p("success", 0), p("start", 30)], 0, 49, {}],
  ["overdue beats a long run", [p("start", 0), p("success", 25)], 0, 96, {
    down: `last ping 1h 11m ago (at ${at(25)}); expected every 1h, grace 10m`,
  }],
  ["only starts, past period + grace", [p("start", 0)], 0, 71, {
    down: `no success ping ever came; last ping: a start 1h 11m ago (at ${
      at(0)
    }); expected every 1h, grace 10m`,
  }],
  ["a ping before the first judgement counts from the ping", [p("start", -30)], 0, 41, {
    down: `no success ping ever came; last ping: a start 1h 11m ago (at ${
      at(-30)
    }); expected every 1h, grace 10m`,
  }],
  ["a ping from a clock ahead is just now", [p("success", 3)], 0, 1, {}],
];

for (const [what, pings, first, now, expected] of cases) {
  Deno.test(`heartbeat verdict: ${what}`, () => {
    const history = { pings, ...(first !== undefined ? { first: T + first * MIN } : {}) };
    assert.deepEqual(judgeHeartbeat(history, T + now * MIN, rules), expected);
  });
}

Deno.test("heartbeat verdict: without max_runtime a long run is healthy", () => {
  const verdict = judgeHeartbeat({ pings: [p("start", 0), p("success", 50)] }, T + 51 * MIN, {
    ...rules,
    max_runtime: 0,
  });
  assert.deepEqual(verdict, {});
});
