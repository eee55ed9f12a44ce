/**
 * Maintenance windows end to end, over real storage (fs, sqlite3, PostgreSQL) and a real webhook receiver:
 * a window covering now makes a failing endpoint `maintenance` (API, badges, metrics) and no webhook call
 * is made; checks still run and are stored; after the window an endpoint still down alerts, one that
 * recovered does not; an incident announced before a window keeps its recovery.
 */
import assert from "node:assert/strict";
import { Checkup } from "../checkup.ts";
import { resolveConfig } from "../config/load.ts";
import { createStatusHandler } from "../server/app.ts";
import { MaintenanceStore } from "../maintenance/store.ts";
import { isStorageReader, type StorageReader } from "../storage/storage.ts";
import type { StorageConfig } from "../storage/mod.ts";
import { FakeClock } from "./helpers/clock.ts";
import { startReceiver } from "./helpers/receiver.ts";
import { startPostgres } from "./helpers/postgres.ts";
import { promtool } from "./helpers/promtool.ts";
import { memoryAlertState } from "../notifiers/state.ts";
import type { MaintenanceConfig } from "../config/maintenance.ts";

const MIN = 60_000;

/** A local service whose health the test flips. */
function service() {
  const state = { up: false };
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    () => state.up ? new Response("ok") : new Response("down", { status: 503 }),
  );
  return {
    state,
    url: `http://127.0.0.1:${server.addr.port}/`,
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

/**
 * A Checkup over `storage` checking API (group Core, flipped by the test) and Web, with a webhook; the clock
 * starts at `start` (ms; default the real time: `serve` judges windows by the wall clock).
 */
function world(storage: StorageConfig, maintenance: MaintenanceConfig[] = [], start = Date.now()) {
  const api = service();
  const web = service();
  web.state.up = true;
  const receiver = startReceiver("ok");
  const clock = new FakeClock(BigInt(start) * 1_000_000n);
  const config = resolveConfig({
    checkers: [
      { type: "http", endpoint_name: "API", endpoint_url: api.url, group: "Core" },
      { type: "http", endpoint_name: "Web", endpoint_url: web.url },
    ],
    storage,
    notifiers: [{ type: "webhook", webhook: receiver.url }],
    maintenance,
  });
  const checkup = new Checkup(config, { clock, alertState: memoryAlertState(), spool: false });
  const windows = MaintenanceStore.of(checkup.storage!, "test");
  const now = () => Number(clock.now() / 1_000_000n);
  const kinds = () => receiver.requests.map((r) => `${r.body.kind}:${r.body.title}`);
  return {
    api,
    receiver,
    clock,
    checkup,
    windows,
    now,
    kinds,
    round: () => checkup.round({ store: true }),
    close: async () => {
      await checkup.close();
      await Promise.all([api.close(), web.close(), receiver.close()]);
    },
  };
}

async function coveredNow(storage: StorageConfig) {
  const w = await world(storage);
  try {
    const window = await w.windows.start(
      {
        title: "DB upgrade",
        about: ["core"],
        start: w.now(),
        end: w.now() + 60 * MIN,
        message: "**Postgres 17**",
      },
      w.now(),
    );
    const report = await w.round();
    assert.equal(report.results[0].down, true, "the check still runs");
    assert.ok(report.stored, "and is stored");
    assert.deepEqual(w.kinds(), [], "no webhook call during the window");
    const reader = w.checkup.storage as unknown as StorageReader;
    assert.ok(isStorageReader(w.checkup.storage!));
    const stored = await reader.fetch(report.stored!);
    assert.equal(stored[0].down, true);

    // `serve` over the same storage: the API, the badge and the metrics say maintenance.
    const handler = createStatusHandler({
      reader,
      order: ["API", "Web"],
      groups: (t) => t === "API" ? "Core" : undefined,
    });
    await handler.refresh();
    const view = await (await handler.fetch(new Request("http://x/api/v1/status"))).json();
    const apiView = view.endpoints.find((e: { title: string }) => e.title === "API");
    assert.equal(apiView.status, "maintenance");
    assert.equal(apiView.checked, "down");
    assert.deepEqual(
      { id: apiView.maintenance.id, title: apiView.maintenance.title, end: apiView.maintenance.end },
      { id: window.id, title: "DB upgrade", end: window.end },
    );
    assert.equal(view.endpoints.find((e: { title: string }) => e.title === "Web").status, "healthy");
    assert.equal(view.status, "maintenance", "the page's status: maintenance, nothing else failing");
    assert.equal(view.groups[0].status, "maintenance");
    assert.deepEqual(view.maintenance.active.map((x: { id: string }) => x.id), [window.id]);
    const listed = await (await handler.fetch(new Request("http://x/api/v1/maintenance"))).json();
    assert.deepEqual(listed.active.map((x: { title: string }) => x.title), ["DB upgrade"]);
    const badge = await (await handler.fetch(new Request(`http://x/badges/${apiView.id}/status.svg`))).text();
    assert.match(badge, />maintenance</);
    const metrics = await (await handler.fetch(new Request("http://x/metrics"))).text();
    assert.match(metrics, /checkup_endpoint_status\{id="api",[^}]*status="maintenance"\} 1/);
    assert.match(metrics, /checkup_endpoint_up\{id="api",[^}]*\} 0/, "up follows the checks");
    const lint = await promtool(metrics);
    if (lint) assert.equal(lint.code, 0, lint.output);

    // The window ends early while the endpoint is still down: it alerts then, as normal.
    await w.windows.end(window.id, w.now());
    w.clock.advance(MIN);
    await w.round();
    assert.deepEqual(w.kinds(), ["down:API"]);
  } finally {
    await w.close();
  }
}

