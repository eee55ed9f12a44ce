import assert from "node:assert/strict";
import { parseChecker } from "../config/load.ts";
import { statusOf } from "../result.ts";
import { createTestCa, opensslMissing, type TestCa } from "../tests/helpers/certs.ts";
import { closedPort, readUntil, silence, startListener, writeText } from "./_servers_test.ts";
import type { TcpCheckerConfig } from "./tcp.ts";

const check = (config: Omit<TcpCheckerConfig, "type">, signal?: AbortSignal) =>
  parseChecker({ type: "tcp", endpoint_name: "T", ...config }).check(signal);

Deno.test("tcp: a listening port is healthy; RTT and Go's result fields are set", async () => {
  const l = startListener(() => {});
  try {
    const r = await check({ endpoint_url: l.address, attempts: 3 });
    assert.equal(statusOf(r), "healthy");
    assert.equal(r.title, "T");
    assert.equal(r.endpoint, l.address);
    assert.equal(r.times?.length, 3);
    for (const a of r.times!) assert.ok(a.rtt > 0 && a.error === undefined);
  } finally {
    await l.close();
  }
});

Deno.test("tcp: a closed port is down with the connect error", async () => {
  const r = await check({ endpoint_url: `127.0.0.1:${closedPort()}`, attempts: 2 });
  assert.equal(statusOf(r), "down");
  assert.equal(r.times?.length, 2);
  assert.match(r.times![0].error!, /^connect: .*(ECONNREFUSED|refused)/i);
  // As Go records it: the time each failed attempt took, not 0.
  for (const a of r.times!) assert.ok(Number(a.rtt) > 0, `rtt ${a.rtt}`);
});

Deno.test("tcp: threshold_rtt makes a slow banner exchange degraded", async () => {
  const l = startListener(async (conn) => {
    await new Promise((r) => setTimeout(r, 30));
    await writeText(conn, "220 ready\r\n");
  });
  try {
    const r = await check({ endpoint_url: l.address, expect: "220", threshold_rtt: "1ms", timeout: "5s" });
    assert.equal(statusOf(r), "degraded");
    assert.equal(r.notice, "median round trip time exceeded threshold (1ms)");
    assert.equal(r.threshold, 1e6);
  } finally {
    await l.close();
  }
});

Deno.test("tcp: expect matches an SMTP-style banner; a wrong banner is down with what was received", async () => {
  const l = startListener((conn) => writeText(conn, "220 mail.example ESMTP\r\n"));
  try {
    assert.equal(statusOf(await check({ endpoint_url: l.address, expect: "220 " })), "healthy");
    const r = await check({ endpoint_url: l.address, expect: "554" });
    assert.equal(statusOf(r), "down");
    assert.equal(
      r.times![0].error,
      'expected "554", the server closed; received "220 mail.example ESMTP\\r\\n"',
    );
  } finally {
    await l.close();
  }
});

Deno.test("tcp: send/expect does a Redis PING", async () => {
  const seen: string[] = [];
  const l = startListener(async (conn) => {
    seen.push(await readUntil(conn, "\r\n"));
    await writeText(conn, "+PONG\r\n");
  });
  try {
    const r = await check({ endpoint_url: l.address, send: "PING\r\n", expect: "+PONG" });
    assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
    assert.deepEqual(seen, ["PING\r\n"]);
  } finally {
    await l.close();
  }
});

Deno.test("tcp: a silent peer ends at the timeout while waiting for expect", async () => {
  const l = startListener((_conn, signal) => silence(signal));
  try {
    const r = await check({ endpoint_url: l.address, expect: "+PONG", send: "PING\r\n", timeout: "200ms" });
    assert.equal(statusOf(r), "down");
    assert.equal(r.times![0].error, 'waiting for "+PONG" timed out after 200ms; received nothing');
  } finally {
    await l.close();
  }
});

Deno.test("tcp: an aborted check stops at once with 'check aborted'", async () => {
  const l = startListener((_conn, signal) => silence(signal));
  try {
    const ac = new AbortController();
    const pending = check({ endpoint_url: l.address, expect: "x", timeout: "1h" }, ac.signal);
    setTimeout(() => ac.abort(), 50);
    const r = await pending;
    assert.equal(statusOf(r), "down");
    assert.match(r.times![0].error!, /check aborted/);
  } finally {
    await l.close();
  }
});

