import assert from "node:assert/strict";
// @ts-types="npm:@types/pg@^8.15.0"
import pg from "pg";
import { parseStorage } from "../config/load.ts";
import { startPostgres } from "../tests/helpers/postgres.ts";
import { storageConformance } from "./_conformance.ts";
import { parsePostgresDsn } from "./postgres.ts";
import { isSharedStore } from "./storage.ts";

const server = await startPostgres();
// Teardown, not a test: runs after this file's tests, also when one failed or was filtered out.
Deno.test.afterAll(async () => await server?.stop());

storageConformance("postgres", {
  shared: true,
  ignore: !server,
  async config(extra = {}) {
    return { type: "postgres", dsn: await server!.createDatabase(), create: true, ...extra };
  },
  async seedGo(config, name, ts, body) {
    // Exactly what Go's postgres storage does: its DDL, then a plain INSERT.
    const d = parsePostgresDsn(config.dsn as string);
    const client = new pg.Client({ host: d.host, port: d.port, user: d.user, database: d.database });
    await client.connect();
    try {
      await client.query(
        "CREATE TABLE IF NOT EXISTS checks (name TEXT NOT NULL PRIMARY KEY, timestamp INT8 NOT NULL, results TEXT)",
      );
      await client.query("CREATE UNIQUE INDEX IF NOT EXISTS idx_checks_timestamp ON checks(timestamp)");
      await client.query("INSERT INTO checks (name, timestamp, results) VALUES ($1, $2, $3)", [
        name,
        ts.toString(),
        body.trimEnd(),
      ]);
    } finally {
      await client.end();
    }
  },
});

Deno.test("parsePostgresDsn reads lib/pq key=value and URL forms with lib/pq's defaults", () => {
  assert.deepEqual(parsePostgresDsn("dbname=checks user=me"), {
    host: "localhost",
    port: 5432,
    user: "me",
    password: undefined,
    database: "checks",
    sslmode: "require",
    params: {},
  });
  const d = parsePostgresDsn("host=/var/run/postgresql  dbname='my db' connect_timeout=3 password=a\\ b");
  assert.equal(d.host, "/var/run/postgresql");
  assert.equal(d.database, "my db");
  assert.equal(d.password, "a b");
  assert.equal(d.params.connect_timeout, "3");
  const u = parsePostgresDsn("postgresql://u:p%2Fw@[::1]:6543/db?sslmode=verify-full&application_name=x");
  assert.deepEqual([u.host, u.port, u.user, u.password, u.database, u.sslmode], [
    "::1",
    6543,
    "u",
    "p/w",
    "db",
    "verify-full",
  ]);
  assert.throws(() => parsePostgresDsn("sslmode=maybe"), /unknown sslmode "maybe"/);
  assert.throws(() => parsePostgresDsn("host=x dbname='open"), /unterminated/);
});

Deno.test("postgres config errors name the dsn", () => {
  assert.throws(
    () => parseStorage({ type: "postgres", dsn: "" }),
    /storage\.dsn: required: expected a PostgreSQL DSN/,
  );
  assert.throws(
    () => parseStorage({ type: "postgres", dsn: "port=99999" }),
    /storage\.dsn: invalid DSN: expected a port/,
  );
});

Deno.test({
  name: "postgres: a missing or wrong server gives one clear error without the password",
  ignore: !server,
  async fn() {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    const down = parseStorage({
      type: "postgres",
      dsn: `postgres://checkup:hunter2secret@127.0.0.1:${port}/x?sslmode=disable`,
    });
    await assert.rejects(down.store([]), (e: Error) => {
      assert.equal(
        e.message,
        `storage postgres: store: cannot connect to PostgreSQL at 127.0.0.1:${port}: connection refused (is the server running and listening there?)`,
      );
      return true;
    });
    await down.close?.();
    const noDb = parseStorage({
      type: "postgres",
      dsn: server!.dsnFor("nope") + " password=hunter2secret",
      create: true,
    });
    await assert.rejects(noDb.store([]), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(
          `^storage postgres: store: PostgreSQL at 127\\.0\\.0\\.1:${
            server!.port
          }: database "nope" does not exist`,
        ),
      );
      assert.doesNotMatch(e.message, /hunter2/);
      return true;
    });
    await noDb.close?.();
    const noTable = parseStorage({ type: "postgres", dsn: await server!.createDatabase() });
    await assert.rejects(
      noTable.store([]),
      /storage postgres: store: the checks table does not exist \(set "create": true\)/,
    );
    await noTable.close?.();
  },
});

Deno.test({
  name: "postgres: a round re-sent at the same time is stored once; a different round moves on",
  ignore: !server,
  async fn() {
    const s = parseStorage({ type: "postgres", dsn: await server!.createDatabase(), create: true });
    try {
      const r = [{ title: "a", timestamp: 1n }];
      const at = 1_700_000_000_000_000_000n;
      assert.equal(await s.store(r, undefined, { at }), "1700000000000000000-check.json");
      assert.equal(await s.store(r, undefined, { at }), "1700000000000000000-check.json");
      assert.equal(
        await s.store([{ title: "b", timestamp: 2n }], undefined, { at }),
        "1700000000000000001-check.json",
      );
    } finally {
      await s.close?.();
    }
  },
});

Deno.test({
  name:
    "postgres: shared documents while the server is down: clear errors, no stray rejection; the table comes later",
  ignore: !server,
  async fn() {
    const dsn = await server!.createDatabase();
    const s = parseStorage({ type: "postgres", dsn: `${dsn} password=hunter2secret` });
    assert.ok(isSharedStore(s));
    try {
      await server!.halt();
      try {
        // The first use of the shared table fails (its DDL cannot run): each call says so, nothing is left
        // rejected in the background (the test runner fails on an unhandled rejection).
        for (
          const call of [() => s.create("claims/a", "x"), () => s.put("latest/n", "x"), () => s.list("")]
        ) {
          await assert.rejects(call(), (e: Error) => {
            assert.match(
              e.message,
              /^storage postgres: (create|save|list) shared document.*: .*PostgreSQL at /,
            );
            assert.doesNotMatch(e.message, /hunter2/);
            return true;
          });
        }
      } finally {
        await server!.resume();
      }
      // Back: the table is created on this use (the failed DDL was not remembered), without `create`.
      assert.equal(await s.create("claims/a", "x"), true);
      assert.equal(await s.create("claims/a", "y"), false);
      assert.match(
        await server!.psql("SELECT key, value FROM checkup_shared", dsn.match(/dbname=(\S+)/)![1]),
        /claims\/a.*x/,
      );
    } finally {
      await s.close?.();
    }
  },
});
