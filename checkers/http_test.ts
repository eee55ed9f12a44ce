import assert from "node:assert/strict";
import { parseChecker } from "../config/load.ts";
import { statusOf } from "../result.ts";
import { createTestCa, opensslMissing } from "../tests/helpers/certs.ts";
import { closedPort, silence, startListener, writeText } from "./_servers_test.ts";
import type { HttpCheckerConfig } from "./http.ts";

const check = (config: Omit<HttpCheckerConfig, "type">, signal?: AbortSignal) =>
  parseChecker({ type: "http", endpoint_name: "Web", ...config }).check(signal);

interface Seen {
  method: string;
  path: string;
  host: string;
  headers: Headers;
  body: string;
}

/** A local server with the routes the tests need; `seen` records every request. */
function serve(leaf?: { cert: string; key: string }) {
  const tls = leaf && { cert: leaf.cert, key: leaf.key };
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {}, ...tls }, async (req) => {
    const url = new URL(req.url);
    seen.push({
      method: req.method,
      path: url.pathname,
      host: req.headers.get("host") ?? "",
      headers: req.headers,
      body: await req.text(),
    });
    const status = Number(url.searchParams.get("status") ?? 200);
    switch (url.pathname) {
      case "/status":
        return new Response(status === 204 ? null : `status ${status}`, { status });
      case "/redirect":
        return new Response(null, {
          status: Number(url.searchParams.get("code") ?? 302),
          headers: { location: "/ok" },
        });
      case "/json":
        return Response.json({
          status: "ok",
          version: 3,
          checks: [{ name: "db", healthy: true }],
          meta: null,
        });
      case "/echo":
        return new Response(`${req.method} ${seen.at(-1)!.body}`);
      case "/big":
        return new Response(
          new ReadableStream({
            pull(c) {
              c.enqueue(new Uint8Array(1024 * 1024));
            },
          }),
        );
      default:
        return new Response("all good, version 1.2.3", {
          headers: { "x-version": "1.2.3", "content-type": "text/plain" },
        });
    }
  });
  const scheme = tls ? "https" : "http";
  return {
    seen,
    url: (path: string) => `${scheme}://127.0.0.1:${server.addr.port}${path}`,
    close: () => server.shutdown(),
  };
}

Deno.test("http (Go contract): statuses, redirects not followed, body rules, headers, threshold", async (t) => {
  const s = serve();
  try {
    await t.step("200 to 204 pass by default; others are down with Go's text", async () => {
      for (const code of [200, 201, 204]) {
        assert.equal(
          statusOf(await check({ endpoint_url: s.url(`/status?status=${code}`) })),
          "healthy",
          `${code}`,
        );
      }
      const r = await check({ endpoint_url: s.url("/status?status=404") });
      assert.equal(statusOf(r), "down");
      assert.equal(r.times![0].error, "response status 404 Not Found");
      assert.equal(r.times![0].rtt > 0, true, "RTT recorded for a status failure");
    });
    await t.step("a redirect is judged, not followed", async () => {
      const r = await check({ endpoint_url: s.url("/redirect") });
      assert.equal(r.times![0].error, "response status 302 Found");
    });
    await t.step("up_status: only that code passes", async () => {
      assert.equal(
        statusOf(await check({ endpoint_url: s.url("/status?status=404"), up_status: 404 })),
        "healthy",
      );
      assert.equal(statusOf(await check({ endpoint_url: s.url("/ok"), up_status: 404 })), "down");
    });
    await t.step("must_contain and must_not_contain", async () => {
      assert.equal(
        statusOf(await check({ endpoint_url: s.url("/ok"), must_contain: "all good" })),
        "healthy",
      );
      const r1 = await check({ endpoint_url: s.url("/ok"), must_contain: "ready" });
      assert.equal(r1.times![0].error, "response does not contain 'ready'");
      const r2 = await check({ endpoint_url: s.url("/ok"), must_not_contain: "good" });
      assert.equal(r2.times![0].error, "response contains 'good'");
    });
    await t.step("headers: lists joined with ', '; Host sets the Host header", async () => {
      await check({
        endpoint_url: s.url("/ok"),
        headers: { "X-Multi": ["a", "b"], "X-One": "1", Host: "status.example.com" },
      });
      const last = s.seen.at(-1)!;
      assert.equal(last.headers.get("x-multi"), "a, b");
      assert.equal(last.headers.get("x-one"), "1");
      assert.equal(last.host, "status.example.com");
    });
    await t.step("threshold_rtt: degraded above the median", async () => {
      const r = await check({ endpoint_url: s.url("/ok"), threshold_rtt: 1, attempts: 3 });
      assert.equal(statusOf(r), "degraded");
      assert.equal(r.notice, "median round trip time exceeded threshold (1ns)");
      assert.equal(r.times!.length, 3);
    });
    await t.step("a closed port is down with the time the attempt took, as Go records it", async () => {
      const r = await check({ endpoint_url: `http://127.0.0.1:${closedPort()}/`, attempts: 2 });
      assert.equal(statusOf(r), "down");
      for (const a of r.times!) assert.ok(typeof a.rtt === "number" && a.rtt > 0, `rtt ${a.rtt}`);
      assert.match(r.times![0].error!, /127\.0\.0\.1/);
    });
  } finally {
    await s.close();
  }
});

