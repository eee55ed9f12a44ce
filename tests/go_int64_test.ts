/**
 * Durations Go reads as int64 stay exact end to end: a `threshold_rtt` of int64 max (or 2^53+1) in
 * `checkup.json` reaches the result, the check file and the SQL row, reads back, and `checkup serve`
 * answers it with every digit (a rounded `9223372036854776000` makes Go reject the whole round).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/program.ts";
import { memoryIo } from "../cli/io.ts";
import { parseStorage } from "../config/load.ts";
import { decodeResults, encodeResults } from "../result.ts";
import { createStatusHandler } from "../server/app.ts";
import { isStorageReader } from "../storage/storage.ts";

const CASES = [
  ["int64 max", "9223372036854775807"],
  ["2^53+1", "9007199254740993"],
] as const;

for (const [label, digits] of CASES) {
  Deno.test(`threshold_rtt ${label} is exact from checkup.json to the fs check file, sqlite and serve`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "checkup-int64-" });
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const checkers = `[{"type":"tcp","endpoint_name":"db","endpoint_url":"127.0.0.1:${listener.addr.port}",` +
      `"threshold_rtt":${digits}}]`;
    try {
      // The config text is written by hand: JSON.stringify could not hold these integers.
      const fsConfig = join(dir, "fs.json");
      await Deno.writeTextFile(
        fsConfig,
        `{"checkers":${checkers},"storage":{"type":"fs","dir":"${dir}/checks"}}`,
      );
      const io = memoryIo();
      assert.equal(await runCli(["-c", fsConfig, "--store"], io), 0, io.stderr);
      const [name] = [...Deno.readDirSync(join(dir, "checks"))].map((e) => e.name)
        .filter((n) => n.endsWith("-check.json"));
      const text = await Deno.readTextFile(join(dir, "checks", name));
      assert.match(text, new RegExp(`"threshold":${digits},"healthy":true\\}\\]\\n$`));
      const [result] = decodeResults(text);
      assert.equal(result.threshold, BigInt(digits));

      // Read back by the storage and served as Go served it, digits intact.
      const fs = parseStorage({ type: "fs", dir: join(dir, "checks") });
      assert.ok(isStorageReader(fs));
      assert.equal((await fs.fetch(name))[0].threshold, BigInt(digits));
      const handler = createStatusHandler({ reader: fs });
      await handler.refresh();
      const served = await handler.fetch(new Request(`http://x/${name}`));
      assert.equal(served.status, 200);
      assert.equal(await served.text(), text);

      // The same round through a SQL row.
      const sqlConfig = join(dir, "sql.json");
      await Deno.writeTextFile(
        sqlConfig,
        `{"checkers":${checkers},"storage":{"type":"sqlite3","create":true,"dsn":"${dir}/checks.db"}}`,
      );
      assert.equal(await runCli(["-c", sqlConfig, "--store"], memoryIo()), 0);
      const sqlite = parseStorage({ type: "sqlite3", dsn: `${dir}/checks.db` });
      try {
        assert.ok(isStorageReader(sqlite));
        const [row] = await sqlite.index();
        const back = await sqlite.fetch(row.name);
        assert.equal(back[0].threshold, BigInt(digits));
        assert.match(encodeResults(back), new RegExp(`"threshold":${digits}[,}]`));
      } finally {
        await sqlite.close?.();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
