import assert from "node:assert/strict";
import { loadConfig } from "../config/load.ts";

Deno.test("the bundled example config is valid and warning-free", async () => {
  const config = await loadConfig(new URL("../examples/checkup.json", import.meta.url).pathname);
  assert.deepEqual(config.warnings, []);
  assert.ok(config.checkers.length > 0);
  assert.equal(config.storage?.definition.type, "sqlite3");
});
