import assert from "node:assert/strict";
import { z } from "zod";
import { Checkup } from "./checkup.ts";
import type { Checker } from "./checkers/checker.ts";
import type { PluginDefinition } from "./config/plugin.ts";
import { resolveConfig, type ResolvedConfig } from "./config/load.ts";
import type { Result } from "./result.ts";
import { createLogger } from "./log.ts";
import { sleep } from "./clock.ts";
import { FakeClock } from "./tests/helpers/clock.ts";

/**
 * A checker type for orchestrator tests: takes `ms` to answer (on the test's clock when it has one), or
 * throws when `boom` is set.
 */
function probe(
  stats: { running: number; peak: number; calls: string[] },
  clock?: FakeClock,
): PluginDefinition<Checker, { name: string; ms: number; boom: boolean }> {
  return {
    type: "probe",
    summary: "test",
    schema: z.object({ name: z.string(), ms: z.number().default(0), boom: z.boolean().default(false) }),
    create: (o, ctx) => ({
      type: "probe",
      title: o.name,
      endpoint: `probe:${o.name}`,
      async check(): Promise<Result> {
        stats.calls.push(o.name);
        stats.running++;
        stats.peak = Math.max(stats.peak, stats.running);
        if (o.ms) await (clock?.sleep ?? sleep)(o.ms);
        stats.running--;
        if (o.boom) throw new Error("probe exploded");
        return {
          title: o.name,
          endpoint: `probe:${o.name}`,
          timestamp: ctx.now(),
          times: [{ rtt: o.ms }],
          healthy: true,
        };
      },
    }),
  };
}

function config(
  checkers: { name: string; ms?: number; boom?: boolean }[],
  extra: Partial<ResolvedConfig> = {},
  clock?: FakeClock,
) {
  const stats = { running: 0, peak: 0, calls: [] as string[] };
  const def = probe(stats, clock);
  const base = resolveConfig({});
  const resolved: ResolvedConfig = {
    ...base,
    ...extra,
    checkers: checkers.map((c, i) => ({
      definition: def,
      options: def.schema.parse(c),
      path: `checkers[${i}]`,
    })),
  };
  return { resolved, stats };
}

Deno.test("checks run at most concurrent_checks at a time and results keep config order", async () => {
  const { resolved, stats } = config(
    Array.from({ length: 9 }, (_, i) => ({ name: `c${i}`, ms: (9 - i) * 5 })),
    { concurrent_checks: 3 },
  );
  const results = await new Checkup(resolved).check();
  assert.deepEqual(results.map((r) => r.title), Array.from({ length: 9 }, (_, i) => `c${i}`));
  assert.equal(stats.peak, 3);
});

Deno.test("the timestamp override replaces every result's timestamp", async () => {
  const { resolved } = config([{ name: "a" }, { name: "b" }], { timestamp: 1593180000000000000n });
  const results = await new Checkup(resolved).check();
  assert.deepEqual(results.map((r) => r.timestamp), [1593180000000000000n, 1593180000000000000n]);
});

Deno.test("a checker that throws becomes a down result and the others still run", async () => {
  const lines: string[] = [];
  const { resolved } = config([{ name: "a" }, { name: "b", boom: true }, { name: "c" }]);
  const results = await new Checkup(resolved, { logger: createLogger({ write: (l) => lines.push(l) }) })
    .check();
  assert.deepEqual(results.map((r) => r.healthy ?? false), [true, false, true]);
  assert.equal(results[1].down, true);
  assert.equal(results[1].times?.[0].error, "checker error: probe exploded");
  assert.ok(Number(results[1].times?.[0].rtt) > 0, "the time it took, as Go records a failed attempt");
  assert.match(lines[0], /ERROR checker failed checker=probe title=b error="probe exploded"/);
});

Deno.test("every: rounds never overlap, late rounds skip missed ticks and say so, abort finishes the round", async () => {
  const lines: string[] = [];
  const dir = await Deno.makeTempDir();
  try {
    // Virtual time: the 130 ms check and the waits between rounds move the fake clock, not the test.
    const clock = new FakeClock(undefined, { auto: true });
    const { resolved, stats } = config([{ name: "slow", ms: 130 }], {}, clock);
    const withStorage = { ...resolved, storage: resolveConfig({ storage: { type: "fs", dir } }).storage };
    const checkup = new Checkup(withStorage, {
      logger: createLogger({ write: (l) => lines.push(l) }),
      clock,
    });
    const ac = new AbortController();
    const reports: number[] = [];
    const starts: number[] = [];
    const loop = checkup.every(50e6, ac.signal, () => {
      reports.push(stats.running);
      starts.push(clock.monotonic() - 130);
      if (reports.length === 3) ac.abort();
    });
    await loop;
    assert.equal(reports.length, 3, "the loop ended after the third round");
    assert.equal(stats.peak, 1, "rounds never overlap");
    assert.deepEqual(starts, [0, 150, 300], "each round starts on the first tick after the last one ended");
    assert.equal(
      lines.filter((l) =>
        /WARN round took longer than the interval; skipping missed ticks interval=50ms skipped=2$/.test(l)
      ).length,
      3,
      lines.join("\n"),
    );
    const stored = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith("-check.json"));
    assert.equal(stored.length, 3, "every round was stored, including the one under way at abort");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every keeps checking while the storage fails, keeping rounds in the spool", async () => {
  const lines: string[] = [];
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/file`;
    await Deno.writeTextFile(file, "");
    const { resolved } = config([{ name: "a" }]);
    const broken = {
      ...resolved,
      storage: resolveConfig({ storage: { type: "fs", dir: `${file}/sub` } }).storage,
    };
    const logger = createLogger({ write: (l) => lines.push(l) });
    const clock = new FakeClock(undefined, { auto: true });
    const checkup = new Checkup(broken, { logger, spool: { dir: `${dir}/spool` }, clock });
    const ac = new AbortController();
    const spooled: number[] = [];
    await checkup.every(20e6, ac.signal, (report) => {
      assert.equal(report.stored, undefined);
      spooled.push(report.spooled ?? 0);
      if (spooled.length === 3) ac.abort();
    });
    assert.deepEqual(spooled, [1, 2, 3], "each round waits in the spool");
    assert.ok(
      lines.some((l) => /ERROR storage unavailable; keeping rounds in the spool/.test(l)),
      lines.join("\n"),
    );
    assert.ok(lines.some((l) => /storage fs: cannot create directory/.test(l)), lines.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every with spread or per-checker intervals runs the fleet schedule and stores each flush", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const clock = new FakeClock();
    const { resolved, stats } = config([{ name: "fast" }, { name: "slow-period" }], {}, clock);
    resolved.checkers[1].interval = 10_000e6; // far longer than the test: runs once
    const withStorage = {
      ...resolved,
      spread: false,
      storage: resolveConfig({ storage: { type: "fs", dir } }).storage,
    };
    const checkup = new Checkup(withStorage, { clock });
    const ac = new AbortController();
    const rounds: string[][] = [];
    await clock.run(checkup.every(60e6, ac.signal, (report) => {
      rounds.push(report.results.map((r) => r.title!));
      if (rounds.length === 3) ac.abort();
    }));
    assert.equal(stats.calls.filter((c) => c === "slow-period").length, 1);
    assert.ok(stats.calls.filter((c) => c === "fast").length >= 3);
    const stored = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith("-check.json"));
    assert.equal(stored.length, rounds.length);
    assert.equal(rounds.flat().filter((t) => t === "slow-period").length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
