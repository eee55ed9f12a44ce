/**
 * `checkup serve`'s HTTP API against real storages (every entry of SERVE_BACKENDS) seeded with eight days
 * of history, through a real server on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { Redactor, redactResult } from "../_internal/redact.ts";
import { decodeResults, nowNs, type Result } from "../result.ts";
import { createStatusHandler, type StatusHandler } from "../server/app.ts";
import { CONTENT_SECURITY_POLICY } from "../server/security.ts";
import type { Storage, StorageReader } from "../storage/storage.ts";
import { promtool } from "./helpers/promtool.ts";
import {
  NODES,
  openStorage,
  SCRIPT_MESSAGE,
  seedHistory,
  SERVE_BACKENDS,
  SITE_MESSAGE,
  URL_SECRET,
} from "./serve_fixture.ts";

const TOKEN = "test-token-0123456789abcdef";

interface Live {
  handler: StatusHandler;
  base: string;
  storage: Storage & StorageReader;
  rounds: number;
  close(): Promise<void>;
}

async function start(
  storage: Storage & StorageReader,
  rounds: number,
  token?: string,
  redact?: (text: string) => string,
): Promise<Live> {
  const redactor = new Redactor();
  redactor.add(URL_SECRET);
  const handler = createStatusHandler({
    reader: storage,
    writer: storage,
    token,
    title: "Acme <status>",
    redact: redact ?? ((t) => redactor.redact(t)),
  });
  await handler.refresh();
  await handler.loader.backfill();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler.fetch);
  return {
    handler,
    storage,
    rounds,
    base: `http://127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
  };
}

async function get(live: Live, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(live.base + path, { headers });
  const body = await res.text();
  return { res, body };
}

async function json(live: Live, path: string) {
  const { res, body } = await get(live, path);
  assert.equal(res.status, 200, `${path}: ${body}`);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  return JSON.parse(body);
}

function assertSecure(res: Response, path: string) {
  assert.equal(res.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY, path);
  assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
  assert.equal(res.headers.get("x-frame-options"), "DENY", path);
  assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
}

for (const backend of SERVE_BACKENDS) {
  Deno.test({
    name: `serve API over ${backend.name}`,
    async fn(t) {
      const dir = await Deno.makeTempDir({ prefix: "checkup-serve-" });
      const opened = await backend.open(dir);
      if (!opened) return await Deno.remove(dir, { recursive: true });
      const storage = openStorage(opened.config);
      const rounds = await seedHistory(storage);
      const live = await start(storage, rounds, TOKEN);
      try {
        await t.step("status: overall, per endpoint, in config order, with nodes", async () => {
          const view = await json(live, "/api/v1/status");
          assert.equal(view.title, "Acme <status>");
          assert.equal(view.status, "down");
          assert.equal(view.complete, true);
          assert.deepEqual(view.endpoints.map((e: { title: string }) => e.title), [
            "Website",
            "API",
            "Database",
          ]);
          const [web, api, db] = view.endpoints;
          assert.deepEqual([web.status, api.status, db.status], ["healthy", "degraded", "down"]);
          assert.equal(web.id, "website");
          assert.deepEqual(web.nodes.map((n: { node: string }) => n.node), NODES);
          assert.equal(api.threshold, 300);
          assert.match(api.reason, /exceeded threshold/);
          assert.match(db.reason, /connection refused/);
          assert.equal(web.uptime["24h"], 100);
          assert.ok(db.uptime["7d"] > 90 && db.uptime["7d"] < 100, `db 7d uptime ${db.uptime["7d"]}`);
          assert.equal(view.range.name, "24h");
          assert.equal(web.slots.up.length, 90);
          assert.ok(web.slots.p50.filter((v: number | null) => v !== null).length > 20);
          const p50 = web.slots.p50.findLast((v: number | null) => v !== null);
          assert.ok(p50 > 70 && p50 < 200, `website p50 ${p50}`);
        });

        await t.step("incidents and messages", async () => {
          const view = await json(live, "/api/v1/status?range=7d");
          assert.equal(view.range.slot, 112 * 60_000);
          const db = view.endpoints[2];
          assert.equal(db.incidents.length, 2, JSON.stringify(db.incidents));
          assert.equal(db.incidents[0].end, null, "the newest outage is ongoing");
          assert.ok(
            db.incidents[1].end - db.incidents[1].start >= 4 * 3600_000 - 5000,
            "past outage: 2 rounds, 4 h",
          );
          assert.deepEqual(db.incidents[1].nodes, NODES);
          const api = view.endpoints[1];
          assert.equal(api.messages[0].text, SCRIPT_MESSAGE, "messages are served as written, never as HTML");
          assert.equal(api.messages[0].node, NODES[0]);
          assert.equal(view.messages[0].text, SITE_MESSAGE);
          const all = await json(live, "/api/v1/messages");
          assert.deepEqual(all.messages.map((m: { about?: string }) => m.about ?? ""), ["API", ""]);
        });

        await t.step("no secret in any answer", async () => {
          for (
            const path of ["/api/v1/status", "/api/v1/endpoints", "/metrics", "/api/v1/endpoints/website"]
          ) {
            const { body } = await get(live, path);
            assert.ok(!body.includes(URL_SECRET), `${path} leaks the secret`);
          }
          const index = await json(live, "/index.json");
          const name = Object.keys(index).at(-1)!;
          const { body } = await get(live, `/${name}`);
          assert.ok(!body.includes(URL_SECRET));
        });

        await t.step("endpoints list and one endpoint", async () => {
          const list = await json(live, "/api/v1/endpoints");
          assert.deepEqual(list.endpoints.map((e: { id: string }) => e.id), ["website", "api", "database"]);
          assert.equal(list.endpoints[0].slots, undefined);
          const one = await json(live, "/api/v1/endpoints/database?range=30d");
          assert.equal(one.status, "down");
          assert.equal(one.slots.down.length, 90);
          const missing = await get(live, "/api/v1/endpoints/nope");
          assert.equal(missing.res.status, 404);
          assert.match(JSON.parse(missing.body).error.message, /no endpoint with id "nope"/);
          const bad = await get(live, "/api/v1/status?range=1y");
          assert.equal(bad.res.status, 400);
          assert.match(JSON.parse(bad.body).error.message, /range: expected one of 24h, 7d, 30d, 90d/);
        });

        await t.step("ETag, 304, gzip, HEAD, Cache-Control", async () => {
          const first = await get(live, "/api/v1/status", { "accept-encoding": "identity" });
          const etag = first.res.headers.get("etag")!;
          assert.match(etag, /^"[\w-]+"$/);
          assert.equal(first.res.headers.get("cache-control"), "no-cache");
          assert.equal(first.res.headers.get("vary"), "Accept-Encoding");
          const again = await get(live, "/api/v1/status", {
            "if-none-match": etag,
            "accept-encoding": "identity",
          });
          assert.equal(again.res.status, 304);
          assert.equal(again.body, "");
          assertSecure(again.res, "304");
          const gz = await fetch(live.base + "/api/v1/status", { headers: { "accept-encoding": "gzip" } });
          assert.equal(gz.headers.get("content-encoding"), "gzip");
          const bytes = new Uint8Array(await gz.arrayBuffer());
          // fetch decodes gzip itself; check what was on the wire through the length.
          assert.ok(Number(gz.headers.get("content-length")) < first.body.length / 3);
          assert.equal(
            new TextDecoder().decode(bytes.length && bytes[0] === 0x1f ? gunzipSync(bytes) : bytes),
            first.body,
          );
          const gzEtag = gz.headers.get("etag")!;
          assert.notEqual(gzEtag, etag);
          const notModified = await get(live, "/api/v1/status", {
            "if-none-match": gzEtag,
            "accept-encoding": "gzip",
          });
          assert.equal(notModified.res.status, 304);
          const head = await fetch(live.base + "/api/v1/status", {
            method: "HEAD",
            headers: { "accept-encoding": "identity" },
          });
          assert.equal(head.status, 200);
          assert.equal(await head.text(), "");
          assert.equal(head.headers.get("etag"), etag);
          const css = await get(live, "/css/style.css");
          assert.equal(css.res.headers.get("content-type"), "text/css; charset=utf-8");
          assert.equal(css.res.headers.get("cache-control"), "no-cache");
          assert.ok(css.res.headers.get("etag"));
        });

        await t.step("reads only new rounds", async () => {
          const before = live.handler.loader.rounds;
          assert.equal(before, live.rounds);
          const t0 = Date.now();
          await live.storage.store([{
            title: "Website",
            endpoint: `https://www.example.com/?token=${URL_SECRET}`,
            timestamp: nowNs(),
            times: [{ rtt: 0, error: "response status 502 Bad Gateway" }],
            down: true,
            node: NODES[0],
          }]);
          await live.handler.refresh();
          assert.equal(live.handler.loader.rounds, before + 1);
          await live.handler.refresh();
          assert.equal(live.handler.loader.rounds, before + 1, "a refresh with nothing new reads nothing");
          const view = await json(live, "/api/v1/status");
          const web = view.endpoints[0];
          // One of the two locations fails: below the quorum (a majority of 2 is 2), partial, not down.
          assert.equal(web.status, "partial");
          assert.deepEqual(web.quorum, { live: 2, needed: 2, failing: 1, down: 1, rule: "majority" });
          assert.equal(web.nodes[0].status, "down");
          assert.equal(web.nodes[1].status, "healthy");
          assert.ok(web.updated >= t0 - 5);
        });

        await t.step("badges", async () => {
          const status = await get(live, "/badges/database/status.svg");
          assert.equal(status.res.status, 200);
          assert.equal(status.res.headers.get("content-type"), "image/svg+xml");
          assert.equal(status.res.headers.get("cross-origin-resource-policy"), "cross-origin");
          assert.match(status.body, /^<svg /);
          assert.match(status.body, /aria-label="Database: down"/);
          const uptime = await get(live, "/badges/website/uptime.svg?range=24h&label=Website%20%3Cb%3E");
          assert.match(uptime.body, /aria-label="Website &#60;b&#62;: \d+(\.\d+)?%"/);
          const rtt = await get(live, "/badges/api/rtt.svg");
          assert.match(rtt.body, /aria-label="response: \d+ ms"/);
          const overall = await get(live, "/badges/status.svg");
          assert.match(overall.body, /: down"/);
          assert.equal((await get(live, "/badges/nope/status.svg")).res.status, 404);
          assert.equal((await get(live, "/badges/website/size.svg")).res.status, 404);
        });

        await t.step("metrics pass promtool", async () => {
          const { res, body } = await get(live, "/metrics");
          assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
          assert.match(
            body,
            /checkup_endpoint_status\{id="database",title="Database",endpoint="db.internal:5432",status="down"\} 1/,
          );
          assert.match(body, /checkup_endpoint_node_up\{id="website",[^}]*node="eu-west"\} 0/);
          assert.match(body, /checkup_endpoint_checks_total\{id="api",[^}]*status="degraded"\} \d+/);
          assert.match(body, /checkup_rounds_read_total \d+/);
          const lint = await promtool(body);
          if (lint !== undefined) assert.equal(lint.code, 0, `promtool check metrics: ${lint.output}`);
        });

        await t.step("healthz", async () => {
          const health = await json(live, "/healthz");
          assert.equal(health.status, "ok");
          assert.ok(health.rounds > 0);
        });

        await t.step("Go-compatible index and check files", async () => {
          const { res, body } = await get(live, "/index.json");
          assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
          assert.ok(body.endsWith("}\n"));
          const index = JSON.parse(body.replace(/:(\d+)/g, ':"$1"'));
          const entries = await storage.index();
          assert.deepEqual(Object.keys(index).sort(), entries.map((e) => e.name).sort());
          assert.equal(index[entries[0].name], String(entries[0].timestamp));
          const name = entries.at(-2)!.name;
          const file = await get(live, `/${name}`);
          assert.equal(file.res.status, 200);
          const decoded = decodeResults(file.body);
          assert.deepEqual(decoded.map((r) => r.title), (await storage.fetch(name)).map((r) => r.title));
          const missing = await get(live, "/1234-check.json");
          assert.equal(missing.res.status, 404);
          assert.match(missing.res.headers.get("content-type") ?? "", /^application\/json/);
          assert.match(JSON.parse(missing.body).error.message, /no check file named 1234-check\.json/);
        });

        await t.step("no path traversal, no listing, 404s everywhere else", async () => {
          for (
            const path of [
              "/../deno.json",
              "/%2e%2e/deno.json",
              "/js/../../checkup.json",
              "/js/%2e%2e/%2e%2e/deno.json",
              "/js/",
              "/css",
              "/images/",
              "/checks/",
              "/_state/summary.json",
              "/checkup.json",
              "/.env",
              "/statuspage/index.html",
              "/server/app.ts",
              "/..%2fdeno.json",
              "/%2F..%2Fdeno.json",
            ]
          ) {
            const { res, body } = await get(live, path);
            assert.equal(res.status, 404, `${path}: ${res.status}`);
            assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
            assert.doesNotMatch(body, /"imports"|"storage"|<li>|Index of/, path);
            assertSecure(res, path);
          }
        });

        await t.step("security headers on every kind of answer", async () => {
          for (
            const path of [
              "/",
              "/index.html",
              "/js/app.js",
              "/api/v1/status",
              "/metrics",
              "/healthz",
              "/nope",
            ]
          ) {
            const { res } = await get(live, path);
            assertSecure(res, path);
            const shared = path.startsWith("/api/");
            assert.equal(res.headers.get("access-control-allow-origin"), shared ? "*" : null, path);
          }
          const page = await get(live, "/");
          assert.match(page.body, /<title>Acme &#60;status&#62;<\/title>/);
          assert.match(page.body, /<meta name="checkup-source" content="api\/v1\/status">/);
          assert.doesNotMatch(page.body, /<script>|<script [^>]*>[^<]/, "no inline script");
        });

        await t.step("posting messages needs the token", async () => {
          const post = (body: string, headers: Record<string, string>) =>
            fetch(live.base + "/api/v1/messages", {
              method: "POST",
              body,
              headers: { "content-type": "application/json", ...headers },
            }).then(async (r) => ({ status: r.status, body: await r.text(), res: r }));
          const none = await post('{"text":"x"}', {});
          assert.equal(none.status, 401);
          assert.equal(none.res.headers.get("www-authenticate"), 'Bearer realm="checkup"');
          assert.equal(
            (await post('{"text":"x"}', { authorization: "Bearer wrong-token-000000000" })).status,
            401,
          );
          const auth = { authorization: `Bearer ${TOKEN}` };
          assert.equal((await post("not json", auth)).status, 400);
          assert.equal((await post('{"text":""}', auth)).status, 400);
          const unknown = await post('{"text":"x","about":"Nope"}', auth);
          assert.equal(unknown.status, 422);
          assert.match(unknown.body, /no endpoint titled \\"Nope\\" \(titles: Website, API, Database\)/);
          const ok = await post(
            JSON.stringify({ text: "Fixed: the **replica** is back.", about: "database" }),
            auth,
          );
          assert.equal(ok.status, 201, ok.body);
          assert.match(JSON.parse(ok.body).stored, /^\d+-check\.json$/);
          const view = await json(live, "/api/v1/status");
          assert.equal(view.endpoints[2].messages[0].text, "Fixed: the **replica** is back.");
          assert.equal(view.endpoints[2].status, "down", "a message is not a check");
          // What Go's status page can read: every result has `times` (it reads times.length and the
          // median's rtt), and the endpoint's status goes with the message, so Go's page keeps the
          // endpoint down instead of taking the message for a healthy check.
          const [stored] = await live.storage.fetch(JSON.parse(ok.body).stored);
          assert.deepEqual(
            { ...stored, timestamp: 0n },
            {
              title: "Database",
              endpoint: stored.endpoint,
              timestamp: 0n,
              times: [{ rtt: 0 }],
              down: true,
              message: "Fixed: the **replica** is back.",
            },
          );
          assert.ok(stored.endpoint, "the endpoint is named, as Go's page groups by it");
          const everything = await post(JSON.stringify({ text: "Maintenance at 14:00" }), auth);
          const [global] = await live.storage.fetch(JSON.parse(everything.body).stored);
          assert.deepEqual(global.times, [{ rtt: 0 }]);
          assert.equal((await json(live, "/api/v1/messages")).messages[0].text, "Maintenance at 14:00");
        });
      } finally {
        await live.close();
        await storage.close?.();
        await opened.stop();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test("serve is read-only without a token, and answers 503 until it has read storage", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkup-serve-" });
  const storage = openStorage({ type: "fs", dir });
  const handler = createStatusHandler({ reader: storage, writer: storage });
  try {
    const early = await handler.fetch(new Request("http://x/api/v1/status"));
    assert.equal(early.status, 503);
    assert.equal(early.headers.get("retry-after"), "2");
    await early.body?.cancel();
    const health = await handler.fetch(new Request("http://x/healthz"));
    assert.equal(health.status, 503);
    await health.body?.cancel();
    await handler.refresh();
    const empty = await handler.fetch(new Request("http://x/api/v1/status"));
    const view = await empty.json();
    assert.equal(view.status, "unknown");
    assert.deepEqual(view.endpoints, []);
    const post = await handler.fetch(
      new Request("http://x/api/v1/messages", {
        method: "POST",
        body: '{"text":"x"}',
        headers: { "content-type": "application/json", authorization: "Bearer anything-at-all-1234" },
      }),
    );
    assert.equal(post.status, 403);
    assert.match((await post.json()).error.message, /read-only/);
    const get = await handler.fetch(new Request("http://x/api/v1/messages", { method: "DELETE" }));
    assert.equal(get.status, 404);
    await get.body?.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const backend of SERVE_BACKENDS) {
  Deno.test({
    name: `serve over ${backend.name}: rounds stored before redaction and after are one endpoint`,
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "checkup-serve-" });
      const opened = await backend.open(dir);
      if (!opened) return void await Deno.remove(dir, { recursive: true });
      const storage = openStorage(opened.config);
      const redactor = new Redactor();
      redactor.add("env-secret-path-9q8w"); // a ${ENV} value of the config
      const redact = (t: string) => redactor.redact(t);
      // As checked; as Go or an older Checkup stored them (in clear); as stored now (redacted).
      const endpoints = [
        "https://api.example/v1?auth_token=abc123&Client_Secret=xyz&X-Amz-Signature=f00d&page=2",
        "https://user:hunter22@db.example/",
        "https://hooks.example/env-secret-path-9q8w/health?CODE=4711",
      ];
      const MIN = 60_000_000_000n;
      const first = nowNs() - 60n * MIN;
      const round = (i: bigint, clear: boolean) =>
        endpoints.map((endpoint, k) => {
          const r: Result = {
            title: `E${k}`,
            endpoint,
            timestamp: first + i * MIN,
            times: [{ rtt: 1e6 * (k + 1), ...(k === 1 ? { error: `refused by ${endpoint}` } : {}) }],
            ...(k === 1 ? { down: true } : { healthy: true }),
            node: "eu-west",
          };
          return clear ? r : redactResult(r, redact);
        });
      for (let i = 0n; i < 6n; i++) {
        await storage.store(round(i, i < 3n), undefined, { at: first + i * MIN + 1n });
      }
      const live = await start(storage, 18, undefined, redact);
      try {
        const status = await json(live, "/api/v1/status");
        assert.deepEqual(
          status.endpoints.map((e: { title: string; endpoint: string }) => [e.title, e.endpoint]),
          [
            ["E0", "https://api.example/v1?auth_token=***&Client_Secret=***&X-Amz-Signature=***&page=2"],
            ["E1", "https://***@db.example/"],
            ["E2", "https://hooks.example/***/health?CODE=***"],
          ],
          "one endpoint each, whichever way its rounds were stored",
        );
        const checks = (e: { slots: Record<"up" | "degraded" | "down", number[]> }) =>
          [...e.slots.up, ...e.slots.degraded, ...e.slots.down].reduce((a, b) => a + b, 0);
        assert.deepEqual(status.endpoints.map(checks), [6, 6, 6], "all six rounds count for each");
        assert.equal(status.endpoints[1].incidents.length, 1, "one outage, not one per way of storing");
        const list = await json(live, "/api/v1/endpoints");
        assert.deepEqual(list.endpoints.map((e: { id: string }) => e.id), ["e0", "e1", "e2"]);
        for (const id of ["e0", "e1", "e2"]) {
          const one = await json(live, `/api/v1/endpoints/${id}?range=7d`);
          assert.equal(checks(one), 6, id);
        }
        const { body: metrics } = await get(live, "/metrics");
        assert.equal(metrics.match(/^checkup_endpoint_up\{/gm)?.length, 3, metrics);
        assert.doesNotMatch(metrics, /abc123|hunter22|env-secret-path|4711/);
      } finally {
        await live.close();
        await storage.close?.();
        await opened.stop();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

/** Writes all of `data` (one `write` may take only part of it). */
async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length;) off += await conn.write(data.subarray(off));
}

