import assert from "node:assert/strict";
import {
  isCredentialName,
  isSecretKey,
  Redactor,
  redactPatterns,
  redactResult,
  redactUrls,
} from "./redact.ts";

/** [input, expected]: every credential-like parameter name of the issue, in mixed case, plus what stays. */
const URL_TABLE: [string, string][] = [
  // the parameter names, one each
  ["https://a.example/x?token=abc123", "https://a.example/x?token=***"],
  ["https://a.example/x?auth_token=abc123&page=2", "https://a.example/x?auth_token=***&page=2"],
  [
    "https://a.example/x?client_secret=s3cr3t&client_id=app",
    "https://a.example/x?client_secret=***&client_id=app",
  ],
  [
    "https://a.example/x?key=k1&api_key=k2&apiKey=k3&APIKEY=k4",
    "https://a.example/x?key=***&api_key=***&apiKey=***&APIKEY=***",
  ],
  [
    "https://a.example/x?signature=s1&Sig=s2&hmacsig=s3",
    "https://a.example/x?signature=***&Sig=***&hmacsig=***",
  ],
  [
    "https://a.example/x?password=p1&PASS=p2&pwd=p3&Passwd=p4",
    "https://a.example/x?password=***&PASS=***&pwd=***&Passwd=***",
  ],
  [
    "https://a.example/x?auth=a1&Authorization=a2&authKey=a3",
    "https://a.example/x?auth=***&Authorization=***&authKey=***",
  ],
  ["https://a.example/x?credential=c1&credentials=c2", "https://a.example/x?credential=***&credentials=***"],
  [
    "https://a.example/x?session=s1&JSESSIONID=s2&session_id=s3&sid=s4",
    "https://a.example/x?session=***&JSESSIONID=***&session_id=***&sid=***",
  ],
  ["https://a.example/cb?code=oauthcode&state=xyz", "https://a.example/cb?code=***&state=xyz"],
  ["https://a.example/cb?CODE=oauthcode", "https://a.example/cb?CODE=***"],
  // presigned URLs: every X-Amz-* parameter, Azure SAS, GCS
  [
    "https://b.s3.amazonaws.com/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=deadbeef&versionId=3",
    "https://b.s3.amazonaws.com/o?X-Amz-Algorithm=***&X-Amz-Credential=***&X-Amz-Signature=***&versionId=3",
  ],
  [
    "https://b.s3.amazonaws.com/o?x-amz-security-token=FQo",
    "https://b.s3.amazonaws.com/o?x-amz-security-token=***",
  ],
  [
    "https://acct.blob.core.windows.net/c/b?sv=2022&sp=r&sig=abc%3D",
    "https://acct.blob.core.windows.net/c/b?sv=2022&sp=r&sig=***",
  ],
  [
    "https://x.example/o?AWSAccessKeyId=AKIA&Expires=1&Signature=zz",
    "https://x.example/o?AWSAccessKeyId=***&Expires=1&Signature=***",
  ],
  // percent-encoded names, fragments, semicolons, nested URLs
  ["https://a.example/?auth%5Ftoken=abc", "https://a.example/?auth%5Ftoken=***"],
  [
    "https://a.example/#access_token=abc&expires_in=3600",
    "https://a.example/#access_token=***&expires_in=3600",
  ],
  ["https://a.example/?a=1;token=abc", "https://a.example/?a=1;token=***"],
  [
    "https://a.example/login?next=https://b.example/?token=abc&x=1",
    "https://a.example/login?next=https://b.example/?token=***&x=1",
  ],
  // userinfo, with and without a password, with an @ in the password
  ["postgres://app:s3cr3t@db:5432/x", "postgres://***@db:5432/x"],
  ["https://ghp_abcdefgh@github.com/o/r.git", "https://***@github.com/o/r.git"],
  ["https://user:p@ss@host.example/", "https://***@host.example/"],
  // in free text: an error message, a log line, JSON
  [
    "error sending request for url (https://a.example/?auth_token=abc): connection refused",
    "error sending request for url (https://a.example/?auth_token=*** connection refused",
  ],
  ['{"url":"https://a.example/?sig=abc","n":1}', '{"url":"https://a.example/?sig=***","n":1}'],
  // what stays as it is: ordinary names that contain credential-ish letters, empty values, no URL
  [
    "https://a.example/?keyword=shoes&monkey=1&design=2&author=me",
    "https://a.example/?keyword=shoes&monkey=***&design=2&author=me",
  ],
  [
    "https://a.example/?status_code=200&country_code=de&codec=h264",
    "https://a.example/?status_code=200&country_code=de&codec=h264",
  ],
  ["https://a.example/?page=2&q=token%20ring", "https://a.example/?page=2&q=token%20ring"],
  ["https://a.example/?token=&x=1", "https://a.example/?token=&x=1"],
  ["db.internal:5432", "db.internal:5432"],
  [
    "dial tcp 10.0.0.5:5432: connect: connection refused",
    "dial tcp 10.0.0.5:5432: connect: connection refused",
  ],
  ["the key to success is code=quality", "the key to success is code=quality"],
  ["mailto:ops@example.com", "mailto:ops@example.com"],
];

