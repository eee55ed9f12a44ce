import assert from "node:assert/strict";
import { parseChecker } from "../config/load.ts";
import { ConfigError } from "../config/errors.ts";
import { statusOf } from "../result.ts";
import { createTestCa, opensslMissing } from "../tests/helpers/certs.ts";
import { closedPort } from "./_servers_test.ts";
import type { WebSocketCheckerConfig } from "./websocket.ts";

const check = (config: Omit<WebSocketCheckerConfig, "type">, signal?: AbortSignal) =>
  parseChecker({ type: "websocket", endpoint_name: "W", ...config }).check(signal);

/** A real WebSocket server: /echo answers "echo <msg>", /silent never answers, /wrong answers "nope". */
function startWsServer(tls?: { cert: string; key: string }) {
  const seen: { path: string; auth: string | null; messages: string[] }[] = [];
  const sockets = new Set<WebSocket>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {}, ...tls }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/plain") return new Response("not a websocket", { status: 404 });
    const entry = { path, auth: req.headers.get("authorization"), messages: [] as string[] };
    seen.push(entry);
    const { socket, response } = Deno.upgradeWebSocket(req);
    sockets.add(socket);
    socket.onclose = () => sockets.delete(socket);
    socket.onmessage = (e) => {
      entry.messages.push(String(e.data));
      if (path === "/echo") socket.send(`echo ${e.data}`);
      if (path === "/wrong") socket.send("nope");
      if (path === "/bye") socket.close(1011, "bye");
    };
    return response;
  });
  return {
    port: server.addr.port,
    seen,
    async close() {
      for (const s of sockets) s.close();
      await server.shutdown();
    },
  };
}

Deno.test("websocket: an open handshake is healthy with its RTT; send/expect gets the echo", async () => {
  const s = startWsServer();
  try {
    const r = await check({ endpoint_url: `ws://127.0.0.1:${s.port}/echo`, attempts: 2 });
    assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
    assert.equal(r.endpoint, `ws://127.0.0.1:${s.port}/echo`);
    for (const a of r.times!) assert.ok(Number(a.rtt) > 0);
    const e = await check({
      endpoint_url: `ws://127.0.0.1:${s.port}/echo`,
      headers: { Authorization: "Bearer t0k" },
      send: "ping",
      expect: "echo ping",
      expect_match: "^echo p[a-z]+$",
    });
    assert.equal(statusOf(e), "healthy", JSON.stringify(e.times));
    assert.deepEqual(s.seen.at(-1), { path: "/echo", auth: "Bearer t0k", messages: ["ping"] });
  } finally {
    await s.close();
  }
});

Deno.test("websocket: a wrong reply ends at the timeout, down with what was received", async () => {
  const s = startWsServer();
  try {
    const r = await check({
      endpoint_url: `ws://127.0.0.1:${s.port}/wrong`,
      send: "ping",
      expect_match: "^pong$",
      timeout: "300ms",
    });
    assert.equal(statusOf(r), "down");
    assert.equal(
      r.times![0].error,
      'waiting for /^pong$/ timed out after 300ms; received 1 message(s), the last "nope"',
    );
  } finally {
    await s.close();
  }
});

Deno.test("websocket: a server that never answers is down at the timeout; one that closes says so", async () => {
  const s = startWsServer();
  try {
    const r = await check({
      endpoint_url: `ws://127.0.0.1:${s.port}/silent`,
      send: "ping",
      expect: "pong",
      timeout: "200ms",
    });
    assert.equal(statusOf(r), "down");
    assert.equal(r.times![0].error, 'waiting for "pong" timed out after 200ms; received nothing');
    const c = await check({ endpoint_url: `ws://127.0.0.1:${s.port}/bye`, send: "x", expect: "pong" });
    assert.equal(statusOf(c), "down");
    assert.equal(c.times![0].error, 'expected "pong", the server closed (code 1011); received nothing');
  } finally {
    await s.close();
  }
});

