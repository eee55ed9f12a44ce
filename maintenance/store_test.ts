import assert from "node:assert/strict";
import { MaintenanceStore, MAX_STORED_WINDOWS, TooManyWindowsError } from "./store.ts";
import { MaintenanceWindows } from "./windows.ts";
import { parseWindowRequest } from "./request.ts";
import { FsStorage } from "../storage/fs.ts";
import { nowNs } from "../result.ts";
import { parseStorage } from "../config/load.ts";
import { MemoryShared } from "../tests/helpers/memory_shared.ts";

const H = 3_600_000, D = 24 * H;
const T0 = Date.UTC(2026, 5, 1, 12);

async function fsStore() {
  const dir = await Deno.makeTempDir();
  const storage = new FsStorage({ type: "fs", dir, url: "", check_expiry: 0 }, { now: nowNs });
  return { dir, storage, store: MaintenanceStore.of(storage, "eu") };
}

Deno.test("store: a window is created once, listed by start, ended early once (create-only documents)", async () => {
  const { dir, storage, store } = await fsStore();
  try {
    const b = await store.start({ title: "Second", about: [], start: T0 + H, end: T0 + 2 * H }, T0);
    const a = await store.start({
      title: "DB upgrade",
      about: ["API"],
      start: T0,
      end: T0 + H,
      message: "*x*",
    }, T0);
    assert.match(a.id, /^20260601-1200-db-upgrade-[0-9a-z]{6}$/);
    assert.deepEqual((await store.list(T0)).windows.map((w) => w.id), [a.id, b.id]);
    const ended = await store.end(a.id, T0 + 10 * 60_000);
    assert.equal(ended?.end, T0 + 10 * 60_000);
    // A second end (another process, later) changes nothing: the first end stands.
    assert.equal((await store.end(a.id, T0 + 20 * 60_000))?.end, T0 + 10 * 60_000);
    // Ending a window that has not opened cancels it: no time at all.
    const cancelled = await store.end(b.id, T0 + 30 * 60_000);
    assert.equal(cancelled?.end, cancelled?.start);
    assert.equal(await store.end("20260601-1200-nope-aaaaaa", T0), undefined);
    const docs = await storage.list("maintenance/");
    assert.deepEqual(
      [...docs.keys()].sort(),
      [
        `maintenance/${a.id}/end`,
        `maintenance/${a.id}/window`,
        `maintenance/${b.id}/end`,
        `maintenance/${b.id}/window`,
      ].sort(),
    );
    // A cancelled window is in no listing of the page.
    const windows = new MaintenanceWindows({ storage });
    await windows.refresh(T0);
    assert.deepEqual(windows.windows(T0).map((w) => w.title), ["DB upgrade"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("store: windows ended more than 90 days ago are removed when listed; unreadable documents are skipped", async () => {
  const { dir, storage, store } = await fsStore();
  try {
    const old = await store.start({ title: "Old", about: [], start: T0, end: T0 + H }, T0);
    const recent = await store.start(
      { title: "Recent", about: [], start: T0 + 80 * D, end: T0 + 80 * D + H },
      T0,
    );
    await storage.create("maintenance/broken/window", "{not json");
    const later = T0 + 91 * D;
    const { windows, unreadable } = await store.list(later);
    assert.deepEqual(windows.map((w) => w.id), [recent.id]);
    assert.deepEqual(unreadable, ["maintenance/broken/window"]);
    assert.ok(!(await storage.list(`maintenance/${old.id}/`)).size, "the old window's documents are gone");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("store: a storage without shared documents is refused by name", () => {
  const storage = parseStorage({
    type: "appinsights",
    instrumentation_key: "00000000-0000-0000-0000-000000000000",
  });
  assert.throws(
    () => MaintenanceStore.of(storage),
    /^Error: storage appinsights: cannot hold maintenance windows \(it has no shared documents\); use fs, sqlite3, postgres, mysql or s3$/,
  );
});

Deno.test("windows: a failed read keeps the last known windows; the generation moves only on a change", async () => {
  const shared = new MemoryShared();
  const store = new MaintenanceStore(shared);
  await store.start({ title: "A", about: [], start: T0, end: T0 + H }, T0);
  const logged: string[] = [];
  const logger = {
    debug: (m: string) => logged.push(m),
    info: (m: string) => logged.push(m),
    warn: (m: string) => logged.push(m),
    error: (m: string) => logged.push(m),
  };
  const windows = new MaintenanceWindows({ storage: shared as never, logger: logger as never });
  await windows.refresh(T0);
  const g = windows.generation;
  await windows.refresh(T0);
  assert.equal(windows.generation, g);
  shared.failing = true;
  await windows.refresh(T0 + 60_000);
  assert.deepEqual(windows.open(T0 + 60_000).map((w) => w.title), ["A"]);
  assert.match(logged.join("\n"), /cannot read the maintenance windows; keeping the last known ones/);
});

Deno.test("request: every field is checked with its name and what was expected", () => {
  const now = T0;
  const err = (input: Record<string, unknown>, known?: string[]) => {
    const r = parseWindowRequest(input, now, known);
    return "error" in r ? r.error : "ok";
  };
  assert.equal(
    err({ title: "", duration: "1h" }),
    "title: expected a title of 1 to 200 characters, found 0 characters",
  );
  assert.equal(
    err({ title: "x", duration: "10s" }),
    'duration: expected a duration from 1m to 31d, found "10s"',
  );
  assert.equal(err({ title: "x" }), 'duration: expected a duration like "1h" or "30m", found nothing');
  assert.equal(
    err({ title: "x", duration: "1h", start: "now" }),
    'start: expected an RFC 3339 time like "2026-06-01T22:00:00Z", found "now"',
  );
  assert.equal(
    err({ title: "x", duration: "1h", start: "2020-01-01T00:00:00Z" }),
    'start: expected a time from now to 366 days ahead, found "2020-01-01T00:00:00Z"',
  );
  assert.equal(
    err({ title: "x", duration: "1h", about: ["Api", "Payment"] }, ["API", "Payments"]),
    'about: no endpoint or group named "Payment" (known: API, Payments)',
  );
  assert.equal(
    err({ title: "x", duration: "1h", about: 3 }),
    "about: expected endpoint titles or group names (at most 100, each at most 200 characters)",
  );
  assert.equal(
    err({ title: "x", duration: "1h", message: "" }),
    "message: expected a non-empty string of at most 4000 characters, found an empty string",
  );
  const ok = parseWindowRequest({
    title: " x ",
    duration: "90m",
    about: ["API", "Web,Core"],
    start: "2026-06-01T13:00:00Z",
  }, now);
  assert.deepEqual(ok, {
    title: "x",
    about: ["API", "Web", "Core"],
    start: T0 + H,
    end: T0 + H + 90 * 60_000,
  });
});

Deno.test("store: at most MAX_STORED_WINDOWS windows are kept; one more is refused with the bound", async () => {
  const shared = new MemoryShared();
  const store = new MaintenanceStore(shared);
  for (let i = 0; i < MAX_STORED_WINDOWS; i++) {
    const doc = { v: 1, id: `w${i}`, title: "W", about: [], start: T0, end: T0 + H, created: T0 };
    await shared.create(`maintenance/w${i}/window`, JSON.stringify(doc));
  }
  await assert.rejects(
    store.start({ title: "One more", about: [], start: T0, end: T0 + H }, T0),
    (e) =>
      e instanceof TooManyWindowsError && /expected at most 1000 windows kept .*found 1000/.test(e.message),
  );
  // Once the old ones are past 90 days they are pruned, and there is room again.
  assert.ok(
    await store.start({ title: "Later", about: [], start: T0 + 91 * D, end: T0 + 91 * D + H }, T0 + 91 * D),
  );
});
