import assert from "node:assert/strict";
import { parseStorage } from "../config/load.ts";
import { storageConformance } from "./_conformance.ts";
import { timeSpan } from "./appinsights.ts";
import { isRejection } from "./storage.ts";

interface Envelope {
  name: string;
  time: string;
  iKey: string;
  data: { baseType: string; baseData: Record<string, unknown> & { name: string } };
}

/** A local fake of the Application Insights v2 track endpoint. */
const received: Envelope[] = [];
let failNext = 0;
let partial = 0;
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
  const url = new URL(req.url);
  const body = await req.text();
  if (url.pathname !== "/v2/track" || req.method !== "POST") {
    return new Response("not found", { status: 404 });
  }
  if (failNext > 0) {
    failNext--;
    return new Response(JSON.stringify({ itemsReceived: 0, itemsAccepted: 0, errors: [] }), { status: 503 });
  }
  const items = JSON.parse(body) as Envelope[];
  if (items.some((i) => i.iKey === "00000000-0000-0000-0000-00000000bad0")) {
    return Response.json({
      itemsReceived: items.length,
      itemsAccepted: 0,
      errors: [{
        index: 0,
        statusCode: 400,
        message: "Invalid instrumentation key 00000000-0000-0000-0000-00000000bad0",
      }],
    }, { status: 400 });
  }
  if (partial > 0 && items.length > 1) {
    partial--;
    received.push(...items.slice(1));
    return Response.json({
      itemsReceived: items.length,
      itemsAccepted: items.length - 1,
      errors: [{ index: 0, statusCode: 503, message: "throttled" }],
    }, { status: 206 });
  }
  received.push(...items);
  return Response.json({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] });
}); // Teardown, not a test: runs after this file's tests, also when one failed or was filtered out.
Deno.test.afterAll(() => server.shutdown());

const endpoint = `http://127.0.0.1:${server.addr.port}/v2/track`;
let n = 0;

storageConformance("appinsights", {
  config(extra = {}) {
    const key = `00000000-0000-0000-0000-${String(++n).padStart(12, "0")}`;
    return Promise.resolve({ type: "appinsights", instrumentation_key: key, endpoint, ...extra });
  },
  receivedTitles(config) {
    return Promise.resolve(
      received.filter((e) => e.iKey === config.instrumentation_key).map((e) => e.data.baseData.name),
    );
  },
});

Deno.test("appinsights sends one availability item per result, as Go did", async () => {
  received.length = 0;
  const s = parseStorage({
    type: "appinsights",
    instrumentation_key: "abcd-ef",
    test_location: "Paris",
    tags: { env: "prod" },
    endpoint,
  });
  await s.store([
    {
      title: "API",
      endpoint: "https://api",
      timestamp: 1_700_000_000_123_456_789n,
      times: [{ rtt: 100_000_000 }, { rtt: 300_000_000 }],
      threshold: 150_000_000,
      degraded: true,
      notice: "median round trip time exceeded threshold (150ms)",
    },
    { title: "Web", timestamp: 1_700_000_000_000_000_000n, times: [{ rtt: 5 }], healthy: true },
  ]);
  assert.equal(received.length, 2);
  const [api, web] = received;
  assert.equal(api.name, "Microsoft.ApplicationInsights.abcdef.Availability");
  assert.equal(api.time, "2023-11-14T22:13:20.123Z");
  assert.equal(api.data.baseType, "AvailabilityData");
  assert.deepEqual(api.data.baseData, {
    ver: 2,
    id: "1700000000123456789",
    name: "API",
    duration: "0.00:00:00.2000000",
    success: false,
    runLocation: "Paris",
    message: "degraded - median round trip time exceeded threshold (150ms)",
    properties: { env: "prod", ThresholdRTT: "150ms" },
    measurements: { "0": 100_000_000, "1": 300_000_000 },
  });
  assert.equal(web.data.baseData.success, true);
  assert.equal(web.data.baseData.message, "healthy");
  assert.deepEqual(web.data.baseData.properties, { env: "prod", ThresholdRTT: "0s" });
});

Deno.test("appinsights retries a failing endpoint, then reports one clear error without the key", async () => {
  received.length = 0;
  failNext = 1;
  const s = parseStorage({
    type: "appinsights",
    instrumentation_key: "k-1234",
    endpoint,
    max_retries: 2,
    retry_interval: 0.01,
  });
  await s.store([{ title: "x", timestamp: 1n, healthy: true }]);
  assert.equal(received.length, 1);
  failNext = 5;
  await assert.rejects(s.store([{ title: "x", timestamp: 1n }]), (e: Error) => {
    assert.match(e.message, /storage appinsights: send to 127\.0\.0\.1:\d+: .*503/);
    assert.equal(isRejection(e, s), false, "a 503 is an outage: the spool keeps the round");
    return true;
  });
  failNext = 0;
  const bad = parseStorage({
    type: "appinsights",
    instrumentation_key: "00000000-0000-0000-0000-00000000bad0",
    endpoint,
  });
  await assert.rejects(bad.store([{ title: "x", timestamp: 1n }]), (e: Error) => {
    assert.match(e.message, /^storage appinsights: send to 127\.0\.0\.1:\d+: .*400/);
    assert.doesNotMatch(e.message, /bad0/);
    assert.equal(isRejection(e, bad), true, "a 400 is the round refused: the spool sets it aside");
    return true;
  });
});

Deno.test("appinsights re-sends only the items a partial success (206) refused for a transient reason", async () => {
  received.length = 0;
  partial = 1;
  const s = parseStorage({
    type: "appinsights",
    instrumentation_key: "k-5678",
    endpoint,
    max_retries: 1,
    retry_interval: 0.01,
  });
  await s.store([{ title: "a", timestamp: 1n }, { title: "b", timestamp: 2n }, {
    title: "c",
    timestamp: 3n,
  }]);
  assert.deepEqual(received.map((e) => e.data.baseData.name).sort(), ["a", "b", "c"]);
});

Deno.test("timeSpan formats nanoseconds as .NET TimeSpan text", () => {
  assert.equal(timeSpan(0), "0.00:00:00.0000000");
  assert.equal(timeSpan(1_234_567_800), "0.00:00:01.2345678");
  assert.equal(timeSpan(90_061e9), "1.01:01:01.0000000");
});
