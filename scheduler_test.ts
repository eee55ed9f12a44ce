import assert from "node:assert/strict";
import { createLogger } from "./log.ts";
import type { Result } from "./result.ts";
import { type RunInfo, runRounds, runSchedule, type ScheduledCheck, Ticks } from "./scheduler.ts";
import { FakeClock } from "./tests/helpers/clock.ts";

// Every test runs on a fake clock: checks "work" by sleeping on it, and the test moves time from one
// sleeper's deadline to the next, so no test waits for real time and every instant is exact.

function fakeCheck(
  clock: FakeClock,
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
      await clock.sleep(workMs);
      state.running.set(index, mine - 1);
      state.total--;
      return { title: `c${index}`, timestamp: BigInt(index), healthy: true };
    },
  };
}

function newState() {
  return { running: new Map<number, number>(), peak: 0, total: 0, maxTotal: 0 };
}

Deno.test("ticks: the next tick after now, on the grid, counting the ticks passed over", () => {
  const ticks = new Ticks(1000, 50);
  assert.equal(ticks.due, 1000);
  assert.equal(ticks.pass(1010), 0, "on time: nothing missed");
  assert.equal(ticks.due, 1050);
  assert.equal(ticks.pass(1180), 2, "1100 and 1150 were passed over");
  assert.equal(ticks.due, 1200, "still on the grid, not 1180 + 50");
  assert.equal(ticks.pass(1200), 0, "exactly on a tick: the next one");
  assert.equal(ticks.due, 1250);
  assert.equal(ticks.pass(1100), 0, "never backwards");
  assert.equal(ticks.due, 1300);
  assert.equal(new Ticks(0, 100, 1).due, 100, "a grid can start at its first tick");
});

Deno.test("schedule: per-check intervals, spread first runs, bounded concurrency, ordered flushes", async () => {
  const clock = new FakeClock();
  const state = newState();
  const runs: RunInfo[] = [];
  const flushed: Result[][] = [];
  const ac = new AbortController();
  const checks = [
    fakeCheck(clock, 0, 40, 5, state),
    fakeCheck(clock, 1, 200, 5, state),
    fakeCheck(clock, 2, 200, 5, state),
    fakeCheck(clock, 3, 200, 5, state),
  ];
  const done = runSchedule({
    checks,
    flushInterval: 100e6,
    concurrency: 2,
    logger: createLogger({ write: () => {} }),
    signal: ac.signal,
    clock,
    onRun: (r) => runs.push(r),
    flush: (results) => {
      flushed.push(results);
      return Promise.resolve();
    },
  });
  while (runs.filter((r) => r.index === 1).length < 2) await clock.next();
  ac.abort();
  await clock.run(done);
  const count = (i: number) => runs.filter((r) => r.index === i).length;
  assert.ok(
    count(0) > 2 * count(1),
    `the 40ms check runs far more often than the 200ms one (${count(0)} vs ${count(1)})`,
  );
  // Spread: the three 200ms checks first ran at distinct, increasing times, not in one burst: a quarter
  // of the period apart, in config order.
  const firsts = [1, 2, 3].map((i) => runs.find((r) => r.index === i)!.due);
  assert.deepEqual(firsts, [50, 100, 150], `first runs spread: ${firsts}`);
  assert.deepEqual(
    runs.filter((r) => r.index === 0).map((r) => r.due).slice(0, 4),
    [0, 40, 80, 120],
    "the 40ms check runs on its grid",
  );
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
  const clock = new FakeClock();
  const state = newState();
  const lines: string[] = [];
  const ac = new AbortController();
  const runs: RunInfo[] = [];
  const done = runSchedule({
    checks: [fakeCheck(clock, 0, 20, 120, state)],
    flushInterval: 1000e6,
    concurrency: 4,
    logger: createLogger({ write: (l) => lines.push(l) }),
    signal: ac.signal,
    clock,
    onRun: (r) => {
      runs.push(r);
      if (runs.length === 2) ac.abort();
    },
    flush: () => Promise.resolve(),
  });
  await clock.run(done);
  assert.equal(state.peak, 1);
  assert.ok(
    lines.some((l) =>
      /WARN check took longer than its interval; skipping this run title=c0 interval=20ms skipped=1/.test(l)
    ),
    lines.join("\n"),
  );
  assert.equal(runs[1].due % 20, 0, "the next run is on the check's grid");
  assert.ok(runs[1].started >= runs[0].finished, "after the slow run ended, not queued behind it");
});

