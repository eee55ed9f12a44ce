/**
 * Config reload without a restart (SIGHUP): `checkup every` loads the config again at a reload request.
 * A changed config takes effect at the next round, and an endpoint in both configs keeps its incident (the
 * alert state is read back: no second page). A config that fails to load is refused with its errors logged,
 * and the running one carries on. A real process gets a real SIGHUP too.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/program.ts";
import { memoryIo } from "../cli/io.ts";
import { FakeClock } from "./helpers/clock.ts";
import { startReceiver } from "./helpers/receiver.ts";
import { startHttpTarget } from "./helpers/http_target.ts";
import { spawnCheckup } from "./helpers/checkup_process.ts";

function titlesOf(dir: string): Set<string> {
  const titles = new Set<string>();
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith("-check.json")) continue;
    for (const r of JSON.parse(Deno.readTextFileSync(join(dir, e.name)))) titles.add(r.title);
  }
  return titles;
}

Deno.test("reload: a new config takes effect at the next round; a broken one is refused and the running one stays", async () => {
  const target = startHttpTarget();
  const receiver = startReceiver("ok");
  const dir = await Deno.makeTempDir();
  const path = join(dir, "checkup.json");
  const checks = join(dir, "checks");
  const config = (checkers: unknown[]) =>
    Deno.writeTextFile(
      path,
      JSON.stringify({
        checkers,
        storage: { type: "fs", dir: checks },
        notifiers: [{ type: "webhook", webhook: receiver.url, min_interval: "0s" }],
      }),
    );
  const down = { type: "http", endpoint_name: "Down", endpoint_url: `${target.url}/fail` };
  const up = { type: "http", endpoint_name: "Up", endpoint_url: `${target.url}/ok` };
  const clock = new FakeClock();
  const ac = new AbortController();
  const io = memoryIo(ac.signal);
  io.clock = clock;
  // Waits for what the process logs (events, not time).
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const err = io.err.bind(io);
  io.err = (t: string) => {
    err(t);
    for (const w of [...waiters]) {
      if (w.re.test(io.stderr)) waiters.splice(waiters.indexOf(w), 1), w.resolve();
    }
  };
  const logged = (re: RegExp) =>
    re.test(io.stderr) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ re, resolve }));
  const rounds = (n: number) => new RegExp(`(round done[\\s\\S]*){${n}}`);
  let done: Promise<number> | undefined;
  try {
    await config([down]);
    done = runCli(["-c", path, "every", "1s"], io);
    await receiver.waitFor(1); // the first round: Down is down, one page
    assert.equal(receiver.requests[0].body.title, "Down");

    // A new endpoint: loaded on SIGHUP, checked from the next round on; Down's incident carries over.
    await config([down, up]);
    await logged(rounds(1));
    io.reload();
    // The running round ends, the new config starts with a round at once: Up is checked.
    await logged(/config reloaded[\s\S]*checking on a schedule interval=1s checkers=2[\s\S]*round done/);
    assert.ok(titlesOf(checks).has("Up"), "the reloaded config checks Up");
    await clock.untilSleeping();
    clock.advance(1000);
    await logged(rounds(3));
    assert.deepEqual(
      receiver.requests.map((r) => `${r.body.kind}:${r.body.title}`),
      ["down:Down"],
      "no second page",
    );

    // A broken config: refused, with what is wrong, and the running config carries on.
    await Deno.writeTextFile(path, JSON.stringify({ checkers: [{ type: "nope", endpoint_name: "X" }] }));
    io.reload();
    await logged(/config reload refused; the running config stays/);
    assert.match(io.stderr, /config reload refused; the running config stays.*checkers\[0\]\.type/);
    await clock.untilSleeping();
    clock.advance(1000);
    await logged(rounds(4));
    assert.equal(io.stderr.match(/checking on a schedule/g)?.length, 2, "still the second config");
    ac.abort();
    assert.equal(await done, 0, io.stderr);
    assert.deepEqual(receiver.requests.map((r) => r.body.title), ["Down"]);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- log ---\n${io.stderr}`, { cause: e });
  } finally {
    ac.abort();
    await done?.catch(() => {});
    await receiver.close();
    await target.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "reload: a real SIGHUP makes a running checkup every load its config again",
  ignore: Deno.build.os === "windows",
  async fn() {
    const target = startHttpTarget();
    const dir = await Deno.makeTempDir();
    const path = join(dir, "checkup.json");
    const write = (checkers: unknown[]) =>
      Deno.writeTextFile(
        path,
        JSON.stringify({ checkers, storage: { type: "fs", dir: join(dir, "checks") } }),
      );
    await write([{ type: "http", endpoint_name: "One", endpoint_url: `${target.url}/ok` }]);
    const p = spawnCheckup(["-c", path, "every", "1s"]);
    try {
      await p.output(/checking on a schedule/);
      await write([{ type: "http", endpoint_name: "Two", endpoint_url: `${target.url}/ok` }]);
      p.child.kill("SIGHUP");
      await p.output(/config reloaded/);
      await p.output(/checking on a schedule[\s\S]*checking on a schedule/);
      p.child.kill("SIGTERM");
      const exit = await p.exit();
      assert.equal(exit.code, 0, exit.stderr);
    } finally {
      try {
        p.child.kill("SIGKILL");
      } catch { /* exited */ }
      await target.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("reload: serve builds the reloaded config's page (here: a group) and answers from the running one meanwhile", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "checkup.json");
  const checks = join(dir, "checks");
  const write = (group?: string) =>
    Deno.writeTextFile(
      path,
      JSON.stringify({
        checkers: [{
          type: "http",
          endpoint_name: "API",
          endpoint_url: "https://api.example.com/",
          ...(group ? { group } : {}),
        }],
        storage: { type: "fs", dir: checks },
      }),
    );
  await write();
  const { FsStorage } = await import("../storage/fs.ts");
  const { nowNs } = await import("../result.ts");
  const storage = new FsStorage({ type: "fs", dir: checks, url: "", check_expiry: 0 }, { now: nowNs });
  await storage.store([{
    title: "API",
    endpoint: "https://api.example.com/",
    timestamp: nowNs(),
    times: [{ rtt: 1e7 }],
    healthy: true,
  }]);
  const ac = new AbortController();
  const io = memoryIo(ac.signal);
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const both = () => io.stdout + io.stderr;
  for (const k of ["out", "err"] as const) {
    const write = io[k].bind(io);
    io[k] = (t: string) => {
      write(t);
      for (const w of [...waiters]) if (w.re.test(both())) waiters.splice(waiters.indexOf(w), 1), w.resolve();
    };
  }
  const logged = (re: RegExp) =>
    re.test(both()) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ re, resolve }));
  const done = runCli(["-c", path, "serve", "--listen", "127.0.0.1:0"], io);
  try {
    await logged(/recent checks read/);
    const base = /Serving the status page on (http:\/\/[^/]+\/)/.exec(io.stdout)![1];
    const group = async () => (await (await fetch(`${base}api/v1/status`)).json()).endpoints[0].group;
    assert.equal(await group(), undefined);
    await write("Core");
    io.reload();
    await logged(/serving the reloaded config/);
    assert.equal(await group(), "Core");
    // A broken config is refused; the page keeps the running one.
    await Deno.writeTextFile(path, "{ not json");
    io.reload();
    await logged(/config reload refused/);
    assert.equal(await group(), "Core");
  } finally {
    ac.abort();
    assert.equal(await done, 0, io.stderr);
    await Deno.remove(dir, { recursive: true });
  }
});
