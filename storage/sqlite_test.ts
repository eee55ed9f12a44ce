import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseStorage } from "../config/load.ts";
import { storageConformance, tempDirs } from "./_conformance.ts";
import { isStorageReader } from "./storage.ts";

const tempDir = tempDirs("checkup-sqlite-");

storageConformance("sqlite3", {
  async config(extra = {}) {
    const dir = await tempDir();
    return { type: "sqlite3", dsn: join(dir, "checkup.db"), create: true, ...extra };
  },
  seedGo(config, name, ts, body) {
    // Exactly what Go's sqlite3 storage does: its DDL, then a plain INSERT.
    const db = new DatabaseSync(config.dsn as string);
    db.exec(
      "CREATE TABLE IF NOT EXISTS checks (name TEXT NOT NULL PRIMARY KEY, timestamp INT8 NOT NULL, results TEXT)",
    );
    db.exec("CREATE UNIQUE INDEX IF NOT EXISTS idx_checks_timestamp ON checks(timestamp)");
    db.prepare("INSERT INTO checks (name, timestamp, results) VALUES (?, ?, ?)").run(
      name,
      ts,
      body.trimEnd(),
    );
    db.close();
    return Promise.resolve();
  },
});

Deno.test("sqlite3 with create:false reports a missing table clearly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = parseStorage({ type: "sqlite3", dsn: join(dir, "x.db"), create: false });
    await assert.rejects(s.store([]), /checks table does not exist \(set "create": true\)/);
    await s.close?.();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sqlite accepts Go's file: DSN form and the sqlite alias", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = parseStorage({ type: "sqlite", dsn: `file:${join(dir, "y.db")}?cache=shared` });
    assert.equal(s.type, "sqlite3");
    const name = await s.store([{ title: "t", timestamp: 1n }]);
    assert.ok(isStorageReader(s));
    assert.equal((await s.fetch(name))[0].title, "t");
    await s.close?.();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
