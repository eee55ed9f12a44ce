import assert from "node:assert/strict";
import { httpFake, notifierConformance } from "./_conformance.ts";
import { gotifyMessageUrl } from "./gotify.ts";

notifierConformance(
  "gotify",
  httpFake({
    config: (base) => ({ type: "gotify", token: "AppTokenSecret1", webhook: `${base}/message` }),
    secrets: ["AppTokenSecret1"],
    // Gotify's POST /message: app token in X-Gotify-Key (or ?token=), JSON {title, message, priority, extras}.
    async handle(req) {
      const url = new URL(req.url);
      assert.equal(req.method, "POST");
      assert.equal(url.pathname, "/message");
      assert.equal(req.headers.get("x-gotify-key") ?? url.searchParams.get("token"), "AppTokenSecret1");
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const body = await req.json();
      assert.equal(typeof body.message, "string");
      assert.ok(body.message.length > 0);
      assert.equal(typeof body.title, "string");
      assert.ok(Number.isInteger(body.priority));
      if (body.extras) assert.equal(typeof body.extras["client::notification"].click.url, "string");
      return {
        text: `${body.title}\n${body.message}\n${body.extras?.["client::notification"]?.click?.url ?? ""}`,
      };
    },
    ok: () =>
      Response.json({ id: 1, appid: 1, message: "x", title: "x", priority: 5, date: "2026-01-01T00:00:00Z" }),
    reject: () => Response.json({ error: "Unauthorized", errorCode: 401 }, { status: 401 }),
  }),
  { batched: true },
);

Deno.test("gotify: a bare server URL gets /message, a full one is kept (Go's webhook key)", () => {
  assert.equal(gotifyMessageUrl("https://push.example.com"), "https://push.example.com/message");
  assert.equal(
    gotifyMessageUrl("https://push.example.com/gotify/message"),
    "https://push.example.com/gotify/message",
  );
});
