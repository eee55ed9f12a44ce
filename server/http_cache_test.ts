import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { BodyCache, representation, serve } from "./http_cache.ts";

const big = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ i, name: `endpoint ${i}` })) });

Deno.test("304 when the ETag matches, in any form the client sends it", async () => {
  const rep = representation(big, "application/json", "no-cache");
  const first = serve(new Request("http://x/"), rep);
  assert.equal(first.status, 200);
  assert.equal(await first.text(), big);
  const etag = first.headers.get("etag")!;
  for (const inm of [etag, `"nope", ${etag}`, `W/${etag}`, "*"]) {
    const res = serve(new Request("http://x/", { headers: { "if-none-match": inm } }), rep);
    assert.equal(res.status, 304, inm);
    assert.equal(res.body, null);
    assert.equal(res.headers.get("etag"), etag);
    assert.equal(res.headers.get("cache-control"), "no-cache");
  }
  assert.equal(serve(new Request("http://x/", { headers: { "if-none-match": '"other"' } }), rep).status, 200);
});

Deno.test("gzip when accepted and worth it; its own ETag", async () => {
  const rep = representation(big, "application/json", "no-cache");
  const gz = serve(new Request("http://x/", { headers: { "accept-encoding": "br, gzip;q=0.8" } }), rep);
  assert.equal(gz.headers.get("content-encoding"), "gzip");
  const bytes = new Uint8Array(await gz.arrayBuffer());
  assert.equal(Number(gz.headers.get("content-length")), bytes.length);
  assert.equal(new TextDecoder().decode(gunzipSync(bytes)), big);
  assert.equal(gz.headers.get("etag"), rep.etag.slice(0, -1) + '-gz"');
  for (const ae of ["gzip;q=0", "identity", "br"]) {
    const res = serve(new Request("http://x/", { headers: { "accept-encoding": ae } }), rep);
    assert.equal(res.headers.get("content-encoding"), null, ae);
    await res.body?.cancel();
  }
  const small = representation("ok", "text/plain", "no-store");
  const res = serve(new Request("http://x/", { headers: { "accept-encoding": "gzip" } }), small);
  assert.equal(res.headers.get("content-encoding"), null, "tiny bodies are sent as they are");
  assert.equal(await res.text(), "ok");
});

Deno.test("HEAD: headers without a body", () => {
  const rep = representation(big, "application/json", "no-cache");
  const res = serve(new Request("http://x/", { method: "HEAD" }), rep);
  assert.equal(res.status, 200);
  assert.equal(res.body, null);
  assert.equal(res.headers.get("content-length"), String(new TextEncoder().encode(big).length));
});

Deno.test("BodyCache rebuilds when the generation or the tick changes, and stays bounded", () => {
  const cache = new BodyCache(2);
  let builds = 0;
  const build = () => (builds++, representation(String(builds), "text/plain", "no-store"));
  cache.get("a", 1, 1, build);
  cache.get("a", 1, 1, build);
  assert.equal(builds, 1);
  cache.get("a", 2, 1, build);
  cache.get("a", 2, 2, build);
  assert.equal(builds, 3);
  cache.get("b", 2, 2, build);
  cache.get("c", 2, 2, build);
  cache.get("a", 2, 2, build);
  assert.equal(builds, 6, "the oldest entry was evicted");
});

Deno.test("a body over 1 MiB is streamed in chunks: the same bytes, its length, every time", async () => {
  const text = JSON.stringify({
    items: Array.from({ length: 40_000 }, (_, i) => ({ i, name: `endpoint ${i}` })),
  });
  const rep = representation(text, "application/json", "no-cache");
  assert.ok(rep.body.length > 1 << 20);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => serve(req, rep));
  try {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`http://127.0.0.1:${server.addr.port}/`, {
        headers: { "accept-encoding": "identity" },
      });
      assert.equal(res.headers.get("content-length"), String(rep.body.length));
      assert.equal(await res.text(), text);
    }
  } finally {
    await server.shutdown();
  }
});
