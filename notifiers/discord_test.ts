import assert from "node:assert/strict";
import { discordPayload } from "./discord.ts";
import { httpFake, notifierConformance, sampleDown } from "./_conformance.ts";

const HOOK = "/api/webhooks/123456789012345678/abcDEF_secret-token";

notifierConformance(
  "discord",
  httpFake({
    config: (base) => ({ type: "discord", webhook: `${base}${HOOK}` }),
    secrets: ["abcDEF_secret-token"],
    // Discord's Execute Webhook: POST JSON with content and/or embeds; answers 204 No Content.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, HOOK);
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const body = await req.json();
      assert.ok(Array.isArray(body.embeds) && body.embeds.length >= 1 && body.embeds.length <= 10);
      for (const e of body.embeds) {
        assert.ok(e.title.length <= 256);
        assert.ok(Number.isInteger(e.color));
        assert.ok(e.fields.length <= 25);
        for (const f of e.fields) {
          assert.ok(f.name.length <= 256 && f.value.length >= 1 && f.value.length <= 1024);
        }
      }
      return { text: JSON.stringify(body) };
    },
    ok: () => new Response(null, { status: 204 }),
    reject: () => Response.json({ message: "Invalid Webhook Token", code: 50027 }, { status: 401 }),
  }),
);

Deno.test("discord: keeps Go Checkup's payload shape", () => {
  const p = discordPayload(sampleDown(), { username: "Checkup" }) as {
    username: string;
    embeds: { color: number; fields: { name: string; value: string; inline: boolean }[] }[];
  };
  assert.equal(p.username, "Checkup");
  assert.equal(p.embeds[0].color, 12719112, "Go's red");
  assert.deepEqual(p.embeds[0].fields.slice(0, 3), [
    { name: "Name", value: "Checkout API", inline: true },
    { name: "Status", value: "**DOWN**", inline: true },
    { name: "Endpoint", value: "https://shop.example/api", inline: true },
  ]);
});
