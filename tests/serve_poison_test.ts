/**
 * One bad round costs one round: `checkup serve` over every readable storage (real PostgreSQL, MariaDB,
 * s3rver, the GitHub fake, fs, SQLite) with stored rounds that cannot be decoded — truncated, garbage, in
 * the recent window, in older history, the newest of all, the last row of a page — skips them, counts
 * them, names each once in the log and in `/healthz` (degraded, still 200), and keeps reading: rounds
 * stored after a bad one are shown.
 */
import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { encodeResults, type Result } from "../result.ts";
import { createStatusHandler } from "../server/app.ts";
import { openStorage, SERVE_BACKENDS } from "./serve_fixture.ts";

const MIN = 60_000_000_000n;
/** Rounds 0..29 are older than the 24-hour recent window (read by backfill), 30..129 recent (100 rows). */
const HISTORY = 30, RECENT = 100;

function round(at: bigint, i: number): Result[] {
  return [{
    title: "API",
    endpoint: "https://api.example.com/health",
    timestamp: at,
    times: [{ rtt: 20_000_000 + i * 1000 }],
    healthy: true,
    node: "eu",
  }];
}

for (const backend of SERVE_BACKENDS) {
  Deno.test(`serve over ${backend.name}: an unreadable round is skipped, counted, named once, and reading goes on`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "checkup-poison-" });
    const opened = await backend.open(dir);
    if (!opened) return await Deno.remove(dir, { recursive: true });
    const storage = openStorage(opened.config);
    const lines: string[] = [];
    const handler = createStatusHandler({
      reader: storage,
      logger: createLogger({ write: (l) => lines.push(l) }),
    });
    try {
      const now = BigInt(Date.now()) * 1_000_000n;
      const names: string[] = [];
      const times: bigint[] = [];
      for (let i = 0; i < HISTORY + RECENT; i++) {
        const at = i < HISTORY
          ? now - 48n * 60n * MIN + BigInt(i) * MIN
          : now - BigInt(HISTORY + RECENT - i) * MIN;
        names.push(await storage.store(round(at, i), undefined, { at }));
        times.push(at);
      }
      // Truncated in older history; garbage in the middle of the recent window; the newest round (the last
      // row of a full page for the SQL storages) cut short.
      const text = (i: number) => encodeResults(round(times[i], i));
      const bad = [10, 70, HISTORY + RECENT - 1];
      await opened.corrupt(names[10], text(10).slice(0, 40));
      await opened.corrupt(names[70], "this is not JSON");
      await opened.corrupt(names[bad[2]], '[{"title": "API", "timestamp": 1, "times": [{"rtt": "slow"}]}]');

      await handler.refresh();
      await handler.loader.backfill();
      const loader = handler.loader;
      assert.equal(loader.rounds, HISTORY + RECENT - 3, "every readable round is read");
      assert.equal(loader.error, undefined, "an unreadable round is not a storage failure");
      assert.equal(loader.unreadable.count, 3);
      assert.deepEqual([...loader.unreadable.latest].sort(), bad.map((i) => names[i]).sort());

      const health = await handler.fetch(new Request("http://x/healthz"));
      assert.equal(health.status, 200, "degraded, not failed");
      const body = await health.json();
      assert.equal(body.status, "degraded");
      assert.equal(body.unreadable.rounds, 3);
      assert.deepEqual([...body.unreadable.latest].sort(), bad.map((i) => names[i]).sort());
      assert.ok(!JSON.stringify(body).includes(dir), "no storage path in /healthz");

      // The newest readable round is shown; a round stored after the bad ones is read by the next refresh.
      const updated = async () => {
        const res = await handler.fetch(new Request("http://x/api/v1/status"));
        assert.equal(res.status, 200);
        return (await res.json()).endpoints[0].updated;
      };
      assert.equal(await updated(), Number(times[bad[2] - 1] / 1_000_000n));
      const later = now + MIN;
      await storage.store(round(later, 500), undefined, { at: later });
      assert.equal(await handler.loader.refresh(), 1);
      assert.equal(await updated(), Number(later / 1_000_000n));

      // A new bad round, then a good one: the bad one costs one round, the good one is read.
      const worse = await storage.store(round(later + MIN, 501), undefined, { at: later + MIN });
      await opened.corrupt(worse, "[");
      await storage.store(round(later + 2n * MIN, 502), undefined, { at: later + 2n * MIN });
      assert.equal(await handler.loader.refresh(), 1);
      assert.equal(await updated(), Number((later + 2n * MIN) / 1_000_000n));
      for (let i = 0; i < 3; i++) await handler.loader.refresh();
      assert.equal(loader.unreadable.count, 4, "each bad round is counted once, however often it is polled");
      assert.equal(loader.unreadable.latest.at(-1), worse);

      // Each bad round is named once in the log, with the detail (the place and what is wrong).
      for (const name of [...bad.map((i) => names[i]), worse]) {
        const named = lines.filter((l) => l.includes(name));
        assert.equal(named.length, 1, `${name} logged ${named.length} times:\n${lines.join("\n")}`);
        assert.match(named[0], /WARN stored round unreadable; skipped/);
        assert.match(named[0], /not valid JSON|expected/);
      }
      // Go's read of the bad round: an error that names the round, not where or how it is stored.
      const file = await handler.fetch(new Request(`http://x/${names[70]}`));
      assert.equal(file.status, 500);
      assert.equal(
        (await file.json()).error.message,
        `stored round ${names[70]} is unreadable; the server log has the details`,
      );
      const metrics = await (await handler.fetch(new Request("http://x/metrics"))).text();
      assert.match(metrics, /^checkup_rounds_unreadable_total 4$/m);
    } finally {
      await storage.close?.();
      await opened.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
