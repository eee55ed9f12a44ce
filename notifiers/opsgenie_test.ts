import assert from "node:assert/strict";
import { httpFake, notifierConformance, sampleDown, sampleRecovered } from "./_conformance.ts";
import { opsgenieRequest } from "./opsgenie.ts";

const KEY = "eb243592-faa2-4ba2-a551q-1afdf565c889";

notifierConformance(
  "opsgenie",
  httpFake({
    config: (base) => ({ type: "opsgenie", api_key: KEY, api_url: base, tags: ["shop"] }),
    secrets: [KEY],
    // Alert API v2: POST /v2/alerts {message ≤130, alias ≤512, description, details, entity, source,
    // priority P1-P5, tags}; POST /v2/alerts/<alias>/close?identifierType=alias {source, note};
    // Authorization: GenieKey <key>; answers 202 {result, took, requestId}.
    async handle(req) {
      const url = new URL(req.url);
      assert.equal(req.method, "POST");
      assert.equal(req.headers.get("authorization"), `GenieKey ${KEY}`);
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const body = await req.json();
      if (url.pathname === "/v2/alerts") {
        assert.ok(body.message.length >= 1 && body.message.length <= 130);
        assert.ok(body.alias.length >= 1 && body.alias.length <= 512);
        assert.ok(body.description.length <= 15000);
        assert.ok(["P1", "P2", "P3", "P4", "P5"].includes(body.priority));
        assert.ok(body.tags.includes("shop"));
        for (const v of Object.values(body.details)) assert.equal(typeof v, "string");
        return { text: `${body.message}\n${body.description}` };
      }
      const m = /^\/v2\/alerts\/([^/]+)\/close$/.exec(url.pathname);
      assert.ok(m, `unexpected path ${url.pathname}`);
      assert.equal(url.searchParams.get("identifierType"), "alias");
      assert.equal(typeof body.note, "string");
      return { text: `close ${decodeURIComponent(m[1])}\n${body.note}` };
    },
    ok: () =>
      Response.json({ result: "Request will be processed", took: 0.302, requestId: "43a2" }, { status: 202 }),
    reject: () =>
      Response.json({ message: "Key format is not valid!", took: 0.001, requestId: "x" }, { status: 422 }),
  }),
);

Deno.test("opsgenie: the create's alias is the key its recovery closes", () => {
  const o = { priority_down: "P1" as const, priority_degraded: "P3" as const, tags: [] };
  const open = opsgenieRequest(sampleDown(), o);
  const close = opsgenieRequest(sampleRecovered(), o);
  assert.equal(open.path, "/v2/alerts");
  assert.equal(
    close.path,
    `/v2/alerts/${encodeURIComponent(open.body.alias as string)}/close?identifierType=alias`,
  );
  assert.equal(open.body.priority, "P1");
  assert.equal(opsgenieRequest({ ...sampleDown(), status: "degraded" }, o).body.priority, "P3");
  // An incident announcement opens an alert, its resolution closes it.
  assert.equal(opsgenieRequest({ ...sampleDown(), kind: "incident" }, o).path, "/v2/alerts");
  assert.notEqual(
    opsgenieRequest({ ...sampleDown(), kind: "incident", status: "healthy" }, o).path,
    "/v2/alerts",
  );
});
