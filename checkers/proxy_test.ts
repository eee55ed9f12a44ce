/**
 * Forward proxies for http checks, against a real local proxy (node:http, absolute-form requests) that
 * requires basic credentials: a check's `proxy` key (credentials in the URL become Proxy-Authorization, and
 * never reach a result), a proxy that is down, the standard `HTTP_PROXY` / `NO_PROXY` variables for a whole
 * `checkup` process, and config errors that never echo a proxy URL.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { fileURLToPath as fromFileUrl } from "node:url";
import { parseChecker } from "../config/load.ts";
import { encodeResults, statusOf } from "../result.ts";

const PASSWORD = "pr0xy-s3cret-pass";

/** A forward proxy on 127.0.0.1 that wants `user:PASSWORD` and marks what it forwards with `via`. */
async function startProxy() {
  const seen: { url: string; auth?: string }[] = [];
  const server = http.createServer(async (req, res) => {
    seen.push({ url: req.url!, auth: req.headers["proxy-authorization"] });
    if (req.headers["proxy-authorization"] !== `Basic ${btoa(`user:${PASSWORD}`)}`) {
      res.writeHead(407, { "proxy-authenticate": 'Basic realm="test"' });
      res.end();
      return;
    }
    const r = await fetch(req.url!, { headers: { via: "test-proxy" } });
    res.writeHead(r.status);
    res.end(await r.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    seen,
    url: `http://user:${PASSWORD}@127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function startTarget() {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => new Response(`reached ${req.headers.get("via") ?? "directly"}`),
  );
}

Deno.test("http: proxy sends the check through a forward proxy with its credentials, never shown", async () => {
  const proxy = await startProxy();
  const target = startTarget();
  const endpoint_url = `http://127.0.0.1:${target.addr.port}/health`;
  try {
    const r = await parseChecker({
      type: "http",
      endpoint_name: "Via proxy",
      endpoint_url,
      proxy: proxy.url,
      must_contain: "reached test-proxy",
    } as never).check();
    assert.equal(statusOf(r), "healthy", String(r.times?.[0]?.error));
    assert.deepEqual(proxy.seen.map((s) => s.url), [endpoint_url]);
    // The proxy refusing the credentials: down, and neither the password nor the proxy URL is in the result.
    const wrong = proxy.url.replace(PASSWORD, "nope");
    const refused = await parseChecker(
      { type: "http", endpoint_name: "P", endpoint_url, proxy: wrong } as never,
    )
      .check();
    assert.equal(statusOf(refused), "down");
    assert.match(refused.times![0].error!, /407/);
    await proxy.close();
    const down = await parseChecker(
      { type: "http", endpoint_name: "P", endpoint_url, proxy: proxy.url } as never,
    )
      .check();
    assert.equal(statusOf(down), "down");
    for (const x of [refused, down]) assert.ok(!encodeResults([x]).includes(PASSWORD));
  } finally {
    await proxy.close().catch(() => {});
    await target.shutdown();
  }
});

Deno.test("http: HTTP_PROXY carries every check of a process; NO_PROXY exempts hosts", async () => {
  const proxy = await startProxy();
  const target = startTarget();
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/checkup.json`,
      JSON.stringify({
        checkers: [{
          type: "http",
          endpoint_name: "Env",
          endpoint_url: `http://127.0.0.1:${target.addr.port}/`,
          must_contain: "reached test-proxy",
        }],
      }),
    );
    const main = fromFileUrl(new URL("../main.ts", import.meta.url));
    const run = (env: Record<string, string>) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", main, "-c", `${dir}/checkup.json`, "--json"],
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
    const via = await run({ HTTP_PROXY: proxy.url, NO_PROXY: "" });
    assert.equal(via.code, 0, new TextDecoder().decode(via.stderr));
    assert.equal(proxy.seen.length, 1);
    const direct = await run({ HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" });
    assert.equal(direct.code, 1, "reached directly: must_contain fails");
    assert.match(new TextDecoder().decode(direct.stdout), /reached directly|does not contain/);
    assert.equal(proxy.seen.length, 1, "NO_PROXY: nothing through the proxy");
  } finally {
    await proxy.close();
    await target.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("http: a proxy that is not a URL, or with tls_skip_verify, is a config error that does not echo it", () => {
  const base = { type: "http", endpoint_name: "P", endpoint_url: "https://example.com/" };
  assert.throws(
    () => parseChecker({ ...base, proxy: `socks5://u:${PASSWORD}@proxy:1080` } as never),
    (e: Error) => {
      assert.match(e.message, /proxy: expected an http:\/\/ or https:\/\/ proxy URL/);
      assert.ok(!e.message.includes(PASSWORD));
      return true;
    },
  );
  assert.throws(
    () => parseChecker({ ...base, proxy: "http://proxy:3128", tls_skip_verify: true } as never),
    /proxy: proxy cannot be combined with tls_skip_verify/,
  );
});
