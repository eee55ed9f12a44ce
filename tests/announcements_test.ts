/**
 * Announcements end to end, over real storage (fs, sqlite3, PostgreSQL) and real webhook receivers: a
 * notifier with `notify_on: ["incident", "maintenance"]` is told once about each update of an incident
 * written by another process (the CLI, the API) and about a maintenance window's start and end; a notifier
 * with the default `notify_on` is told nothing of them. Nothing is announced twice over later rounds, nor
 * after a restart from the stored alert state.
 */
import assert from "node:assert/strict";
import { Checkup } from "../checkup.ts";
import { resolveConfig } from "../config/load.ts";
import { IncidentWriter } from "../incidents/store.ts";
import { MaintenanceStore } from "../maintenance/store.ts";
import { isSharedStore, type SharedStore } from "../storage/storage.ts";
import type { StorageConfig } from "../storage/mod.ts";
import { FakeClock } from "./helpers/clock.ts";
import { startReceiver } from "./helpers/receiver.ts";
import { startPostgres } from "./helpers/postgres.ts";

const MIN = 60_000;

async function scenario(storage: StorageConfig) {
  const web = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
  const subscribers = startReceiver("ok");
  const oncall = startReceiver("ok");
  const clock = new FakeClock(BigInt(Date.now()) * 1_000_000n);
  const now = () => Number(clock.now() / 1_000_000n);
  const config = resolveConfig({
    checkers: [{ type: "http", endpoint_name: "API", endpoint_url: `http://127.0.0.1:${web.addr.port}/` }],
    storage,
    notifiers: [
      { type: "webhook", webhook: subscribers.url, notify_on: ["incident", "maintenance"] },
      { type: "webhook", webhook: oncall.url },
    ],
  });
  // The alert state lives in the storage (as in production), so the restart below reads it back.
  const open = () => new Checkup(config, { clock, spool: false });
  let checkup = open();
  const shared = checkup.storage as unknown as SharedStore;
  assert.ok(isSharedStore(checkup.storage!));
  // Another process writes the records: the CLI or `serve`'s API.
  const incidents = new IncidentWriter({ shared, names: () => ["API"], node: "cli", now });
  const windows = MaintenanceStore.of(checkup.storage!, "cli");
  const lines = () =>
    subscribers.requests.map((r) => `${r.body.kind}:${r.body.status}:${r.body.title}:${r.body.endpoint}`);
  try {
    await checkup.round({ store: true });
    assert.deepEqual(lines(), [], "nothing to announce yet");

    clock.advance(MIN);
    const opened = await incidents.open({
      title: "Elevated errors",
      text: "Looking into it",
      affected: [{ title: "API", impact: "major" }],
    });
    await checkup.round({ store: true });
    assert.deepEqual(lines(), ["incident:down:Elevated errors:API (major)"]);
    assert.match(String(subscribers.requests[0].body.reason), /^Investigating: Looking into it/);

    clock.advance(MIN);
    await incidents.update(opened.incident.id, {
      text: "A bad deploy",
      state: "identified",
      affected: [{ title: "API", impact: "partial" }],
    });
    await windows.start({ title: "DB upgrade", about: ["API"], start: now(), end: now() + 30 * MIN }, now());
    await checkup.round({ store: true });
    await checkup.round({ store: true });
    assert.deepEqual(lines(), [
      "incident:down:Elevated errors:API (major)",
      "incident:degraded:Elevated errors:API (partial)",
      "maintenance:degraded:DB upgrade:API",
    ]);

    // A restart: the ledger is read back from the storage; the resolution and the window's end go out once.
    await checkup.close();
    checkup = open();
    clock.advance(31 * MIN);
    await incidents.resolve(opened.incident.id, "Rolled back");
    await checkup.round({ store: true });
    await checkup.round({ store: true });
    assert.deepEqual(lines().slice(3), [
      "maintenance:healthy:DB upgrade:API", // it ended (30 min) before the incident was resolved (33 min)
      "incident:healthy:Elevated errors:API (partial)",
    ]);
    const keys = new Set(
      subscribers.requests.filter((r) => r.body.kind === "incident").map((r) => r.body.key),
    );
    assert.equal(keys.size, 1, "one key for every announcement of the incident");
    assert.deepEqual(oncall.requests, [], "the default notify_on is told nothing of them");
  } finally {
    await checkup.close();
    await Promise.all([subscribers.close(), oncall.close(), web.shutdown()]);
  }
}

Deno.test("announcements: incident updates and maintenance windows reach the notifiers that ask, once (fs)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await scenario({ type: "fs", dir } as StorageConfig);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("announcements: incident updates and maintenance windows reach the notifiers that ask, once (sqlite3)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await scenario({ type: "sqlite3", dsn: `${dir}/checkup.db`, create: true } as StorageConfig);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("announcements: incident updates and maintenance windows reach the notifiers that ask, once (postgres)", async () => {
  const pg = await startPostgres();
  assert.ok(pg, "PostgreSQL is needed (see TOOLCHAIN: CI installs it)");
  try {
    await scenario(
      { type: "postgres", dsn: await pg.createDatabase("announce"), create: true } as StorageConfig,
    );
  } finally {
    await pg.stop();
  }
});
