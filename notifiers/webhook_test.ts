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
