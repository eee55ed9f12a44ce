import assert from "node:assert/strict";
import { join } from "node:path";
import { createLogger } from "../log.ts";
import { FsStorage } from "../storage/fs.ts";
import {
  type AlertStateStore,
  defaultAlertState,
  defaultStateDir,
  fallbackAlertState,
  fileAlertState,
  localStatePath,
  memoryAlertState,
} from "./state.ts";

const failing = (what: string): AlertStateStore => ({
  where: "broken storage",
  load: () => Promise.reject(new Error(`${what}: connection refused`)),
  save: () => Promise.reject(new Error(`${what}: connection refused`)),
});

Deno.test("state: the default directory follows XDG_STATE_HOME, then HOME", () => {
  assert.equal(defaultStateDir((n) => ({ XDG_STATE_HOME: "/x", HOME: "/h" })[n]), join("/x", "checkup"));
  assert.equal(defaultStateDir((n) => ({ HOME: "/h" })[n]), join("/h", ".local", "state", "checkup"));
  assert.equal(defaultStateDir(() => undefined), undefined);
});

Deno.test("state: the local file is named after the node and a hash of the config path", () => {
  const a = localStatePath("/s", undefined, "config:/etc/checkup.json");
  assert.match(a, /^\/s\/alerts-[0-9a-f]{16}\.json$/);
  assert.notEqual(a, localStatePath("/s", undefined, "config:/srv/checkup.json"));
  assert.match(
    localStatePath("/s", "eu-1", "config:/etc/checkup.json"),
    /^\/s\/alerts-eu-1-[0-9a-f]{16}\.json$/,
  );
});

Deno.test("state: a storage that holds state is used, with the local file as a fallback", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const storage = new FsStorage({ type: "fs", dir: join(dir, "checks"), url: "", check_expiry: 0 }, {
      now: () => 1n,
    });
    const store = defaultAlertState({
      storage,
      node: "n1",
      configPath: join(dir, "checkup.json"),
      stateDir: join(dir, "state"),
      logger: createLogger({ write: () => {} }),
    });
    await store.save('{"version":1,"updated":"5"}');
    assert.equal(await storage.loadState("alerts-n1"), '{"version":1,"updated":"5"}');
    assert.equal(await store.load(), '{"version":1,"updated":"5"}');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("state: during a storage outage the local copy takes over, and the newer copy wins afterwards", async () => {
  const lines: string[] = [];
  const logger = createLogger({ write: (l) => lines.push(l) });
  const local = memoryAlertState();
  const outage = fallbackAlertState(failing("db"), local, logger);
  await outage.save('{"version":1,"updated":"20"}');
  assert.equal(await local.load(), '{"version":1,"updated":"20"}');
  assert.equal(await outage.load(), '{"version":1,"updated":"20"}');
  assert.ok(lines.some((l) => l.includes("keeping a local copy") && l.includes("connection refused")));
  // The storage is back but holds an older document: the newer local one is used.
  const primary = memoryAlertState();
  await primary.save('{"version":1,"updated":"10"}');
  assert.equal(await fallbackAlertState(primary, local, logger).load(), '{"version":1,"updated":"20"}');
  await primary.save('{"version":1,"updated":"30"}');
  assert.equal(await fallbackAlertState(primary, local, logger).load(), '{"version":1,"updated":"30"}');
});

Deno.test("state: an unwritable state file fails with its path in the message", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "file"), "");
    const store = fileAlertState(join(dir, "file", "alerts.json"));
    await assert.rejects(store.save("{}"), /alert state ".*file\/alerts\.json": cannot write/);
    assert.equal(await fileAlertState(join(dir, "missing.json")).load(), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
