/**
 * OAuth 2.0 client credentials on http checks, against a local token endpoint that checks the wire format
 * of RFC 6749 §4.4 (POST, form-encoded `grant_type=client_credentials`, the client authenticated by HTTP
 * Basic or form fields, scope and audience) and a target that wants the bearer token it issued. The token is
 * kept until shortly before it expires (an injected clock), fetched again after a 401, and neither the
 * secret nor the token reaches a result.
 */
import assert from "node:assert/strict";
import { parseChecker } from "../config/load.ts";
import { encodeResults, statusOf } from "../result.ts";

const SECRET = "cl!ent s3cret+value";

function world(expiresIn: number | undefined = 3600) {
  const issued: string[] = [];
  const requests: { auth: string | null; form: URLSearchParams }[] = [];
  let refuse = false;
  const tokens = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const form = new URLSearchParams(await req.text());
    requests.push({ auth: req.headers.get("authorization"), form });
    const basic = req.headers.get("authorization") ===
      `Basic ${btoa(`checkup:${encodeURIComponent(SECRET).replace(/%20/g, "+")}`)}`;
    const inBody = form.get("client_id") === "checkup" && form.get("client_secret") === SECRET;
    if (
      req.method !== "POST" ||
      !req.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded") ||
      form.get("grant_type") !== "client_credentials" || refuse || !(basic || inBody)
    ) {
      return Response.json({ error: "invalid_client", error_description: `bad ${SECRET}` }, { status: 401 });
    }
    const token = `tok-${issued.length + 1}-${crypto.randomUUID()}`;
    issued.push(token);
    return Response.json({
      access_token: token,
      token_type: "Bearer",
      ...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
    });
  });
  let valid = () => issued.at(-1);
  const target = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) =>
      req.headers.get("authorization") === `Bearer ${valid()}`
        ? new Response("ok")
        : new Response("unauthorized", { status: 401 }),
  );
  let now = 1_800_000_000_000;
  const check = (oauth2: Record<string, unknown> = {}) =>
    parseChecker(
      {
        type: "http",
        endpoint_name: "API",
        endpoint_url: `http://127.0.0.1:${target.addr.port}/`,
        attempts: 2,
        oauth2: {
          token_url: `http://127.0.0.1:${tokens.addr.port}/oauth/token`,
          client_id: "checkup",
          client_secret: SECRET,
          ...oauth2,
        },
      } as never,
      { now: () => BigInt(now) * 1_000_000n },
    );
  return {
    issued,
    requests,
    check,
    advance: (ms: number) => (now += ms),
    revoke: () => (valid = () => "none"),
    restore: () => (valid = () => issued.at(-1)),
    refuse: (on: boolean) => (refuse = on),
    close: () => Promise.all([tokens.shutdown(), target.shutdown()]),
  };
}

Deno.test("oauth2: a token from the token endpoint, kept until shortly before it expires", async () => {
  const w = world(3600);
  try {
    const checker = w.check({ scopes: ["status:read", "health"], audience: "https://api.example" });
    for (let i = 0; i < 3; i++) assert.equal(statusOf(await checker.check()), "healthy");
    assert.equal(w.issued.length, 1, "one token for three rounds");
    const [first] = w.requests;
    assert.equal(first.form.get("scope"), "status:read health");
    assert.equal(first.form.get("audience"), "https://api.example");
    assert.equal(first.form.get("client_secret"), null, "Basic by default: the secret is not in the form");
    w.advance(3600_000 - 30_000 - 1);
    await checker.check();
    assert.equal(w.issued.length, 1);
    w.advance(2);
    assert.equal(statusOf(await checker.check()), "healthy");
    assert.equal(w.issued.length, 2, "renewed 30 s before it expires");
    // Form-field client authentication.
    const body = w.check({ auth: "body" });
    assert.equal(statusOf(await body.check()), "healthy");
    assert.equal(w.requests.at(-1)!.auth, null);
  } finally {
    await w.close();
  }
});

Deno.test("oauth2: a token revoked early is fetched again after the 401; a refused client is down without secrets", async () => {
  const w = world(undefined);
  try {
    const checker = w.check();
    assert.equal(statusOf(await checker.check()), "healthy");
    w.revoke();
    const revoked = await checker.check();
    // Each attempt's 401 drops the token, so the second attempt fetched a new one (refused too, until restored).
    w.restore();
    assert.equal(w.issued.length, 2, "a new token after the 401");
    assert.equal(
      statusOf(revoked),
      "down",
      "the revoked token's attempt failed; the new one was issued after it",
    );
    assert.equal(statusOf(await checker.check()), "healthy");

    w.refuse(true);
    const refused = await w.check().check();
    assert.equal(statusOf(refused), "down");
    assert.match(
      refused.times![0].error!,
      /^oauth2: token request to http:\/\/127\.0\.0\.1:\d+ answered 401: invalid_client$/,
    );
    const text = encodeResults([refused, revoked]);
    assert.ok(!text.includes(SECRET) && !text.includes("tok-"), "no secret, no token in results");
  } finally {
    await w.close();
  }
});

Deno.test("oauth2: config errors name the key; an Authorization header beside it is refused", () => {
  const base = { type: "http", endpoint_name: "A", endpoint_url: "https://api.example/" };
  assert.throws(
    () =>
      parseChecker(
        { ...base, oauth2: { token_url: "ftp://x", client_id: "c", client_secret: "s" } } as never,
      ),
    /oauth2\.token_url: expected an http:\/\/ or https:\/\/ URL/,
  );
  assert.throws(
    () =>
      parseChecker({ ...base, oauth2: { token_url: "https://id.example/token", client_id: "c" } } as never),
    /oauth2\.client_secret/,
  );
  assert.throws(
    () =>
      parseChecker({
        ...base,
        headers: { Authorization: "Bearer x" },
        oauth2: { token_url: "https://id.example/token", client_id: "c", client_secret: "s" },
      } as never),
    /oauth2: oauth2 sets the Authorization header: remove it from headers/,
  );
});
