import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { Hono } from "hono";
import { silentLogger } from "../log.ts";
import { FsStorage } from "../storage/fs.ts";
import { SqliteStorage } from "../storage/sqlite.ts";
import type { Result } from "../result.ts";
import type { Storage, StorageReader } from "../storage/storage.ts";
import { RollupLoader } from "./loader.ts";
import { StaleDocuments } from "./documents.ts";
import { RouteContext } from "./context.ts";
import { apiRoutes, MAX_BATCH } from "./routes/api.ts";
import { badgeRoutes } from "./routes/badges.ts";

const MIN_MS = 60_000;
const START_MS = 1_800_000_000_000;

/** One round of `n` endpoints at `t` (ms); `down` lists the endpoints that are down. */
function round(t: number, n: number, down: number[] = []): Result[] {
  return Array.from({ length: n }, (_, i): Result => ({
    title: `Service ${String(i).padStart(3, "0")}`,
    endpoint: `https://svc${i}.example.com/`,
    timestamp: BigInt(t) * 1_000_000n + BigInt(i),
    times: [{ rtt: (20 + i % 7) * 1e6 }],
    ...(down.includes(i) ? { down: true } : { healthy: true }),
  }));
}

/**
 * A pause the test controls: each build slice waits until the test lets it go (`release`), or goes on at
 * once when open. `waiting` resolves when a build is held at a pause.
 */
function gate() {
  let open = true;
  let held: (() => void)[] = [];
  let onHold: (() => void) | undefined;
  let pauses = 0;
  return {
    get pauses() {
      return pauses;
    },
    close() {
      open = false;
    },
    /** Resolves once a build waits at a pause. */
    waiting(): Promise<void> {
      return held.length ? Promise.resolve() : new Promise((resolve) => (onHold = resolve));
    },
    /** Opens the gate and lets every held slice go on. */
    release() {
      open = true;
      for (const go of held) go();
      held = [];
    },
    pause: (): Promise<void> => {
      pauses++;
      if (open) return Promise.resolve();
      return new Promise<void>((resolve) => {
        held.push(resolve);
        onHold?.();
        onHold = undefined;
      });
    },
  };
}

type Backend = (dir: string, now: () => bigint) => Storage & StorageReader;

async function setup(make: Backend, dir: string, n: number) {
  let clock = START_MS;
  const storage = make(dir, () => BigInt(clock) * 1_000_000n);
  // Every 10 minutes: the 24 h range's slots (16 min) and the 7 d range's (112 min) differ.
  for (let i = 0; i < 5; i++, clock += 10 * MIN_MS) {
    await storage.store(round(clock, n), undefined, { at: BigInt(clock) * 1_000_000n });
  }
  const loader = new RollupLoader({
    reader: storage,
    now: () => BigInt(clock) * 1_000_000n,
  });
  await loader.refresh();
  await loader.backfill();
  const g = gate();
  const ctx = new RouteContext({
    loader,
    title: "Status",
    range: "24h",
    redact: (s) => s,
    logger: silentLogger,
    now: () => clock,
    pause: g.pause,
  });
  const app = new Hono();
  app.route("/api/v1", apiRoutes(ctx, {}));
  app.route("/badges", badgeRoutes(ctx));
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await app.request(path, { headers });
    const body = new Uint8Array(await res.arrayBuffer());
    return { res, body, json: () => JSON.parse(new TextDecoder().decode(body)) };
  };
  /** Stores a round one minute on, with `down` endpoints down, and reads it. */
  const next = async (down: number[]) => {
    await storage.store(round(clock, n, down), undefined, { at: BigInt(clock) * 1_000_000n });
    clock += MIN_MS;
    await loader.refresh();
  };
  return { app, get, next, g, storage, ctx };
}

const BACKENDS: [string, Backend][] = [
  [
    "fs",
    (dir, now) => new FsStorage({ type: "fs", dir, url: "", check_expiry: 0 }, { now }),
  ],
  [
    "sqlite3",
    (dir, now) =>
      new SqliteStorage({ type: "sqlite3", dsn: `${dir}/c.db`, create: true, check_expiry: 0 }, { now }),
  ],
];

