import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import net from "node:net";
import tls from "node:tls";
import { parseChecker } from "../config/load.ts";
import { statusOf } from "../result.ts";
import { createTestCa, opensslMissing } from "../tests/helpers/certs.ts";
import { closedPort } from "./_servers_test.ts";
import { decodeHealthStatus } from "./grpc.ts";
import type { GrpcCheckerConfig } from "./grpc.ts";

const check = (config: Omit<GrpcCheckerConfig, "type">) =>
  parseChecker({ type: "grpc", endpoint_name: "G", ...config }).check();

const raw = (b: Buffer) => b;

/**
 * A real grpc-js server with the standard health service: `statuses` maps a service name to its
 * ServingStatus number ("" is the server); an unknown name answers NOT_FOUND, as grpc's own health
 * service does.
 */
async function startHealthServer(statuses: Record<string, number>) {
  const asked: string[] = [];
  const server = new grpc.Server();
  server.addService({
    Check: {
      path: "/grpc.health.v1.Health/Check",
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      responseSerialize: raw,
      responseDeserialize: raw,
    },
  }, {
    Check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      // HealthCheckRequest: field 1 (service) is the only one; the bytes after its tag and length.
      const req = call.request;
      const service = req.length ? new TextDecoder().decode(req.subarray(2)) : "";
      asked.push(service);
      if (!(service in statuses)) return cb({ code: grpc.status.NOT_FOUND, details: "unknown service" });
      cb(null, Buffer.from([0x08, statuses[service]]));
    },
  });
  const credentials = grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (e, p) => (e ? reject(e) : resolve(p)))
  );
  return {
    address: `127.0.0.1:${port}`,
    asked,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

Deno.test("grpc: SERVING is healthy; NOT_SERVING and an unknown service are down with the status", async () => {
  const s = await startHealthServer({ "": 1, "shop.Cart": 1, "shop.Payments": 2 });
  try {
    const r = await check({ endpoint_url: s.address, attempts: 2 });
    assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
    for (const a of r.times!) assert.ok(Number(a.rtt) > 0);
    assert.equal(statusOf(await check({ endpoint_url: s.address, service: "shop.Cart" })), "healthy");
    const ns = await check({ endpoint_url: s.address, service: "shop.Payments" });
    assert.equal(statusOf(ns), "down");
    assert.equal(ns.times![0].error, 'health status NOT_SERVING for service "shop.Payments"');
    const unknown = await check({ endpoint_url: s.address, service: "nope" });
    assert.equal(statusOf(unknown), "down");
    assert.equal(unknown.times![0].error, "gRPC NOT_FOUND: unknown service");
    assert.deepEqual(s.asked, ["", "", "shop.Cart", "shop.Payments", "nope"]);
  } finally {
    await s.close();
  }
});

Deno.test("grpc: nothing listening is down with UNAVAILABLE", async () => {
  const r = await check({ endpoint_url: `127.0.0.1:${closedPort()}`, timeout: "2s" });
  assert.equal(statusOf(r), "down");
  assert.match(r.times![0].error!, /^gRPC (UNAVAILABLE|DEADLINE_EXCEEDED)/);
});

Deno.test("grpc: the health response decoder reads field 1 and skips others", () => {
  assert.equal(decodeHealthStatus(new Uint8Array([0x12, 1, 0x41, 0x08, 2])), 2);
  assert.throws(() => decodeHealthStatus(new Uint8Array([0x08])), /malformed/);
});

/**
 * A TLS terminator (node:tls, ALPN h2) in front of a plaintext gRPC server: grpc-js's own TLS server
 * fails its handshakes under Deno ("wrong version number"), while its TLS client works.
 */
async function startTlsFront(target: string, tlsFiles: { cert: string; key: string }) {
  const [host, port] = target.split(":");
  const server = tls.createServer({ ...tlsFiles, ALPNProtocols: ["h2"] }, (secure) => {
    const plain = net.connect(Number(port), host);
    secure.pipe(plain).pipe(secure);
    secure.on("error", () => plain.destroy());
    plain.on("error", () => secure.destroy());
    secure.on("close", () => plain.destroy());
    plain.on("close", () => secure.destroy());
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const missing = await opensslMissing();

Deno.test({
  name: "grpc: TLS with tls_ca_file is healthy; another CA's file is refused",
  ignore: missing !== undefined && Deno.env.get("CHECKUP_REQUIRE_SERVICES") !== "1",
  async fn() {
    const ca = await createTestCa();
    const other = await createTestCa();
    const leaf = await ca.issue({ hosts: ["127.0.0.1", "localhost"] });
    const s = await startHealthServer({ "": 1 });
    const front = await startTlsFront(s.address, leaf);
    try {
      // A host name: under Deno, grpc-js cannot do TLS to an IP address (node:tls refuses an IP as SNI).
      const url = `localhost:${front.port}`;
      const ok = await check({ endpoint_url: url, tls: true, tls_ca_file: ca.certFile });
      assert.equal(statusOf(ok), "healthy", JSON.stringify(ok.times));
      const wrong = await check({
        endpoint_url: s.address,
        tls: true,
        tls_ca_file: other.certFile,
        timeout: "2s",
      });
      assert.equal(statusOf(wrong), "down");
      assert.match(wrong.times![0].error!, /^gRPC (UNAVAILABLE|DEADLINE_EXCEEDED)/);
      assert.deepEqual(s.asked, [""]);
    } finally {
      await front.close();
      await s.close();
      await ca.cleanup();
      await other.cleanup();
    }
  },
});
