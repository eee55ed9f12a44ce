import assert from "node:assert/strict";
import dgram from "node:dgram";
import { parseChecker } from "../config/load.ts";
import { ConfigError } from "../config/errors.ts";
import { statusOf } from "../result.ts";
import type { UdpCheckerConfig } from "./udp.ts";

const check = (config: Omit<UdpCheckerConfig, "type">, signal?: AbortSignal) =>
  parseChecker({ type: "udp", endpoint_name: "U", ...config }).check(signal);

/** A real UDP server on 127.0.0.1: answers each datagram with `answer(text)` (undefined: no reply). */
async function startUdpServer(answer: (text: string) => string | undefined) {
  const received: string[] = [];
  const socket = dgram.createSocket("udp4");
  socket.on("message", (data, peer) => {
    const text = new TextDecoder().decode(data);
    received.push(text);
    const reply = answer(text);
    if (reply !== undefined) socket.send(new TextEncoder().encode(reply), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const port = socket.address().port;
  return {
    address: `127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A UDP port nothing listens on (bound, then released). */
async function closedUdpPort(): Promise<number> {
  const s = await startUdpServer(() => undefined);
  const port = Number(s.address.split(":")[1]);
  await s.close();
  return port;
}

Deno.test("udp: a reply containing expect is healthy; the datagram is sent with its escapes", async () => {
  const s = await startUdpServer((t) => (t === "status\r\n" ? "OK uptime=42\n" : "ERR"));
  try {
    const r = await check({ endpoint_url: s.address, send: "status\r\n", expect: "OK", attempts: 2 });
    assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
    assert.equal(r.endpoint, s.address);
    assert.deepEqual(s.received, ["status\r\n", "status\r\n"]);
    for (const a of r.times!) assert.ok(Number(a.rtt) > 0);
    const m = await check({
      endpoint_url: s.address,
      send: "status\r\n",
      expect_match: "^OK uptime=\\d+\\n$",
    });
    assert.equal(statusOf(m), "healthy", JSON.stringify(m.times));
    // No expectation: any reply proves the service is up.
    assert.equal(statusOf(await check({ endpoint_url: s.address, send: "hello" })), "healthy");
  } finally {
    await s.close();
  }
});

Deno.test("udp: a wrong reply is down at the timeout with what was received", async () => {
  const s = await startUdpServer(() => "ERR unknown command");
  try {
    const r = await check({ endpoint_url: s.address, send: "status", expect: "OK", timeout: "200ms" });
    assert.equal(statusOf(r), "down");
    assert.equal(
      r.times![0].error,
      'waiting for "OK" timed out after 200ms; received 1 datagram(s), the last "ERR unknown command"',
    );
  } finally {
    await s.close();
  }
});

Deno.test("udp: no reply is down at the timeout", async () => {
  const s = await startUdpServer(() => undefined);
  try {
    const r = await check({ endpoint_url: s.address, send: "status", expect_match: "^OK", timeout: "200ms" });
    assert.equal(statusOf(r), "down");
    assert.equal(r.times![0].error, "waiting for /^OK/ timed out after 200ms; received nothing");
    assert.deepEqual(s.received, ["status"]);
  } finally {
    await s.close();
  }
});

Deno.test("udp: a closed port is down (ICMP port unreachable, or the timeout)", async () => {
  const r = await check({ endpoint_url: `127.0.0.1:${await closedUdpPort()}`, send: "x", timeout: "500ms" });
  assert.equal(statusOf(r), "down");
  assert.match(r.times![0].error!, /^(udp: .*(ECONNREFUSED|refused)|waiting for a reply timed out)/i);
});

Deno.test("udp: an aborted check stops at once; config errors name the key", async () => {
  const s = await startUdpServer(() => undefined);
  try {
    const ac = new AbortController();
    const pending = check({ endpoint_url: s.address, send: "x", timeout: "1h" }, ac.signal);
    setTimeout(() => ac.abort(), 50);
    const r = await pending;
    assert.equal(statusOf(r), "down");
    assert.match(r.times![0].error!, /check aborted/);
  } finally {
    await s.close();
  }
  assert.throws(
    () => parseChecker({ type: "udp", endpoint_url: "udp.example" }),
    (e: unknown) => e instanceof ConfigError && /endpoint_url/.test(e.message) && /host:port/.test(e.message),
  );
  assert.throws(
    () => parseChecker({ type: "udp", endpoint_url: "h:1", send: "x".repeat(70_000) }),
    (e: unknown) => e instanceof ConfigError && /send/.test(e.message) && /65507 bytes/.test(e.message),
  );
});
