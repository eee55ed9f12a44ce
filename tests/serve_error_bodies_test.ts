/**
 * Unauthenticated answers say what failed in general terms; the detail (absolute storage paths, the
 * database host, port and user, the driver's message) goes to the log only. Against a real file system
 * and a real PostgreSQL: storage unreadable before the first load, a login refused, the server stopped
 * after loading.
 */
import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { nowNs } from "../result.ts";
import { createStatusHandler, type StatusHandler } from "../server/app.ts";
import { startPostgres } from "./helpers/postgres.ts";
import { openStorage } from "./serve_fixture.ts";

const PATHS = [
  "/healthz",
  "/api/v1/status",
  "/api/v1/endpoints",
  "/metrics",
  "/badges/status.svg",
  "/index.json",
];

/** Every answer of `paths`: status and body. */
async function answers(handler: StatusHandler, paths: string[]): Promise<Map<string, [number, string]>> {
  const out = new Map<string, [number, string]>();
  for (const p of paths) {
    const res = await handler.fetch(new Request(`http://x${p}`));
    out.set(p, [res.status, await res.text()]);
  }
  return out;
}

function assertClean(bodies: Map<string, [number, string]>, secrets: string[]) {
  for (const [path, [, body]] of bodies) {
    for (const s of secrets) assert.ok(!body.includes(s), `${path} shows ${JSON.stringify(s)}: ${body}`);
  }
}

Deno.test("error bodies name no storage path; the log does", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkup-errors-" });
  // A file where the checks directory should be: every read fails with the path in the message.
  await Deno.writeTextFile(`${dir}/checks`, "not a directory");
  const storage = openStorage({ type: "fs", dir: `${dir}/checks` });
  const lines: string[] = [];
  const handler = createStatusHandler({
    reader: storage,
    logger: createLogger({ write: (l) => lines.push(l) }),
  });
  try {
    const early = await answers(handler, ["/api/v1/status", "/healthz"]);
    assert.equal(early.get("/api/v1/status")![0], 503);
    assert.match(early.get("/api/v1/status")![1], /reading stored checks, try again shortly/);
    await handler.refresh();
    assert.ok(handler.loader.error, "the read failed");
    const bodies = await answers(handler, [...PATHS, "/1700000000000000000-check.json"]);
    for (const [path, [status, body]] of bodies) {
      assert.equal(status, 503, `${path}: ${body}`);
      assert.equal(JSON.parse(body).error?.message ?? JSON.parse(body).error, STORAGE_FAILED, path);
    }
    assert.equal(JSON.parse(bodies.get("/healthz")![1]).status, "starting");
    assertClean(bodies, [dir, "/tmp", "ENOTDIR", "Not a directory"]);
    assert.ok(lines.some((l) => l.includes(`${dir}/checks`)), `the log names the path:\n${lines.join("\n")}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const STORAGE_FAILED = "cannot read storage; the server log has the details";

Deno.test("error bodies name no database host, port or user; the log does", async (t) => {
  const server = await startPostgres();
  if (!server) return;
  try {
    const port = String(server.port);
    await t.step("a login refused before the first load", async () => {
      const user = "checkup_reader_nobody";
      const storage = openStorage({
        type: "postgres",
        dsn: `host=${server.host} port=${port} user=${user} dbname=postgres sslmode=disable`,
      });
      const lines: string[] = [];
      const handler = createStatusHandler({
        reader: storage,
        logger: createLogger({ write: (l) => lines.push(l) }),
      });
      try {
        await handler.refresh();
        const bodies = await answers(handler, PATHS);
        for (const [path, [status]] of bodies) assert.equal(status, 503, path);
        assertClean(bodies, [server.host, port, user]);
        const log = lines.join("\n");
        assert.ok(log.includes(user) && log.includes(`${server.host}:${port}`), log);
      } finally {
        await storage.close?.();
      }
    });

    await t.step(
      "the server stopped after loading: stale answers stay, errors say nothing of it",
      async () => {
        const storage = openStorage({ type: "postgres", dsn: await server.createDatabase(), create: true });
        const lines: string[] = [];
        const handler = createStatusHandler({
          reader: storage,
          logger: createLogger({ write: (l) => lines.push(l) }),
        });
        try {
          const name = await storage.store([{
            title: "API",
            timestamp: nowNs(),
            times: [{ rtt: 1e6 }],
            healthy: true,
          }]);
          await handler.refresh();
          await server.halt();
          await handler.refresh();
          assert.ok(handler.loader.error, "the read failed");
          const bodies = await answers(handler, [...PATHS, `/${name}`]);
          const health = JSON.parse(bodies.get("/healthz")![1]);
          assert.equal(bodies.get("/healthz")![0], 503);
          assert.deepEqual([health.status, health.error], ["failing", STORAGE_FAILED]);
          assert.equal(bodies.get("/api/v1/status")![0], 200, "what was read is still served");
          for (const p of ["/index.json", `/${name}`]) {
            assert.equal(bodies.get(p)![0], 503, p);
            assert.equal(JSON.parse(bodies.get(p)![1]).error.message, STORAGE_FAILED, p);
          }
          assertClean(bodies, [server.host, port, "postgres", "ECONNREFUSED", "connection refused"]);
          assert.ok(lines.some((l) => l.includes(`${server.host}:${port}`)), lines.join("\n"));
        } finally {
          await server.resume();
          await storage.close?.();
        }
      },
    );
  } finally {
    await server.stop();
  }
});
