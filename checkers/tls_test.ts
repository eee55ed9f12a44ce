import assert from "node:assert/strict";
import type tls from "node:tls";
import { parseChecker } from "../config/load.ts";
import { statusOf } from "../result.ts";
import { createTestCa, opensslMissing } from "../tests/helpers/certs.ts";
import { expiryNotice, timeLeft } from "./cert.ts";
import { inspectTls } from "./tls_inspect.ts";
import { closedPort, silence, startListener, writeText } from "./_servers_test.ts";
import type { TlsCheckerConfig } from "./tls.ts";

const check = (config: Omit<TlsCheckerConfig, "type">, now?: () => bigint) =>
  parseChecker({ type: "tls", endpoint_name: "TLS", ...config }, now ? { now } : {}).check();

Deno.test("tls: a closed port is down; a server that never finishes the handshake ends at the timeout", async () => {
  const refused = await check({ endpoint_url: `127.0.0.1:${closedPort()}` });
  assert.equal(statusOf(refused), "down");
  assert.match(refused.times![0].error!, /^connect: /);
  assert.ok(Number(refused.times![0].rtt) > 0, "the time the failed attempt took, as Go records it");
  const stalled = startListener((_conn, signal) => silence(signal));
  try {
    const r = await check({ endpoint_url: stalled.address, timeout: "200ms", attempts: 2 });
    assert.equal(statusOf(r), "down");
    assert.deepEqual(r.times!.map((a) => a.error), [
      "TLS handshake timed out after 200ms",
      "TLS handshake timed out after 200ms",
    ]);
    // The time each attempt took, not 0 (no bound on it: timers may fire a little early or late).
    for (const a of r.times!) assert.ok(Number(a.rtt) > 0, `rtt ${a.rtt}: the time the attempt took`);
  } finally {
    await stalled.close();
  }
});

Deno.test("tls: a peer without a certificate is down with Go's text", () => {
  const socket = { getPeerCertificate: () => ({}), authorized: false } as unknown as tls.TLSSocket;
  assert.deepEqual(inspectTls(socket, "example.com", true), { problem: "no certificates presented" });
});

Deno.test("tls: expiry notices name the time left", () => {
  const day = 86_400_000;
  const leaf = { subject: "a", issuer: "b", validFrom: 0, validTo: 5 * day };
  assert.equal(
    expiryNotice(leaf, 14 * 86_400e9, 0),
    "certificate expiring soon: 5 days left (not after 1970-01-06T00:00:00Z)",
  );
  assert.equal(expiryNotice(leaf, 3 * 86_400e9, 0), undefined);
  assert.equal(timeLeft(5 * day - 1000), "5 days");
  assert.equal(timeLeft(day + 2 * 3_600_000), "1d 2h");
  assert.equal(timeLeft(90_000), "1m 30s");
});

const missing = await opensslMissing();
const requireServices = Deno.env.get("CHECKUP_REQUIRE_SERVICES") === "1";