Deno.test("a chunked POST past the message limit is refused with 413 while it streams, not read whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkup-serve-chunked-" });
  const storage = openStorage({ type: "fs", dir });
  const handler = createStatusHandler({ reader: storage, writer: storage, token: TOKEN });
  await handler.refresh();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler.fetch);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  const encoder = new TextEncoder();
  try {
    // Transfer-Encoding: chunked, no Content-Length: the size is known only by reading.
    await conn.write(encoder.encode(
      "POST /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
        `Authorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n` +
        "Transfer-Encoding: chunked\r\n\r\n",
    ));
    const answer = (async () => {
      const buf = new Uint8Array(4096);
      let text = "";
      while (!text.includes("\r\n\r\n")) {
        const n = await conn.read(buf);
        if (n === null) break;
        text += new TextDecoder().decode(buf.subarray(0, n));
      }
      return text;
    })();
    const payload = new Uint8Array(64 * 1024).fill(0x61);
    const frame = new Uint8Array([
      ...encoder.encode(`${payload.length.toString(16)}\r\n`),
      ...payload,
      13,
      10,
    ]);
    const limit = 64 * 1024 * 1024; // what the client sends if the server keeps reading
    let sent = 0;
    let answered = false;
    void answer.then(() => (answered = true));
    while (!answered && sent < limit) {
      // A server that stops reading leaves a write pending: the answer ends the race.
      const wrote = await Promise.race([
        writeAll(conn, frame).then(() => true, () => false),
        answer.then(() => false),
      ]);
      if (!wrote) break;
      sent += payload.length;
    }
    // A server that read it all answers only once the body ends.
    if (!answered) await writeAll(conn, encoder.encode("0\r\n\r\n")).catch(() => {});
    const head = await answer;
    assert.match(head, /^HTTP\/1\.1 413 /, head);
    // The server stopped at the 16 KiB limit; what the client got out is what the socket buffers held.
    assert.ok(sent < 16 * 1024 * 1024, `the client sent ${sent} bytes before the answer`);
    assert.deepEqual(await storage.index(), [], "nothing was stored");
  } finally {
    conn.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
