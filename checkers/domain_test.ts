import assert from "node:assert/strict";
import { parseChecker } from "../config/load.ts";
import { ConfigError } from "../config/errors.ts";
import { statusOf } from "../result.ts";
import type { DomainCheckerConfig } from "./domain.ts";

const NOW = Date.parse("2026-06-01T00:00:00Z");
const DAY = 86_400_000;

/**
 * A local fake registry speaking RFC 9083 JSON (`/rdap/domain/<name>`) and an RFC 9224 bootstrap file
 * (`/dns.json`) that sends `.test` names to it.
 */
function startRdap(domains: Record<string, string | undefined>) {
  const hits = { bootstrap: 0, queries: [] as string[] };
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req): Response => {
      const path = new URL(req.url).pathname;
      const base: string = `http://127.0.0.1:${server.addr.port}/rdap/`;
      if (path === "/dns.json") {
        hits.bootstrap++;
        return Response.json({
          version: "1.0",
          publication: "2026-05-01T00:00:00Z",
          services: [[["example"], ["https://elsewhere.invalid/"]], [["test", "example.test"], [base]]],
        });
      }
      const m = /^\/rdap\/domain\/(.+)$/.exec(path);
      if (!m) return new Response("no", { status: 400 });
      hits.queries.push(m[1]);
      if (!(m[1] in domains)) {
        return Response.json({ errorCode: 404, title: "Not Found" }, {
          status: 404,
          headers: { "content-type": "application/rdap+json" },
        });
      }
      const expiry = domains[m[1]];
      return Response.json({
        objectClassName: "domain",
        ldhName: m[1].toUpperCase(),
        rdapConformance: ["rdap_level_0"],
        status: ["active"],
        events: [
          { eventAction: "registration", eventDate: "2001-01-01T00:00:00Z" },
          ...(expiry ? [{ eventAction: "expiration", eventDate: expiry }] : []),
          { eventAction: "last update of RDAP database", eventDate: "2026-05-31T00:00:00Z" },
        ],
      }, { headers: { "content-type": "application/rdap+json" } });
    },
  );
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return { origin, hits, close: () => server.shutdown() };
}

const check = (config: Omit<DomainCheckerConfig, "type">, now = NOW) =>
  parseChecker({ type: "domain", endpoint_name: "D", ...config }, {
    now: () => BigInt(now) * 1_000_000n,
  }).check();

Deno.test("domain: the expiry from RDAP via the bootstrap file; healthy, degraded within the threshold, down when expired", async () => {
  const s = startRdap({
    "far.test": "2027-06-01T00:00:00Z",
    "soon.test": new Date(NOW + 10 * DAY).toISOString(),
    "gone.test": new Date(NOW - 2 * DAY).toISOString(),
  });
  try {
    const bootstrap_url = `${s.origin}/dns.json`;
    const far = await check({ domain: "Far.Test.", bootstrap_url });
    assert.equal(statusOf(far), "healthy", JSON.stringify(far.times));
    assert.equal(far.endpoint, "far.test");
    const soon = await check({ domain: "soon.test", bootstrap_url });
    assert.equal(statusOf(soon), "degraded");
    assert.equal(
      soon.notice,
      `domain registration expiring soon: 10 days left (expires ${
        new Date(NOW + 10 * DAY).toISOString().replace(/\.\d+Z$/, "Z")
      })`,
    );
    assert.equal(
      statusOf(await check({ domain: "soon.test", bootstrap_url, expiry_threshold: "7d" })),
      "healthy",
    );
    const gone = await check({ domain: "gone.test", bootstrap_url });
    assert.equal(statusOf(gone), "down");
    assert.match(gone.times![0].error!, /^domain registration expired 2 days ago/);
    // The bootstrap file was read once for all these checks (cached for a day).
    assert.equal(s.hits.bootstrap, 1);
    assert.deepEqual(s.hits.queries, ["far.test", "soon.test", "soon.test", "gone.test"]);
    // A day later it is read again.
    await check({ domain: "far.test", bootstrap_url }, NOW + DAY + 1);
    assert.equal(s.hits.bootstrap, 2);
  } finally {
    await s.close();
  }
});

Deno.test("domain: not registered (404) is down; no expiration event is down; no RDAP server is down", async () => {
  const s = startRdap({ "noexpiry.test": undefined });
  try {
    const bootstrap_url = `${s.origin}/dns.json`;
    const missing = await check({ domain: "missing.test", bootstrap_url });
    assert.equal(statusOf(missing), "down");
    assert.equal(missing.times![0].error, `missing.test is not registered (RDAP ${s.origin} answered 404)`);
    const none = await check({ domain: "noexpiry.test", rdap_url: `${s.origin}/rdap` });
    assert.equal(statusOf(none), "down");
    assert.equal(none.times![0].error, `RDAP ${s.origin} gives no expiration date for noexpiry.test`);
    const unknown = await check({ domain: "example.org", bootstrap_url });
    assert.equal(statusOf(unknown), "down");
    assert.equal(unknown.times![0].error, "no RDAP server for example.org in the bootstrap file");
  } finally {
    await s.close();
  }
});

Deno.test("domain: rdap_url overrides the bootstrap file; config errors name the key", async () => {
  const s = startRdap({ "far.test": "2027-06-01T00:00:00Z" });
  try {
    const r = await check({
      domain: "far.test",
      rdap_url: `${s.origin}/rdap/`,
      bootstrap_url: "http://127.0.0.1:9/x",
    });
    assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
    assert.equal(s.hits.bootstrap, 0);
  } finally {
    await s.close();
  }
  assert.throws(
    () => parseChecker({ type: "domain", domain: "not a domain" }),
    (e: unknown) =>
      e instanceof ConfigError && /domain/.test(e.message) && /expected a domain name/.test(e.message),
  );
  assert.throws(
    () => parseChecker({ type: "domain", domain: "example.com", rdap_url: "ftp://x" }),
    (e: unknown) => e instanceof ConfigError && /rdap_url/.test(e.message),
  );
});
