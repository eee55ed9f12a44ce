/**
 * The storage contract suite: every backend runs it against a real server. It stores and reads back
 * rounds, lists them in order, rejects unknown names, expires only old rounds, reads Go-written data,
 * round-trips state documents, has several processes store at once, losing nothing, and checks the shared
 * documents of several locations (`_conformance_shared.ts`).
 */
import assert from "node:assert/strict";
import { parseStorage } from "../config/load.ts";
import { decodeResults, encodeResults, type Result, ResultFormatError } from "../result.ts";
import type { StorageConfig } from "./mod.ts";
import { conformanceProcess } from "./_conformance_process.ts";
import { sharedConformance, type SharedTarget } from "./_conformance_shared.ts";
import {
  isMaintainer,
  isStateStore,
  isStorageReader,
  NotFoundError,
  readRounds,
  type Storage,
  type StorageReader,
} from "./storage.ts";

/**
 * Makes temporary directories for a test file and removes them all when the test process ends
 * (conformance configs must outlive each step: writer processes use them).
 */
export function tempDirs(prefix: string): () => Promise<string> {
  const dirs: string[] = [];
  globalThis.addEventListener("unload", () => {
    for (const d of dirs) {
      try {
        Deno.removeSync(d, { recursive: true });
      } catch { /* already gone */ }
    }
  });
  return async () => {
    const dir = await Deno.makeTempDir({ prefix });
    dirs.push(dir);
    return dir;
  };
}

