/**
 * Alert delivery under real faults, end to end: real webhook receivers on 127.0.0.1 that refuse, fail,
 * hang or answer late; `checkup` processes killed with SIGKILL or stopped with SIGTERM during a delivery;
 * PostgreSQL stopped before the first round. Every wait is for an event (a request arriving, a round
 * stored, a line logged, a process exiting), never for a length of time.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Checkup } from "../checkup.ts";
import { type CheckupConfig, resolveConfig } from "../config/load.ts";
import { decodeAlertState } from "../notifiers/alert_codec.ts";
import { createStatusHandler } from "../server/app.ts";
import type { Storage, StorageReader } from "../storage/storage.ts";
import { freePort } from "./helpers/_server.ts";
import { spawnCheckup } from "./helpers/checkup_process.ts";
import { startMariadb } from "./helpers/mariadb.ts";
import { startPostgres } from "./helpers/postgres.ts";
import { promtool } from "./helpers/promtool.ts";
import { type Receiver, startReceiver } from "./helpers/receiver.ts";

/** A config whose one endpoint is down (nothing listens on its port) and whose webhook is `hook`. */
function config(dir: string, hook: string, extra: Partial<CheckupConfig> = {}): CheckupConfig {
  return {
    checkers: [{ type: "http", endpoint_name: "Shop", endpoint_url: `http://127.0.0.1:${freePort()}/` }],
    storage: { type: "fs", dir: join(dir, "checks") },
    notifiers: [{ type: "webhook", webhook: hook, timeout: "400ms" }],
    ...extra,
  };
}

/** Waits until the receiver has taken `n` distinct notifications (each request is an event). */
async function untilUnique(r: Receiver, n: number): Promise<void> {
  for (let seen = r.requests.length; r.unique.size < n; seen++) await r.waitFor(seen + 1);
}

function sameId(r: Receiver): string {
  const ids = new Set(r.requests.map((q) => `${q.key}|${q.body.id}`));
  assert.equal(ids.size, 1, `every attempt carries one id: ${[...ids].join(", ")}`);
  const [key] = [...ids][0].split("|");
  assert.match(key, /^checkup-[0-9a-f]{32}$/);
  return key;
}

