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
  const blocks = [...(section("install") + section("library")).matchAll(/```ts(?: ignore)?\n([\s\S]*?)```/g)]
    .map((m) => m[1]);
  // `ignore`: deno test --doc must not run them (they check example.com and serve until Ctrl-C).
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

Deno.test("`deno task example` serves the page and stores rounds in the embedded SQLite storage", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).tasks as Record<
    string,
    string
  >;
  const root = new URL("..", import.meta.url).pathname;
  const dir = await Deno.makeTempDir({ prefix: "checkup-example-" });
  try {
    await Deno.mkdir(`${dir}/examples`);
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    // The example checks its own page on 127.0.0.1:3000: moved to the free port like --listen below.
    const config = await Deno.readTextFile(`${root}examples/checkup.json`);
    assert.ok(config.includes('"http://127.0.0.1:3000/"'), "the example checks the status page it serves");
    await Deno.writeTextFile(`${dir}/examples/checkup.json`, config.replace(":3000/", `:${port}/`));
    // The task's own command line, with main.ts made absolute and a free port.
    const args = tasks.example.split(" ").slice(1).map((a) =>
      a === "main.ts" ? `${root}main.ts` : a.replace("127.0.0.1:3000", `127.0.0.1:${port}`)
    );
    const child = new Deno.Command(Deno.execPath(), { args, cwd: dir, stdout: "piped", stderr: "piped" })
      .spawn();
    let status = 0;
    for (let i = 0; i < 200 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await fetch(`http://127.0.0.1:${port}/api/v1/status`).then(
        async (r) => (await r.body?.cancel(), r.status),
        () => 0,
      );
    }
    assert.equal(status, 200, "the status page answers");
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.match(await page.text(), /<html/i);
    let stored = false;
    for (let i = 0; i < 200 && !stored; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stored = await Deno.stat(`${dir}/out/example/checkup.db`).then(() => true, () => false);
    }
    // The first round, as the page shows it: the self-check is healthy with or without internet access.
    type Endpoint = { title: string; status: string; reason?: string };
    let self: Endpoint | undefined;
    for (let i = 0; i < 300 && !self; i++) {
      const view = await fetch(`http://127.0.0.1:${port}/api/v1/status`).then(
        (r) => r.json(),
        () => undefined,
      );
      self = (view?.endpoints as Endpoint[] | undefined)?.find((e) => e.title === "This status page");
      if (!self) await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGTERM");
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.ok(stored, "a round was stored in out/example/checkup.db");
    assert.match(new TextDecoder().decode(out.stderr), /round done checks=3/);
    assert.equal(self?.status, "healthy", JSON.stringify(self));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
