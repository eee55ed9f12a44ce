import assert from "node:assert/strict";
import { createLogger } from "./_internal/log.ts";
import type { Result } from "./result.ts";
import { type RunInfo, runSchedule, type ScheduledCheck } from "./scheduler.ts";

function fakeCheck(
  index: number,
  intervalMs: number,
  workMs: number,
  state: { running: Map<number, number>; peak: number; total: number; maxTotal: number },
): ScheduledCheck {
  return {
    index,
    title: `c${index}`,
    interval: intervalMs * 1e6,
    async run(): Promise<Result> {
      const mine = (state.running.get(index) ?? 0) + 1;
      state.running.set(index, mine);
      state.peak = Math.max(state.peak, mine);
      state.total++;
      state.maxTotal = Math.max(state.maxTotal, state.total);
      await new Promise((r) => setTimeout(r, workMs));
      state.running.set(index, mine - 1);
      state.total--;
      return { title: `c${index}`, timestamp: BigInt(index), healthy: true };
    },
  };
}

function newState() {
  return { running: new Map<number, number>(), peak: 0, total: 0, maxTotal: 0 };
}

Deno.test("schedule: per-check intervals, spread first runs, bounded concurrency, ordered flushes", async () => {
  const state = newState();
  const runs: RunInfo[] = [];
  const flushed: Result[][] = [];
  const ac = new AbortController();
  const checks = [
    fakeCheck(0, 40, 5, state),
    fakeCheck(1, 200, 5, state),
    fakeCheck(2, 200, 5, state),
    fakeCheck(3, 200, 5, state),
  ];
  const done = runSchedule({
    checks,
    flushInterval: 100e6,
    concurrency: 2,
    logger: createLogger({ write: () => {} }),
    signal: ac.signal,
    onRun: (r) => runs.push(r),
    flush: (results) => {
      flushed.push(results);
      return Promise.resolve();
    },
  });
  while (runs.filter((r) => r.index === 1).length < 2) await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  await done;
  const count = (i: number) => runs.filter((r) => r.index === i).length;
  assert.ok(
    count(0) > 2 * count(1),
    `the 40ms check runs far more often than the 200ms one (${count(0)} vs ${count(1)})`,
  );
  // Spread: the three 200ms checks first ran at distinct, increasing times, not in one burst.
  const firsts = [1, 2, 3].map((i) => runs.find((r) => r.index === i)!.due);
  assert.ok(firsts[0] < firsts[1] && firsts[1] < firsts[2], `first runs spread: ${firsts}`);
  assert.ok(state.maxTotal <= 2, "never more than `concurrency` checks at once");
  assert.equal(state.peak, 1, "a check never overlaps itself");
  for (const round of flushed) {
    const order = round.map((r) => Number(r.timestamp));
    assert.deepEqual(order, [...order].sort((a, b) => a - b), "results of a round keep config order");
  }
  assert.equal(
    flushed.flat().length,
    runs.length,
    "every finished check was flushed, including the last ones at shutdown",
  );
});

Deno.test("schedule: a check slower than its interval is skipped with a warning, never queued twice", async () => {
  const state = newState();
  const lines: string[] = [];
  const ac = new AbortController();
  let runs = 0;
  const done = runSchedule({
    checks: [fakeCheck(0, 20, 120, state)],
    flushInterval: 1000e6,
    concurrency: 4,
    logger: createLogger({ write: (l) => lines.push(l) }),
    signal: ac.signal,
    onRun: () => {
      if (++runs === 2) ac.abort();
    },
    flush: () => Promise.resolve(),
  });
  await done;
  assert.equal(state.peak, 1);
  assert.ok(
    lines.some((l) =>
      /WARN check took longer than its interval; skipping this run title=c0 interval=20ms skipped=1/.test(l)
    ),
    lines.join("\n"),
  );
});

Deno.test("schedule: a failing flush is logged and the schedule goes on", async () => {
  const state = newState();
  const lines: string[] = [];
  const ac = new AbortController();
  let flushes = 0;
  await runSchedule({
    checks: [fakeCheck(0, 10, 1, state)],
    flushInterval: 30e6,
    concurrency: 1,
    logger: createLogger({ write: (l) => lines.push(l) }),
    signal: ac.signal,
    flush: () => {
      if (++flushes === 3) ac.abort();
      return Promise.reject(new Error("storage down"));
    },
  });
  assert.ok(flushes >= 3);
  assert.ok(lines.filter((l) => /ERROR round failed error="storage down"/.test(l)).length >= 2);
});