/** How the suite reaches one backend. */
export interface ConformanceTarget extends SharedTarget {
  /** A config for a fresh, empty store (JSON-serialisable: writer processes build the same storage). */
  config(extra?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Writes a Go-written round straight into the backend, bypassing Checkup's code. */
  seedGo?(config: Record<string, unknown>, name: string, timestamp: bigint, body: string): Promise<void>;
  /** Checks backend-specific invariants after the concurrent writers (e.g. fs's index.json). */
  afterConcurrent?(config: Record<string, unknown>, names: string[]): Promise<void>;
  /** For a write-only backend: the first result's title of every round its server received. */
  receivedTitles?(config: Record<string, unknown>): Promise<string[]>;
  /** Concurrent writer processes and rounds each; default 4 × 50. */
  writers?: number;
  rounds?: number;
  /** Skip the whole suite (with the reason printed) when the server is unavailable. */
  ignore?: boolean;
}

const GO_DIR = new URL("../tests/fixtures/go/fs/", import.meta.url);

/** The Go-written fixtures: name, store time (from index.json) and the file's exact bytes. */
export async function goFixtures(): Promise<{ name: string; timestamp: bigint; body: string }[]> {
  const index = JSON.parse(
    (await Deno.readTextFile(new URL("index.json", GO_DIR))).replace(/:(\d+)/g, ':"$1"'),
  ) as Record<string, string>;
  return await Promise.all(
    Object.entries(index).map(async ([name, ts]) => ({
      name,
      timestamp: BigInt(ts),
      body: await Deno.readTextFile(new URL(name, GO_DIR)),
    })),
  );
}

function sample(title: string, ts: bigint): Result[] {
  return [
    {
      title,
      endpoint: "https://example.com/?a=1&b=<2>",
      timestamp: ts,
      times: [{ rtt: 12_345_678 }, { rtt: 0, error: "response status 503 Service Unavailable" }],
      threshold: 500_000_000,
      down: true,
    },
    {
      title: "Ünïcødé ✓ \u2028",
      endpoint: "db:5432",
      timestamp: ts + 1n,
      times: [{ rtt: 1 }],
      healthy: true,
      message: "ok",
    },
  ];
}

/** A clock the suite moves by hand. */
function manualClock(start: bigint) {
  let t = start;
  return { now: () => t, set: (v: bigint) => (t = v) };
}

async function make(target: ConformanceTarget, extra: Record<string, unknown> = {}, now?: () => bigint) {
  const config = await target.config(extra);
  const storage = parseStorage(config as unknown as StorageConfig, now ? { now } : {});
  return { config, storage };
}

function reader(s: Storage): Storage & StorageReader {
  assert.ok(isStorageReader(s), `${s.type} is expected to be a StorageReader`);
  return s;
}

const DAY = 86_400_000_000_000n;

/** Registers the conformance suite for one backend as one `Deno.test` with a step per rule. */
export function storageConformance(name: string, target: ConformanceTarget): void {
  Deno.test({ name: `storage conformance: ${name}`, ignore: target.ignore }, async (t) => {
    await t.step("stores a round and reads it back exactly", async () => {
      const { storage } = await make(target);
      try {
        const results = sample("Site", 1_700_000_000_000_000_001n);
        const stored = await storage.store(results);
        assert.match(stored, /^\d+-check\.json$/);
        if (!isStorageReader(storage)) return;
        const index = await storage.index();
        assert.deepEqual(index.map((e) => e.name), [stored]);
        const back = await storage.fetch(stored);
        assert.deepEqual(back, results);
        assert.equal(encodeResults(back), encodeResults(results));
      } finally {
        await storage.close?.();
      }
    });

    await t.step("lists rounds oldest first and reads only newer ones", async () => {
      const clock = manualClock(1_700_000_000_000_000_000n);
      const { storage } = await make(target, {}, clock.now);
      try {
        if (!isStorageReader(storage)) return; // write-only backends (appinsights)
        const s = reader(storage);
        const names: string[] = [];
        for (let i = 0; i < 5; i++) {
          clock.set(1_700_000_000_000_000_000n + BigInt(i) * 60_000_000_000n);
          names.push(await s.store(sample(`round ${i}`, clock.now())));
        }
        const index = await s.index();
        assert.deepEqual(index.map((e) => e.name), names);
        const since = index[2].timestamp;
        const titles: string[] = [];
        for await (const r of readRounds(s, since)) titles.push(r.results[0].title!);
        assert.deepEqual(titles, ["round 3", "round 4"]);
      } finally {
        await storage.close?.();
      }
    });

    await t.step("rejects unknown and malicious names with NotFoundError", async () => {
      const { storage } = await make(target);
      try {
        if (!isStorageReader(storage)) return; // write-only backends (appinsights)
        const s = reader(storage);
        await s.store(sample("x", 1n));
        for (const bad of ["1-check.json", "../../../etc/passwd", "index.json", "../1-check.json"]) {
          await assert.rejects(s.fetch(bad), NotFoundError, bad);
        }
      } finally {
        await storage.close?.();
      }
    });

    await t.step("maintenance deletes only expired rounds", async () => {
      const now = 1_700_000_000_000_000_000n;
      const clock = manualClock(now - 10n * DAY);
      const { storage } = await make(target, { check_expiry: "7d" }, clock.now);
      try {
        if (!isMaintainer(storage)) return;
        const old = await storage.store(sample("old", clock.now()));
        clock.set(now - 5n * DAY);
        const recent = await storage.store(sample("recent", clock.now()));
        clock.set(now);
        const fresh = await storage.store(sample("fresh", clock.now()));
        assert.equal(await storage.maintain(), 1);
        assert.equal(await storage.maintain(), 0);
        if (isStorageReader(storage)) {
          assert.deepEqual((await storage.index()).map((e) => e.name), [recent, fresh]);
          await assert.rejects(storage.fetch(old), NotFoundError);
        }
      } finally {
        await storage.close?.();
      }
    });

    await t.step("reads rounds written by Go Checkup", async () => {
      if (!target.seedGo) return;
      const { config, storage } = await make(target);
      try {
        const s = reader(storage);
        const fixtures = await goFixtures();
        for (const f of fixtures) await target.seedGo!(config, f.name, f.timestamp, f.body);
        const index = await s.index();
        assert.deepEqual(index.map((e) => e.name).sort(), fixtures.map((f) => f.name).sort());
        for (const f of fixtures) {
          const results = await s.fetch(f.name);
          assert.deepEqual(results, decodeResults(f.body));
          assert.equal(encodeResults(results), f.body.trimEnd());
        }
      } finally {
        await storage.close?.();
      }
    });

    await t.step("an unreadable round is yielded marked, and reading goes on past it", async () => {
      if (!target.seedGo) return;
      const { config, storage } = await make(target);
      try {
        const s = reader(storage);
        const fixtures = (await goFixtures()).sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1));
        const bad = fixtures[1];
        for (const f of fixtures) {
          await target.seedGo!(config, f.name, f.timestamp, f === bad ? f.body.slice(0, 50) : f.body);
        }
        await assert.rejects(s.fetch(bad.name), ResultFormatError);
        const read = [];
        for await (const r of readRounds(s, 0n)) read.push(r);
        assert.deepEqual(read.map((r) => r.name), fixtures.map((f) => f.name));
        assert.deepEqual(read.map((r) => r.results.length > 0), [true, false, true]);
        assert.ok(read[1].unreadable instanceof ResultFormatError);
        assert.match(read[1].unreadable.message, new RegExp(`${bad.name}.*not valid JSON`));
        assert.deepEqual(read[2].results, decodeResults(fixtures[2].body));
      } finally {
        await storage.close?.();
      }
    });

    await t.step("keeps per-node state documents", async () => {
      const { storage } = await make(target);
      try {
        if (!isStateStore(storage)) return;
        assert.equal(await storage.loadState("alerts-node-a"), undefined);
        await storage.saveState("alerts-node-a", '{"v":1}');
        await storage.saveState("alerts-node-a", '{"v":2}');
        await storage.saveState("alerts-node-b", '{"v":3}');
        assert.equal(await storage.loadState("alerts-node-a"), '{"v":2}');
        assert.equal(await storage.loadState("alerts-node-b"), '{"v":3}');
      } finally {
        await storage.close?.();
      }
    });

    const writers = target.writers ?? 4, rounds = target.rounds ?? 50;
    await t.step(`${writers} processes storing ${rounds} rounds each at once lose nothing`, async () => {
      const { config, storage } = await make(target);
      try {
        const procs = Array.from(
          { length: writers },
          (_, w) =>
            conformanceProcess("./_conformance_writer.ts", [
              JSON.stringify(config),
              String(w),
              String(rounds),
            ])
              .output(),
        );
        const outputs = await Promise.all(procs);
        outputs.forEach((o, w) =>
          assert.equal(o.code, 0, `writer ${w} failed: ${new TextDecoder().decode(o.stderr).slice(0, 2000)}`)
        );
        const seen = new Set<string>();
        let names: string[] = [];
        if (isStorageReader(storage)) {
          const index = await storage.index();
          assert.equal(index.length, writers * rounds, "every round is listed");
          names = index.map((e) => e.name);
          for await (const r of readRounds(storage, 0n)) seen.add(r.results[0].title!);
        } else {
          // A write-only backend (appinsights): the target reports what its server received.
          assert.ok(target.receivedTitles, `${storage.type} is not a StorageReader: give receivedTitles()`);
          const titles = await target.receivedTitles(config);
          assert.equal(titles.length, writers * rounds, "every round arrived exactly once");
          for (const t of titles) seen.add(t);
        }
        for (let w = 0; w < writers; w++) {
          for (let i = 0; i < rounds; i++) {
            assert.ok(seen.has(`writer ${w} round ${i}`), `writer ${w} round ${i} readable`);
          }
        }
        await target.afterConcurrent?.(config, names);
      } finally {
        await storage.close?.();
      }
    });

    await sharedConformance(t, target, (extra, now) => make(target, extra, now));
  });
}
