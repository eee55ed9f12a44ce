import assert from "node:assert/strict";
import { join } from "node:path";
import { checkerDefinitions } from "../checkers/mod.ts";
import { storageDefinitions } from "../storage/mod.ts";
import { notifierDefinitions } from "../notifiers/mod.ts";
import { checkerRegistry } from "../checkers/registry.ts";
import { storageRegistry } from "../storage/registry.ts";
import { notifierRegistry } from "../notifiers/registry.ts";
import type { AnyDefinition } from "./plugin.ts";
import type { PluginRegistry } from "../_internal/registry.ts";

/**
 * Loads `config` in a fresh process through the command line's path (`resolve.ts` alone) and reports the
 * types each registry loaded and the outcome.
 */
async function loadInFreshProcess(config: unknown): Promise<{
  loaded: Record<string, string[]>;
  error?: string;
  checkers?: number;
}> {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "checkup.json");
    await Deno.writeTextFile(path, JSON.stringify(config));
    const url = (p: string) => new URL(p, import.meta.url).href;
    const code = `
      import { loadConfig } from ${JSON.stringify(url("./resolve.ts"))};
      import { checkerRegistry } from ${JSON.stringify(url("../checkers/registry.ts"))};
      import { storageRegistry } from ${JSON.stringify(url("../storage/registry.ts"))};
      import { notifierRegistry } from ${JSON.stringify(url("../notifiers/registry.ts"))};
      const out = {};
      try {
        out.checkers = (await loadConfig(${JSON.stringify(path)}, { env: () => "fs" })).checkers.length;
      } catch (e) {
        out.error = e.message;
      }
      out.loaded = {
        checker: checkerRegistry.loadedTypes,
        storage: storageRegistry.loadedTypes,
        notifier: notifierRegistry.loadedTypes,
      };
      console.log(JSON.stringify(out));
    `;
    const res = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=js", code],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stdout = new TextDecoder().decode(res.stdout);
    assert.equal(res.code, 0, new TextDecoder().decode(res.stderr));
    return JSON.parse(stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a config with one http checker and an fs storage loads those two plugin modules only", async () => {
  const out = await loadInFreshProcess({
    checkers: [{ type: "http", endpoint_name: "one", endpoint_url: "http://127.0.0.1:9/" }],
    storage: { type: "fs", dir: "/tmp/checkup-resolve-test" },
  });
  assert.equal(out.error, undefined);
  assert.equal(out.checkers, 1);
  assert.deepEqual(out.loaded, { checker: ["http"], storage: ["fs"], notifier: [] });
});

Deno.test("types are found with Go's case-insensitive keys and v1 names; aliases load their type", async () => {
  const out = await loadInFreshProcess({
    Checkers: [{ TYPE: "tcp", endpoint_name: "db", endpoint_url: "127.0.0.1:9" }],
    Storage: { provider: "sqlite", dsn: "/tmp/checkup-resolve-test.db" },
    notifier: { name: "slack", webhook: "https://hooks.slack.com/services/T/B/X" },
    notifiers: [{ type: "teams", webhook: "https://example.com/hook" }],
  });
  assert.deepEqual(out.loaded, { checker: ["tcp"], storage: ["sqlite3"], notifier: ["slack", "msteams"] });
});

Deno.test("an unknown type still lists every valid type, with no plugin module loaded", async () => {
  const out = await loadInFreshProcess({
    checkers: [{ type: "htp", endpoint_name: "one", endpoint_url: "http://127.0.0.1:9/" }],
    storage: { type: "nope" },
  });
  assert.match(
    out.error!,
    new RegExp(
      `checkers\\[0\\]\\.type: unknown checker type "htp" \\(did you mean "http"\\?\\); expected one of: ${
        checkerDefinitions.map((d) => d.type).join(", ")
      }`,
    ),
  );
  assert.match(
    out.error!,
    new RegExp(
      `storage\\.type: unknown storage type "nope"; expected one of: ${
        storageDefinitions.map((d) => d.type).join(", ")
      }`,
    ),
  );
  assert.deepEqual(out.loaded, { checker: [], storage: [], notifier: [] });
});

Deno.test("a type written as ${VAR} loads every type of its kind (it is known once substituted)", async () => {
  const out = await loadInFreshProcess({
    checkers: [{ type: "http", endpoint_name: "one", endpoint_url: "http://127.0.0.1:9/" }],
    storage: { type: "${STORAGE_TYPE}", dir: "/tmp/checkup-resolve-test" },
  });
  assert.equal(out.error, undefined);
  assert.deepEqual(out.loaded.storage, storageDefinitions.map((d) => d.type));
  assert.deepEqual(out.loaded.checker, ["http"]);
});

Deno.test("each registry names the types of its kind's definitions, in order, and loads the same definitions", async () => {
  const kinds: [PluginRegistry<unknown>, readonly AnyDefinition<unknown>[]][] = [
    [checkerRegistry, checkerDefinitions],
    [storageRegistry, storageDefinitions],
    [notifierRegistry, notifierDefinitions],
  ];
  for (const [registry, definitions] of kinds) {
    assert.deepEqual(
      registry.entries.map((e) => [e.type, e.aliases ?? []]),
      definitions.map((d) => [d.type, d.aliases ?? []]),
      registry.kind,
    );
    for (const entry of registry.entries) {
      assert.equal(await entry.load(), definitions.find((d) => d.type === entry.type), entry.type);
      assert.equal(registry.loaded(entry.type), await entry.load(), `${entry.type} is provided by mod.ts`);
    }
  }
});
