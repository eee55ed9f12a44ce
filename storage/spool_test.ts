import assert from "node:assert/strict";
import { join } from "node:path";
// @ts-types="npm:@types/pg@^8.15.0"
import pg from "pg";
import { Checkup, type RoundReport } from "../checkup.ts";
import { memoryIo } from "../cli/io.ts";
import { runCli } from "../cli/program.ts";
import { createLogger } from "../_internal/log.ts";
import { parseStorage } from "../config/load.ts";
import type { Result } from "../result.ts";
import { startPostgres } from "../tests/helpers/postgres.ts";
import { parsePostgresDsn } from "./postgres.ts";
import { Spool } from "./spool.ts";
import { isStorageReader, type Storage, type StoreOptions } from "./storage.ts";

/** An fs storage whose writes fail while `down` is set (an outage), otherwise untouched. */
function flaky(dir: string) {
  const inner = parseStorage({ type: "fs", dir });
  const s = {
    type: "flaky",
    down: false,
    store(results: readonly Result[], signal?: AbortSignal, options?: StoreOptions) {
      if (s.down) {
        return Promise.reject(new Error("storage flaky: cannot connect to 127.0.0.1:1: connection refused"));
      }
      return inner.store(results, signal, options);
    },
  };
  return { storage: s as Storage & { down: boolean }, inner };
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
    const spool = new Spool(storage, { dir: join(dir, "spool") }, { logger, now });
    assert.equal((await spool.store(round("r0"))).stored, "1001000-check.json");
    storage.down = true;
    for (const n of ["r1", "r2", "r3"]) assert.equal((await spool.store(round(n))).stored, undefined);
    assert.equal(await spool.pending(), 3);
    assert.equal(lines.filter((l) => l.includes("ERROR")).length, 1, "one error per outage, not per round");
    assert.match(lines.find((l) => l.includes("ERROR"))!, /storage unavailable.*connection refused/);
    // A restart: a new spool over the same directory sends what the old one kept.
    storage.down = false;
    const again = new Spool(storage, { dir: join(dir, "spool") }, { logger, now });
    const report = await again.store(round("r4"));
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
    const spool = new Spool(storage, { dir: join(dir, "spool"), maxRounds: 3 }, {
      logger: createLogger({ write: (l) => lines.push(l) }),
      now: () => ++t,
    });
    for (let i = 0; i < 5; i++) await spool.store(round(`r${i}`));
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

Deno.test({ name: "spool: stop PostgreSQL", ignore: !server }, async () => {
  await server!.stop();
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
      await new Spool(checkup.storage!, { dir: join(dir, "spool") }, {
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
