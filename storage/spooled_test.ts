import assert from "node:assert/strict";
import { join } from "node:path";
// @ts-types="npm:@types/pg@^8.15.0"
import pg from "pg";
import { Checkup, type RoundReport } from "../checkup.ts";
import { memoryIo } from "../cli/io.ts";
import { runCli } from "../cli/program.ts";
import { HttpError, refusesContent } from "../_internal/http.ts";
import { createLogger } from "../log.ts";
import { parseStorage } from "../config/load.ts";
import type { Result } from "../result.ts";
import { startMariadb } from "../tests/helpers/mariadb.ts";
import { startPostgres } from "../tests/helpers/postgres.ts";
import { parsePostgresDsn } from "./postgres.ts";
import { REJECTED_DIR, SpooledStorage } from "./spooled.ts";
import { isRejection, isStorageReader, type Storage, type StoreOptions } from "./storage.ts";

/**
 * An fs storage whose writes fail while `down` is set (an outage), and which refuses rounds whose first
 * title is in `refuse` with an HTTP 400 (a permanent rejection, as a web API answers an invalid body, and
 * classified as one web APIs' backends do); otherwise untouched. `stored` lists `<title>@<name>` of
 * each round it took.
 */
function flaky(dir: string) {
  const inner = parseStorage({ type: "fs", dir });
  const s = {
    type: "flaky",
    down: false,
    /** The error an outage fails with (default: connection refused). */
    outage: () => new Error("storage flaky: cannot connect to 127.0.0.1:1: connection refused"),
    refuse: new Set<string>(),
    stored: [] as string[],
    isRejection: refusesContent,
    async store(results: readonly Result[], signal?: AbortSignal, options?: StoreOptions) {
      if (s.down) throw s.outage();
      if (s.refuse.has(results[0]?.title ?? "")) {
        throw new Error("storage flaky: store: HTTP 400 Bad Request from http://127.0.0.1:1: invalid item", {
          cause: new HttpError("HTTP 400 Bad Request from http://127.0.0.1:1", 400, "invalid item"),
        });
      }
      const name = await inner.store(results, signal, options);
      s.stored.push(`${results[0]?.title}@${name}`);
      return name;
    },
  };
  return { storage: s as Storage & typeof s, inner };
}

const round = (title: string): Result[] => [{ title, timestamp: 1n, healthy: true }];

