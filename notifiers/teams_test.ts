import assert from "node:assert/strict";
import { httpFake, notifierConformance } from "./_conformance.ts";
import { resolveConfig } from "../config/load.ts";

const FLOW = "/workflows/6a2f0c3c8b7e4b1c/triggers/manual/paths/invoke";

notifierConformance(
  "msteams",
  httpFake({
    config: (base) => ({ type: "msteams", webhook: `${base}${FLOW}?api-version=1&sig=Zm9vYmFyc2VjcmV0` }),
    secrets: ["Zm9vYmFyc2VjcmV0"],
    // Teams Workflows webhook: POST {type:"message", attachments:[{contentType: adaptive card, content}]}; 202.
    async handle(req) {
      const url = new URL(req.url);
      assert.equal(req.method, "POST");
      assert.equal(url.pathname, FLOW);
      assert.equal(url.searchParams.get("sig"), "Zm9vYmFyc2VjcmV0");
      const body = await req.json();
      assert.equal(body.type, "message");
      assert.equal(body.attachments.length, 1);
      const [att] = body.attachments;
      assert.equal(att.contentType, "application/vnd.microsoft.card.adaptive");
      assert.equal(att.content.type, "AdaptiveCard");
      assert.match(att.content.version, /^1\.\d$/);
      assert.ok(att.content.body.every((b: { type: string }) => ["TextBlock", "FactSet"].includes(b.type)));
      return { text: JSON.stringify(att.content) };
    },
    ok: () => new Response(null, { status: 202 }),
    reject: () => Response.json({ error: { code: "DirectApiAuthorizationRequired" } }, { status: 401 }),
  }),
);

Deno.test("msteams: `teams` is accepted as an alias", () => {
  const r = resolveConfig({ notifiers: [{ type: "teams", webhook: "https://example.com/hook" }] });
  assert.equal(r.notifiers[0].definition.type, "msteams");
});
