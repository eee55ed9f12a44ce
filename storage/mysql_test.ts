import assert from "node:assert/strict";
import mysql from "mysql2/promise";
import { parseStorage } from "../config/load.ts";
import { startMariadb } from "../tests/helpers/mariadb.ts";
import { storageConformance } from "./_conformance.ts";
import { parseMysqlDsn } from "./mysql.ts";
import { isSharedStore } from "./storage.ts";

const server = await startMariadb();
// Teardown, not a test: runs after this file's tests, also when one failed or was filtered out.
Deno.test.afterAll(async () => await server?.stop());

storageConformance("mysql", {
  shared: true,
  ignore: !server,
  async config(extra = {}) {
    return { type: "mysql", dsn: await server!.createDatabase(), create: true, ...extra };
  },
  async seedGo(config, name, ts, body) {
    // Go's mysql storage: its DDL, then a plain INSERT with ? placeholders.
    const d = parseMysqlDsn(config.dsn as string);
    const conn = await mysql.createConnection({
      host: d.host,
      port: d.port,
      user: d.user,
      database: d.database,
    });
    try {
      await conn.query(
        "CREATE TABLE IF NOT EXISTS checks (name VARCHAR(512) NOT NULL, timestamp BIGINT NOT NULL, results TEXT NULL, PRIMARY KEY (name), UNIQUE (timestamp)) ENGINE = InnoDB",
      );
      await conn.execute("INSERT INTO checks (name, timestamp, results) VALUES (?, ?, ?)", [
        name,
        ts.toString(),
        body.trimEnd(),
      ]);
    } finally {
      await conn.end();
    }
  },
});

Deno.test("parseMysqlDsn reads go-sql-driver and URL forms", () => {
  const d = parseMysqlDsn("root@tcp(127.0.0.1:3306)/checkup");
  assert.deepEqual([d.user, d.password, d.net, d.host, d.port, d.database], [
    "root",
    undefined,
    "tcp",
    "127.0.0.1",
    3306,
    "checkup",
  ]);
  const local = parseMysqlDsn("/checkup");
  assert.deepEqual([local.user, local.host, local.port], [undefined, "127.0.0.1", 3306]);
  const sock = parseMysqlDsn("u:p@unix(/run/mysqld/mysqld.sock)/db?charset=utf8mb4&timeout=5s");
  assert.deepEqual([sock.net, sock.address, sock.params.timeout], ["unix", "/run/mysqld/mysqld.sock", "5s"]);
  const v6 = parseMysqlDsn("u:p/w@tcp([::1]:3307)/db");
  assert.deepEqual([v6.password, v6.host, v6.port], ["p/w", "::1", 3307]);
  const url = parseMysqlDsn("mysql://u:p%40ss@db.example:3310/checks?tls=true");
  assert.deepEqual([url.user, url.password, url.host, url.port, url.database, url.params.tls], [
    "u",
    "p@ss",
    "db.example",
    3310,
    "checks",
    "true",
  ]);
  assert.throws(() => parseMysqlDsn("user:pw@tcp(host:3306)"), /dbname/);
  assert.throws(() => parseMysqlDsn("u@udp(x)/db"), /tcp or unix/);
  assert.throws(() => parseMysqlDsn("u@tcp(x)/db?timeout=soon"), /expected a duration/);
});

Deno.test("mysql config errors name the dsn", () => {
  assert.throws(
    () => parseStorage({ type: "mysql", dsn: "" }),
    /storage\.dsn: required: expected a MySQL DSN/,
  );
  assert.throws(() => parseStorage({ type: "mysql", dsn: "nohost" }), /storage\.dsn: invalid DSN/);
});

Deno.test({
  name: "mysql: a missing or wrong server gives one clear error without the password",
  ignore: !server,
  async fn() {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    const down = parseStorage({ type: "mysql", dsn: `checkup:hunter2secret@tcp(127.0.0.1:${port})/x` });
    await assert.rejects(down.store([]), (e: Error) => {
      assert.equal(
        e.message,
        `storage mysql: store: cannot connect to MySQL at 127.0.0.1:${port}: connection refused (is the server running and listening there?)`,
      );
      return true;
    });
    await down.close?.();
    const badLogin = parseStorage({
      type: "mysql",
      dsn: `nobody:hunter2secret@tcp(127.0.0.1:${server!.port})/x`,
    });
    await assert.rejects(badLogin.store([]), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(
          `^storage mysql: store: MySQL at 127\\.0\\.0\\.1:${server!.port} refused the login: Access denied`,
        ),
      );
      assert.doesNotMatch(e.message, /hunter2/);
      return true;
    });
    await badLogin.close?.();
    const noTable = parseStorage({ type: "mysql", dsn: await server!.createDatabase() });
    await assert.rejects(
      noTable.store([]),
      /storage mysql: store: the checks table does not exist \(set "create": true\)/,
    );
    await noTable.close?.();
  },
});

Deno.test("mysql: closing while a query still waits for a connection to a server that is down throws nothing", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const s = parseStorage({ type: "mysql", dsn: `checkup@tcp(127.0.0.1:${port})/x` });
  assert.ok(isSharedStore(s));
  await assert.rejects(
    s.store([]),
    /^Error: storage mysql: store: cannot connect to MySQL at 127\.0\.0\.1:\d+/,
  );
  // A query in flight (its connection being opened) when the storage closes: mysql2's end() rejects with
  // that connection's failure, which the query reports itself.
  const listing = assert.rejects(s.list("nodes/"), /^Error: storage mysql: list shared documents: /);
  await new Promise((r) => setTimeout(r, 0)); // one turn of the event loop: the query reaches the pool
  await s.close?.();
  await listing;
});