Deno.test("redactUrls masks userinfo and credential-like parameters, keeps the rest byte for byte", () => {
  for (const [input, expected] of URL_TABLE) {
    assert.equal(redactUrls(input), expected, input);
    assert.equal(redactUrls(expected), expected, `idempotent: ${expected}`);
    assert.equal(
      redactPatterns(input),
      redactPatterns(redactPatterns(input)),
      `idempotent patterns: ${input}`,
    );
  }
});

Deno.test("isCredentialName: words, not letters", () => {
  for (
    const yes of [
      "token",
      "Auth-Token",
      "accessToken",
      "X-Amz-Date",
      "x-amz-signedheaders",
      "passphrase",
      "otp",
    ]
  ) {
    assert.ok(isCredentialName(yes), yes);
  }
  for (
    const no of ["keyword", "design", "author", "authority", "status_code", "codec", "compass", "page", "id"]
  ) {
    assert.ok(!isCredentialName(no), no);
  }
});

Deno.test("redactPatterns removes credentials from URLs and DSNs", () => {
  assert.equal(redactPatterns("postgres://app:s3cr3t@db:5432/x"), "postgres://***@db:5432/x");
  assert.equal(
    redactPatterns("dial root:hunter22@tcp(127.0.0.1:3306)/db"),
    "dial root:***@tcp(127.0.0.1:3306)/db",
  );
  assert.equal(redactPatterns("host=db password=abc user=x"), "host=db password=*** user=x");
  assert.equal(redactPatterns("https://x/send?token=abcdef&x=1"), "https://x/send?token=***&x=1");
  assert.equal(redactPatterns("https://x/?password=abc&page=2"), "https://x/?password=***&page=2");
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
  assert.ok(isSecretKey("X-Auth"));
  assert.ok(isSecretKey("Cookie"));
  assert.ok(!isSecretKey("endpoint_url"));
});

Deno.test("Redactor learns the credentials inside config strings and masks them anywhere", () => {
  const r = new Redactor();
  r.collect({
    checkers: [
      { endpoint_url: "https://u:hunter22@a.example/?auth_token=tok-0123456789&page=2" },
      { endpoint_url: "https://ghp_tokenasuser@github.example/" },
    ],
    storage: { dsn: "host=db password='pg pass 1' dbname=x" },
    other: "checkup:my5qlpass@tcp(db:3306)/checkup",
  });
  assert.equal(
    r.redact("echo: hunter22 tok-0123456789 ghp_tokenasuser pg pass 1 my5qlpass page=2"),
    "echo: *** *** *** *** *** page=2",
  );
});

Deno.test("Redactor is deterministic and idempotent", () => {
  const r = new Redactor();
  r.add("topsecret-value");
  r.add("secret"); // a substring of the other: the longer one goes first, always
  r.add("a***b"); // holds the mask: ignored, or redact would not be idempotent
  const once = r.redact("https://x/topsecret-value?sig=1 secret a***b");
  assert.equal(once, "https://x/***?sig=*** *** a***b");
  assert.equal(r.redact(once), once);
});

Deno.test("redactResult scrubs endpoint, notice and errors, and returns the same object when clean", () => {
  const clean = {
    title: "A",
    endpoint: "https://a.example/",
    timestamp: 1n,
    times: [{ rtt: 1 }],
    healthy: true,
  };
  assert.equal(redactResult(clean, redactPatterns), clean);
  const dirty = {
    title: "token=abc",
    endpoint: "https://a.example/?token=abc",
    timestamp: 1n,
    notice: "slow at https://a.example/?sig=x",
    times: [{ rtt: 0, error: "GET https://u:p@a.example/: refused" }, { rtt: 2 }],
    down: true,
  };
  assert.deepEqual(redactResult(dirty, redactPatterns), {
    ...dirty,
    endpoint: "https://a.example/?token=***",
    notice: "slow at https://a.example/?sig=***",
    times: [{ rtt: 0, error: "GET https://***@a.example/: refused" }, { rtt: 2 }],
  });
});
