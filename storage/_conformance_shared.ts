/**
 * The storage contract suite's {@linkcode SharedStore} section (several locations): create-only documents,
 * replaced documents, listings by prefix (mid-segment, nested, with `_` and `.` taken literally), removal,
 * key checks, shared documents kept apart from the rounds, and creates of one key racing from separate
 * storage instances and from separate processes, of which exactly one wins.
 */
import assert from "node:assert/strict";
import { parseStorage } from "../config/load.ts";
import type { StorageConfig } from "./mod.ts";
import { conformanceProcess } from "./_conformance_process.ts";
import { isMaintainer, isSharedStore, isStorageReader, type SharedStore, type Storage } from "./storage.ts";

/** Builds a storage over a fresh, empty store of the backend under test. */
export type MakeStorage = (
  extra?: Record<string, unknown>,
  now?: () => bigint,
) => Promise<{ config: Record<string, unknown>; storage: Storage }>;

/** What the section needs to know about the backend. */
export interface SharedTarget {
  /** Whether the backend holds shared documents: the suite checks it does exactly when this says so. */
  shared?: boolean;
  /** Claimer processes and keys each creates; default 4 × 50. */
  claimers?: number;
  claims?: number;
}

async function withShared(
  make: MakeStorage,
  fn: (s: Storage & SharedStore, config: Record<string, unknown>) => Promise<void>,
): Promise<void> {
  const { config, storage } = await make();
  try {
    assert.ok(isSharedStore(storage));
    await fn(storage, config);
  } finally {
    await storage.close?.();
  }
}

const sorted = (m: Map<string, string>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));

/** Keys a valid key check refuses, each for another reason. */
const BAD_KEYS = ["", "A", "a//b", "/a", "a/", "../x", "a/./b", "a b", "a\\b", "x".repeat(241), "ü", "a?b"];

/**
 * Runs `claimers` processes that get ready, start together and each create the same `claims` keys; the
 * indexes each won.
 */
async function runClaimers(config: Record<string, unknown>, claimers: number, claims: number) {
  const procs = Array.from({ length: claimers }, (_, w) => {
    const child = conformanceProcess(
      "./_conformance_claimer.ts",
      [JSON.stringify(config), `claimer-${w}`, String(claims)],
      "piped",
    ).spawn();
    const ready = Promise.withResolvers<void>();
    const stdout = (async () => {
      let text = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        text += chunk;
        if (text.includes("ready\n")) ready.resolve();
      }
      ready.resolve(); // ended without it: the exit code says why
      return text;
    })();
    return { child, ready: ready.promise, stdout, stderr: new Response(child.stderr).text() };
  });
  await Promise.all(procs.map((p) => p.ready));
  await Promise.all(procs.map((p) => p.child.stdin.close())); // go
  return await Promise.all(procs.map(async (p, w) => {
    const [status, stdout, stderr] = await Promise.all([p.child.status, p.stdout, p.stderr]);
    assert.equal(status.code, 0, `claimer ${w} failed: ${stderr.slice(0, 2000)}`);
    return JSON.parse(stdout.trim().split("\n").at(-1)!) as number[];
  }));
}

