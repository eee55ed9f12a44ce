import assert from "node:assert/strict";
import { parseChecker } from "../config/load.ts";
import { statusOf } from "../result.ts";
import { createTestCa, opensslMissing } from "../tests/helpers/certs.ts";
import { startLineServer } from "../tests/helpers/line_server.ts";
import type { Pop3CheckerConfig } from "./pop3.ts";

const check = (config: Omit<Pop3CheckerConfig, "type">) =>
  parseChecker({ type: "pop3", endpoint_name: "P", ...config }).check();

const missing = await opensslMissing();
const ignore = missing !== undefined && Deno.env.get("CHECKUP_REQUIRE_SERVICES") !== "1";

/** A POP3 server's side of STLS (RFC 2595 §4) and QUIT. */
const pop3Answer = (line: string) =>
  line === "STLS"
    ? { reply: "+OK Begin TLS negotiation", upgrade: true }
    : line === "QUIT"
    ? { reply: "+OK bye" }
    : { reply: "-ERR unknown command" };

Deno.test("pop3: a '+OK' greeting is healthy; '-ERR' is down; a silent server times out", async () => {
  const ok = await startLineServer({ greeting: "+OK POP3 ready", answer: pop3Answer });
  const err = await startLineServer({ greeting: "-ERR maintenance" });
  const silent = await startLineServer({});
  try {
    assert.equal(statusOf(await check({ endpoint_url: ok.address })), "healthy");
    const e = await check({ endpoint_url: err.address });
    assert.equal(statusOf(e), "down");
    assert.equal(e.times![0].error, 'greeting: expected "+OK", found "-ERR maintenance"');
    const t = await check({ endpoint_url: silent.address, timeout: "200ms" });
    assert.equal(t.times![0].error, "waiting for the greeting timed out after 200ms");
  } finally {
    await ok.close();
    await err.close();
    await silent.close();
  }
});

Deno.test({
  name: "pop3: STLS upgrades and verifies the certificate; a refused STLS is down",
  ignore,
  async fn() {
    const ca = await createTestCa();
    const leaf = await ca.issue({ hosts: ["127.0.0.1"] });
    const s = await startLineServer({ greeting: "+OK ready", answer: pop3Answer, tls: leaf });
    const refusing = await startLineServer({
      greeting: "+OK ready",
      answer: () => ({ reply: "-ERR not now" }),
    });
    const implicit = await startLineServer({
      greeting: "+OK ready",
      answer: pop3Answer,
      tls: leaf,
      implicitTls: true,
    });
    try {
      const r = await check({ endpoint_url: s.address, starttls: true, tls_ca_file: ca.certFile });
      assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
      assert.equal(s.secured(), 1);
      const untrusted = await check({ endpoint_url: s.address, starttls: true });
      assert.equal(statusOf(untrusted), "down");
      assert.match(untrusted.times![0].error!, /not trusted/);
      const no = await check({ endpoint_url: refusing.address, starttls: true });
      assert.equal(no.times![0].error, 'STLS: expected "+OK", found "-ERR not now"');
      const i = await check({ endpoint_url: implicit.address, tls: true, tls_ca_file: ca.certFile });
      assert.equal(statusOf(i), "healthy", JSON.stringify(i.times));
    } finally {
      await s.close();
      await refusing.close();
      await implicit.close();
      await ca.cleanup();
    }
  },
});
