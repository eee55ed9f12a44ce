import assert from "node:assert/strict";
import { httpFake, notifierConformance, sampleDown } from "./_conformance.ts";
import { webhookBody } from "./webhook.ts";

notifierConformance(
  "webhook",
  httpFake({
    config: (base) => ({
      type: "webhook",
      webhook: `${base}/hooks/checkup`,
      headers: { Authorization: "Bearer s3cr3t-hook-token" },
    }),
    secrets: ["s3cr3t-hook-token"],
    // The documented schema (README): version 1, one JSON object per alert.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, "/hooks/checkup");
      assert.equal(req.headers.get("authorization"), "Bearer s3cr3t-hook-token");
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const body = await req.json();
      assert.equal(body.version, 1);
      assert.ok(["down", "degraded", "recovered", "reminder"].includes(body.kind));
      for (
        const k of ["title", "endpoint", "status", "previous", "since", "incident_since", "at", "key", "text"]
      ) {
        assert.equal(typeof body[k], "string", k);
      }
      assert.equal(typeof body.result, "object");
      return { text: `${body.text}\n${body.status_page_url ?? ""}` };
    },
  }),
);

Deno.test("webhook: the result keeps its nanosecond timestamp exact", () => {
  const alert = { ...sampleDown(), result: { ...sampleDown().result, timestamp: 1767225600123456789n } };
  const text = webhookBody(alert);
  assert.ok(text.includes('"timestamp":1767225600123456789'));
  const body = JSON.parse(text);
  assert.equal(body.result.title, "Checkout API");
  assert.equal(body.since, "2026-01-01T00:00:00.000Z");
  assert.equal(body.reason, "response status 502 Bad Gateway");
});

Deno.test("webhook: PUT and custom headers", async () => {
  const { parseNotifier } = await import("../config/load.ts");
  let seen: Request | undefined;
  const n = parseNotifier(
    { type: "webhook", webhook: "http://127.0.0.1:9/x", method: "PUT", headers: { "X-Team": "ops" } },
    {
      fetch: (input, init) => {
        seen = new Request(input, init);
        return Promise.resolve(new Response(""));
      },
    },
  );
  await n.notify([sampleDown()]);
  assert.equal(seen?.method, "PUT");
  assert.equal(seen?.headers.get("x-team"), "ops");
});

Deno.test("webhook: body_template fills only field placeholders, escaped for its content type, to a local receiver", async () => {
  const { parseNotifier } = await import("../config/load.ts");
  const received: { type: string | null; body: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    received.push({ type: req.headers.get("content-type"), body: await req.text() });
    return new Response("ok");
  });
  const url = `http://127.0.0.1:${server.addr.port}/hook`;
  // A reason with quotes, a newline and a template-looking text: it stays data.
  const alert = { ...sampleDown(), reason: 'said "no"\nthen {{id}} ${x}' };
  try {
    await parseNotifier({
      type: "webhook",
      webhook: url,
      body_template: '{"summary": "{{headline}}", "why": "{{reason}}", "severity": "{{ status }}"}',
    }).notify([alert]);
    await parseNotifier({
      type: "webhook",
      webhook: url,
      content_type: "application/x-www-form-urlencoded",
      body_template: "msg={{title}}+is+{{status}}&why={{reason}}",
    }).notify([alert]);
    assert.equal(received[0].type, "application/json");
    assert.deepEqual(JSON.parse(received[0].body), {
      summary: "Checkout API is DOWN",
      why: 'said "no"\nthen {{id}} ${x}',
      severity: "down",
    });
    assert.equal(received[1].type, "application/x-www-form-urlencoded");
    const form = new URLSearchParams(received[1].body);
    assert.equal(form.get("msg"), "Checkout API is down");
    assert.equal(form.get("why"), 'said "no"\nthen {{id}} ${x}');
  } finally {
    await server.shutdown();
  }
});

Deno.test("webhook: a template with an expression, a section or an unknown field, or that cannot give JSON, is refused at load", async () => {
  const { parseNotifier } = await import("../config/load.ts");
  const base = { type: "webhook", webhook: "https://hooks.example/x" } as const;
  for (
    const t of ["{{title.constructor}}", "{{#each alerts}}x{{/each}}", "{{process}}", "{{ title | upcase }}"]
  ) {
    assert.throws(
      () => parseNotifier({ ...base, body_template: `{"a": "${t}"}` }),
      /body_template: unknown placeholder .*: expected one of \{\{kind\}\}/,
      t,
    );
  }
  assert.throws(
    () => parseNotifier({ ...base, body_template: '{"a": {{title}}}' }),
    /body_template: expected a template that renders JSON \(content_type application\/json\)/,
  );
  assert.doesNotThrow(() =>
    parseNotifier({ ...base, content_type: "text/plain", body_template: "{{text}}" })
  );
});