/** Registers the SharedStore steps on the backend's conformance test. */
export async function sharedConformance(
  t: Deno.TestContext,
  target: SharedTarget,
  make: MakeStorage,
): Promise<void> {
  await t.step(`holds shared documents: ${target.shared ? "yes" : "no"}`, async () => {
    const { storage } = await make();
    await storage.close?.();
    assert.equal(isSharedStore(storage), target.shared ?? false);
  });
  if (!target.shared) return;

  await t.step("shared: a create succeeds once and never replaces", async () => {
    await withShared(make, async (s, config) => {
      const value = `{"node":"eu-west","text":"Ünïcødé ✓ \u2028 <b>"}\n` + "x".repeat(100_000);
      assert.equal(await s.create("claims/web-0/down-1", value), true);
      assert.equal(await s.create("claims/web-0/down-1", "{}"), false);
      const other = parseStorage(config as unknown as StorageConfig);
      try {
        assert.ok(isSharedStore(other));
        assert.equal(await other.create("claims/web-0/down-1", "{}"), false, "seen from another instance");
      } finally {
        await other.close?.();
      }
      assert.deepEqual(sorted(await s.list("claims/")), [["claims/web-0/down-1", value]]);
    });
  });

  await t.step(
    "shared: put replaces; list by prefix (mid-segment, nested, literal _ and .); remove",
    async () => {
      await withShared(make, async (s) => {
        assert.deepEqual(sorted(await s.list("")), []);
        await s.put("latest/eu-west", "1");
        await s.put("latest/eu-west", "2");
        await s.put("latest/us-east", "3");
        assert.deepEqual(sorted(await s.list("latest/")), [["latest/eu-west", "2"], ["latest/us-east", "3"]]);
        const keys = ["alerts/webhook-0/x", "alerts/webhook-1/y/z", "alerts/web.a", "alerts/w_b", "alertsx"];
        for (const k of keys) assert.equal(await s.create(k, k.toUpperCase()), true, k);
        const list = async (prefix: string) => [...(await s.list(prefix)).keys()].sort();
        assert.deepEqual(await list("alerts/web"), [
          "alerts/web.a",
          "alerts/webhook-0/x",
          "alerts/webhook-1/y/z",
        ]);
        assert.deepEqual(await list("alerts/w_"), ["alerts/w_b"], "_ is not a wildcard");
        assert.deepEqual(await list("alerts/web."), ["alerts/web.a"], ". is not a wildcard");
        assert.deepEqual(await list("alerts/webhook-1/"), ["alerts/webhook-1/y/z"]);
        assert.deepEqual(await list("alerts"), [...keys].sort());
        assert.deepEqual(await list("nothing/"), []);
        assert.equal((await s.list("")).size, keys.length + 2);
        assert.equal((await s.list("alerts/webhook-0/x")).get("alerts/webhook-0/x"), "ALERTS/WEBHOOK-0/X");
        await s.remove(["alerts/web.a", "latest/eu-west", "absent/key"]);
        await s.remove([]);
        assert.deepEqual(await list("alerts/web"), ["alerts/webhook-0/x", "alerts/webhook-1/y/z"]);
        assert.deepEqual(await list("latest/"), ["latest/us-east"]);
        assert.equal(await s.create("alerts/web.a", "again"), true, "a removed key can be created again");
      });
    },
  );

  await t.step("shared: an invalid key or prefix is refused with an error naming it", async () => {
    await withShared(make, async (s) => {
      for (const bad of BAD_KEYS) {
        const named = (e: Error) => e.message.includes(`shared key ${JSON.stringify(bad)}: expected`);
        await assert.rejects(s.create(bad, "v"), named, `create ${JSON.stringify(bad)}`);
        await assert.rejects(s.put(bad, "v"), named, `put ${JSON.stringify(bad)}`);
        await assert.rejects(s.remove(["ok", bad]), named, `remove ${JSON.stringify(bad)}`);
      }
      for (const bad of ["../", "A", "a//", "/"]) {
        await assert.rejects(s.list(bad), (e: Error) => e.message.includes(`prefix ${JSON.stringify(bad)}`));
      }
      assert.deepEqual(sorted(await s.list("")), [], "nothing was written");
    });
  });

  await t.step("shared: documents are not rounds, and maintenance leaves them", async () => {
    const now = 1_700_000_000_000_000_000n;
    let clock = now - 10n * 86_400_000_000_000n;
    const { storage } = await make({ check_expiry: "7d" }, () => clock);
    try {
      assert.ok(isSharedStore(storage));
      const old = await storage.store([{ title: "old", timestamp: clock }]);
      await storage.put("latest/eu-west", "[]");
      assert.equal(await storage.create("claims/x", "{}"), true);
      clock = now;
      if (isStorageReader(storage)) assert.deepEqual((await storage.index()).map((e) => e.name), [old]);
      if (isMaintainer(storage)) assert.equal(await storage.maintain(), 1);
      if (isStorageReader(storage)) assert.deepEqual(await storage.index(), []);
      assert.deepEqual(sorted(await storage.list("")), [["claims/x", "{}"], ["latest/eu-west", "[]"]]);
    } finally {
      await storage.close?.();
    }
  });

  await t.step(
    "shared: 8 storages creating one key at once: exactly one wins, its value is kept",
    async () => {
      const { config, storage } = await make();
      const others = Array.from({ length: 8 }, () => parseStorage(config as unknown as StorageConfig));
      try {
        assert.ok(isSharedStore(storage));
        for (const s of others) await (s as Storage & SharedStore).list("claims/"); // connected, tables ready
        for (let round = 0; round < 10; round++) {
          const key = `claims/race-${round}`;
          const wins = await Promise.all(
            others.map((s, i) => (s as Storage & SharedStore).create(key, `instance-${i}`)),
          );
          assert.equal(wins.filter(Boolean).length, 1, `${key}: ${wins}`);
          assert.equal((await storage.list(key)).get(key), `instance-${wins.indexOf(true)}`);
        }
      } finally {
        await Promise.all([storage, ...others].map((s) => s.close?.()));
      }
    },
  );

  const claimers = target.claimers ?? 4, claims = target.claims ?? 50;
  await t.step(
    `shared: ${claimers} processes creating ${claims} keys at once: each key won once`,
    async () => {
      const { config, storage } = await make();
      try {
        assert.ok(isSharedStore(storage));
        const won = await runClaimers(config, claimers, claims);
        const winners = new Map<number, number[]>();
        won.forEach((keys, w) => keys.forEach((k) => winners.set(k, [...winners.get(k) ?? [], w])));
        for (let k = 0; k < claims; k++) {
          assert.deepEqual(
            winners.get(k)?.length,
            1,
            `key ${k}: ${winners.get(k)}`,
          );
        }
        const stored = await storage.list("claims/");
        assert.equal(stored.size, claims);
        for (const [k, [w]] of winners) assert.equal(stored.get(`claims/key-${k}`), `claimer-${w}`);
      } finally {
        await storage.close?.();
      }
    },
  );
}
