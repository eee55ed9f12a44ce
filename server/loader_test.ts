import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { FsStorage } from "../storage/fs.ts";
import { SqliteStorage } from "../storage/sqlite.ts";
import type { IndexEntry, StorageReader } from "../storage/storage.ts";
import type { Result } from "../result.ts";
import { LOGGED_PER_READ, RollupLoader } from "./loader.ts";

const MIN = 60_000_000_000n;
const DAY = 1440n * MIN;

function round(t: bigint, status: "healthy" | "down" = "healthy"): Result[] {
  return [{ title: "A", endpoint: "a", timestamp: t, times: [{ rtt: 1e6 }], [status]: true }];
}

/** A reader over a real storage that counts what it is asked. */
function counting(inner: StorageReader) {
  const counts = { index: 0, fetch: 0 };
  const reader: StorageReader = {
    index: (signal) => (counts.index++, inner.index(signal)),
    fetch: (name, signal) => (counts.fetch++, inner.fetch(name, signal)),
  };
  return { reader, counts };
}

Deno.test("index-based readers: recent window first, then history, then only what is new", async () => {
  const dir = await Deno.makeTempDir();
  let clock = 1_800_000_000_000_000_000n;
  const fs = new FsStorage({ type: "fs", dir, url: "", check_expiry: 0 }, { now: () => clock });
  const start = clock;
  for (let i = 0; i < 30; i++) {
    clock = start - 3n * DAY + BigInt(i) * 2n * 3600n * 1_000_000_000n; // every 2 h from 3 days ago
    await fs.store(round(clock, i === 3 ? "down" : "healthy"));
  }
  clock = start;
  const { reader, counts } = counting(fs);
  const loader = new RollupLoader({ reader, now: () => clock });
  assert.equal(loader.ready, false);
  const recent = await loader.refresh();
  assert.ok(loader.ready);
  assert.equal(recent, 5, "the last 24 h: 5 rounds");
  assert.equal(counts.fetch, 5);
  assert.equal(loader.complete, false);
  const older = await loader.backfill();
  assert.equal(older, 25);
  assert.equal(counts.fetch, 30);
  assert.ok(loader.complete);
  assert.equal(await loader.backfill(), 0, "history is read once");
  const g = loader.generation;
  assert.equal(await loader.refresh(), 0);
  assert.equal(counts.fetch, 30, "nothing new, nothing fetched");
  assert.equal(loader.generation, g, "nothing new, same generation (caches stay valid)");
  clock = start + MIN;
  await fs.store(round(clock, "down"));
  // Listed late: stored with an earlier time than the newest round seen (another writer's slow store).
  clock = start + MIN - 30_000_000_000n;
  await fs.store(round(clock, "down"));
  clock = start + 2n * MIN;
  assert.equal(await loader.refresh(), 2);
  assert.equal(counts.fetch, 32);
  assert.equal(await loader.refresh(), 0, "rounds in the overlap window are not read twice");
  assert.equal(counts.fetch, 32);
  assert.notEqual(loader.generation, g);
  const e = [...loader.rollup.endpoints.values()][0];
  assert.deepEqual(e.totals, [0, 29, 0, 3]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readers with a query read rows after the watermark only", async () => {
  const dir = await Deno.makeTempDir();
  let clock = 1_800_000_000_000_000_000n;
  const db = new SqliteStorage({ type: "sqlite3", dsn: `${dir}/c.db`, create: true, check_expiry: 0 }, {
    now: () => clock,
  });
  const start = clock;
  for (let i = 9; i >= 0; i--) {
    clock = start - BigInt(i) * 6n * 3600n * 1_000_000_000n;
    await db.store(round(clock));
  }
  let since: bigint[] = [];
  const reader: StorageReader = {
    index: () => db.index(),
    fetch: (n) => db.fetch(n),
    rounds: (s) => (since.push(s), db.rounds(s)),
  };
  const loader = new RollupLoader({ reader, now: () => clock, overlap: 0 });
  assert.equal(await loader.refresh(), 4);
  assert.equal(await loader.backfill(), 6);
  since = [];
  clock = start + MIN;
  await db.store(round(clock));
  assert.equal(await loader.refresh(), 1);
  assert.deepEqual(since, [start], "asked only for rows after the newest one seen");
  assert.equal(loader.rounds, 11);
  await db.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a failing storage: the error is kept, the next refresh retries, concurrent refreshes share a read", async () => {
  let fail = true;
  let calls = 0;
  const entries: IndexEntry[] = [];
  const reader: StorageReader = {
    index: async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      if (fail) throw new Error("connection refused");
      return entries;
    },
    fetch: () => Promise.reject(new Error("unreachable")),
  };
  const loader = new RollupLoader({ reader });
  await assert.rejects(loader.refresh(), /connection refused/);
  assert.equal(loader.ready, false);
  assert.equal(loader.error?.message, "connection refused");
  assert.equal(loader.failures, 1);
  fail = false;
  const [a, b] = await Promise.all([loader.refresh(), loader.refresh()]);
  assert.deepEqual([a, b], [0, 0]);
  assert.equal(calls, 2, "two concurrent refreshes, one read");
  assert.equal(loader.error, undefined);
  assert.ok(loader.ready);
});