Deno.test("tcp: attempt_spacing pauses between attempts but not after a connection failure", async () => {
  const l = startListener(() => {});
  try {
    const start = performance.now();
    await check({ endpoint_url: l.address, attempts: 2, attempt_spacing: "150ms" });
    const spaced = performance.now() - start;
    assert.ok(spaced >= 140, `spacing applied (${spaced} ms)`);
  } finally {
    await l.close();
  }
  const start = performance.now();
  const r = await check({ endpoint_url: `127.0.0.1:${closedPort()}`, attempts: 2, attempt_spacing: "10s" });
  assert.equal(r.times?.length, 2);
  assert.ok(performance.now() - start < 5000, "no 10s pause after a refused connection");
});

const missing = await opensslMissing();
const requireServices = Deno.env.get("CHECKUP_REQUIRE_SERVICES") === "1";

Deno.test({
  name: "tcp with tls: valid, untrusted, expired, wrong-host certificates and a stalled handshake",
  ignore: missing !== undefined && !requireServices,
  async fn(t) {
    if (missing) throw new Error(`CHECKUP_REQUIRE_SERVICES=1 but ${missing}`);
    const ca: TestCa = await createTestCa();
    const serve = (leaf: { cert: string; key: string }) =>
      startListener(async (conn) => {
        await (conn as Deno.TlsConn).handshake();
        await writeText(conn, "* OK IMAP ready\r\n");
      }, { tls: leaf });
    const valid = await serve(await ca.issue({ hosts: ["localhost", "127.0.0.1"] }));
    const expired = await serve(await ca.issue({ days: -1 }));
    const wrongHost = await serve(await ca.issue({ hosts: ["other.example"] }));
    const stalled = startListener((_conn, signal) => silence(signal));
    try {
      await t.step("trusted through tls_ca_file: healthy, also with expect over TLS", async () => {
        const base = { endpoint_url: valid.address, tls: true, tls_ca_file: ca.certFile, timeout: "5s" };
        assert.equal(statusOf(await check(base)), "healthy");
        assert.equal(statusOf(await check({ ...base, expect: "* OK" })), "healthy");
      });
      await t.step("no tls_ca_file: the test CA is unknown, down with the reason", async () => {
        const r = await check({ endpoint_url: valid.address, tls: true, timeout: "5s" });
        assert.equal(statusOf(r), "down");
        assert.match(r.times![0].error!, /is not trusted: its issuer is not a trusted authority/);
      });
      await t.step("tls_skip_verify accepts the untrusted certificate", async () => {
        const r = await check({
          endpoint_url: valid.address,
          tls: true,
          tls_skip_verify: true,
          timeout: "5s",
        });
        assert.equal(statusOf(r), "healthy");
      });
      await t.step("expired certificate: down", async () => {
        const r = await check({
          endpoint_url: expired.address,
          tls: true,
          tls_ca_file: ca.certFile,
          timeout: "5s",
        });
        assert.equal(statusOf(r), "down");
        assert.match(r.times![0].error!, /^certificate expired .* ago \(not after /);
      });
      await t.step("wrong host: down, naming the names the certificate covers", async () => {
        const r = await check({
          endpoint_url: wrongHost.address,
          tls: true,
          tls_ca_file: ca.certFile,
          timeout: "5s",
        });
        assert.equal(statusOf(r), "down");
        assert.equal(
          r.times![0].error,
          "certificate is not valid for 127.0.0.1 (it covers DNS:other.example)",
        );
      });
      await t.step("a peer that never finishes the handshake ends at the timeout", async () => {
        const r = await check({ endpoint_url: stalled.address, tls: true, timeout: "200ms" });
        assert.equal(statusOf(r), "down");
        assert.equal(r.times![0].error, "TLS handshake timed out after 200ms");
      });
      await t.step("an unreadable tls_ca_file is down, naming the key", async () => {
        const r = await check({ endpoint_url: valid.address, tls: true, tls_ca_file: `${ca.dir}/nope.pem` });
        assert.equal(statusOf(r), "down");
        assert.match(r.times![0].error!, /^tls_ca_file: cannot read .*nope\.pem/);
      });
    } finally {
      await Promise.all([valid.close(), expired.close(), wrongHost.close(), stalled.close()]);
      await ca.cleanup();
    }
  },
});