for (const [name, make] of BACKENDS) {
  Deno.test(`serve over ${name}: a rebuild serves the previous bytes, then the new ones; builds yield`, async () => {
    const dir = await Deno.makeTempDir();
    let storage: Storage | undefined;
    try {
      const n = 240;
      const { get, next, g, ...rest } = await setup(make, dir, n);
      storage = rest.storage;
      const first = await get("/api/v1/status", { "accept-encoding": "gzip" });
      assert.equal(first.res.status, 200);
      const old = first.res.headers.get("etag")!;
      const oldSummary = await get("/api/v1/status?detail=summary");
      // The build runs in many slices: requests get in between (not one long task).
      assert.ok(g.pauses >= n / 50, `${g.pauses} pauses while building ${n} endpoints`);

      await next([3]);
      g.close();
      // The first request after the change starts the build and waits for it; it is held at a pause.
      const waiting = get("/api/v1/status", { "accept-encoding": "gzip" });
      await g.waiting();
      // Meanwhile: the previous bytes, a 200, their ETag; a 304 for it; the summary too.
      const during = await get("/api/v1/status", { "accept-encoding": "gzip" });
      assert.equal(during.res.status, 200);
      assert.equal(during.res.headers.get("etag"), old);
      assert.deepEqual(during.body, first.body);
      const notModified = await get("/api/v1/status", { "accept-encoding": "gzip", "if-none-match": old });
      assert.equal(notModified.res.status, 304);
      const summaryDuring = await get("/api/v1/status?detail=summary");
      assert.deepEqual(summaryDuring.body, oldSummary.body);
      assert.equal(summaryDuring.json().endpoints[3].status, "healthy", "the previous generation");
      g.release();

      const fresh = await waiting;
      assert.equal(fresh.res.status, 200);
      const etag = fresh.res.headers.get("etag")!;
      assert.notEqual(etag, old);
      const doc = JSON.parse(new TextDecoder().decode(gunzipSync(fresh.body)));
      assert.equal(doc.endpoints.find((e: { id: string }) => e.id === "service-003").status, "down");
      assert.equal(doc.status, "down");
      assert.equal(doc.complete, true);
      const after = await get("/api/v1/status", { "accept-encoding": "gzip", "if-none-match": old });
      assert.equal(after.res.status, 200, "the old ETag no longer matches");
      assert.equal(after.res.headers.get("etag"), etag);
      assert.equal((await get("/api/v1/status?detail=summary")).json().endpoints[3].status, "down");
      // The same bytes as serialising the view at once; the gzip body is that document.
      const identity = (await get("/api/v1/status")).json();
      assert.deepEqual(identity, doc);
      assert.equal(identity.endpoints.length, n);
      // The overall badge reads the same documents.
      const badge = await get("/badges/status.svg");
      assert.match(new TextDecoder().decode(badge.body), /down/);
    } finally {
      await storage?.close?.();
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`serve over ${name}: idle() waits while a document is built, then resolves`, async () => {
    const dir = await Deno.makeTempDir();
    let storage: Storage | undefined;
    try {
      const { get, next, g, ctx, ...rest } = await setup(make, dir, 40);
      storage = rest.storage;
      await ctx.idle(); // nothing builds yet: resolves at once
      await get("/api/v1/status");
      await next([2]);
      g.close();
      const waiting = get("/api/v1/status");
      await g.waiting();
      let idle = false;
      const idled = ctx.idle().then(() => (idle = true));
      // A whole request answered meanwhile (the previous bytes): the build is still held, so is idle().
      assert.equal((await get("/api/v1/status?detail=summary")).res.status, 200);
      assert.equal(idle, false, "idle() resolved while a build was held");
      g.release();
      await idled;
      assert.equal((await waiting).json().endpoints[2].status, "down");
      // Built: the documents are there without waiting.
      assert.ok(!(ctx.statusDocuments("24h") instanceof Promise));
    } finally {
      await storage?.close?.();
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`serve over ${name}: GET /api/v1/endpoints?ids=…, the cards on screen`, async () => {
    const dir = await Deno.makeTempDir();
    let storage: Storage | undefined;
    try {
      const { get, next, ...rest } = await setup(make, dir, 150);
      storage = rest.storage;
      await next([5]);
      const one = (await get("/api/v1/endpoints/service-005?range=7d")).json();
      const batch = await get("/api/v1/endpoints?ids=service-005,nope,service-010,service-005&range=7d");
      assert.equal(batch.res.status, 200);
      const body = batch.json();
      assert.deepEqual(Object.keys(body), ["endpoints", "missing"]);
      assert.deepEqual(body.endpoints.map((e: { id: string }) => e.id), ["service-005", "service-010"]);
      assert.deepEqual(body.endpoints[0], one, "the shape of /api/v1/endpoints/<id>");
      assert.equal(body.endpoints[0].status, "down");
      assert.equal(body.endpoints[0].slots.up.length, 90);
      assert.deepEqual(body.missing, ["nope"]);
      // The range is the request's: 24 h slots are 16 minutes, 7 d slots longer.
      const day = (await get("/api/v1/endpoints?ids=service-005")).json();
      assert.deepEqual(day.endpoints[0], (await get("/api/v1/endpoints/service-005?range=24h")).json());
      assert.notDeepEqual(day.endpoints[0].slots, body.endpoints[0].slots);
      // ETag and 304; gzip when asked.
      const etag = batch.res.headers.get("etag")!;
      const again = await get("/api/v1/endpoints?ids=service-005,nope,service-010,service-005&range=7d", {
        "if-none-match": etag,
      });
      assert.equal(again.res.status, 304);
      // A change: a new ETag.
      await next([]);
      const changed = await get("/api/v1/endpoints?ids=service-005,nope,service-010,service-005&range=7d", {
        "if-none-match": etag,
      });
      assert.equal(changed.res.status, 200);
      assert.equal(changed.json().endpoints[0].status, "healthy");
      // Limits and bad input: a clear 400.
      const ids = Array.from({ length: MAX_BATCH + 1 }, (_, i) => `service-${String(i).padStart(3, "0")}`);
      const tooMany = await get(`/api/v1/endpoints?ids=${ids.join(",")}`);
      assert.equal(tooMany.res.status, 400);
      assert.equal(
        tooMany.json().error.message,
        `ids: expected at most ${MAX_BATCH} endpoint ids, found ${MAX_BATCH + 1}`,
      );
      const atLimit = await get(`/api/v1/endpoints?ids=${ids.slice(0, MAX_BATCH).join(",")}`);
      assert.equal(atLimit.json().endpoints.length, MAX_BATCH);
      const none = await get("/api/v1/endpoints?ids=");
      assert.equal(none.res.status, 400);
      assert.equal(none.json().error.message, "ids: expected endpoint ids separated by commas, found none");
      const badRange = await get("/api/v1/endpoints?ids=service-005&range=1y");
      assert.equal(badRange.res.status, 400);
      assert.match(badRange.json().error.message, /^range: expected one of 24h, 7d, 30d, 90d, found "1y"$/);
      // Without ids: the list as before (every endpoint, without slots, incidents and messages).
      const list = (await get("/api/v1/endpoints")).json();
      assert.equal(list.endpoints.length, 150);
      assert.equal(list.endpoints[0].slots, undefined);
      assert.equal(list.endpoints[0].id, "service-000");
      assert.ok("uptime" in list.endpoints[0]);
    } finally {
      await storage?.close?.();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a request after a change never gets bytes of before it, though a build of an older version runs", async () => {
  const docs = new StaleDocuments<string>(silentLogger);
  assert.equal(await docs.get("24h", "v1", () => Promise.resolve("doc v1")), "doc v1");
  // A build of v2 starts and is held at a gate.
  let open!: () => void;
  const gate = new Promise<void>((resolve) => open = resolve);
  const v2 = docs.get("24h", "v2", async () => {
    await gate;
    return "doc v2";
  });
  // Requests for v2 meanwhile get the previous document at once (stale-while-revalidate).
  assert.equal(docs.get("24h", "v2", () => Promise.reject(new Error("not built twice"))), "doc v1");
  // The data changes again (v3): this request must not get v1 or v2 bytes.
  let builds = 0;
  const v3 = docs.get("24h", "v3", () => {
    builds++;
    return Promise.resolve("doc v3");
  });
  assert.ok(v3 instanceof Promise, "a request for a newer version than the one being built waits");
  open();
  assert.equal(await v2, "doc v2");
  assert.equal(await v3, "doc v3");
  assert.equal(builds, 1);
  assert.equal(docs.get("24h", "v3", () => Promise.reject(new Error("built once"))), "doc v3");
});
