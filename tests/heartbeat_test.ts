/**
 * Heartbeat checkers against every storage with shared documents (fs, sqlite3, PostgreSQL, MariaDB, S3):
 * pings recorded by `checkup ping` (straight into the storage), judged by a Checkup on an injected clock;
 * pruning keeps the pings bounded and concurrent writers lose nothing they should keep; a storage without
 * shared documents is refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/program.ts";
import { memoryIo } from "../cli/io.ts";
import { Checkup } from "../checkup.ts";
import { loadConfig, resolveConfig } from "../config/load.ts";
import { isHeartbeat } from "../checkers/heartbeat/mod.ts";
import { decodePing, KEEP_PINGS, type Ping } from "../checkers/heartbeat/pings.ts";
import { type HeartbeatRules, judgeHeartbeat } from "../checkers/heartbeat/judge.ts";
import { parseStorage } from "../config/load.ts";
import { isSharedStore } from "../storage/storage.ts";
import type { StorageConfig } from "../storage/mod.ts";
import { statusOf } from "../result.ts";
import { FakeClock } from "./helpers/clock.ts";
import { startPostgres } from "./helpers/postgres.ts";
import { createStatusHandler } from "../server/app.ts";
import { createLogger } from "../log.ts";
import { SERVE_BACKENDS } from "./serve_fixture.ts";

const BACKENDS = SERVE_BACKENDS.filter((b) => ["fs", "sqlite3", "postgres", "mysql", "s3"].includes(b.name));
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

async function cli(args: string[], clock?: FakeClock) {
  const io = memoryIo();
  io.clock = clock;
  const code = await runCli(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

/** A config file with `checkers` over `storage`, in a fresh directory; the backend's store is fresh too. */
async function withBackend(
  name: string,
  checkers: unknown[],
  fn: (path: string, storage: StorageConfig) => Promise<void>,
): Promise<void> {
  const backend = BACKENDS.find((b) => b.name === name)!;
  const dir = await Deno.makeTempDir({ prefix: "checkup-heartbeat-" });
  const open = await backend.open(dir);
  if (!open) return await Deno.remove(dir, { recursive: true });
  try {
    const path = join(dir, "checkup.json");
    await Deno.writeTextFile(path, JSON.stringify({ checkers, storage: open.config }));
    await fn(path, open.config);
  } finally {
    await open.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

const BACKUP = {
  type: "heartbeat",
  endpoint_name: "Nightly backup",
  period: "1h",
  grace: "10m",
  max_runtime: "20m",
};

for (const backend of BACKENDS) {
  Deno.test(`${backend.name}: a heartbeat goes down after period + grace and recovers on the next ping`, async () => {
    await withBackend(backend.name, [BACKUP], async (path) => {
      const clock = new FakeClock(BigInt(T0) * 1_000_000n);
      const checkup = new Checkup(await loadConfig(path), { clock });
      const judge = async () => {
        const [r] = await checkup.check();
        assert.equal(r.title, "Nightly backup");
        assert.equal(r.endpoint, "heartbeat:nightly-backup");
        return { status: statusOf(r), why: r.times?.[0]?.error ?? r.notice };
      };
      const ping = async (...args: string[]) => {
        const r = await cli(["-c", path, "ping", ...args, "Nightly backup"], clock);
        assert.equal(r.code, 0, r.err);
        return r.out;
      };
      try {
        // Never pinged: healthy while waiting for the first ping, down once period + grace has passed.
        assert.deepEqual(await judge(), { status: "healthy", why: undefined });
        clock.advance(70 * MIN);
        assert.equal((await judge()).status, "healthy");
        clock.advance(1 * MIN);
        assert.deepEqual(await judge(), {
          status: "down",
          why: `no ping ever came (waiting since ${at(T0)}, 1h 11m); expected every 1h, grace 10m`,
        });
        assert.equal(await ping(), "Recorded a success for Nightly backup\n");
        assert.deepEqual(await judge(), { status: "healthy", why: undefined });
        const pinged = T0 + 71 * MIN;
        clock.advance(70 * MIN);
        assert.equal((await judge()).status, "healthy");
        clock.advance(1 * MIN);
        assert.deepEqual(await judge(), {
          status: "down",
          why: `last ping 1h 11m ago (at ${at(pinged)}); expected every 1h, grace 10m`,
        });
        // A run with a start: longer than max_runtime is degraded, while running and once done.
        assert.equal(await ping("--start"), "Recorded a start for Nightly backup\n");
        clock.advance(21 * MIN);
        const started = T0 + 142 * MIN;
        assert.deepEqual(await judge(), {
          status: "down", // still overdue: the start is not a success
          why: `last ping 1h 32m ago (at ${at(pinged)}); expected every 1h, grace 10m`,
        });
        assert.equal(await ping("--exit-code", "0"), "Recorded a success (exit code 0) for Nightly backup\n");
        assert.deepEqual(await judge(), {
          status: "degraded",
          why: `the last run took 21m, longer than max_runtime 20m; it ended just now (at ${
            at(started + 21 * MIN)
          })`,
        });
        clock.advance(1 * MIN);
        await ping("--start");
        clock.advance(5 * MIN);
        assert.equal((await judge()).status, "degraded", "the last run still took too long");
        await ping();
        assert.deepEqual(await judge(), { status: "healthy", why: undefined });
        // Failures: down until the next success, however recent.
        clock.advance(1 * MIN);
        assert.equal(await ping("--fail"), "Recorded a failure for Nightly backup\n");
        clock.advance(2 * MIN);
        assert.match(
          (await judge()).why!,
          /^last run failed 2m ago \(at .+\); last success 3m ago .+; down until a success ping$/,
        );
        assert.equal(await ping("--exit-code", "3"), "Recorded a failure (exit code 3) for Nightly backup\n");
        assert.match((await judge()).why!, /^last run failed with exit code 3 just now/);
        clock.advance(1000);
        await cli(["-c", path, "ping", "nightly BACKUP"], clock); // names match ignoring case
        assert.deepEqual(await judge(), { status: "healthy", why: undefined });
      } finally {
        await checkup.close();
      }
    }); // a backend that is not installed is skipped (its helper says so)
  });

  Deno.test(`${backend.name}: concurrent pingers and judges keep the pings bounded and lose none they need`, async () => {
    await withBackend(backend.name, [{ ...BACKUP, endpoint_name: "Sync" }], async (path, storageConfig) => {
      const clock = new FakeClock(BigInt(T0) * 1_000_000n);
      const config = await loadConfig(path);
      // Two processes' worth of Checkups on one store, as two nodes would be.
      const nodes = [new Checkup(config, { clock }), new Checkup(config, { clock })];
      const shared = parseStorage(storageConfig);
      assert.ok(isSharedStore(shared));
      try {
        // Judges racing on a heartbeat never judged: one first judgement, the same verdict for all.
        const verdicts = await Promise.all([...nodes, ...nodes].map((n) => n.check()));
        assert.deepEqual(new Set(verdicts.map(([r]) => statusOf(r))), new Set(["healthy"]));
        const beats = nodes.map((n) => n.checkers.find(isHeartbeat)!);
        const batches: number[] = [];
        for (let batch = 0; batch < 6; batch++) {
          clock.advance(1000);
          batches.push(Number(clock.now() / 1_000_000n));
          const kind = batch === 1 ? "success" : "start";
          await Promise.all(Array.from({ length: 6 }, (_, i) => beats[i % 2].record({ kind, via: "cli" })));
          await Promise.all(nodes.map((n) => n.check()));
        }
        const docs = await shared.list("pings/sync/");
        assert.equal([...docs.keys()].filter((k) => k === "pings/sync/first").length, 1);
        const pings = [...docs].filter(([k]) => k !== "pings/sync/first").map(([, v]) => decodePing(v)!);
        // The newest KEEP_PINGS are all there, and the latest success with them; nothing else.
        const newest = pings.filter((p) => p.kind === "start").map((p) => p.t).sort((a, b) => a - b);
        assert.equal(newest.length, KEEP_PINGS);
        assert.ok(newest.every((t) => t >= batches[4]), "only the last two batches of starts are kept");
        assert.equal(pings.filter((p) => p.kind === "success").length, 1, "the latest success is kept");
        assert.equal(pings.length, KEEP_PINGS + 1);
      } finally {
        await Promise.all(nodes.map((n) => n.close()));
        await shared.close?.();
      }
    }); // a backend that is not installed is skipped (its helper says so)
  });
}

Deno.test("checkup ping refuses unknown names, conflicting flags and storages without shared documents", async () => {
  await withBackend(
    "fs",
    [BACKUP, { type: "heartbeat", endpoint_name: "Weekly report", period: "7d" }],
    async (path) => {
      const unknown = await cli(["-c", path, "ping", "Nightly backups"]);
      assert.equal(unknown.code, 2);
      assert.equal(
        unknown.err,
        'error: ping: no heartbeat checker named "Nightly backups" (heartbeats: Nightly backup, Weekly report)\n',
      );
      const both = await cli(["-c", path, "ping", "--start", "--fail", "Nightly backup"]);
      assert.equal(both.code, 2);
      assert.match(
        both.err,
        /^error: ping: expected at most one of --start, --fail, --exit-code, found --start, --fail\n$/,
      );
      for (const code of ["256", "-1", "x"]) {
        const bad = await cli(["-c", path, "ping", "--exit-code", code, "Nightly backup"]);
        assert.equal(bad.code, 2, code);
        assert.match(bad.err, /--exit-code: expected an exit code from 0 to 255, found/);
      }
    },
  );
  const dir = await Deno.makeTempDir({ prefix: "checkup-heartbeat-" });
  try {
    const github = {
      type: "github",
      access_token: "ghp_0123456789",
      repository_owner: "acme",
      repository_name: "status",
      committer_name: "Checkup",
      committer_email: "checkup@example.com",
    };
    for (const [storage, found] of [[undefined, "no storage"], [github, "storage github, which has none"]]) {
      const path = join(dir, "checkup.json");
      await Deno.writeTextFile(
        path,
        JSON.stringify({ checkers: [{ type: "tcp", endpoint_url: "a:1" }, BACKUP], storage }),
      );
      const r = await cli(["-c", path, "ping", "Nightly backup"]);
      assert.equal(r.code, 1);
      assert.equal(
        r.err,
        `error: ${path}: 1 problem\n  checkers[1]: expected a storage with shared documents (a heartbeat checker keeps its data there), found ${found} (the README's storage section lists the types that have them)\n`,
      );
      // The same refusal wherever the config is built: checkup, every, serve.
      assert.equal((await cli(["-c", path])).code, 1);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("postgres: while the storage is down a ping fails loudly and the check says why; both work again after", async () => {
  const pg = await startPostgres();
  if (!pg) return;
  const dir = await Deno.makeTempDir({ prefix: "checkup-heartbeat-" });
  const path = join(dir, "checkup.json");
  const dsn = await pg.createDatabase(`hb${Date.now()}`);
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      checkers: [{ ...BACKUP, token: "outage-token-0123456789" }],
      storage: {
        type: "postgres",
        dsn,
        create: true,
      },
    }),
  );
  const clock = new FakeClock(BigInt(T0) * 1_000_000n);
  const checkup = new Checkup(await loadConfig(path), { clock });
  const handler = createStatusHandler({
    reader: checkup.storage as never,
    heartbeats: checkup.checkers.filter(isHeartbeat),
    logger: createLogger({ write: (line) => log.push(line), format: "text" }),
  });
  const log: string[] = [];
  const ping = (path: string) => handler.fetch(new Request(`http://localhost/api/v1/ping/${path}`));
  try {
    assert.equal((await cli(["-c", path, "ping", "Nightly backup"], clock)).code, 0);
    await pg.halt();
    const refused = await cli(["-c", path, "ping", "Nightly backup"], clock);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /^error: .*postgres.*\n$/);
    const res = await ping("outage-token-0123456789/start");
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "5");
    assert.deepEqual(await res.json(), {
      error: { status: 503, message: "cannot store the ping; the server log has the details" },
    });
    assert.ok(
      log.some((l) => /cannot store a ping heartbeat="Nightly backup" error=/.test(l)),
      log.join("\n"),
    );
    assert.ok(log.every((l) => !l.includes("outage-token")), "the log never holds the token");
    const [down] = await checkup.check();
    assert.equal(statusOf(down), "down");
    assert.match(down.times![0].error!, /^cannot read the pings: .*postgres/);
    await pg.resume();
    clock.advance(1000);
    assert.equal((await ping("outage-token-0123456789/fail")).status, 200);
    const [failed] = await checkup.check();
    assert.match(failed.times![0].error!, /^last run failed just now/, "the ping after the outage counts");
  } finally {
    await checkup.close();
    await pg.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("README: the heartbeat monitors example resolves, and the reasons it shows are the judge's", () => {
  const readme = Deno.readTextFileSync(new URL("../README.md", import.meta.url));
  const section = readme.slice(readme.indexOf("## Heartbeat monitors"), readme.indexOf("## Status page"));
  const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]);
  const env: Record<string, string> = {
    BACKUP_PING_TOKEN: "0f3c5e8a9b1d2c4e6f7a8b9c0d1e2f3a",
    DATABASE_URL: "postgres://checkup@db.internal/checkup",
  };
  const resolved = resolveConfig(example, { env: (name) => env[name] });
  assert.deepEqual(resolved.warnings, []);
  const rules = resolved.checkers[0].options as HeartbeatRules;
  assert.deepEqual([rules.period, rules.grace, rules.max_runtime], [86400e9, 3600e9, 7200e9]);
  const t = (iso: string) => Date.parse(iso);
  const H = 3_600_000;
  const p = (kind: Ping["kind"], iso: string, exit?: number): Ping => ({
    kind,
    t: t(iso),
    via: "serve",
    ...(exit === undefined ? {} : { exit }),
  });
  const reasons = [
    judgeHeartbeat(
      { pings: [p("success", "2026-11-29T03:12:09Z")] },
      t("2026-11-29T03:12:39Z") + 25 * H,
      rules,
    ),
    judgeHeartbeat(
      { pings: [p("success", "2026-11-29T03:12:09Z"), p("fail", "2026-11-30T03:14:40Z", 3)] },
      t("2026-11-30T03:14:40Z") + 2 * H,
      rules,
    ),
    judgeHeartbeat(
      { pings: [p("start", "2026-11-30T03:00:02Z"), p("success", "2026-11-30T05:30:02Z")] },
      t("2026-11-30T10:30:02Z"),
      rules,
    ),
    judgeHeartbeat(
      { pings: [p("success", "2026-11-29T05:00:00Z"), p("start", "2026-11-30T03:00:01Z")] },
      t("2026-11-30T05:05:01Z"),
      rules,
    ),
    judgeHeartbeat(
      { pings: [], first: t("2026-11-28T10:00:00Z") },
      t("2026-11-28T10:00:30Z") + 25 * H,
      rules,
    ),
  ].map((v) => v.down ?? v.degraded);
  const shown = /```\n(last ping[\s\S]*?)```/.exec(section)![1].trimEnd().split("\n");
  assert.deepEqual(shown, reasons);
});
