import assert from "node:assert/strict";
import { httpFake, notifierConformance, sampleRecovered } from "./_conformance.ts";
import { mattermostPayload } from "./mattermost.ts";

const KEY = "xq7mmh1n5fbtzkdoe3rr8wpi4e";

notifierConformance(
  "mattermost",
  httpFake({
    config: (base) => ({ type: "mattermost", webhook: `${base}/hooks/${KEY}`, channel: "ops" }),
    secrets: [KEY],
    // Mattermost incoming webhooks: POST JSON {text, channel?, username?, icon_url?, attachments?} to
    // /hooks/<key>; answers 200 "ok".
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, `/hooks/${KEY}`);
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const body = await req.json();
      assert.ok(typeof body.text === "string" && body.text.length > 0 && body.text.length <= 16383);
      assert.equal(body.channel, "ops");
      assert.equal(body.attachments.length, 1);
      const [a] = body.attachments;
      assert.match(a.color, /^#[0-9a-f]{6}$/);
      assert.equal(typeof a.fallback, "string");
      for (const f of a.fields) {
        assert.ok(typeof f.title === "string" && typeof f.value === "string" && typeof f.short === "boolean");
      }
      return { text: JSON.stringify(body) };
    },
    ok: () => new Response("ok"),
    reject: () =>
      Response.json({ id: "web.incoming_webhook.invalid.app_error", status_code: 400 }, { status: 400 }),
  }),
);

Deno.test("mattermost: a recovery is green and empty overrides are omitted", () => {
  const p = mattermostPayload(sampleRecovered(), { username: "", channel: "", icon_url: "" }) as Record<
    string,
    never
  >;
  assert.ok(!("username" in p) && !("channel" in p) && !("icon_url" in p));
  assert.equal((p.attachments as { color: string }[])[0].color, "#2eb67d");
  assert.match(p.text as string, /Checkout API has RECOVERED/);
});
