import assert from "node:assert/strict";
import { loadConfig } from "../config/load.ts";

Deno.test("the bundled example config is valid and warning-free", async () => {
  const config = await loadConfig(new URL("../examples/checkup.json", import.meta.url).pathname);
  assert.deepEqual(config.warnings, []);
  assert.ok(config.checkers.length > 0);
  assert.equal(config.storage?.definition.type, "sqlite3");
});

Deno.test("examples/library.ts --once checks, stores, serves the page and exits by itself", async () => {
  const script = new URL("../examples/library.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.1", "--allow-read", "--allow-write", script, "--once"],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, `exit ${code}\n${out}\n${new TextDecoder().decode(stderr)}`);
  const lines = out.trim().split("\n");
  assert.deepEqual(lines.slice(0, 2), ["Website: healthy", "Website port: healthy"]);
  const dir = /^Stored round \d+-check\.json in (\S+)$/.exec(lines[2])?.[1];
  assert.ok(dir, lines[2]);
  assert.match(lines[3], /^Serving the status page on http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.deepEqual(lines.slice(4), [
    "GET / -> 200",
    "API: Website is healthy",
    "API: Website port is healthy",
  ]);
  // The temporary storage is removed on the way out.
  await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
});

Deno.test("README: the install and library TypeScript examples type-check against this package", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const section = (name: string) =>
    readme.slice(readme.indexOf(`<!-- section:${name} -->`), readme.indexOf(`<!-- /section:${name} -->`));
  const blocks = [...(section("install") + section("library")).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) =>
    m[1]
  );
  assert.equal(blocks.length, 2);
  const root = new URL("..", import.meta.url);
  const dir = await Deno.makeTempDir({ prefix: "checkup-readme-" });
  try {
    const files = [];
    for (const [i, code] of blocks.entries()) {
      // The published names, mapped onto this working tree (JSR itself is not reachable from tests).
      const local = code
        .replaceAll('"jsr:@checkup/cli/server"', JSON.stringify(new URL("server/mod.ts", root).href))
        .replaceAll('"jsr:@checkup/cli"', JSON.stringify(new URL("mod.ts", root).href));
      assert.doesNotMatch(local, /jsr:/, "only the package's own specifiers are mapped");
      const file = `${dir}/example_${i}.ts`;
      await Deno.writeTextFile(file, local);
      files.push(file);
    }
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--config", new URL("deno.json", root).pathname, ...files],
      stdout: "null",
      stderr: "piped",
      env: { NO_COLOR: "1" },
      signal: AbortSignal.timeout(60_000),
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
