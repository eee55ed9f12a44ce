/**
 * The README's narrowest `deno run` flags per use suffice: each case runs main.ts in a subprocess with
 * exactly the documented permissions.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startHttpTarget } from "./helpers/http_target.ts";

const main = new URL("../main.ts", import.meta.url).pathname;

async function run(flags: string[], args: string[], cwd: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, main, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
}

Deno.test("documented narrow permissions suffice", async (t) => {
  const target = startHttpTarget();
  const dir = await Deno.makeTempDir({ prefix: "checkup-perm-" });
  const host = new URL(target.url).host;
  try {
    const checkers = [{ type: "http", endpoint_name: "Local", endpoint_url: `${target.url}/ok` }];

    await t.step("checks only: --allow-read=checkup.json --allow-net=HOSTS", async () => {
      await Deno.writeTextFile(join(dir, "checkup.json"), JSON.stringify({ checkers }));
      const r = await run(["--allow-read=checkup.json", `--allow-net=${host}`], [], dir);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /Assessment: healthy/);
    });

    await t.step("fs storage: add --allow-read and --allow-write on the directory", async () => {
      await Deno.writeTextFile(
        join(dir, "fs.json"),
        JSON.stringify({ checkers, storage: { type: "fs", dir: "checks" } }),
      );
      const r = await run(["--allow-read=fs.json,checks", "--allow-write=checks", `--allow-net=${host}`], [
        "-c",
        "fs.json",
        "--store",
      ], dir);
      assert.equal(r.code, 0, r.err);
      assert.equal(
        [...Deno.readDirSync(join(dir, "checks"))].filter((e) => e.name.endsWith("-check.json")).length,
        1,
      );
    });

    await t.step("sqlite3 storage: --allow-read and --allow-write on the database's directory", async () => {
      await Deno.writeTextFile(
        join(dir, "sq.json"),
        JSON.stringify({ checkers, storage: { type: "sqlite3", dsn: "data/checkup.db" } }),
      );
      const r = await run(["--allow-read=sq.json,data", "--allow-write=data", `--allow-net=${host}`], [
        "-c",
        "sq.json",
        "--store",
      ], dir);
      assert.equal(r.code, 0, r.err);
    });

    await t.step("serve: --allow-net=HOST:PORT plus --allow-read on the config and the storage", async () => {
      const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (probe.addr as Deno.NetAddr).port;
      probe.close();
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-prompt",
          "--allow-read=fs.json,checks",
          `--allow-net=127.0.0.1:${port}`,
          main,
          "-c",
          "fs.json",
          "serve",
          "--listen",
          `127.0.0.1:${port}`,
        ],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).spawn();
      let body = "";
      for (let i = 0; i < 100 && !body; i++) {
        await new Promise((r) => setTimeout(r, 100));
        body = await fetch(`http://127.0.0.1:${port}/api/v1/status`).then(
          (r) => (r.ok ? r.text() : ""),
          () => "",
        );
      }
      child.kill("SIGTERM");
      const out = await child.output();
      assert.match(body, /"title":"Local"/, new TextDecoder().decode(out.stderr));
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    });

    await t.step("${ENV} needs --allow-env=NAME, and says so when missing", async () => {
      await Deno.writeTextFile(
        join(dir, "env.json"),
        JSON.stringify({ checkers: [{ ...checkers[0], endpoint_url: "${TARGET_URL}/ok" }] }),
      );
      const denied = await run(["--allow-read=env.json", `--allow-net=${host}`], ["-c", "env.json"], dir);
      assert.equal(denied.code, 1);
      assert.match(
        denied.err,
        /checkers\[0\]\.endpoint_url: cannot read environment variable TARGET_URL: run with --allow-env=TARGET_URL/,
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-prompt",
          "--allow-read=env.json",
          `--allow-net=${host}`,
          "--allow-env=TARGET_URL",
          main,
          "-c",
          "env.json",
        ],
        cwd: dir,
        env: { TARGET_URL: target.url, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    });

    await t.step("without --allow-net the check is down with the reason, not a crash", async () => {
      const r = await run(["--allow-read=checkup.json"], [], dir);
      assert.equal(r.code, 1);
      assert.match(r.out, /Assessment: down/);
      assert.match(r.out, /net access|--allow-net|Requires net/i);
    });
  } finally {
    await target.close();
    await Deno.remove(dir, { recursive: true });
  }
});
