import assert from "node:assert/strict";
import { parseNotifier } from "../config/load.ts";
import { httpFake, notifierConformance, sampleDown } from "./_conformance.ts";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJjaGVja3VwIn0.Zm9vYmFyYmF6cXV4";
const HOOK = "checkup-Qm9vZ2llV29vZ2ll";

notifierConformance(
  "homeassistant",
  httpFake({
    config: (base) => ({ type: "homeassistant", url: base, token: TOKEN, service: "mobile_app_pixel_8" }),
    secrets: [TOKEN],
    // REST API: POST /api/services/notify/<service>, Bearer long-lived token, {message, title?, data?};
    // answers 200 with the changed states.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, "/api/services/notify/mobile_app_pixel_8");
      assert.equal(req.headers.get("authorization"), `Bearer ${TOKEN}`);
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const b = await req.json();
      assert.ok(typeof b.message === "string" && b.message.length > 0);
      assert.equal(typeof b.title, "string");
      assert.equal(typeof b.data.tag, "string");
      return { text: `${b.title}\n${b.message}` };
    },
    ok: () => Response.json([]),
    reject: () => new Response("401: Unauthorized", { status: 401 }),
  }),
);

notifierConformance(
  "homeassistant",
  httpFake({
    config: (base) => ({ type: "homeassistant", url: base, webhook_id: HOOK }),
    secrets: [HOOK],
    // Webhook trigger: POST /api/webhook/<id> with JSON (trigger.json); no auth header.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, `/api/webhook/${HOOK}`);
      assert.equal(req.headers.get("authorization"), null);
      const b = await req.json();
      for (const k of ["title", "message", "kind", "status", "key", "id"]) {
        assert.equal(typeof b[k], "string", k);
      }
      return { text: `${b.title}\n${b.message}` };
    },
    ok: () => new Response(null, { status: 200 }),
    reject: () => new Response("405: Method Not Allowed", { status: 405 }),
  }),
);

Deno.test("homeassistant: token and service, or webhook_id; errors name the key", () => {
  assert.throws(
    () => parseNotifier({ type: "homeassistant", url: "http://ha.local:8123", token: "t" }),
    /service: expected service \(or webhook_id instead of token and service\)/,
  );
  assert.throws(
    () => parseNotifier({ type: "homeassistant", url: "http://ha.local:8123", webhook_id: "x", token: "t" }),
    /token: expected no token or service with webhook_id/,
  );
  assert.ok(sampleDown());
});
