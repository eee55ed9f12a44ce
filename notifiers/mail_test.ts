import assert from "node:assert/strict";
import {
  type Fake,
  type FakeMode,
  notifierConformance,
  sampleDown,
  sampleRecovered,
} from "./_conformance.ts";
import { parseNotifier, resolveConfig } from "../config/load.ts";
import { type ReceivedMail, type SmtpSinkOptions, startSmtpSink } from "../tests/helpers/smtp.ts";
import type { MailNotifierConfig } from "./mail.ts";

const AUTH = { username: "checkup@example.com", password: "smtp-pa55word-secret" };
const TO = ["ops@example.com", "oncall@example.com"];

function mailConfig(port: number, smtp: Partial<MailNotifierConfig["smtp"]> = {}): MailNotifierConfig {
  return {
    type: "mail",
    from: "checkup@example.com",
    to: TO,
    smtp: { server: "127.0.0.1", port, tls: "starttls", tls_skip_verify: true, ...AUTH, ...smtp },
  };
}

/** What a well-formed alert mail looks like on the wire. */
function checkMail(m: ReceivedMail, o: { secure: boolean; user?: string }): string | undefined {
  if (m.from !== "checkup@example.com") return `envelope sender ${m.from}`;
  if (m.to.join() !== TO.join()) return `envelope recipients ${m.to}`;
  if (m.secure !== o.secure) return `session secure=${m.secure}`;
  if (m.user !== o.user) return `authenticated as ${m.user}`;
  if (!/^Content-Type: multipart\/alternative/im.test(m.raw)) return "expected text and HTML alternatives";
  if (!/^To: ops@example.com, oncall@example.com/m.test(m.raw)) return "To header";
  if (!m.text.includes("<b>Checkup has detected the following")) return "Go's HTML lead-in";
  return undefined;
}

function hangingServer(): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const loop = (async () => {
    try {
      for await (const c of listener) conns.push(c);
    } catch { /* closed */ }
  })();
  return {
    port: listener.addr.port,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      await loop;
    },
  };
}

async function smtpFake(mode: FakeMode): Promise<Fake> {
  if (mode === "hang") {
    const h = await hangingServer();
    return {
      config: { ...mailConfig(h.port) },
      secrets: [AUTH.password],
      received: [],
      problems: [],
      close: h.close,
    };
  }
  const options: SmtpSinkOptions = { auth: mode === "reject" ? { ...AUTH, password: "other" } : AUTH };
  if (mode === "flaky") options.failFirst = 1;
  const sink = await startSmtpSink(options);
  return {
    config: { ...mailConfig(sink.port) },
    secrets: [AUTH.password],
    get received() {
      return sink.messages.map((m) => ({ text: `${m.subject}\n${m.text}` }));
    },
    get problems() {
      return sink.messages.flatMap((m) => checkMail(m, { secure: true, user: AUTH.username }) ?? []);
    },
    close: sink.close,
  };
}

notifierConformance("mail", smtpFake, { batched: true });

Deno.test("mail: implicit TLS (port 465 style) with AUTH", async () => {
  const sink = await startSmtpSink({ secure: true, auth: AUTH });
  try {
    await parseNotifier(mailConfig(sink.port, { tls: "implicit" })).notify([sampleDown()]);
    assert.equal(sink.messages.length, 1);
    assert.equal(checkMail(sink.messages[0], { secure: true, user: AUTH.username }), undefined);
    assert.equal(sink.messages[0].subject, "Checkup: Checkout API is DOWN");
  } finally {
    await sink.close();
  }
});

Deno.test("mail: auto uses STARTTLS when offered; no AUTH without a username; none stays plain", async () => {
  const sink = await startSmtpSink();
  try {
    await parseNotifier(mailConfig(sink.port, { tls: "auto", username: "", password: "" })).notify([
      sampleDown(),
    ]);
    await parseNotifier(mailConfig(sink.port, { tls: "none", username: "", password: "" })).notify([
      sampleRecovered(),
    ]);
    assert.deepEqual(sink.messages.map((m) => [m.secure, m.user]), [[true, undefined], [false, undefined]]);
    assert.equal(sink.messages[1].subject, "Checkup: Checkout API has RECOVERED");
  } finally {
    await sink.close();
  }
});

Deno.test("mail: starttls refuses a server without STARTTLS; the error names the server, not the password", async () => {
  const sink = await startSmtpSink({ noStartTls: true });
  try {
    const n = parseNotifier({ ...mailConfig(sink.port), retries: 0 });
    const e = await n.notify([sampleDown()]).then(() => assert.fail("expected a failure"), (e: Error) => e);
    assert.match(e.message, new RegExp(`^mail via 127\\.0\\.0\\.1:${sink.port}: `));
    assert.ok(!e.message.includes(AUTH.password));
    assert.equal(sink.messages.length, 0);
  } finally {
    await sink.close();
  }
});

Deno.test("mail: the Go README object resolves with no warnings; port defaults to 25", () => {
  const go = resolveConfig({
    notifiers: [{
      type: "mail",
      from: "from@example.com",
      to: ["support1@example.com", "support2@example.com"],
      smtp: { server: "smtp.example.com" },
    }],
  });
  const o = go.notifiers[0].options as { smtp: { port: number; tls: string }; subject: string };
  assert.equal(o.smtp.port, 25);
  assert.equal(o.smtp.tls, "auto");
  assert.deepEqual(go.warnings, []);
});

Deno.test("mail: a custom subject is used as is", async () => {
  const sink = await startSmtpSink();
  try {
    const cfg = {
      ...mailConfig(sink.port, { tls: "none", username: "", password: "" }),
      subject: "Custom subject line",
    };
    await parseNotifier(cfg).notify([sampleDown(), sampleRecovered("Login", "https://login.example/")]);
    assert.equal(sink.messages[0].subject, "Custom subject line");
    assert.match(sink.messages[0].text, /Checkout API - Status <b>down<\/b>/);
    assert.match(sink.messages[0].text, /Login - Status <b>recovered<\/b>/);
  } finally {
    await sink.close();
  }
});
