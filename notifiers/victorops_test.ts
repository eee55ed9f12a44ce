import assert from "node:assert/strict";
import { httpFake, notifierConformance, sampleDown, sampleRecovered } from "./_conformance.ts";
import { victorOpsAlert } from "./victorops.ts";

const KEY = "3f1e9a2b-7c4d-4e8f-a1b2-c3d4e5f60789";

notifierConformance(
  "victorops",
  httpFake({
    config: (base) => ({ type: "victorops", api_key: KEY, routing_key: "web-team", api_url: base }),
    secrets: [KEY],
    // REST endpoint: POST /integrations/generic/20131114/alert/<api key>/<routing key> with JSON
    // {message_type, entity_id, entity_display_name, state_message, state_start_time}.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, `/integrations/generic/20131114/alert/${KEY}/web-team`);
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const b = await req.json();
      assert.ok(["CRITICAL", "WARNING", "INFO", "ACKNOWLEDGEMENT", "RECOVERY"].includes(b.message_type));
      assert.ok(typeof b.entity_id === "string" && b.entity_id.length > 0);
      assert.ok(
        Number.isInteger(b.state_start_time) && b.state_start_time > 1e9 && b.state_start_time < 1e10,
      );
      assert.equal(typeof b.state_message, "string");
      return { text: `${b.entity_display_name}\n${b.state_message}` };
    },
    ok: () => Response.json({ result: "success", entity_id: "x" }),
    reject: () => Response.json({ result: "failure", message: "Invalid API key" }, { status: 403 }),
  }),
);

Deno.test("victorops: CRITICAL/WARNING open, RECOVERY closes the same entity_id", () => {
  const down = victorOpsAlert(sampleDown());
  assert.equal(down.message_type, "CRITICAL");
  assert.equal(victorOpsAlert({ ...sampleDown(), status: "degraded" }).message_type, "WARNING");
  const up = victorOpsAlert(sampleRecovered());
  assert.equal(up.message_type, "RECOVERY");
  assert.equal(up.entity_id, down.entity_id);
  assert.equal(victorOpsAlert({ ...sampleDown(), kind: "maintenance" }).message_type, "INFO");
});
