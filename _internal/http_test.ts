import assert from "node:assert/strict";
import { type HttpError, httpRequest } from "./http.ts";

function serve(handler: (req: Request) => Response | Promise<Response>) {
  const ac = new AbortController();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} }, handler);
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

Deno.test("httpRequest retries 5xx with backoff and then succeeds", async () => {
  let n = 0;
  const s = serve(() => ++n < 3 ? new Response("busy", { status: 503 }) : Response.json({ ok: true }));
  try {
    const res = await httpRequest(`${s.url}/hook`, {
      json: { a: 1 },
      retries: 3,
      retryDelay: 5,
      expectOk: true,
    });
    assert.deepEqual(await res.json(), { ok: true });
    assert.equal(n, 3);
  } finally {
    await s.close();
  }
});

Deno.test("httpRequest reports status errors without the secret path", async () => {
  const s = serve(() => new Response("no such hook", { status: 404 }));
  try {
    await assert.rejects(
      httpRequest(`${s.url}/services/T000/B000/SECRETTOKEN`, {
        json: {},
        retries: 2,
        retryDelay: 1,
        expectOk: true,
      }),
      (e: HttpError) => e.status === 404 && !e.message.includes("SECRETTOKEN") && e.message.includes("404"),
    );
  } finally {
    await s.close();
  }
});

Deno.test("httpRequest times out a server that never answers", async () => {
  const s = serve(() => new Promise<Response>(() => {}));
  try {
    await assert.rejects(
      httpRequest(`${s.url}/slow?token=abc`, { timeout: 100 }),
      (e: HttpError) => /timeout after 100ms/.test(e.message),
    );
  } finally {
    await s.close();
  }
});

Deno.test("httpRequest network errors name the origin only", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  await assert.rejects(
    httpRequest(`http://127.0.0.1:${port}/secret/path`, { timeout: 2000 }),
    (e: HttpError) => !e.message.includes("secret") && e.message.includes(`127.0.0.1:${port}`),
  );
});

Deno.test("httpRequest sends a caller's Headers as they are, and never changes them for a JSON body", async () => {
  const seen: [string | null, string | null][] = [];
  const s = serve((req) => {
    seen.push([req.headers.get("x-probe"), req.headers.get("content-type")]);
    return new Response("ok");
  });
  try {
    const headers = new Headers({ "x-probe": "1" });
    await (await httpRequest(`${s.url}/a`, { headers })).body?.cancel();
    await (await httpRequest(`${s.url}/b`, { headers, json: { a: 1 } })).body?.cancel();
    await (await httpRequest(`${s.url}/c`, { headers: { "x-probe": "3" }, json: {} })).body?.cancel();
    assert.deepEqual(seen, [["1", null], ["1", "application/json"], ["3", "application/json"]]);
    assert.deepEqual([...headers], [["x-probe", "1"]], "the caller's headers are unchanged");
  } finally {
    await s.close();
  }
});
