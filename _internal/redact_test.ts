import assert from "node:assert/strict";
import { isSecretKey, Redactor, redactPatterns } from "./redact.ts";

Deno.test("redactPatterns removes credentials from URLs and DSNs", () => {
  assert.equal(redactPatterns("postgres://app:s3cr3t@db:5432/x"), "postgres://app:***@db:5432/x");
  assert.equal(
    redactPatterns("dial root:hunter22@tcp(127.0.0.1:3306)/db"),
    "dial root:***@tcp(127.0.0.1:3306)/db",
  );
  assert.equal(redactPatterns("host=db password=abc user=x"), "host=db password=*** user=x");
  assert.equal(redactPatterns("https://x/send?token=abcdef&x=1"), "https://x/send?token=***&x=1");
  assert.equal(redactPatterns("Authorization: Bearer abcdefghijkl"), "Authorization: Bearer ***");
});

Deno.test("Redactor scrubs collected secret values", () => {
  const r = new Redactor();
  r.collect({
    storage: { access_token: "ghp_123456" },
    notifiers: [{ webhook: "https://hooks.example/T/B/XYZ" }],
    name: "public",
  });
  assert.equal(
    r.redact("failed posting to https://hooks.example/T/B/XYZ with ghp_123456 for public"),
    "failed posting to *** with *** for public",
  );
  assert.ok(isSecretKey("secret_access_key"));
  assert.ok(!isSecretKey("access_key_id"));
  assert.ok(!isSecretKey("tls_ca_file"));
  assert.ok(isSecretKey("X-Api-Key"));
  assert.ok(isSecretKey("Cookie"));
});