Deno.test("spool keeps rounds during an outage, survives a restart and sends them in order at their own times", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let t = 1_000_000n;
    const now = () => (t += 1000n);
    const lines: string[] = [];
    const logger = createLogger({ write: (l) => lines.push(l), level: "debug" });
    const { storage, inner } = flaky(join(dir, "checks"));
    const spool = new SpooledStorage(storage, { dir: join(dir, "spool") }, { logger, now });
    assert.equal((await spool.send(round("r0"))).stored, "1001000-check.json");
    storage.down = true;
    for (const n of ["r1", "r2", "r3"]) assert.equal((await spool.send(round(n))).stored, undefined);
    assert.equal(await spool.pending(), 3);
    assert.equal(lines.filter((l) => l.includes("ERROR")).length, 1, "one error per outage, not per round");
    assert.match(lines.find((l) => l.includes("ERROR"))!, /storage unavailable.*connection refused/);
    // A restart: a new spool over the same directory sends what the old one kept.
    storage.down = false;
    const again = new SpooledStorage(storage, { dir: join(dir, "spool") }, { logger, now });
    const report = await again.send(round("r4"));
    assert.deepEqual(report, { stored: "1005000-check.json", pending: 0, sent: 4 });
    assert.ok(isStorageReader(inner));
    const index = await inner.index();
    assert.deepEqual(
      index.map((e) => e.name),
      [1001000, 1002000, 1003000, 1004000, 1005000].map((n) => `${n}-check.json`),
    );
    const titles = [];
    for (const e of index) titles.push((await inner.fetch(e.name))[0].title);
    assert.deepEqual(titles, ["r0", "r1", "r2", "r3", "r4"]);
    // Re-sending a round that was stored but not acknowledged does not duplicate it.
    await inner.store(round("r1"), undefined, { at: 1002000n });
    assert.equal((await inner.index()).length, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spool is bounded: beyond max_rounds the oldest rounds are dropped, with a warning", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let t = 0n;
    const lines: string[] = [];
    const { storage, inner } = flaky(join(dir, "checks"));
    storage.down = true;
    const spool = new SpooledStorage(storage, { dir: join(dir, "spool"), maxRounds: 3 }, {
      logger: createLogger({ write: (l) => lines.push(l) }),
      now: () => ++t,
    });
    for (let i = 0; i < 5; i++) await spool.send(round(`r${i}`));
    assert.equal(await spool.pending(), 3);
    assert.ok(lines.some((l) => /WARN spool full: dropped the oldest rounds dropped=1/.test(l)));
    storage.down = false;
    assert.equal(await spool.flush(), 3);
    assert.ok(isStorageReader(inner));
    assert.deepEqual((await inner.index()).map((e) => e.name), [
      "3-check.json",
      "4-check.json",
      "5-check.json",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const server = await startPostgres();
// Teardown, not a test: runs after this file's tests, also when one failed or was filtered out.
Deno.test.afterAll(async () => await server?.stop());

Deno.test({
  name:
    "checkup every: PostgreSQL stopped mid-run and restarted; every round is stored exactly once, in order",
  ignore: !server,
  async fn() {
    const dir = await Deno.makeTempDir();
    const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
    const dsn = await server!.createDatabase();
    const checkup = new Checkup({
      checkers: [{
        type: "http",
        endpoint_name: "site",
        endpoint_url: `http://127.0.0.1:${http.addr.port}/`,
      }],
      storage: { type: "postgres", dsn, create: true },
    }, { spool: { dir: join(dir, "spool") } });
    const reports: RoundReport[] = [];
    const ac = new AbortController();
    const until = async (what: string, ok: () => boolean) => {
      for (let i = 0; i < 600 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(ok(), `timed out waiting for ${what}`);
    };
    try {
      const loop = checkup.every(50e6, ac.signal, (r) => reports.push(r));
      await until("3 stored rounds", () => reports.filter((r) => r.stored).length >= 3);
      await server!.halt();
      const before = reports.length;
      await until("3 spooled rounds", () => reports.slice(before).filter((r) => r.spooled).length >= 3);
      await server!.resume();
      await until("the spool drained", () => {
        const last = reports.at(-1);
        return reports.length > before + 3 && !!last?.stored && !last.spooled;
      });
      ac.abort();
      await loop;
      assert.ok(reports.some((r) => r.spooled && !r.stored), "some rounds were spooled");
      const d = parsePostgresDsn(dsn);
      const client = new pg.Client({ host: d.host, port: d.port, user: d.user, database: d.database });
      await client.connect();
      try {
        const rows = (await client.query("SELECT name, results FROM checks ORDER BY name")).rows;
        const stored = rows.map((r) =>
          JSON.parse(r.results.replace(/"timestamp":(\d+)/, '"timestamp":"$1"'))[0].timestamp
        );
        const checked = reports.map((r) => String(r.results[0].timestamp));
        assert.deepEqual(stored, checked, "every round once, in the order it was checked");
        assert.equal(new Set(rows.map((r) => r.name)).size, reports.length);
      } finally {
        await client.end();
      }
    } finally {
      ac.abort();
      await checkup.close();
      await http.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("startup against a missing server: one clear error (host, port, what failed), never the password", async () => {
  const dir = await Deno.makeTempDir();
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
  const storage = {
    type: "postgres",
    dsn: `postgres://checkup:hunter2secret@127.0.0.1:${port}/checkup?sslmode=disable`,
  };
  const checkers = [{
    type: "http",
    endpoint_name: "site",
    endpoint_url: `http://127.0.0.1:${http.addr.port}/`,
  }];
  try {
    // checkup --store: the one error, exit 1.
    const config = join(dir, "checkup.json");
    await Deno.writeTextFile(config, JSON.stringify({ checkers, storage }));
    const io = memoryIo();
    assert.equal(await runCli(["--store", "-c", config], io), 1);
    assert.equal(
      io.stderr,
      `error: storage postgres: store: cannot connect to PostgreSQL at 127.0.0.1:${port}: connection refused (is the server running and listening there?)\n`,
    );
    // checkup every: one error line for the outage, the rounds go to the spool.
    const lines: string[] = [];
    const checkup = new Checkup({ checkers, storage } as never, {
      logger: createLogger({ write: (line) => lines.push(line) }),
      spool: { dir: join(dir, "spool") },
    });
    const ac = new AbortController();
    let rounds = 0;
    await checkup.every(20e6, ac.signal, () => ++rounds >= 3 && ac.abort());
    await checkup.close();
    const errors = lines.filter((line) => / ERROR /.test(line));
    assert.equal(errors.length, 1, lines.join("\n"));
    assert.match(
      errors[0],
      new RegExp(`storage unavailable.*PostgreSQL at 127\\.0\\.0\\.1:${port}: connection refused`),
    );
    assert.ok(lines.every((line) => !line.includes("hunter2")));
    assert.equal(
      await new SpooledStorage(checkup.storage!, { dir: join(dir, "spool") }, {
        logger: createLogger(),
        now: () => 0n,
      })
        .pending(),
      3,
    );
  } finally {
    await http.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

/** The titles of every round a storage holds, by name (the name is the store time). */
async function titles(storage: Storage): Promise<string[]> {
  assert.ok(isStorageReader(storage));
  const out = [];
  const names = (await storage.index()).map((e) => e.name).sort();
  for (const name of names) out.push((await storage.fetch(name))[0].title ?? "");
  return out;
}

/** The rounds set aside in `<spool>/rejected/`, by first title. */
async function setAside(spoolDir: string): Promise<string[]> {
  const out = [];
  for await (const e of Deno.readDir(join(spoolDir, REJECTED_DIR))) {
    const text = await Deno.readTextFile(join(spoolDir, REJECTED_DIR, e.name));
    out.push(JSON.parse(text.slice(text.indexOf("\n") + 1))[0].title);
  }
  return out.sort();
}

Deno.test("spool: a round the storage refuses for good is set aside in rejected/, the rounds behind it go on", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let t = 1_000_000n;
    const lines: string[] = [];
    const logger = createLogger({ write: (l) => lines.push(l) });
    const { storage, inner } = flaky(join(dir, "checks"));
    const spoolDir = join(dir, "spool");
    const spool = new SpooledStorage(storage, { dir: spoolDir }, { logger, now: () => (t += 1000n) });
    storage.refuse.add("poison");
    // During an outage the poison round is spooled like any other: nothing says it is bad yet.
    storage.down = true;
    for (const n of ["r1", "poison", "r3"]) await spool.send(round(n));
    assert.equal(await spool.pending(), 3);
    // Back: r1 goes, poison is refused and set aside, r3 and r4 go on.
    storage.down = false;
    storage.stored.length = 0;
    const report = await spool.send(round("r4"));
    assert.deepEqual(report, { stored: "1004000-check.json", pending: 0, sent: 3, rejected: 1 });
    assert.deepEqual(storage.stored, [
      "r1@1001000-check.json",
      "r3@1003000-check.json",
      "r4@1004000-check.json",
    ]);
    assert.deepEqual(await titles(inner), ["r1", "r3", "r4"]);
    assert.deepEqual(await setAside(spoolDir), ["poison"]);
    assert.equal(await spool.rejected(), 1);
    const refused = lines.filter((l) => l.includes("refused a round for good"));
    assert.equal(refused.length, 1);
    assert.match(
      refused[0],
      /^.*ERROR storage refused a round for good; set it aside, the next rounds go on/,
    );
    assert.match(
      refused[0],
      /storage=flaky error="storage flaky: store: HTTP 400 Bad Request.*invalid item"/,
    );
    assert.match(refused[0], /round=\S+\/rejected\/1002000-\w+\.round rejected=1/);
    // With nothing waiting, a refused round is set aside at once, not spooled; the storage is not "down".
    const before = lines.length;
    assert.deepEqual(await spool.send(round("poison")), { pending: 0, sent: 0, rejected: 1 });
    assert.deepEqual(await spool.send(round("r6")), { stored: "1006000-check.json", pending: 0, sent: 0 });
    assert.equal(await spool.rejected(), 2);
    assert.deepEqual(lines.slice(before).filter((l) => / ERROR /.test(l)).length, 1);
    assert.ok(!lines.slice(before).some((l) => l.includes("unavailable")));
    // Failures that may pass are not rejections: throttling (429), server errors, timeouts stay spooled.
    for (const [status, title] of [[429, "r7"], [503, "r8"], [408, "r9"], [401, "r10"]] as const) {
      storage.down = true;
      storage.outage = () =>
        new Error("storage flaky: store", { cause: new HttpError(`HTTP ${status}`, status) });
      await spool.send(round(title));
    }
    assert.equal(await spool.pending(), 4);
    assert.equal(await spool.rejected(), 2);
    // Moving a set-aside round back into the spool sends it again (at the next start).
    storage.down = false;
    storage.refuse.clear();
    for await (const e of Deno.readDir(join(spoolDir, REJECTED_DIR))) {
      await Deno.rename(join(spoolDir, REJECTED_DIR, e.name), join(spoolDir, e.name));
    }
    const restarted = new SpooledStorage(storage, { dir: spoolDir }, { logger, now: () => (t += 1000n) });
    assert.equal(await restarted.pending(), 6);
    assert.equal(await restarted.flush(), 6);
    assert.deepEqual(await titles(inner), [
      "r1",
      "poison",
      "r3",
      "r4",
      "poison",
      "r6",
      "r7",
      "r8",
      "r9",
      "r10",
    ]);
    assert.equal(await restarted.rejected(), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spool: the directory is listed once; a long backlog does not make each round list or stat it", async () => {
  const dir = await Deno.makeTempDir();
  const spoolDir = join(dir, "spool");
  const calls = { readDir: 0, stat: 0 };
  const { readDir, stat } = Deno;
  Deno.readDir = (path) => (String(path) === spoolDir && calls.readDir++, readDir(path));
  Deno.stat = (path) => (String(path).startsWith(spoolDir) && calls.stat++, stat(path));
  try {
    let t = 0n;
    const { storage, inner } = flaky(join(dir, "checks"));
    const spool = new SpooledStorage(storage, { dir: spoolDir }, {
      logger: createLogger({ write() {} }),
      now: () => ++t,
    });
    storage.down = true;
    for (let i = 0; i < 300; i++) await spool.send(round(`r${i}`));
    assert.equal(await spool.pending(), 300);
    assert.deepEqual(calls, { readDir: 1, stat: 0 }, "one listing for 300 rounds, no stat");
    // A restart lists (and sizes) the backlog once, then sends it all.
    const again = new SpooledStorage(storage, { dir: spoolDir, maxRounds: 300 }, {
      logger: createLogger({ write() {} }),
      now: () => ++t,
    });
    storage.down = false;
    const report = await again.send(round("r300"));
    assert.deepEqual(report, { stored: "301-check.json", pending: 0, sent: 300 });
    assert.deepEqual(calls, { readDir: 2, stat: 300 });
    assert.equal((await titles(inner)).length, 300, "the oldest round was dropped to stay within max_rounds");
  } finally {
    Deno.readDir = readDir;
    Deno.stat = stat;
    await Deno.remove(dir, { recursive: true });
  }
});

const mariadb = await startMariadb();
// Teardown, not a test: runs after this file's tests, also when one failed or was filtered out.
Deno.test.afterAll(async () => await mariadb?.stop());

Deno.test({
  name:
    "spool: MariaDB refuses a round larger than its TEXT column; it is set aside and later rounds are stored",
  ignore: !mariadb,
  async fn() {
    const dir = await Deno.makeTempDir();
    const storage = parseStorage({ type: "mysql", dsn: await mariadb!.createDatabase(), create: true });
    const lines: string[] = [];
    let t = 1_700_000_000_000_000_000n;
    const spool = new SpooledStorage(storage, { dir: join(dir, "spool") }, {
      logger: createLogger({ write: (l) => lines.push(l) }),
      now: () => (t += 1_000_000_000n),
    });
    // Over 64 KiB of JSON: Go's DDL makes `results` TEXT, MariaDB (strict mode) refuses it (1406).
    const big = (title: string): Result[] =>
      Array.from({ length: 1000 }, (_, i) => ({
        title: i ? `${title} endpoint ${i}` : title,
        endpoint: `https://service-${i}.example.com/health/check/with/a/long/path`,
        timestamp: 1n,
        healthy: true,
      }));
    try {
      assert.ok((await spool.send(round("r1"))).stored);
      assert.deepEqual(await spool.send(big("big1")), { pending: 0, sent: 0, rejected: 1 });
      assert.ok((await spool.send(round("r3"))).stored);
      // Behind an outage: the big round is spooled, then set aside when the server is back.
      await mariadb!.halt();
      for (const n of ["r4", "big2", "r6"]) {
        assert.equal((await spool.send(n === "big2" ? big(n) : round(n))).stored, undefined);
      }
      await mariadb!.resume();
      const report = await spool.send(round("r7"));
      assert.equal(report.pending, 0);
      assert.equal(report.sent, 3);
      assert.equal(report.rejected, 1);
      assert.ok(report.stored);
      assert.deepEqual(await titles(storage), ["r1", "r3", "r4", "r6", "r7"]);
      assert.deepEqual(await setAside(join(dir, "spool")), ["big1", "big2"]);
      const refused = lines.filter((l) => l.includes("refused a round for good"));
      assert.equal(refused.length, 2);
      assert.match(refused[0], /Data too long for column 'results'.*MEDIUMTEXT/);
    } finally {
      await storage.close?.();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("isRejection: real driver errors (SQLite too big) are rejections; connection errors are not", async () => {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(":memory:");
  let tooBig: unknown;
  try {
    db.prepare("SELECT zeroblob(2000000000)").get();
  } catch (e) {
    tooBig = e;
  } finally {
    db.close();
  }
  const sqlite = parseStorage({ type: "sqlite3", dsn: ":memory:" });
  assert.ok(isRejection(new Error("storage sqlite3: store", { cause: tooBig }), sqlite), String(tooBig));
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const refused = parseStorage({ type: "mysql", dsn: `root@tcp(127.0.0.1:${port})/x` });
  const err = await refused.store(round("x")).then(() => undefined, (e) => e);
  assert.ok(err instanceof Error);
  assert.equal(isRejection(err, refused), false, err.message);
  await refused.close?.();
});