Deno.test("websocket: a refused connection or a non-WebSocket answer is down; credentials never show", async () => {
  const r = await check({ endpoint_url: `ws://user:s3cret@127.0.0.1:${closedPort()}/`, attempts: 2 });
  assert.equal(statusOf(r), "down");
  assert.equal(r.times?.length, 2);
  assert.match(r.times![0].error!, /^WebSocket handshake: /);
  const shown = JSON.stringify(r, (_k, v) => typeof v === "bigint" ? String(v) : v);
  assert.ok(!shown.includes("s3cret"), shown);
  assert.match(r.endpoint!, /^ws:\/\/\*\*\*@127\.0\.0\.1:/);
  const s = startWsServer();
  try {
    const p = await check({ endpoint_url: `ws://127.0.0.1:${s.port}/plain` });
    assert.equal(statusOf(p), "down");
    assert.match(p.times![0].error!, /^WebSocket handshake: /);
  } finally {
    await s.close();
  }
});

Deno.test("websocket: config errors name the key; a URL's password is not shown", () => {
  assert.throws(
    () => parseChecker({ type: "websocket", endpoint_url: "http://u:pw@example.com/" }),
    (e: unknown) =>
      e instanceof ConfigError && /endpoint_url/.test(e.message) && /ws:\/\/ or wss:\/\//.test(e.message) &&
      !e.message.includes(":pw@"),
  );
  assert.throws(
    () => parseChecker({ type: "websocket", endpoint_url: "ws://example.com/", expect_match: "(" }),
    (e: unknown) => e instanceof ConfigError && /expect_match/.test(e.message),
  );
});

const missing = await opensslMissing();

Deno.test({
  name: "websocket: wss with tls_ca_file is trusted; without it (or with another CA) it is refused",
  ignore: missing !== undefined && Deno.env.get("CHECKUP_REQUIRE_SERVICES") !== "1",
  async fn() {
    const ca = await createTestCa();
    const other = await createTestCa();
    const leaf = await ca.issue({ hosts: ["localhost"] });
    const s = startWsServer({ cert: leaf.cert, key: leaf.key });
    try {
      const url = `wss://localhost:${s.port}/echo`;
      const ok = await check({ endpoint_url: url, tls_ca_file: ca.certFile, send: "hi", expect: "echo hi" });
      assert.equal(statusOf(ok), "healthy", JSON.stringify(ok.times));
      const untrusted = await check({ endpoint_url: url });
      assert.equal(statusOf(untrusted), "down");
      assert.match(untrusted.times![0].error!, /^WebSocket handshake: .*(certificate|UnknownIssuer)/i);
      const wrongCa = await check({ endpoint_url: url, tls_ca_file: other.certFile });
      assert.equal(statusOf(wrongCa), "down");
      const noFile = await check({ endpoint_url: url, tls_ca_file: `${ca.dir}/missing.pem` });
      assert.equal(statusOf(noFile), "down");
      assert.match(noFile.times![0].error!, /tls_ca_file/);
    } finally {
      await s.close();
      await ca.cleanup();
      await other.cleanup();
    }
  },
});

Deno.test({
  name:
    "websocket: tls_ca_file replaces the default roots, as Go's CA options: a server trusted by them alone is refused",
  ignore: missing !== undefined && Deno.env.get("CHECKUP_REQUIRE_SERVICES") !== "1",
  async fn() {
    // A CA the process trusts as a default root (DENO_CERT), and the pinned CA of the config: a server
    // certificate from the first is accepted without tls_ca_file and refused with it.
    const system = await createTestCa();
    const pinned = await createTestCa();
    const leaf = await system.issue({ hosts: ["localhost"] });
    const s = startWsServer({ cert: leaf.cert, key: leaf.key });
    const dir = await Deno.makeTempDir();
    try {
      const run = async (extra: Record<string, unknown>) => {
        await Deno.writeTextFile(
          `${dir}/checkup.json`,
          JSON.stringify({
            checkers: [{
              type: "websocket",
              endpoint_name: "WS",
              endpoint_url: `wss://localhost:${s.port}/echo`,
              ...extra,
            }],
          }),
        );
        const out = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            new URL("../main.ts", import.meta.url).pathname,
            "-c",
            `${dir}/checkup.json`,
            "--json",
          ],
          env: { DENO_CERT: system.certFile, NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        return {
          code: out.code,
          text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
        };
      };
      const trusted = await run({});
      assert.equal(trusted.code, 0, `trusted as a default root: ${trusted.text}`);
      const refused = await run({ tls_ca_file: pinned.certFile });
      assert.equal(refused.code, 1, refused.text);
      assert.match(refused.text, /tls_ca_file: /);
    } finally {
      await s.close();
      await system.cleanup();
      await pinned.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