Deno.test({
  name: "tls: valid, soon-expiring, expired, self-signed, untrusted and wrong-host certificates",
  ignore: missing !== undefined && !requireServices,
  async fn(t) {
    if (missing) throw new Error(`CHECKUP_REQUIRE_SERVICES=1 but ${missing}`);
    const ca = await createTestCa();
    const serve = (leaf: { cert: string; key: string }) =>
      startListener(async (conn) => {
        await (conn as Deno.TlsConn).handshake();
        await writeText(conn, "hello");
      }, { tls: leaf });
    const servers = {
      valid: await serve(await ca.issue({ days: 90 })),
      soon: await serve(await ca.issue({ days: 5 })),
      expired: await serve(await ca.issue({ days: -1 })),
      self: await serve(await ca.issue({ selfSigned: true })),
      wrongHost: await serve(await ca.issue({ hosts: ["other.example"] })),
    };
    const roots = [ca.certFile];
    try {
      await t.step("valid and trusted through trusted_roots: healthy", async () => {
        const r = await check({ endpoint_url: servers.valid.address, trusted_roots: roots, attempts: 2 });
        assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
        assert.equal(r.times!.length, 2);
        assert.ok(r.times!.every((a) => a.rtt > 0));
      });
      await t.step("the timestamp is taken after the attempts (Go's tls checker)", async () => {
        let calls = 0n;
        const r = await check({ endpoint_url: servers.valid.address, trusted_roots: roots }, () => ++calls);
        assert.equal(r.timestamp, 2n);
      });
      await t.step("expiring within the default 14 days: degraded with the days left", async () => {
        const r = await check({ endpoint_url: servers.soon.address, trusted_roots: roots });
        assert.equal(statusOf(r), "degraded");
        assert.match(
          r.notice!,
          /^certificate expiring soon: 5 days left \(not after \d{4}-\d\d-\d\dT[\d:]+Z\)$/,
        );
      });
      await t.step("cert_expiry_threshold below the time left: healthy", async () => {
        const r = await check({
          endpoint_url: servers.soon.address,
          trusted_roots: roots,
          cert_expiry_threshold: "3d",
        });
        assert.equal(statusOf(r), "healthy");
      });
      await t.step("threshold_rtt applies after the certificate rules", async () => {
        const r = await check({
          endpoint_url: servers.valid.address,
          trusted_roots: roots,
          threshold_rtt: 1, // 1 ns: every handshake is slower
        });
        assert.equal(statusOf(r), "degraded");
        assert.equal(r.notice, "median round trip time exceeded threshold (1ns)");
      });
      await t.step("expired: down with how long ago, even with tls_skip_verify", async () => {
        for (const skip of [false, true]) {
          const r = await check({
            endpoint_url: servers.expired.address,
            trusted_roots: roots,
            tls_skip_verify: skip,
          });
          assert.equal(statusOf(r), "down");
          assert.match(r.times![0].error!, /^certificate expired 1d ago \(not after /);
        }
      });
      await t.step("self-signed: down with the reason; tls_skip_verify accepts it", async () => {
        const r = await check({ endpoint_url: servers.self.address, trusted_roots: roots });
        assert.equal(statusOf(r), "down");
        assert.equal(
          r.times![0].error,
          "certificate for localhost issued by localhost is not trusted: it is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT)",
        );
        const skipped = await check({ endpoint_url: servers.self.address, tls_skip_verify: true });
        assert.equal(statusOf(skipped), "healthy");
      });
      await t.step("without trusted_roots the test CA is unknown: down", async () => {
        const r = await check({ endpoint_url: servers.valid.address });
        assert.equal(statusOf(r), "down");
        assert.match(
          r.times![0].error!,
          /issued by Checkup Test CA is not trusted: its issuer is not a trusted authority/,
        );
      });
      await t.step(
        "trusted_roots replace the system roots; tcp's tls_ca_file adds to them (Go)",
        async () => {
          // A child process where the test CA is a system root (DENO_CERT), checking with another CA.
          const other = await createTestCa();
          try {
            const load = new URL("../config/load.ts", import.meta.url).href;
            const code = `
            import { parseChecker } from "${load}";
            const base = { endpoint_url: "${servers.valid.address}" };
            const run = async (c) => (await parseChecker(c).check()).times[0].error ?? "ok";
            console.log(JSON.stringify([
              await run({ type: "tls", ...base }),
              await run({ type: "tls", ...base, trusted_roots: [${JSON.stringify(other.certFile)}] }),
            ]));`;
            const out = await new Deno.Command(Deno.execPath(), {
              args: ["eval", "--no-check", code],
              env: { DENO_CERT: ca.certFile, NO_COLOR: "1" },
              stdout: "piped",
              stderr: "piped",
            }).output();
            const text = new TextDecoder().decode(out.stdout).trim();
            assert.ok(out.success, new TextDecoder().decode(out.stderr));
            const [systemOnly, replaced] = JSON.parse(text);
            assert.equal(systemOnly, "ok");
            assert.match(replaced, /is not trusted: its issuer is not a trusted authority/);
          } finally {
            await other.cleanup();
          }
        },
      );
      await t.step("wrong host: down with the names the certificate covers", async () => {
        const r = await check({ endpoint_url: servers.wrongHost.address, trusted_roots: roots });
        assert.equal(statusOf(r), "down");
        assert.equal(
          r.times![0].error,
          "certificate is not valid for 127.0.0.1 (it covers DNS:other.example)",
        );
      });
      await t.step("an unreadable trusted root is down, naming the entry", async () => {
        const r = await check({
          endpoint_url: servers.valid.address,
          trusted_roots: [roots[0], `${ca.dir}/missing.pem`],
        });
        assert.equal(statusOf(r), "down");
        assert.match(r.times![0].error!, /^trusted_roots\[1\]: cannot read .*missing\.pem/);
      });
    } finally {
      await Promise.all(Object.values(servers).map((s) => s.close()));
      await ca.cleanup();
    }
  },
});
