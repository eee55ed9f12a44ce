import assert from "node:assert/strict";
import { httpFake, notifierConformance, sampleDown, sampleRecovered } from "./_conformance.ts";
import { pagerDutyEvent } from "./pagerduty.ts";

const KEY = "R0UTINGKEY0f1e2d3c4b5a69788796a5b";

notifierConformance(
  "pagerduty",
  httpFake({
    config: (base) => ({ type: "pagerduty", routing_key: KEY, api_url: base }),
    secrets: [KEY],
    // Events API v2: POST /v2/enqueue; trigger needs payload {summary, source, severity}; resolve needs dedup_key.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, "/v2/enqueue");
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const e = await req.json();
      assert.equal(e.routing_key, KEY);
      assert.ok(["trigger", "resolve"].includes(e.event_action));
      assert.ok(typeof e.dedup_key === "string" && e.dedup_key.length <= 255);
      if (e.event_action === "trigger") {
        assert.ok(e.payload.summary.length >= 1 && e.payload.summary.length <= 1024);
        assert.equal(typeof e.payload.source, "string");
        assert.ok(["critical", "error", "warning", "info"].includes(e.payload.severity));
        assert.ok(!Number.isNaN(Date.parse(e.payload.timestamp)));
        for (const l of e.links ?? []) assert.equal(typeof l.href, "string");
      }
      const { routing_key: _, ...rest } = e;
      return { text: JSON.stringify(rest) };
    },
    ok: () =>
      new Response(JSON.stringify({ status: "success", message: "Event processed", dedup_key: "x" }), {
        status: 202,
      }),
    reject: () =>
      Response.json({
        status: "invalid event",
        message: "Event object is invalid",
        errors: ["Invalid routing key"],
      }, { status: 400 }),
  }),
);

type Ev = { event_action: string; dedup_key: string; payload: { severity: string } };

Deno.test("pagerduty: trigger and resolve share the endpoint's dedup key", () => {
  const o = {
    routing_key: "k",
    severity_down: "critical",
    severity_degraded: "warning",
    api_url: "",
  } as const;
  const trigger = pagerDutyEvent(sampleDown(), o) as Ev;
  const resolve = pagerDutyEvent(sampleRecovered(), o) as Ev;
  assert.equal(trigger.event_action, "trigger");
  assert.equal(resolve.event_action, "resolve");
  assert.equal(trigger.dedup_key, resolve.dedup_key);
  assert.equal(trigger.payload.severity, "critical");
  assert.equal(
    (pagerDutyEvent({ ...sampleDown(), status: "degraded" }, o) as Ev).payload.severity,
    "warning",
  );
});