Deno.test("maintenance: a window covering now holds the alert of a failing endpoint (fs)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await coveredNow({ type: "fs", dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("maintenance: a window covering now holds the alert of a failing endpoint (sqlite3)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await coveredNow({ type: "sqlite3", dsn: `${dir}/checks.db`, create: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("maintenance: a window covering now holds the alert of a failing endpoint (postgres)", async () => {
  const pg = await startPostgres();
  if (!pg) return;
  try {
    await coveredNow({ type: "postgres", dsn: await pg.createDatabase("maint"), create: true });
  } finally {
    await pg.stop();
  }
});

Deno.test("maintenance: an endpoint that recovered during the window sends nothing when it ends", async () => {
  const dir = await Deno.makeTempDir();
  const w = await world({ type: "fs", dir });
  try {
    // A config-like window from the storage, scheduled: it opens in a minute and lasts 30.
    const start = w.now() + MIN;
    await w.windows.start({ title: "Switch", about: [], start, end: start + 30 * MIN }, w.now());
    w.clock.advance(2 * MIN);
    await w.round(); // down, held
    w.api.state.up = true;
    w.clock.advance(5 * MIN);
    await w.round(); // healthy again, still in the window
    w.clock.advance(30 * MIN);
    await w.round(); // after the window
    assert.deepEqual(w.kinds(), []);
    // A failure after the window alerts as usual.
    w.api.state.up = false;
    w.clock.advance(MIN);
    await w.round();
    assert.deepEqual(w.kinds(), ["down:API"]);
  } finally {
    await w.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("maintenance: an incident announced before the window stays open; its recovery is sent", async () => {
  const dir = await Deno.makeTempDir();
  const w = await world({ type: "fs", dir });
  try {
    await w.round();
    assert.deepEqual(w.kinds(), ["down:API"]);
    const window = await w.windows.start(
      { title: "Fix", about: ["API"], start: w.now(), end: w.now() + 60 * MIN },
      w.now(),
    );
    w.clock.advance(MIN);
    await w.round(); // still down: nothing new
    assert.deepEqual(w.kinds(), ["down:API"]);
    w.api.state.up = true;
    w.clock.advance(MIN);
    await w.round();
    assert.deepEqual(w.kinds(), ["down:API", "recovered:API"]);
    assert.ok((await w.windows.list(w.now())).windows.some((x) => x.id === window.id));
  } finally {
    await w.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("maintenance: a failed read of the stored windows keeps the last known ones (postgres down)", async () => {
  const pg = await startPostgres();
  if (!pg) return;
  const w = await world({ type: "postgres", dsn: await pg.createDatabase("outage"), create: true });
  try {
    await w.windows.start(
      { title: "Long", about: ["API"], start: w.now(), end: w.now() + 60 * MIN },
      w.now(),
    );
    await w.round(); // reads the window
    assert.deepEqual(w.kinds(), []);
    await pg.halt(); // the storage is gone: storing fails, and so does reading the windows
    w.clock.advance(MIN);
    await assert.rejects(w.round());
    assert.deepEqual(w.kinds(), [], "the window read before still holds the alert");
    await pg.resume();
  } finally {
    await w.close();
    await pg.stop();
  }
});

Deno.test("maintenance: a recurring config window in Berlin holds alerts from its first instant on the day clocks go forward", async () => {
  // Sundays at 02:30 Berlin time for an hour. On 29 March 2026 the clocks go from 02:00 CET to 03:00 CEST,
  // so 02:30 does not exist: the window opens at 03:30 CEST, 01:30 UTC.
  const backup: MaintenanceConfig = {
    title: "Backup",
    about: "core",
    every: "weekly",
    days: ["sun"],
    at: "02:30",
    time_zone: "Europe/Berlin",
    duration: "1h",
  };
  const opens = Date.UTC(2026, 2, 29, 1, 30);
  for (
    const [at, kinds] of [[opens - 1, ["down:API"]], [opens, []], [opens + 60 * MIN - 1, []], [
      opens + 60 * MIN,
      ["down:API"],
    ]] as const
  ) {
    const dir = await Deno.makeTempDir();
    const w = await world({ type: "fs", dir }, [backup], at);
    try {
      await w.round();
      assert.deepEqual(w.kinds(), kinds, new Date(at).toISOString());
    } finally {
      await w.close();
      await Deno.remove(dir, { recursive: true });
    }
  }
});
