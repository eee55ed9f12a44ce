import assert from "node:assert/strict";
import { httpFake, notifierConformance } from "./_conformance.ts";

const KEY = "gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv";
const EMAIL = "checkup-bot@acme.zulipchat.com";

notifierConformance(
  "zulip",
  httpFake({
    config: (base) => ({ type: "zulip", site: base, email: EMAIL, api_key: KEY, stream: "ops" }),
    secrets: [KEY, btoa(`${EMAIL}:${KEY}`)],
    // POST /api/v1/messages, Basic auth (email:key), form type=stream&to=<stream>&topic=<≤60>&content.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, "/api/v1/messages");
      assert.equal(req.headers.get("authorization"), `Basic ${btoa(`${EMAIL}:${KEY}`)}`);
      assert.match(req.headers.get("content-type") ?? "", /^application\/x-www-form-urlencoded/);
      const f = new URLSearchParams(await req.text());
      assert.ok(["stream", "channel"].includes(f.get("type")!));
      assert.equal(f.get("to"), "ops");
      const topic = f.get("topic")!;
      assert.ok(topic.length >= 1 && topic.length <= 60);
      return { text: `${topic}\n${f.get("content")}` };
    },
    ok: () => Response.json({ result: "success", msg: "", id: 42 }),
    reject: () =>
      Response.json({ result: "error", msg: "Invalid API key", code: "INVALID_API_KEY" }, { status: 401 }),
  }),
);

Deno.test("zulip: the topic is the endpoint's title", async () => {
  const { zulipMessage } = await import("./zulip.ts");
  const { sampleDown, sampleRecovered } = await import("./_conformance.ts");
  assert.equal(zulipMessage(sampleDown(), "ops").get("topic"), "Checkout API");
  assert.equal(zulipMessage(sampleRecovered(), "ops").get("topic"), "Checkout API");
});
