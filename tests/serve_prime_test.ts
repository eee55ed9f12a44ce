/**
 * `checkup serve` at scale, against real storages (fs, sqlite3, postgres): the first answer comes from the
 * newest rounds only (`RollupLoader.prime`) and lists every endpoint with its current status; once history
 * is read behind it, the aggregate is exactly the one a plain read of all rounds gives (no round counted
 * twice, none missed). And the compact status document (`/api/v1/status?detail=summary`).
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { createStatusHandler, type StatusHandler } from "../server/app.ts";
import type { Storage, StorageReader } from "../storage/storage.ts";
import { encodeRollup } from "../status/codec.js";
import type { Rollup } from "../status/rollup.js";
import { FsStorage } from "../storage/fs.ts";
import { NODES, openStorage, roundAt, seedHistory, SERVE_BACKENDS } from "./serve_fixture.ts";

const MIN = 60_000;
const ns = (ms: number) => BigInt(Math.round(ms)) * 1_000_000n;

/** A rollup as comparable data: its summary encoding, endpoints sorted by title. */
function canonical(rollup: Rollup) {
  const doc = encodeRollup(rollup) as { endpoints: { title: string; endpoint: string }[] };
  doc.endpoints.sort((a, b) => (a.title + a.endpoint).localeCompare(b.title + b.endpoint));
  return doc;
}

async function api(handler: StatusHandler, path: string, headers: Record<string, string> = {}) {
  const res = await handler.fetch(new Request(`http://localhost${path}`, { headers }));
  return { res, body: new Uint8Array(await res.arrayBuffer()) };
}

async function json(handler: StatusHandler, path: string) {
  const { res, body } = await api(handler, path);
  const text = new TextDecoder().decode(body);
  assert.equal(res.status, 200, `${path}: ${text}`);
  return JSON.parse(text);
}

/** A plain read of everything stored: the reference the primed loader must end up equal to. */
async function plainRead(storage: StorageReader, now: number): Promise<Rollup> {
  const plain = createStatusHandler({ reader: storage, loader: { now: () => ns(now) } });
  await plain.loader.refresh();
  await plain.loader.backfill();
  return (plain.loader as unknown as { rollup: Rollup }).rollup;
}

const BACKENDS = SERVE_BACKENDS.filter((b) => ["fs", "sqlite3", "postgres"].includes(b.name));

for (const backend of BACKENDS) {
  Deno.test({
    name: `serve over ${backend.name}: the first answer from the newest rounds, then history, counted once`,
    async fn(t) {
      const dir = await Deno.makeTempDir({ prefix: "checkup-prime-" });
      const opened = await backend.open(dir);
      if (!opened) return await Deno.remove(dir, { recursive: true });
      // fs lists a round at the time it was stored: store the history at its own times, as it was written.
      let clock = 0n;
      const storage: Storage & StorageReader = opened.config.type === "fs"
        ? new FsStorage({ ...opened.config, url: "", check_expiry: 0 }, { now: () => clock })
        : openStorage(opened.config);
      const atTheirTime: Storage = {
        type: storage.type,
        store: (results, signal, options) => {
          clock = options?.at ?? ns(Date.now());
          return storage.store(results, signal, options);
        },
      };
      try {
        const now = Date.now();
        const rounds = await seedHistory(atTheirTime, now);

        await t.step(
          "first answer: the newest rounds, every endpoint with its current status",
          async () => {
            const handler = createStatusHandler({ reader: storage, loader: { now: () => ns(now) } });
            const first = await handler.loader.prime();
            // The seeded rounds come every 10 min for the last 6 h: one per node in the last 15 min, too
            // few to tell a location's interval (whether it is silent), so the window grew to 1 h.
            assert.equal(first, 6 * NODES.length);
            assert.ok(handler.loader.ready);
            assert.equal(handler.loader.complete, false);
            const summary = await json(handler, "/api/v1/status?detail=summary");
            assert.equal(summary.complete, false, "the answer says history is still being read");
            assert.deepEqual(
              summary.endpoints.map((e: { title: string; status: string }) => [e.title, e.status]),
              [["Website", "healthy"], ["API", "degraded"], ["Database", "down"]],
            );
            const older = await handler.loader.backfill();
            assert.equal(first + older, rounds, "every round read once");
            assert.ok(handler.loader.complete);
            const loaded = (handler.loader as unknown as { rollup: Rollup }).rollup;
            assert.deepEqual(canonical(loaded), canonical(await plainRead(storage, now)));
            const after = await json(handler, "/api/v1/status?detail=summary");
            assert.equal(after.complete, true);
            assert.ok(after.endpoints[2].uptime["7d"] < 100, "the past outage is in once history is read");

            // A round stored after the first answer, listed within the refresh overlap: counted once.
            const later = now + MIN;
            for (const [k, node] of NODES.entries()) {
              await atTheirTime.store(roundAt(later + k, later, node, 999), undefined, { at: ns(later + k) });
            }
            assert.equal(await handler.loader.refresh(), NODES.length);
            assert.equal(await handler.loader.refresh(), 0, "nothing new: nothing read again");
            assert.deepEqual(canonical(loaded), canonical(await plainRead(storage, later)));
          },
        );

        await t.step("nothing in the first window: it grows before the server answers", async () => {
          // Two hours after the newest round: the 15-minute window is empty, the 24 h one is not.
          const at = now + 2 * 60 * MIN;
          const handler = createStatusHandler({ reader: storage, loader: { now: () => ns(at) } });
          const first = await handler.loader.prime();
          assert.ok(first > NODES.length && first < rounds, `${first} rounds in the recent window`);
          const summary = await json(handler, "/api/v1/status?detail=summary");
          assert.equal(summary.endpoints.length, 3);
          await handler.loader.backfill();
          const loaded = (handler.loader as unknown as { rollup: Rollup }).rollup;
          assert.deepEqual(canonical(loaded), canonical(await plainRead(storage, at)));
        });
      } finally {
        await (storage as Partial<Storage>).close?.();
        await opened.stop();
        await Deno.remove(dir, { recursive: true });
      }
    },
    sanitizeResources: false,
    sanitizeOps: false,
  });
}

