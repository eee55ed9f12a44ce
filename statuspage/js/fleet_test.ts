import assert from "node:assert/strict";
import type { EndpointView } from "../../status/view.js";
import { filterWords, matchesFilter, needsAttention } from "./fleet.js";

/** The page's words (render.js). */
const WORDS: Record<string, string> = {
  healthy: "Operational",
  partial: "Partial",
  maintenance: "Maintenance",
  degraded: "Degraded",
  down: "Down",
  unknown: "No data",
};

const endpoint = (over: Partial<EndpointView>) =>
  ({
    id: "api",
    title: "API",
    endpoint: "https://api.example.com/",
    status: "healthy",
    stale: false,
    ...over,
  }) as EndpointView;

Deno.test("needs attention: every status but healthy, and stale", () => {
  assert.equal(needsAttention(endpoint({})), false);
  for (const status of ["down", "degraded", "partial", "maintenance", "unknown"] as const) {
    assert.equal(needsAttention(endpoint({ status })), true, status);
  }
  assert.equal(needsAttention(endpoint({ stale: true })), true);
});

Deno.test("filter: every word in title, address, group or status; status: and is: exactly", () => {
  const api = endpoint({ group: "Payments", status: "down" });
  const match = (q: string, e = api) => matchesFilter(e, filterWords(q), WORDS);
  assert.equal(match(""), true);
  assert.equal(match("  "), true);
  assert.equal(match("api"), true);
  assert.equal(match("API.EXAMPLE"), true);
  assert.equal(match("payments api"), true);
  assert.equal(match("payments web"), false);
  assert.equal(match("down"), true);
  assert.equal(match("status:down"), true);
  assert.equal(match("status:degraded"), false);
  assert.equal(match("is:operational", endpoint({})), true);
  assert.equal(match("is:stale", endpoint({ stale: true })), true);
  assert.equal(match("stale", endpoint({})), false);
  // A stale endpoint's status is "No data", whatever its last one was.
  assert.equal(match("status:down", endpoint({ status: "down", stale: true })), false);
  assert.deepEqual(filterWords("  A  b "), ["a", "b"]);
  assert.equal(filterWords("x ".repeat(50)).length, 20);
});
