import assert from "node:assert/strict";
import { ConfigError } from "../config/errors.ts";
import { resolveConfig } from "../config/load.ts";
import { parseJsonText } from "../config/text.ts";

function issues(checkers: unknown[]): string[] {
  try {
    resolveConfig({ checkers });
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail("expected a ConfigError");
}

function options(checker: Record<string, unknown>): Record<string, unknown> {
  const resolved = resolveConfig({ checkers: [checker] });
  assert.deepEqual(resolved.warnings, []);
  return resolved.checkers[0].options as Record<string, unknown>;
}

Deno.test("checker config errors name the JSON path, all reported at once", () => {
  assert.deepEqual(
    issues([
      { type: "tcp", endpoint_name: "no url" },
      { type: "tcp", endpoint_url: "example.com:99999" },
      { type: "tls", endpoint_url: "example.com:443", timeout: "10x", trusted_roots: "ca.pem" },
      { type: "dns", endpoint_url: "127.0.0.1:53", hostname_fqdn: "host.example.com", record_type: "SRV" },
      { type: "dns", endpoint_url: "127.0.0.1:53", expect: ["192.0.2.1"] },
      { type: "dns", endpoint_url: "127.0.0.1:53", hostname_fqdn: "h.example", expect: ["::1"] },
      { type: "dns", endpoint_url: "127.0.0.1:53", hostname_fqdn: `${"a".repeat(64)}.com` },
      { type: "exec", name: "no command" },
      { type: "exec", command: "true", raise: "fatal" },
      { type: "http", endpoint_url: "http://x/", must_match: "(", must_not_match: "[" },
      { type: "http", endpoint_url: "http://x/", up_status: ["2xx", 200, "399-300"] },
      { type: "http", endpoint_url: "http://x/", body: "x", cert_expiry_threshold: "1d" },
      { type: "http", endpoint_url: "ftp://x/", method: "GE T", json: { "": 1 } },
    ]),
    [
      "checkers[0].endpoint_url: required: expected a string",
      "checkers[1].endpoint_url: expected a port from 1 to 65535",
      'checkers[2].timeout: expected a duration like "500ms", "10s", "5m", "2h" or "7d" (units ns, us, ms, s, m, h, d, w), found "10x"',
      'checkers[2].trusted_roots: expected an array, found string "ca.pem"',
      'checkers[3].record_type: expected one of "A", "AAAA", "CNAME", "MX", "NS", "TXT", found string "SRV"',
      "checkers[4].expect: needs hostname_fqdn (the name to look up)",
      'checkers[5].expect[0]: expected an IPv4 address for record_type A, found "::1"',
      `checkers[6].hostname_fqdn: expected a domain name (each label must be 1 to 63 bytes), found string "${
        "a".repeat(56)
      }...`,
      "checkers[7].command: required: expected a string",
      'checkers[8].raise: expected one of "", "error", "warn", "warning", found string "fatal"',
      'checkers[9].must_match: expected a valid regular expression, found string "(": Unterminated group',
      'checkers[9].must_not_match: expected a valid regular expression, found string "[": Unterminated character class',
      'checkers[10].up_status[0]: expected a status code (e.g. 200) or a range (e.g. "300-399"), found string "2xx"',
      'checkers[10].up_status[2]: expected a status code (e.g. 200) or a range (e.g. "300-399") from 100 to 999, found string "399-300"',
      'checkers[11].body: a body cannot be sent with GET; set "method" (e.g. "POST")',
      "checkers[11].cert_expiry_threshold: only applies to https:// URLs",
      'checkers[12].endpoint_url: expected an http:// or https:// URL, found string "ftp://x/"',
      'checkers[12].json[""]: expected a dotted path, found an empty key',
      "checkers[12].method: expected an HTTP method such as GET, POST or HEAD",
    ],
  );
});

Deno.test("checker defaults: Go's values, 0 meaning the default, durations as strings", () => {
  assert.deepEqual(options({ type: "tcp", endpoint_url: "db.internal:5432" }), {
    type: "tcp",
    endpoint_name: "",
    endpoint_url: "db.internal:5432",
    tls: false,
    tls_skip_verify: false,
    tls_ca_file: "",
    tls_cert_file: "",
    tls_key_file: "",
    timeout: 1e9,
    threshold_rtt: 0,
    attempts: 1,
    attempt_spacing: 0,
    send: "",
    expect: "",
  });
  const tls = options({ type: "tls", endpoint_url: "[::1]:443", timeout: 0, cert_expiry_threshold: 0 });
  assert.equal(tls.timeout, 10e9);
  assert.equal(tls.cert_expiry_threshold, 14 * 86_400e9);
  const dns = options({
    type: "dns",
    endpoint_url: "127.0.0.1:53",
    timeout: "500ms",
    threshold_rtt: 200000000,
  });
  assert.deepEqual([dns.record_type, dns.timeout, dns.threshold_rtt, dns.hostname_fqdn], ["A", 5e8, 2e8, ""]);
  const exec = options({ type: "exec", command: "true", raise: "Warning" });
  assert.deepEqual([exec.raise, exec.timeout, exec.arguments], ["warn", 10e9, []]);
  assert.equal(options({ type: "exec", command: "true" }).raise, "error");
  const http = options({
    type: "http",
    endpoint_url: "https://x/",
    up_status: [200, "300-399"],
    method: "post",
  });
  assert.deepEqual([http.up_status, http.method, http.cert_expiry_threshold], [
    [[200, 200], [300, 399]],
    "POST",
    0,
  ]);
  assert.deepEqual(options({ type: "http", endpoint_url: "https://x/" }).up_status, [[200, 204]]);
  assert.deepEqual(options({ type: "http", endpoint_url: "https://x/", up_status: 404 }).up_status, [[
    404,
    404,
  ]]);
});

Deno.test("checker keys are case-insensitive and unknown keys warn (Go ignored them)", () => {
  const resolved = resolveConfig({
    checkers: [{ Type: "tcp", Endpoint_URL: "a:1", TLS: true, tls_skip_verfy: false }],
  });
  assert.equal((resolved.checkers[0].options as { tls: boolean }).tls, true);
  assert.deepEqual(resolved.warnings, [
    'checkers[0].tls_skip_verfy: unknown key, ignored (did you mean "tls_skip_verify"?)',
  ]);
});

Deno.test("threshold_rtt stays exact beyond 2^53 ns, from the JSON text on", () => {
  const checker = (t: string) =>
    resolveConfig(
      parseJsonText(`{"checkers":[{"type":"tcp","endpoint_url":"a:1","threshold_rtt":${t}}]}`, "c"),
    )
      .checkers[0].options as { threshold_rtt: unknown };
  assert.equal(checker("9223372036854775807").threshold_rtt, 9223372036854775807n);
  assert.equal(checker("9007199254740993").threshold_rtt, 9007199254740993n);
  assert.equal(checker('"9007199254740993ns"').threshold_rtt, 9007199254740993n);
  assert.equal(checker("9007199254740991").threshold_rtt, 9007199254740991);
  assert.equal(checker('"1.5s"').threshold_rtt, 1.5e9);
  assert.deepEqual(issues([{ type: "tcp", endpoint_url: "a:1", threshold_rtt: -9223372036854775807n }]), [
    'checkers[0].threshold_rtt: expected a duration: integer nanoseconds ≥ 0 or a string like "10s", found -9223372036854776000',
  ]);
});
