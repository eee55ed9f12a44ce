import assert from "node:assert/strict";
import { httpFake, notifierConformance, sampleDown } from "./_conformance.ts";
import { ntfyPayload } from "./ntfy.ts";

notifierConformance(
  "ntfy",
  httpFake({
    config: (base) => ({
      type: "ntfy",
      server: base,
      topic: "checkup-alerts_x7",
      token: "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2",
    }),
    secrets: ["tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"],
    // ntfy's JSON publishing: POST to the root URL, {topic, message, title, tags, priority 1-5, click}.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, "/");
      assert.equal(req.headers.get("authorization"), "Bearer tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2");
      const body = await req.json();
      assert.equal(body.topic, "checkup-alerts_x7");
      assert.equal(typeof body.message, "string");
      assert.equal(typeof body.title, "string");
      assert.ok(Array.isArray(body.tags) && body.tags.every((t: unknown) => typeof t === "string"));
      assert.ok(Number.isInteger(body.priority) && body.priority >= 1 && body.priority <= 5);
      return { text: `${body.title}\n${body.message}\n${body.click ?? ""}` };
    },
    ok: () =>
      Response.json({ id: "sPs71M8A2T", time: 1767225600, event: "message", topic: "checkup-alerts_x7" }),
    reject: () => Response.json({ code: 40101, http: 401, error: "unauthorized" }, { status: 401 }),
  }),
);

Deno.test("ntfy: priority and tags follow the status; basic auth when a user is set", () => {
  const down = ntfyPayload(sampleDown(), { topic: "t", priority: 5 }) as Record<string, unknown>;
  assert.equal(down.priority, 5);
  assert.deepEqual(down.tags, ["rotating_light"]);
  assert.equal(down.click, "https://status.example.com/");
  const degraded = ntfyPayload({ ...sampleDown(), status: "degraded" }, {
    topic: "t",
    priority: 5,
  }) as Record<string, unknown>;
  assert.equal(degraded.priority, 3);
});
