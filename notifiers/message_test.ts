import assert from "node:assert/strict";
import { sampleDown, sampleRecovered } from "./_conformance.ts";
import { alertFacts, alertText, roundHtml, roundSubject, roundText, truncate } from "./message.ts";

Deno.test("message: a down alert's facts, in order", () => {
  assert.deepEqual(alertFacts(sampleDown()), [
    { label: "Endpoint", value: "https://shop.example/api" },
    { label: "Status", value: "DOWN (was HEALTHY)" },
    { label: "Since", value: "2026-01-01 00:00:00 UTC (2m)" },
    { label: "Error", value: "response status 502 Bad Gateway" },
    { label: "Node", value: "eu-1" },
    { label: "Status page", value: "https://status.example.com/" },
  ]);
});

Deno.test("message: a recovery says how long the outage lasted", () => {
  const text = alertText(sampleRecovered(), { emoji: false });
  assert.equal(
    text,
    [
      "Checkout API has RECOVERED",
      "Endpoint: https://shop.example/api",
      "Status: HEALTHY (was DOWN)",
      "Recovered at: 2026-01-01 00:09:00 UTC",
      "Outage: 9m, from 2026-01-01 00:00:00 UTC",
      "Node: eu-1",
      "Status page: https://status.example.com/",
    ].join("\n"),
  );
});

Deno.test("message: degraded shows the notice; reminders say still", () => {
  const degraded = {
    ...sampleDown(),
    status: "degraded" as const,
    kind: "reminder" as const,
    reason: "slow",
  };
  assert.match(alertText(degraded), /^🟡 Checkout API is still DEGRADED\n/);
  assert.ok(alertFacts(degraded).some((f) => f.label === "Notice" && f.value === "slow"));
});

Deno.test("message: round subjects, Go's lead-in, and HTML escaping", () => {
  const odd = { ...sampleDown("<script>alert(1)</script>"), reason: `"quoted" & <b>` };
  assert.equal(roundSubject([sampleDown()]), "Checkup: Checkout API is DOWN");
  assert.equal(roundSubject([sampleDown(), odd, sampleRecovered()]), "Checkup: 2 down, 1 recovered");
  assert.equal(roundSubject([sampleDown()], "Custom subject line"), "Custom subject line");
  const html = roundHtml([odd]);
  assert.ok(html.startsWith("<b>Checkup has detected the following issues:</b>\n<br/><br/>\n<ul>\n<li>"));
  assert.ok(!html.includes("<script>") && html.includes("&#60;script&#62;"));
  assert.ok(html.includes("&#34;quoted&#34; &#38; &#60;b&#62;"));
  assert.ok(
    roundText([sampleDown(), sampleRecovered()]).startsWith(
      "Checkup has detected the following changes:\n\n",
    ),
  );
  assert.equal(truncate("abcdef", 4), "abc…");
  assert.equal(truncate("abc", 4), "abc");
});