Deno.test("schedule: a failing flush is logged and the schedule goes on", async () => {
  const clock = new FakeClock();
  const state = newState();
  const lines: string[] = [];
  const ac = new AbortController();
  let flushes = 0;
  await clock.run(runSchedule({
    checks: [fakeCheck(clock, 0, 10, 1, state)],
    flushInterval: 30e6,
    concurrency: 1,
    logger: createLogger({ write: (l) => lines.push(l) }),
    signal: ac.signal,
    clock,
    flush: () => {
      if (++flushes === 3) ac.abort();
      return Promise.reject(new Error("storage down"));
    },
  }));
  assert.ok(flushes >= 3);
  assert.ok(lines.filter((l) => /ERROR round failed error="storage down"/.test(l)).length >= 2);
});

Deno.test("rounds: on the grid; a late round skips the ticks it missed and says so", async () => {
  const clock = new FakeClock();
  const lines: string[] = [];
  const ac = new AbortController();
  const starts: number[] = [];
  await clock.run(runRounds({
    interval: 50e6,
    logger: createLogger({ write: (l) => lines.push(l) }),
    signal: ac.signal,
    clock,
    round: async () => {
      starts.push(clock.monotonic());
      await clock.sleep(starts.length === 2 ? 130 : 10); // the second round is late
      if (starts.length === 4) ac.abort();
    },
  }));
  assert.deepEqual(starts, [0, 50, 200, 250], "the late round (50 to 180) skipped the ticks at 100 and 150");
  assert.deepEqual(
    lines.filter((l) => / WARN /.test(l)).map((l) => l.replace(/^.* WARN /, "")),
    ["round took longer than the interval; skipping missed ticks interval=50ms skipped=2"],
  );
});

Deno.test("rounds: an error in a round is logged and the schedule goes on", async () => {
  const clock = new FakeClock();
  const lines: string[] = [];
  const ac = new AbortController();
  let rounds = 0;
  await clock.run(runRounds({
    interval: 1000e6,
    logger: createLogger({ write: (l) => lines.push(l) }),
    signal: ac.signal,
    clock,
    round: () => {
      if (++rounds === 3) ac.abort();
      return Promise.reject(new Error("storage down"));
    },
  }));
  assert.equal(rounds, 3);
  assert.equal(lines.filter((l) => /ERROR round failed error="storage down"/.test(l)).length, 3);
});

Deno.test("rounds and schedule keep time on the monotonic clock: a wall-clock step moves no round", async () => {
  for (const mode of ["rounds", "schedule"] as const) {
    const clock = new FakeClock();
    const lines: string[] = [];
    const ac = new AbortController();
    const starts: number[] = [];
    const round = () => {
      starts.push(clock.monotonic());
      // NTP steps the wall clock back an hour, then forward two: the rounds keep their grid.
      if (starts.length === 1) clock.jump(-3_600_000);
      if (starts.length === 2) clock.jump(7_200_000);
      if (starts.length === 4) ac.abort();
    };
    const logger = createLogger({ write: (l) => lines.push(l) });
    const done = mode === "rounds"
      ? runRounds({
        interval: 60_000e6,
        logger,
        signal: ac.signal,
        clock,
        round: () => Promise.resolve(round()),
      })
      : runSchedule({
        checks: [{
          index: 0,
          title: "a",
          interval: 60_000e6,
          run: () => Promise.resolve({ title: "a", timestamp: clock.now(), healthy: true }),
        }],
        flushInterval: 60_000e6,
        concurrency: 1,
        logger,
        signal: ac.signal,
        clock,
        flush: () => Promise.resolve(round()),
      });
    await clock.run(done);
    const expected = mode === "rounds" ? [0, 60_000, 120_000, 180_000] : [60_000, 120_000, 180_000, 240_000];
    // (The schedule's shutdown flushes what the check gathered meanwhile: a fifth round, at the same instant.)
    assert.deepEqual(
      starts.slice(0, 4),
      expected,
      `${mode}: one round a minute whatever the wall clock says`,
    );
    assert.deepEqual(lines.filter((l) => /WARN/.test(l)), [], `${mode}: nothing was skipped`);
  }
});
