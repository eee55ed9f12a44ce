import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseStorage } from "../config/load.ts";
import { storageConformance, tempDirs } from "./_conformance.ts";
import { isStorageReader } from "./storage.ts";

const tempDir = tempDirs("checkup-sqlite-");

storageConformance("sqlite3", {
  shared: true,
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

Deno.test("sqlite3: rows that cannot be decoded neither stop the page nor are read again", async () => {
  const dir = await Deno.makeTempDir();
  const dsn = join(dir, "checkup.db");
  const s = parseStorage({ type: "sqlite3", dsn, create: true });
  try {
    assert.ok(isStorageReader(s) && s.rounds);
    const names: string[] = [];
    for (let i = 0; i < 250; i++) {
      names.push(
        await s.store([{ title: `r${i}`, timestamp: BigInt(i + 1) }], undefined, { at: BigInt(i + 1) }),
      );
    }
    // Garbage results in the last row of the first page (100 rows) and mid-way through the second; a row
    // with garbage in every column (SQLite keeps a text timestamp in an INT8 column).
    const db = new DatabaseSync(dsn);
    db.prepare("UPDATE checks SET results = ? WHERE name = ?").run("[{", names[99]);
    db.prepare("UPDATE checks SET results = ? WHERE name = ?").run('{"not": "an array"}', names[150]);
    db.prepare("INSERT INTO checks (name, timestamp, results) VALUES (?, ?, ?)").run(
      "junk",
      "garbage",
      "junk",
    );
    db.close();
    const read = [];
    for await (const r of s.rounds(0n)) read.push(r);
    assert.equal(read.length, 251, "every row once, the pages go on past the bad ones");
    assert.deepEqual(read.filter((r) => r.unreadable).map((r) => r.name), [names[99], names[150], "junk"]);
    assert.equal(read.filter((r) => !r.unreadable).length, 248);
    assert.match(read[99].unreadable!.message, /sqlite3 row \d+-check\.json: not valid JSON/);
    assert.match(read[150].unreadable!.message, /expected a JSON array of results/);
    assert.match(read[250].unreadable!.message, /timestamp: expected integer nanoseconds, found "garbage"/);
    const after = [];
    for await (const r of s.rounds(249n)) after.push(r.name);
    assert.deepEqual(after, [names[249], "junk"]);
  } finally {
    await s.close?.();
    await Deno.remove(dir, { recursive: true });
  }
});
