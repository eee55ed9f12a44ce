/**
 * The ping route's table of paths and methods, over stand-in heartbeats that note what they are asked to
 * record (the real heartbeats and storages are in tests/heartbeat_serve_test.ts).
 */
import assert from "node:assert/strict";
import { createStatusHandler } from "../app.ts";
import { createLogger } from "../../log.ts";
import { tokenDigest } from "../../_internal/token.ts";
import { nowNs } from "../../result.ts";
import { FsStorage } from "../../storage/fs.ts";
import type { Ping } from "../../checkers/heartbeat/pings.ts";
import type { PingTarget } from "./ping.ts";

const TOKENS = ["alpha-token-0123456789", "beta-token-0123456789", "gamma-token-0123456789"];

function setup(fail?: Error) {
  const recorded: string[] = [];
  const log: string[] = [];
  const target = (title: string, token?: string): PingTarget => ({
    title,
    ...(token ? { tokenDigest: tokenDigest(token) } : {}),
    record(p) {
      if (fail) return Promise.reject(fail);
      recorded.push(`${title} ${p.kind ?? ""}${p.exit !== undefined ? ` exit ${p.exit}` : ""} ${p.via}`);
      const ping: Ping = { kind: p.kind ?? (p.exit ? "fail" : "success"), t: 0, via: p.via };
      if (p.exit !== undefined) ping.exit = p.exit;
      return Promise.resolve(ping);
    },
  });
  const handler = createStatusHandler({
    reader: new FsStorage({ type: "fs", dir: "/nonexistent", url: "", check_expiry: 0 } as never, {
      now: nowNs,
    }),
    heartbeats: [
      target("Alpha", TOKENS[0]),
      target("Beta", TOKENS[1]),
      target("No token"),
      target("Gamma", TOKENS[2]),
    ],
    logger: createLogger({ write: (line) => log.push(line) }),
  });
  const send = async (path: string, method = "GET") => {
    const res = await handler.fetch(new Request(`http://localhost/api/v1/ping/${path}`, { method }));
    return [res.status, method === "HEAD" ? null : await res.json()];
  };
  return { recorded, log, send };
}

const NOT_FOUND = [404, { error: { status: 404, message: "not found" } }];

Deno.test("ping route: each action of each heartbeat, by its token", async () => {
  const { recorded, send } = setup();
  const cases: [string, string, unknown][] = [
    [TOKENS[0], "GET", [200, { recorded: "success" }]],
    [`${TOKENS[1]}/start`, "POST", [200, { recorded: "start" }]],
    [`${TOKENS[2]}/fail`, "GET", [200, { recorded: "fail" }]],
    [`${TOKENS[0]}/0`, "GET", [200, { recorded: "success", exit: 0 }]],
    [`${TOKENS[0]}/255`, "POST", [200, { recorded: "fail", exit: 255 }]],
    [`${TOKENS[1]}/`, "GET", [200, { recorded: "success" }]],
    [TOKENS[2], "HEAD", [200, null]],
  ];
  for (const [path, method, expected] of cases) {
    assert.deepEqual(await send(path, method), expected, `${method} ${path}`);
  }
  assert.deepEqual(recorded, [
    "Alpha success serve",
    "Beta start serve",
    "Gamma fail serve",
    "Alpha  exit 0 serve",
    "Alpha  exit 255 serve",
    "Beta success serve",
    "Gamma success serve",
  ]);
});

Deno.test("ping route: anything else is the same bare 404, and records nothing", async () => {
  const { recorded, send, log } = setup();
  const paths: [string, string][] = [
    ["", "GET"],
    ["nope", "GET"],
    [TOKENS[0].slice(0, -1), "GET"],
    [`${TOKENS[0]}x`, "GET"],
    [TOKENS[0].toUpperCase(), "GET"],
    [`${TOKENS[0]}/finish`, "GET"],
    [`${TOKENS[0]}/256`, "GET"],
    [`${TOKENS[0]}/-1`, "GET"],
    [`${TOKENS[0]}/0/1`, "GET"],
    [`${TOKENS[0]}%2Fstart`, "GET"],
    [`%ZZ`, "GET"],
    [TOKENS[0], "PUT"],
    [TOKENS[0], "DELETE"],
    [TOKENS[0], "OPTIONS"],
  ];
  for (const [path, method] of paths) {
    assert.deepEqual(await send(path, method), NOT_FOUND, `${method} ${path}`);
  }
  assert.deepEqual(recorded, []);
  assert.deepEqual(log, []);
});

Deno.test("ping route: a storage failure is a 503 that says nothing of it; the log names the heartbeat, not the token", async () => {
  const { send, log } = setup(
    new Error(`storage fs: create /var/lib/checkup/_shared/pings/alpha: permission denied`),
  );
  assert.deepEqual(await send(`${TOKENS[0]}/start`), [503, {
    error: { status: 503, message: "cannot store the ping; the server log has the details" },
  }]);
  assert.equal(log.length, 1);
  assert.match(log[0], /ERROR cannot store a ping heartbeat=Alpha error=".*permission denied"/);
  assert.ok(!log[0].includes(TOKENS[0]));
});
