import assert from "node:assert/strict";
import { join } from "node:path";
import { resolveConfig } from "../config/load.ts";
import { parseStorage } from "../config/load.ts";
import { startPostgres } from "../tests/helpers/postgres.ts";
import { storageConformance, tempDirs } from "./_conformance.ts";
import { legacyPostgresDsn } from "./sql_legacy.ts";
import { isStorageReader } from "./storage.ts";

const tempDir = tempDirs("checkup-sql-");

storageConformance("sql (legacy, sqlite_db_file)", {
  shared: true,
  async config(extra = {}) {
    const dir = await tempDir();
    return { type: "sql", sqlite_db_file: join(dir, "checkup.db"), create: true, ...extra };
  },
});

Deno.test("legacy sql is accepted with a deprecation warning naming the replacements", () => {
  const resolved = resolveConfig({ storage: { type: "sql", sqlite_db_file: "/tmp/x.db" } } as never);
  assert.ok(
    resolved.warnings.some((w) =>
      /storage: storage type "sql" is deprecated: use \{"type": "sqlite3"/.test(w)
    ),
    resolved.warnings.join("\n"),
  );
  assert.throws(
    () => parseStorage({ type: "sql", sqlite_db_file: "x", postgresql: { user: "u", dbname: "d" } }),
    /several SQL backends are configured/,
  );
  assert.throws(() => parseStorage({ type: "sql" }), /expected sqlite_db_file or postgresql/);
  assert.equal(
    legacyPostgresDsn({
      host: "db",
      port: 5432,
      user: "u",
      password: "p'w",
      dbname: "d",
      sslmode: "disable",
    }),
    "host='db' port=5432 user='u' dbname='d' password='p\\'w' sslmode='disable'",
  );
});

const server = await startPostgres();

Deno.test({
  name: "legacy sql with a postgresql object stores and reads Go's checks table",
  ignore: !server,
  async fn() {
    try {
      const dbname = `legacy${Date.now()}`;
      await server!.createDatabase(dbname);
      const s = parseStorage({
        type: "sql",
        postgresql: { host: server!.host, port: server!.port, user: "postgres", dbname, sslmode: "disable" },
        create: true,
      });
      try {
        const name = await s.store([{ title: "legacy", timestamp: 7n }]);
        assert.ok(isStorageReader(s));
        assert.equal((await s.fetch(name))[0].title, "legacy");
      } finally {
        await s.close?.();
      }
    } finally {
      await server!.stop();
    }
  },
});
