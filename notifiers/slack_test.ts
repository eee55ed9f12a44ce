import assert from "node:assert/strict";
import { httpFake, notifierConformance, sampleDown } from "./_conformance.ts";
import { slackPayload } from "./slack.ts";

const HOOK = "/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX";

notifierConformance(
  "slack",
  httpFake({
    config: (base) => ({ type: "slack", webhook: `${base}${HOOK}`, username: "checkup", channel: "#ops" }),
    secrets: ["XXXXXXXXXXXXXXXXXXXXXXXX"],
    // Slack's incoming webhooks: POST JSON to the hook URL; answers 200 "ok", or 403 "invalid_token".
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, HOOK);
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const body = await req.json();
      assert.equal(typeof body.text, "string");
      assert.equal(body.username, "checkup");
      assert.equal(body.channel, "#ops");
      assert.equal(body.attachments.length, 1);
      const [a] = body.attachments;
      assert.ok(["danger", "warning", "good"].includes(a.color));
      for (const f of a.fields) assert.ok(typeof f.title === "string" && typeof f.value === "string");
      return { text: JSON.stringify(body) };
    },
    ok: () => new Response("ok"),
    reject: () => new Response("invalid_token", { status: 403 }),
  }),
);

Deno.test("slack: keeps Go Checkup's payload shape", () => {
  const p = slackPayload(sampleDown(), { username: "", channel: "" }) as Record<string, never>;
  assert.ok(!("username" in p) && !("channel" in p), "empty username/channel are omitted, as in Go");
  const a = (p.attachments as Record<string, unknown>[])[0];
  const fields = a.fields as { title: string; value: string }[];
  assert.deepEqual(fields[0], { title: "Checkout API", value: "https://shop.example/api" });
  assert.equal(fields[1].title, "Status");
  assert.match(fields[1].value, /^DOWN/);
  assert.equal(a.color, "danger");
  assert.match(p.text as string, /Checkout API is DOWN/);
});