Deno.test("http (beyond Go): method, body, status ranges, redirects, regex, json, headers, body size", async (t) => {
  const s = serve();
  try {
    await t.step("method and body", async () => {
      const r = await check({
        endpoint_url: s.url("/echo"),
        method: "post",
        body: '{"q":1}',
        must_contain: 'POST {"q":1}',
      });
      assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
      assert.equal(s.seen.at(-1)!.method, "POST");
      await check({ endpoint_url: s.url("/echo"), method: "HEAD" });
      assert.equal(s.seen.at(-1)!.method, "HEAD");
    });
    await t.step('up_status as a list with ranges: [200, "300-399"]', async () => {
      const up_status = [200, "300-399"];
      assert.equal(statusOf(await check({ endpoint_url: s.url("/redirect"), up_status })), "healthy");
      assert.equal(statusOf(await check({ endpoint_url: s.url("/ok"), up_status })), "healthy");
      const r = await check({ endpoint_url: s.url("/status?status=204"), up_status });
      assert.equal(r.times![0].error, "response status 204 No Content");
      assert.equal(
        statusOf(await check({ endpoint_url: s.url("/status?status=503"), up_status: "500-599" })),
        "healthy",
      );
    });
    await t.step(
      "follow_redirects follows and judges the final response; 303 turns POST into GET",
      async () => {
        const r = await check({
          endpoint_url: s.url("/redirect"),
          follow_redirects: true,
          must_contain: "all good",
        });
        assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
        await check({
          endpoint_url: s.url("/redirect?code=303"),
          follow_redirects: true,
          method: "POST",
          body: "x",
        });
        assert.deepEqual(s.seen.slice(-2).map((x) => `${x.method} ${x.path}`), ["POST /redirect", "GET /ok"]);
      },
    );
    await t.step("must_match / must_not_match", async () => {
      assert.equal(
        statusOf(await check({ endpoint_url: s.url("/ok"), must_match: "version \\d+\\.\\d+" })),
        "healthy",
      );
      const r1 = await check({ endpoint_url: s.url("/ok"), must_match: "(?i:READY)" });
      assert.equal(r1.times![0].error, "response does not match /(?i:READY)/");
      const r2 = await check({ endpoint_url: s.url("/ok"), must_not_match: "(?i:GOOD)" });
      assert.equal(r2.times![0].error, 'response matches /(?i:GOOD)/ ("good")');
    });
    await t.step("json: values at dotted paths", async () => {
      const url = s.url("/json");
      const ok = await check({
        endpoint_url: url,
        json: {
          status: "ok",
          version: 3,
          "checks.0.healthy": true,
          "checks.0": { name: "db", healthy: true },
          meta: null,
        },
      });
      assert.equal(statusOf(ok), "healthy", JSON.stringify(ok.times));
      const wrong = await check({ endpoint_url: url, json: { status: "degraded" } });
      assert.equal(wrong.times![0].error, 'response JSON at "status" is "ok", expected "degraded"');
      const missing = await check({ endpoint_url: url, json: { "checks.1.name": "cache" } });
      assert.equal(missing.times![0].error, 'response JSON has nothing at "checks.1.name"');
      const notJson = await check({ endpoint_url: s.url("/ok"), json: { status: "ok" } });
      assert.match(notJson.times![0].error!, /^response is not JSON \(/);
    });
    await t.step("header_contains", async () => {
      const url = s.url("/ok");
      assert.equal(
        statusOf(
          await check({ endpoint_url: url, header_contains: { "Content-Type": "text/", "x-version": "" } }),
        ),
        "healthy",
      );
      const missing = await check({ endpoint_url: url, header_contains: { "x-build": "" } });
      assert.equal(missing.times![0].error, 'response header "x-build" is missing');
      const wrong = await check({ endpoint_url: url, header_contains: { "x-version": "2.0" } });
      assert.equal(
        wrong.times![0].error,
        'response header "x-version" is "1.2.3", expected it to contain "2.0"',
      );
    });
    await t.step("a body over 16 MiB is an error, not a memory problem", async () => {
      const r = await check({ endpoint_url: s.url("/big"), must_contain: "x" });
      assert.equal(r.times![0].error, "reading response body: response body is larger than 16 MiB");
    });
  } finally {
    await s.close();
  }
});

Deno.test("http: a server that never answers, or stalls the body, ends at the timeout; abort stops it", async () => {
  const silent = startListener((_conn, signal) => silence(signal));
  const stalled = startListener(async (conn, signal) => {
    await writeText(conn, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial");
    await silence(signal);
  });
  try {
    const r = await check({ endpoint_url: `http://${silent.address}/`, timeout: "200ms" });
    assert.equal(statusOf(r), "down");
    assert.equal(r.times![0].error, "timeout after 200ms");
    // The RTT of the failed attempt is the time it took, not 0 (no bound: timers may fire early or late).
    assert.ok(Number(r.times![0].rtt) > 0, `rtt ${r.times![0].rtt}`);
    const body = await check({
      endpoint_url: `http://${stalled.address}/`,
      timeout: "200ms",
      must_contain: "x",
    });
    assert.equal(statusOf(body), "down");
    assert.match(body.times![0].error!, /^reading response body: /);
    const ac = new AbortController();
    const pending = check({ endpoint_url: `http://${silent.address}/`, timeout: "1h" }, ac.signal);
    setTimeout(() => ac.abort(), 50);
    assert.equal((await pending).times![0].error, "aborted");
    // The same through the node:https path that tls_skip_verify takes: the handshake never completes.
    const insecure = await check({
      endpoint_url: `https://${silent.address}/`,
      timeout: "200ms",
      tls_skip_verify: true,
    });
    assert.equal(insecure.times![0].error, "timeout after 200ms");
  } finally {
    await Promise.all([silent.close(), stalled.close()]);
  }
});

const missing = await opensslMissing();
const requireServices = Deno.env.get("CHECKUP_REQUIRE_SERVICES") === "1";

Deno.test({
  name: "https: tls_ca_file, tls_skip_verify and the certificate-expiry notice",
  ignore: missing !== undefined && !requireServices,
  async fn(t) {
    if (missing) throw new Error(`CHECKUP_REQUIRE_SERVICES=1 but ${missing}`);
    const ca = await createTestCa();
    const valid = serve(await ca.issue({ days: 90 }));
    const soon = serve(await ca.issue({ days: 5 }));
    const expired = serve(await ca.issue({ days: -1 }));
    const self = serve(await ca.issue({ selfSigned: true }));
    try {
      await t.step("trusted through tls_ca_file: healthy; without it: down", async () => {
        const ok = await check({ endpoint_url: valid.url("/ok"), tls_ca_file: ca.certFile });
        assert.equal(statusOf(ok), "healthy", JSON.stringify(ok.times));
        const untrusted = await check({ endpoint_url: valid.url("/ok") });
        assert.equal(statusOf(untrusted), "down");
        assert.match(untrusted.times![0].error!, /https:\/\/127\.0\.0\.1:\d+/);
      });
      await t.step(
        "tls_skip_verify accepts a self-signed certificate (also following redirects)",
        async () => {
          assert.equal(statusOf(await check({ endpoint_url: self.url("/ok") })), "down");
          const r = await check({
            endpoint_url: self.url("/redirect"),
            tls_skip_verify: true,
            follow_redirects: true,
            must_contain: "all good",
          });
          assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
          const failing = await check({
            endpoint_url: self.url("/status?status=500"),
            tls_skip_verify: true,
          });
          assert.equal(failing.times![0].error, "response status 500 Internal Server Error");
        },
      );
      await t.step(
        "cert_expiry_threshold: degraded with the days left; healthy when further away",
        async () => {
          const base = { endpoint_url: soon.url("/ok"), tls_ca_file: ca.certFile };
          assert.equal(statusOf(await check(base)), "healthy", "not checked unless configured");
          const r = await check({ ...base, cert_expiry_threshold: "14d", attempts: 2 });
          assert.equal(statusOf(r), "degraded");
          assert.match(r.notice!, /^certificate expiring soon: 5 days left \(not after /);
          assert.equal(statusOf(await check({ ...base, cert_expiry_threshold: "3d" })), "healthy");
        },
      );
      await t.step("an expired certificate is down, even with tls_skip_verify", async () => {
        const verified = await check({ endpoint_url: expired.url("/ok"), tls_ca_file: ca.certFile });
        assert.equal(statusOf(verified), "down");
        const skipped = await check({
          endpoint_url: expired.url("/ok"),
          tls_skip_verify: true,
          cert_expiry_threshold: "14d",
        });
        assert.equal(statusOf(skipped), "down");
        assert.match(skipped.times![0].error!, /^certificate expired 1d ago/);
      });
    } finally {
      await Promise.all([valid.close(), soon.close(), expired.close(), self.close()]);
      await ca.cleanup();
    }
  },
});

Deno.test("http: a fresh connection per attempt by default; keep_alive reuses one; clients are shared", async () => {
  const { createServer } = await import("node:http");
  let connections = 0;
  const server = createServer((_req, res) => res.end("ok"));
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const { HttpClients } = await import("../http_clients.ts");
  const clients = new HttpClients();
  try {
    const fresh = parseChecker({ type: "http", endpoint_url: `http://127.0.0.1:${port}/`, attempts: 3 }, {
      httpClients: clients,
    });
    assert.equal(statusOf(await fresh.check()), "healthy");
    assert.equal(connections, 3, "Go semantics: every attempt connects, so the RTT includes connect");
    connections = 0;
    const reuse = parseChecker(
      { type: "http", endpoint_url: `http://127.0.0.1:${port}/`, attempts: 3, keep_alive: true },
      { httpClients: clients },
    );
    assert.equal(statusOf(await reuse.check()), "healthy");
    assert.equal(connections, 1, "keep_alive: one connection for all attempts");
    const again = parseChecker({ type: "http", endpoint_url: `http://127.0.0.1:${port}/` }, {
      httpClients: clients,
    });
    await again.check();
    assert.equal(clients.get({}), clients.get({}), "one client per setting");
  } finally {
    clients.close();
    await new Promise((r) => server.close(r));
  }
});
