import assert from "node:assert/strict";
import { parseChecker } from "../config/load.ts";
import { statusOf } from "../result.ts";
import { createTestCa, opensslMissing } from "../tests/helpers/certs.ts";
import { startLineServer } from "../tests/helpers/line_server.ts";
import type { ImapCheckerConfig } from "./imap.ts";

const check = (config: Omit<ImapCheckerConfig, "type">) =>
  parseChecker({ type: "imap", endpoint_name: "I", ...config }).check();

const missing = await opensslMissing();
const ignore = missing !== undefined && Deno.env.get("CHECKUP_REQUIRE_SERVICES") !== "1";

/** An IMAP server's side of STARTTLS (RFC 9051 §6.2.1) and LOGOUT. */
const imapAnswer = (line: string) => {
  const [tag, command] = line.split(" ");
  if (command === "STARTTLS") return { reply: `${tag} OK Begin TLS negotiation now`, upgrade: true };
  if (command === "LOGOUT") return { reply: `* BYE logging out\r\n${tag} OK LOGOUT completed` };
  return { reply: `${tag} BAD unknown command` };
};

Deno.test("imap: a '* OK' greeting is healthy; '* BYE' is down with what was received", async () => {
  const ok = await startLineServer({
    greeting: "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready",
    answer: imapAnswer,
  });
  const bye = await startLineServer({ greeting: "* BYE too many connections" });
  try {
    const r = await check({ endpoint_url: ok.address, attempts: 2 });
    assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
    const b = await check({ endpoint_url: bye.address });
    assert.equal(statusOf(b), "down");
    assert.equal(b.times![0].error, 'greeting: expected "* OK", found "* BYE too many connections"');
  } finally {
    await ok.close();
    await bye.close();
  }
});

Deno.test({
  name: "imap: a1 STARTTLS upgrades and the certificate is verified against tls_ca_file only",
  ignore,
  async fn() {
    const ca = await createTestCa();
    const other = await createTestCa();
    const leaf = await ca.issue({ hosts: ["127.0.0.1"] });
    const s = await startLineServer({ greeting: "* OK ready", answer: imapAnswer, tls: leaf });
    const refusing = await startLineServer({
      greeting: "* OK ready",
      answer: (l) => ({ reply: `${l.split(" ")[0]} NO STARTTLS not available` }),
    });
    const implicit = await startLineServer({
      greeting: "* OK ready",
      answer: imapAnswer,
      tls: leaf,
      implicitTls: true,
    });
    try {
      const r = await check({ endpoint_url: s.address, starttls: true, tls_ca_file: ca.certFile });
      assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
      assert.equal(s.secured(), 1);
      assert.deepEqual(s.lines.slice(0, 1), ["a1 STARTTLS"]);
      const wrong = await check({ endpoint_url: s.address, starttls: true, tls_ca_file: other.certFile });
      assert.equal(statusOf(wrong), "down");
      assert.match(wrong.times![0].error!, /not trusted/);
      const no = await check({ endpoint_url: refusing.address, starttls: true });
      assert.equal(statusOf(no), "down");
      assert.equal(no.times![0].error, 'STARTTLS: expected "a1 OK", found "a1 NO STARTTLS not available"');
      const i = await check({ endpoint_url: implicit.address, tls: true, tls_ca_file: ca.certFile });
      assert.equal(statusOf(i), "healthy", JSON.stringify(i.times));
    } finally {
      await s.close();
      await refusing.close();
      await implicit.close();
      await ca.cleanup();
      await other.cleanup();
    }
  },
});