Deno.test("many unreadable rounds: bounded log lines and names, each counted once, never fetched again", async () => {
  const dir = await Deno.makeTempDir();
  let clock = 1_800_000_000_000_000_000n;
  const fs = new FsStorage({ type: "fs", dir, url: "", check_expiry: 0 }, { now: () => clock });
  const bad: string[] = [];
  for (let i = 0; i < 40; i++) {
    clock += MIN;
    const name = await fs.store(round(clock));
    if (i % 2) {
      await Deno.writeTextFile(`${dir}/${name}`, "{truncated");
      bad.push(name);
    }
  }
  const lines: string[] = [];
  const { reader, counts } = counting(fs);
  const loader = new RollupLoader({
    reader,
    now: () => clock,
    logger: createLogger({ write: (l) => lines.push(l) }),
  });
  assert.equal(await loader.refresh(), 20);
  assert.equal(loader.unreadable.count, 20);
  assert.deepEqual(loader.unreadable.latest, bad.slice(-10), "the last ten names");
  const named = lines.filter((l) => l.includes("WARN stored round unreadable; skipped"));
  assert.equal(named.length, LOGGED_PER_READ, lines.join("\n"));
  assert.ok(named[0].includes(`${dir}/${bad[0]}`), "the log has the detail: the file");
  assert.match(lines.join("\n"), /WARN more stored rounds unreadable; skipped rounds=10 total=20/);
  const fetched = counts.fetch;
  const before = lines.length;
  clock += MIN;
  assert.equal(await loader.refresh(), 0);
  assert.equal(counts.fetch, fetched, "rounds in the overlap window are not fetched again, bad ones neither");
  assert.equal(loader.unreadable.count, 20);
  assert.equal(lines.length, before, "nothing logged again");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("older history waits at the pause before each round (the server's document builds go first)", async () => {
  const dir = await Deno.makeTempDir();
  const now = 1_800_000_000_000_000_000n;
  const db = new SqliteStorage({ type: "sqlite3", dsn: `${dir}/c.db`, create: true, check_expiry: 0 }, {
    now: () => now,
  });
  try {
    for (let i = 0; i < 9; i++) {
      const t = now - BigInt(9 - i) * 6n * 3600n * 1_000_000_000n; // every 6 h: 3 in the last 24 h
      await db.store(round(t, i === 1 ? "down" : "healthy"), undefined, { at: t });
    }
    let open = false, pauses = 0;
    let held: (() => void) | undefined, onHold: (() => void) | undefined;
    const pause = () => {
      pauses++;
      if (open) return Promise.resolve();
      return new Promise<void>((resolve) => {
        held = resolve;
        onHold?.();
      });
    };
    const loader = new RollupLoader({ reader: db, now: () => now, pause });
    assert.equal(await loader.refresh(), 3);
    assert.equal(pauses, 0, "the recent window does not wait");
    const holding = new Promise<void>((resolve) => (onHold = resolve));
    const backfill = loader.backfill();
    await holding;
    assert.equal(loader.rounds, 3, "held before the first older round is added");
    assert.equal(loader.complete, false);
    open = true;
    held!();
    assert.equal(await backfill, 6);
    assert.equal(pauses, 6, "once per older round");
    assert.ok(loader.complete);
    assert.equal(loader.rollup.endpoints.get("A\u0000a")!.totals[3], 1, "the older down round is read");
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
