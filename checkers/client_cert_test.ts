/**
 * Mutual TLS on the http, tcp and tls checkers, against real servers that require a client certificate
 * signed by their own CA (node:https and node:tls, certificates made by openssl): with the configured
 * certificate the endpoint is healthy; without one, or with one from another CA, it is down with the
 * handshake's error; the key's content never reaches a result. And the tcp checker's `tls_ca_file` replaces
 * the default roots, as Go's: a server certificate from another CA is refused.
 */
import assert from "node:assert/strict";
import https from "node:https";
import tls from "node:tls";
import { parseChecker } from "../config/load.ts";
import { ConfigError } from "../config/errors.ts";
import { encodeResults, statusOf } from "../result.ts";
import { createTestCa, opensslMissing } from "../tests/helpers/certs.ts";

const missing = await opensslMissing();

async function pki() {
  const serverCa = await createTestCa();
  const clientCa = await createTestCa();
  const otherCa = await createTestCa();
  return {
    serverCa,
    clientCa,
    otherCa,
    server: await serverCa.issue(),
    client: await clientCa.issue({ client: true, hosts: ["checkup"] }),
    stranger: await otherCa.issue({ client: true, hosts: ["stranger"] }),
    cleanup: () => Promise.all([serverCa.cleanup(), clientCa.cleanup(), otherCa.cleanup()]),
  };
}

/** Listens on 127.0.0.1, asking every client for a certificate signed by `clientCa`. */
async function listen(
  server: https.Server | tls.Server,
): Promise<{ port: number; close: () => Promise<void> }> {
  server.on("tlsClientError", () => {}); // refused handshakes are the point
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

Deno.test({
  name: "mutual TLS: http, tcp and tls present the configured client certificate; without one they are down",
  ignore: missing !== undefined,
  async fn() {
    const p = await pki();
    const options = {
      key: p.server.key,
      cert: p.server.cert,
      ca: [p.clientCa.cert],
      requestCert: true,
      rejectUnauthorized: true,
    };
    const web = await listen(https.createServer(options, (req, res) => {
      res.end(`hello ${(req.socket as tls.TLSSocket).getPeerCertificate().subject?.CN}`);
    }));
    const raw = await listen(tls.createServer(options, (socket) => socket.end("220 ready\r\n")));
    const mine = { tls_cert_file: p.client.certFile, tls_key_file: p.client.keyFile };
    const theirs = { tls_cert_file: p.stranger.certFile, tls_key_file: p.stranger.keyFile };
    const checkers = {
      http: (extra: object) => ({
        type: "http",
        endpoint_url: `https://127.0.0.1:${web.port}/`,
        tls_ca_file: p.serverCa.certFile,
        must_contain: "hello checkup",
        timeout: "5s",
        ...extra,
      }),
      tcp: (extra: object) => ({
        type: "tcp",
        endpoint_url: `127.0.0.1:${raw.port}`,
        tls: true,
        tls_ca_file: p.serverCa.certFile,
        expect: "220",
        timeout: "5s",
        ...extra,
      }),
      tls: (extra: object) => ({
        type: "tls",
        endpoint_url: `127.0.0.1:${raw.port}`,
        trusted_roots: [p.serverCa.certFile],
        timeout: "5s",
        ...extra,
      }),
    };
    try {
      for (const [type, config] of Object.entries(checkers)) {
        const run = (extra: object) =>
          parseChecker({ endpoint_name: "E", ...config(extra) } as never).check();
        const ok = await run(mine);
        assert.equal(statusOf(ok), "healthy", `${type} with the client certificate: ${ok.times?.[0]?.error}`);
        if (type === "tls") continue; // the tls checker judges the server's certificate, read before the client's is refused
        for (
          const [what, extra] of [["without a client certificate", {}], [
            "with one from another CA",
            theirs,
          ]] as const
        ) {
          const r = await run(extra);
          assert.equal(statusOf(r), "down", `${type} ${what}`);
          assert.ok(r.times![0].error, `${type} ${what}: an error`);
        }
      }
      // The key's content never reaches a result, whatever fails.
      const bad = await parseChecker(
        {
          endpoint_name: "E",
          ...checkers.tcp({ tls_cert_file: p.client.certFile, tls_key_file: p.client.certFile }),
        } as never,
      ).check();
      assert.equal(statusOf(bad), "down");
      assert.match(bad.times![0].error!, /^tls_key_file: .* holds no PEM private key$/);
      const gone = await parseChecker(
        {
          endpoint_name: "E",
          ...checkers.http({ tls_cert_file: p.client.certFile, tls_key_file: `${p.clientCa.dir}/nope.key` }),
        } as never,
      ).check();
      assert.match(gone.times![0].error!, /^tls_key_file: cannot read .*nope\.key/);
      for (const r of [bad, gone]) assert.ok(!encodeResults([r]).includes(p.client.key.slice(40, 80)));
    } finally {
      await Promise.all([web.close(), raw.close()]);
      await p.cleanup();
    }
  },
});

Deno.test({
  name: "tcp: tls_ca_file replaces the default roots, as Go's: a certificate from another CA is refused",
  ignore: missing !== undefined,
  async fn() {
    const p = await pki();
    const other = await p.otherCa.issue();
    const server = await listen(
      tls.createServer({ key: other.key, cert: other.cert }, (s) => s.end("220\r\n")),
    );
    try {
      const r = await parseChecker({
        type: "tcp",
        endpoint_name: "E",
        endpoint_url: `127.0.0.1:${server.port}`,
        tls: true,
        tls_ca_file: p.serverCa.certFile,
        timeout: "5s",
      } as never).check();
      assert.equal(statusOf(r), "down");
      assert.match(r.times![0].error!, /certificate|issuer|verify/i);
    } finally {
      await server.close();
      await p.cleanup();
    }
  },
});

Deno.test("mutual TLS: tls_cert_file and tls_key_file come together, or the config names the missing one", () => {
  for (const type of ["http", "tcp", "tls"]) {
    const endpoint_url = type === "http" ? "https://example.com/" : "example.com:443";
    assert.throws(
      () => parseChecker({ type, endpoint_name: "E", endpoint_url, tls_cert_file: "client.pem" } as never),
      (e: Error) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.match(e.message, /tls_key_file: expected tls_key_file too: a client certificate needs both/);
        return true;
      },
    );
  }
});