Deno.test("the compact status document: one small entry per endpoint, cached, the rest on demand", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkup-compact-" });
  const storage = openStorage({ type: "fs", dir });
  try {
    // Enough endpoints for both documents to be worth compressing.
    const now = Date.now();
    for (let r = 0; r < 3; r++) {
      const t = now - (3 - r) * MIN;
      await storage.store(
        Array.from({ length: 40 }, (_, i) => ({
          title: `Service ${i}`,
          endpoint: `https://svc${i}.example.com/`,
          timestamp: ns(t) + BigInt(i),
          times: [{ rtt: 20e6 }],
          ...(i === 7 ? { down: true } : { healthy: true }),
        })),
        undefined,
        { at: ns(t) },
      );
    }
    const handler = createStatusHandler({
      reader: storage,
      groups: (title) => title.endsWith("1") ? "Ones" : undefined,
    });
    await handler.refresh();
    await handler.loader.backfill();
    const full = await json(handler, "/api/v1/status");
    const summary = await json(handler, "/api/v1/status?detail=summary");
    assert.equal(summary.title, full.title);
    assert.equal(summary.status, "down");
    assert.equal(summary.updated, full.updated);
    assert.deepEqual(summary.range, full.range);
    assert.equal(summary.complete, true);
    assert.equal(summary.endpoints.length, 40);
    full.endpoints.forEach((e: Record<string, unknown>, i: number) => {
      const s = summary.endpoints[i];
      const keys = ["id", "title", ...(e.group ? ["group"] : []), "status", "stale", "updated", "uptime"];
      assert.deepEqual(Object.keys(s), keys, "no slots, incidents, messages or nodes");
      for (const k of keys) assert.deepEqual(s[k], e[k], `${e.title}: ${k} as in the full document`);
    });
    assert.equal(summary.endpoints[1].group, "Ones");
    assert.equal(summary.endpoints[7].status, "down");

    // The rest, per endpoint, on demand.
    const one = await json(handler, `/api/v1/endpoints/${summary.endpoints[7].id}`);
    assert.equal(one.title, "Service 7");
    assert.equal(one.slots.up.length, 90);

    // Gzipped when asked (built once per change), ETag and 304, and the same bytes for every request.
    const gz = await api(handler, "/api/v1/status?detail=summary", { "accept-encoding": "gzip" });
    assert.equal(gz.res.headers.get("content-encoding"), "gzip");
    assert.deepEqual(JSON.parse(new TextDecoder().decode(gunzipSync(gz.body))), summary);
    const again = await api(handler, "/api/v1/status?detail=summary", { "accept-encoding": "gzip" });
    assert.deepEqual(again.body, gz.body);
    const etag = gz.res.headers.get("etag")!;
    const notModified = await api(handler, "/api/v1/status?detail=summary", {
      "accept-encoding": "gzip",
      "if-none-match": etag,
    });
    assert.equal(notModified.res.status, 304);
    const fullEtag = (await api(handler, "/api/v1/status", { "accept-encoding": "gzip" })).res.headers.get(
      "etag",
    );
    assert.notEqual(fullEtag, etag, "the two documents are cached apart");
    assert.equal((await json(handler, "/api/v1/status?detail=full")).endpoints[0].slots.up.length, 90);

    const bad = await api(handler, "/api/v1/status?detail=everything");
    assert.equal(bad.res.status, 400);
    assert.equal(
      JSON.parse(new TextDecoder().decode(bad.body)).error.message,
      `detail: expected "full" or "summary", found "everything"`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