/** Runs `every` in-process until `stop` says so; counts stored rounds. */
function runEvery(checkup: Checkup, intervalMs: number) {
  const ac = new AbortController();
  const stored: string[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const done = checkup.every(intervalMs * 1e6, ac.signal, (report) => {
    if (report.stored) stored.push(report.stored);
    for (const w of waiters.filter((w) => stored.length >= w.n)) w.resolve();
  });
  return {
    stored,
    rounds: (n: number) =>
      stored.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

Deno.test("delivery: rounds are stored on schedule while the webhook hangs; the alert arrives later, once, with one id", async () => {
  const dir = await Deno.makeTempDir();
  const hook = startReceiver("hang");
  const checkup = new Checkup(resolveConfig(config(dir, hook.url)));
  try {
    const every = runEvery(checkup, 100);
    await hook.waitFor(1);
    const storedThen = every.stored.length;
    await every.rounds(storedThen + 3);
    assert.equal(hook.unique.size, 0, "three more rounds stored while the delivery is still pending");
    assert.ok(checkup.deliveryStats()[0].pending >= 1);
    // /metrics of `serve --every` carries the outbox: one waiting, an attempt failed or under way.
    const server = createStatusHandler({
      reader: checkup.storage as Storage & StorageReader,
      deliveries: () => checkup.deliveryStats(),
    });
    await server.refresh();
    const metrics = await (await server.fetch(new Request("http://status.test/metrics"))).text();
    assert.match(metrics, /^checkup_outbox_pending\{notifier="webhook#0",type="webhook"\} 1$/m);
    assert.match(metrics, /^checkup_notifications_sent_total\{notifier="webhook#0",type="webhook"\} 0$/m);
    assert.match(metrics, /^checkup_notifications_given_up_total\{notifier="webhook#0",type="webhook"\} 0$/m);
    assert.doesNotMatch(metrics, /\/hook/, "never the URL");
    const lint = await promtool(metrics);
    if (lint) assert.equal(lint.code, 0, lint.output);
    hook.mode = "ok";
    await untilUnique(hook, 1);
    await every.stop();
    assert.equal(hook.unique.size, 1, "one down alert");
    sameId(hook);
    assert.equal(checkup.deliveryStats()[0].pending, 0);
    const after = await (await server.fetch(new Request("http://status.test/metrics"))).text();
    assert.match(after, /^checkup_notifications_sent_total\{notifier="webhook#0",type="webhook"\} 1$/m);
    assert.match(after, /^checkup_outbox_pending\{notifier="webhook#0",type="webhook"\} 0$/m);
  } finally {
    await checkup.close();
    await hook.close();
    await Deno.remove(dir, { recursive: true });
  }
});

interface Setup {
  url: string;
  recover(): Receiver;
  first?: Receiver;
}

for (
  const [name, setup] of [
    ["a closed port", () => {
      const port = freePort();
      return {
        url: `http://127.0.0.1:${port}/hook`,
        recover: () => startReceiver("ok", port),
      };
    }],
    ["a 500", () => {
      const r = startReceiver("error");
      return {
        url: r.url,
        recover: () => {
          r.mode = "ok";
          return r;
        },
        first: r,
      };
    }],
    ["an answer after the sender gave up", () => {
      const r = startReceiver("late");
      return {
        url: r.url,
        recover: () => {
          r.mode = "ok";
          r.release(); // the held request is processed now, after the sender's timeout
          return r;
        },
        first: r,
      };
    }],
  ] as [string, () => Setup][]
) {
  Deno.test(`delivery: after ${name}, the alert arrives once the receiver is back, every try with the same id`, async () => {
    const dir = await Deno.makeTempDir();
    const s = setup();
    const checkup = new Checkup(resolveConfig(config(dir, s.url)));
    let hook: Receiver | undefined;
    try {
      const every = runEvery(checkup, 100);
      // The first attempt failed (a refused connection is seen as a failed attempt in the stats).
      await s.first?.waitFor(1);
      while (!checkup.deliveryStats()[0].failed) await every.rounds(every.stored.length + 1);
      await every.rounds(every.stored.length + 2);
      hook = s.recover();
      await untilUnique(hook, 1);
      // One more retry may be in flight: let the next rounds pass, then stop.
      await every.rounds(every.stored.length + 2);
      await every.stop();
      assert.equal(hook.unique.size, 1, "one notification taken, however many tries");
      sameId(hook);
      assert.ok(checkup.deliveryStats()[0].retried >= 1);
    } finally {
      await checkup.close();
      await hook?.close();
      if (s.first && s.first !== hook) await s.first.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("delivery: a flapping receiver gets the down and then the recovery, each once, in order", async () => {
  const dir = await Deno.makeTempDir();
  const hook = startReceiver("flap");
  let up = false;
  const target = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(up ? "ok" : "down", { status: up ? 200 : 503 }),
  );
  const c = config(dir, hook.url, {
    checkers: [{
      type: "http",
      endpoint_name: "Shop",
      endpoint_url: `http://127.0.0.1:${target.addr.port}/`,
    }],
    notifiers: [{ type: "webhook", webhook: hook.url, timeout: "400ms", min_interval: 0 }],
  });
  const checkup = new Checkup(resolveConfig(c));
  try {
    const every = runEvery(checkup, 100);
    await hook.waitFor(1); // the down alert's first try: refused with a 500
    up = true; // the endpoint recovers while its down alert still waits for a retry
    await untilUnique(hook, 2);
    await every.stop();
    assert.deepEqual(
      [...hook.unique.values()].map((b) => b.kind),
      ["down", "recovered"],
      "in order, once each",
    );
    const tries = hook.requests.map((q) => q.body.kind);
    assert.equal(tries.indexOf("recovered") > tries.lastIndexOf("down"), true, `never overtaken: ${tries}`);
  } finally {
    await checkup.close();
    await hook.close();
    await target.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

/** `checkup -c <dir>/checkup.json <args>` with its state and spool under `dir`. */
function spawn(dir: string, args: string[]) {
  const p = spawnCheckup(["-c", join(dir, "checkup.json"), ...args], {
    XDG_STATE_HOME: join(dir, "state"),
    CHECKUP_SPOOL_DIR: join(dir, "spool"),
  });
  return { ...p, logged: (text: string) => p.output(text) };
}

async function writeConfig(dir: string, c: CheckupConfig): Promise<void> {
  await Deno.writeTextFile(join(dir, "checkup.json"), JSON.stringify(c));
}

async function savedOutbox(dir: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(dir, "checks", "_state", "alerts.json"));
  return decodeAlertState(text).outbox.entries.map((e) => e.alert.id);
}

Deno.test("delivery: kill -9 during a delivery; after a restart it is delivered with the same id, once", async () => {
  const dir = await Deno.makeTempDir();
  const hook = startReceiver("hang");
  try {
    await writeConfig(dir, config(dir, hook.url, { notifiers: [{ type: "webhook", webhook: hook.url }] }));
    const first = spawn(dir, ["every", "1h"]);
    await hook.waitFor(1);
    first.child.kill("SIGKILL");
    const killed = await first.exit();
    assert.notEqual(killed.code, 0);
    assert.equal((await savedOutbox(dir)).length, 1, "the notification was committed before it was sent");
    hook.mode = "ok";
    const again = await spawn(dir, ["--store"]).exit();
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /delivering notifications left by an earlier run/);
    assert.equal(hook.unique.size, 1);
    assert.equal(hook.requests.length, 2, "the killed attempt and the retry");
    sameId(hook);
    assert.deepEqual(await savedOutbox(dir), []);
  } finally {
    await hook.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("delivery: SIGTERM with a hung receiver exits after the grace, the outbox kept; a second signal exits at once", async () => {
  const dir = await Deno.makeTempDir();
  const hook = startReceiver("hang");
  try {
    const base = config(dir, hook.url, {
      notifiers: [{
        type: "webhook",
        webhook: `${hook.url}?token=s3cr3t-in-the-url`,
        headers: { authorization: "Bearer s3cr3t-in-a-header" },
        timeout: "1h",
      }],
    });
    await writeConfig(dir, { ...base, shutdown_grace: "200ms" });
    const graceful = spawn(dir, ["every", "1h"]);
    await hook.waitFor(1);
    graceful.child.kill("SIGTERM");
    const out = await graceful.exit();
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /kept undelivered notifications for the next start/);
    const kept = await savedOutbox(dir);
    assert.equal(kept.length, 1);
    // The state sits beside the check files (published by a static host): it names notifiers, never them.
    const state = await Deno.readTextFile(join(dir, "checks", "_state", "alerts.json"));
    assert.doesNotMatch(state, /s3cr3t|127\.0\.0\.1:\d+\/hook/);
    assert.match(state, /"notifier":"webhook#0"/);

    // Now a grace of an hour: the second SIGTERM does not wait for it.
    await writeConfig(dir, { ...base, shutdown_grace: "1h" });
    const stubborn = spawn(dir, ["every", "1h"]);
    await hook.waitFor(2);
    stubborn.child.kill("SIGTERM");
    await stubborn.logged("stopping");
    stubborn.child.kill("SIGTERM");
    const forced = await stubborn.exit();
    assert.equal(forced.code, 143, forced.stderr);
    assert.deepEqual(await savedOutbox(dir), kept, "the outbox is intact, the same notification");
    assert.equal(hook.unique.size, 0);
  } finally {
    await hook.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("delivery: a plain run whose round takes long stops on SIGINT, storing nothing", async () => {
  const dir = await Deno.makeTempDir();
  const target = startReceiver("hang"); // accepts and never answers: each attempt waits for its timeout
  try {
    await writeConfig(dir, {
      checkers: [{
        type: "http",
        endpoint_name: "Slow",
        endpoint_url: target.url,
        attempts: 5,
        timeout: "1h",
      }],
      storage: { type: "fs", dir: join(dir, "checks") },
    });
    for (const args of [[], ["--store"]]) {
      const run = spawn(dir, args);
      await target.waitFor(target.requests.length + 1);
      run.child.kill("SIGINT");
      const out = await run.exit();
      assert.equal(out.code, 130, out.stderr);
      assert.match(out.stderr, /interrupted/);
    }
    let stored: string[] = [];
    try {
      stored = [...Deno.readDirSync(join(dir, "checks"))].map((e) => e.name).filter((n) =>
        n.endsWith("-check.json")
      );
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    assert.deepEqual(stored, [], "nothing stored");
  } finally {
    await target.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** A SQL server the test can stop and start: PostgreSQL or MariaDB, each real and throwaway. */
interface SqlServer {
  type: "postgres" | "mysql";
  dsn: string;
  halt(): Promise<void>;
  resume(): Promise<void>;
  rows(): Promise<number>;
  stop(): Promise<void>;
}

const SQL_SERVERS: [string, () => Promise<SqlServer | undefined>][] = [
  ["PostgreSQL", async () => {
    const pg = await startPostgres();
    if (!pg) return undefined;
    const dsn = await pg.createDatabase();
    const db = dsn.match(/dbname=(\S+)/)![1];
    return {
      type: "postgres",
      dsn,
      halt: () => pg.halt(),
      resume: () => pg.resume(),
      rows: async () => Number((await pg.psql("SELECT count(*) FROM checks", db)).trim()),
      stop: () => pg.stop(),
    };
  }],
  ["MariaDB", async () => {
    const my = await startMariadb();
    if (!my) return undefined;
    const dsn = await my.createDatabase();
    const db = dsn.slice(dsn.lastIndexOf("/") + 1);
    return {
      type: "mysql",
      dsn,
      halt: () => my.halt(),
      resume: () => my.resume(),
      rows: async () => Number((await my.sql("SELECT count(*) FROM checks", db)).trim()),
      stop: () => my.stop(),
    };
  }],
];

for (const [name, startServer] of SQL_SERVERS) {
  Deno.test(`delivery: ${name} down at start: no crash, --store fails in one line, rounds spooled, alerts delivered`, async () => {
    const server = await startServer();
    if (!server) return;
    const dir = await Deno.makeTempDir();
    const hook = startReceiver("ok");
    try {
      await server.halt();
      const c = config(dir, hook.url, { storage: { type: server.type, dsn: server.dsn, create: true } });
      await writeConfig(dir, c);
      const once = await spawn(dir, ["--store"]).exit();
      assert.equal(once.code, 1);
      assert.doesNotMatch(once.stderr, /Uncaught|unhandled/i);
      const errors = once.stderr.split("\n").filter((l) => l.startsWith("error:"));
      assert.equal(errors.length, 1, once.stderr);
      assert.match(errors[0], new RegExp(`${server.type}.*(refused|connect)`, "i"));
      assert.equal(hook.unique.size, 1, "the down alert went out while the database was down");

      // A second endpoint, so `every` has something new to say; the database stays down.
      c.checkers!.push({ type: "tcp", endpoint_name: "Cache", endpoint_url: `127.0.0.1:${freePort()}` });
      await writeConfig(dir, c);
      const every = spawn(dir, ["every", "1s"]);
      await untilUnique(hook, 2);
      await every.logged("storage unavailable; keeping rounds in the spool");
      await server.resume();
      await every.logged("storage is back; spooled rounds sent");
      every.child.kill("SIGTERM");
      const out = await every.exit();
      assert.equal(out.code, 0, out.stderr);
      assert.doesNotMatch(out.stderr, /Uncaught|unhandled/i);
      const rows = await server.rows();
      assert.ok(rows >= 2, `the spooled rounds reached the database: ${rows}`);
      assert.equal(hook.unique.size, 2, "each alert once");
    } finally {
      await hook.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
