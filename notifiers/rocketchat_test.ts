import assert from "node:assert/strict";
import { parseNotifier } from "../config/load.ts";
import { httpFake, notifierConformance } from "./_conformance.ts";

const TOKEN = "Hq4tRzLx8bNp2WvKd7sYcJm3gFe6aUo9";

notifierConformance(
  "rocketchat",
  httpFake({
    config: (base) => ({ type: "rocketchat", webhook: `${base}/hooks/64f0c1a2b3/${TOKEN}`, channel: "#ops" }),
    secrets: [TOKEN],
    // Rocket.Chat incoming webhooks: POST JSON {text, channel?, alias?, attachments?} to /hooks/<id>/<token>;
    // answers {"success": true}.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, `/hooks/64f0c1a2b3/${TOKEN}`);
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const body = await req.json();
      assert.equal(typeof body.text, "string");
      assert.equal(body.channel, "#ops");
      const [a] = body.attachments;
      assert.match(a.color, /^#[0-9a-f]{6}$/);
      for (const f of a.fields) {
        assert.ok(typeof f.title === "string" && typeof f.value === "string" && typeof f.short === "boolean");
      }
      return { text: JSON.stringify(body) };
    },
    ok: () => Response.json({ success: true }),
    reject: () =>
      Response.json({ success: false, error: "Invalid integration id or token provided." }, { status: 404 }),
  }),
);

Deno.test("rocketchat: a channel must be #channel or @user (error names the path)", () => {
  assert.throws(
    () => parseNotifier({ type: "rocketchat", webhook: "https://chat.example/hooks/a/b", channel: "ops" }),
    /channel: expected #channel or @user/,
  );
});
