import assert from "node:assert/strict";
import { parseNotifier } from "../config/load.ts";
import { httpFake, notifierConformance, sampleDown } from "./_conformance.ts";

const KEY = "checkup-ops-7Hk2";
const URLS = ["tgram://123456:AbCdEfSecretBot/-100123", "discord://4174216298/JHMHI8qBeSecretHook"];

notifierConformance(
  "apprise",
  httpFake({
    config: (base) => ({ type: "apprise", url: base, key: KEY, tag: "ops" }),
    secrets: [KEY],
    // Apprise API: POST /notify/<key> {body, title?, type?: info|success|warning|failure, format?, tag?}.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, `/notify/${KEY}`);
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const b = await req.json();
      assert.ok(typeof b.body === "string" && b.body.length > 0);
      assert.ok(["info", "success", "warning", "failure"].includes(b.type));
      assert.ok(["text", "markdown", "html"].includes(b.format));
      assert.equal(b.tag, "ops");
      return { text: `${b.title}\n${b.body}` };
    },
    reject: () => new Response("Unauthorized", { status: 401 }),
  }),
);

notifierConformance(
  "apprise",
  httpFake({
    config: (base) => ({ type: "apprise", url: base, urls: URLS }),
    secrets: ["AbCdEfSecretBot", "JHMHI8qBeSecretHook"],
    // Stateless: POST /notify {urls, body, title?, type?}.
    async handle(req) {
      assert.equal(new URL(req.url).pathname, "/notify");
      const b = await req.json();
      assert.equal(b.urls, URLS.join(","));
      assert.equal(typeof b.body, "string");
      return { text: `${b.title}\n${b.body}` };
    },
    reject: () => new Response("One or more notifications could not be sent", { status: 424 }),
  }),
);

Deno.test("apprise: key or urls (errors name the key); a 204 (nothing sent) is a failure", async () => {
  assert.throws(() => parseNotifier({ type: "apprise", url: "http://a:8000" }), /key: expected key/);
  assert.throws(
    () => parseNotifier({ type: "apprise", url: "http://a:8000", key: "k", urls: ["json://x"] }),
    /urls: expected key or urls, not both/,
  );
  const n = parseNotifier({ type: "apprise", url: "http://a:8000", key: "k", retries: 0 }, {
    fetch: () => Promise.resolve(new Response(null, { status: 204 })),
  });
  await assert.rejects(n.notify([sampleDown()]), /sent nothing/);
});
