import assert from "node:assert/strict";
import { parseChecker } from "../config/load.ts";
import { ConfigError } from "../config/errors.ts";
import { statusOf } from "../result.ts";
import { createTestCa, opensslMissing, type TestCa } from "../tests/helpers/certs.ts";
import { startSmtpSink } from "../tests/helpers/smtp.ts";
import { startLineServer } from "../tests/helpers/line_server.ts";
import type { SmtpCheckerConfig } from "./smtp.ts";

const check = (config: Omit<SmtpCheckerConfig, "type">) =>
  parseChecker({ type: "smtp", endpoint_name: "M", ...config }).check();

const missing = await opensslMissing();
const ignore = missing !== undefined && Deno.env.get("CHECKUP_REQUIRE_SERVICES") !== "1";

async function withCa(fn: (ca: TestCa, other: TestCa) => Promise<void>) {
  const ca = await createTestCa();
  const other = await createTestCa();
  try {
    await fn(ca, other);
  } finally {
    await ca.cleanup();
    await other.cleanup();
  }
}

Deno.test("smtp: a real SMTP server's 220 greeting is healthy without STARTTLS", async () => {
  const sink = await startSmtpSink({ noStartTls: true });
  try {
    const r = await check({ endpoint_url: `127.0.0.1:${sink.port}`, attempts: 2 });
    assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
    assert.equal(r.times?.length, 2);
    for (const a of r.times!) assert.ok(Number(a.rtt) > 0);
    // It does not offer STARTTLS: asking for it is down, naming why.
    const s = await check({ endpoint_url: `127.0.0.1:${sink.port}`, starttls: true });
    assert.equal(statusOf(s), "down");
    assert.equal(s.times![0].error, "EHLO: the server does not offer STARTTLS");
  } finally {
    await sink.close();
  }
});

Deno.test({
  name:
    "smtp: STARTTLS against a real SMTP server verifies the certificate with tls_ca_file (replacing the roots)",
  ignore,
  fn: () =>
    withCa(async (ca, other) => {
      const leaf = await ca.issue({ hosts: ["127.0.0.1"] });
      const sink = await startSmtpSink({ tls: leaf });
      try {
        const endpoint_url = `127.0.0.1:${sink.port}`;
        const ok = await check({ endpoint_url, starttls: true, tls_ca_file: ca.certFile });
        assert.equal(statusOf(ok), "healthy", JSON.stringify(ok.times));
        // Another CA's file is the only trust: the certificate is refused.
        const wrong = await check({ endpoint_url, starttls: true, tls_ca_file: other.certFile });
        assert.equal(statusOf(wrong), "down");
        assert.match(wrong.times![0].error!, /certificate/i);
        const untrusted = await check({ endpoint_url, starttls: true });
        assert.equal(statusOf(untrusted), "down");
        const skipped = await check({ endpoint_url, starttls: true, tls_skip_verify: true });
        assert.equal(statusOf(skipped), "healthy", JSON.stringify(skipped.times));
      } finally {
        await sink.close();
      }
    }),
});

Deno.test({
  name: "smtp: implicit TLS (port 465 style) against a real SMTP server",
  ignore,
  fn: () =>
    withCa(async (ca) => {
      const leaf = await ca.issue({ hosts: ["127.0.0.1"] });
      const sink = await startSmtpSink({ secure: true, tls: leaf });
      try {
        const r = await check({
          endpoint_url: `127.0.0.1:${sink.port}`,
          tls: true,
          tls_ca_file: ca.certFile,
        });
        assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
        // Plain text to a TLS port: no greeting before the timeout.
        const plain = await check({ endpoint_url: `127.0.0.1:${sink.port}`, timeout: "300ms" });
        assert.equal(statusOf(plain), "down");
        assert.match(plain.times![0].error!, /waiting for the greeting/);
      } finally {
        await sink.close();
      }
    }),
});

Deno.test("smtp: a 554 greeting, a multi-line greeting and a refused STARTTLS are judged", async () => {
  const refusing = await startLineServer({ greeting: "554 no service here" });
  const multi = await startLineServer({
    greeting: "220-mail.example ESMTP\r\n220 ready",
    answer: (l) =>
      l.startsWith("EHLO")
        ? { reply: "250-mail.example\r\n250-STARTTLS\r\n250 SIZE 1000" }
        : l === "STARTTLS"
        ? { reply: "454 TLS not available" }
        : undefined,
  });
  try {
    const r = await check({ endpoint_url: refusing.address });
    assert.equal(statusOf(r), "down");
    assert.equal(r.times![0].error, 'greeting: expected 220, found "554 no service here"');
    assert.equal(statusOf(await check({ endpoint_url: multi.address })), "healthy");
    const s = await check({ endpoint_url: multi.address, starttls: true });
    assert.equal(statusOf(s), "down");
    assert.equal(s.times![0].error, 'STARTTLS: expected 220, found "454 TLS not available"');
    // The healthy check said QUIT; the refused upgrade asked for it after EHLO.
    assert.deepEqual(multi.lines.filter((l) => l !== "QUIT"), ["EHLO checkup.invalid", "STARTTLS"]);
  } finally {
    await refusing.close();
    await multi.close();
  }
});

Deno.test("smtp: a silent server is down at the timeout; tls with starttls is a config error", async () => {
  const silent = await startLineServer({});
  try {
    const r = await check({ endpoint_url: silent.address, timeout: "200ms" });
    assert.equal(statusOf(r), "down");
    assert.equal(r.times![0].error, "waiting for the greeting timed out after 200ms");
  } finally {
    await silent.close();
  }
  assert.throws(
    () => parseChecker({ type: "smtp", endpoint_url: "mail.example:25", tls: true, starttls: true }),
    (e: unknown) => e instanceof ConfigError && /starttls/.test(e.message) && /found both/.test(e.message),
  );
});
