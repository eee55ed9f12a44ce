import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "./errors.ts";
import { type CheckupConfig, loadConfig, resolveConfig } from "./load.ts";
import { parseJsonText } from "./text.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

function issues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail("expected a ConfigError");
}

Deno.test("the Go Checkup README's http and fs example works unchanged", () => {
  const cfg = resolveConfig({
    checkers: [{
      type: "http",
      endpoint_name: "Example HTTP",
      endpoint_url: "http://www.example.com",
      headers: { "X-Client-ID": ["checkup-example"], "Host": ["example.com"] },
    }],
    storage: { type: "fs", dir: "/path/to/your/check_files", check_expiry: 604800000000000 },
    timestamp: "0001-01-01T00:00:00Z",
  });
  assert.equal(cfg.checkers.length, 1);
  assert.equal(cfg.storage?.definition.type, "fs");
  assert.deepEqual(cfg.storage?.options, {
    type: "fs",
    dir: "/path/to/your/check_files",
    url: "",
    check_expiry: 604800e9,
  });
  assert.equal(cfg.timestamp, undefined, "Go's zero time means unset");
  assert.equal(cfg.concurrent_checks, 5);
  assert.deepEqual(cfg.warnings, []);
});

Deno.test("keys match case-insensitively, as in Go", () => {
  const cfg = resolveConfig({
    Checkers: [{ Type: "http", Endpoint_URL: "http://x.test", THRESHOLD_RTT: "1s" }],
  });
  const o = cfg.checkers[0].options as { endpoint_url: string; threshold_rtt: number };
  assert.equal(o.endpoint_url, "http://x.test");
  assert.equal(o.threshold_rtt, 1e9);
});

Deno.test("durations accept nanoseconds and strings; bad ones name the path", () => {
  const cfg = resolveConfig({
    checkers: [{ type: "http", endpoint_url: "http://x.test", threshold_rtt: "250ms", attempt_spacing: 5e8 }],
  });
  const o = cfg.checkers[0].options as { threshold_rtt: number; attempt_spacing: number };
  assert.deepEqual([o.threshold_rtt, o.attempt_spacing], [250e6, 5e8]);
  assert.deepEqual(
    issues(() =>
      resolveConfig({ checkers: [{ type: "http", endpoint_url: "http://x.test", threshold_rtt: "fast" }] })
    ),
    [
      'checkers[0].threshold_rtt: expected a duration like "500ms", "10s", "5m", "2h" or "7d" (units ns, us, ms, s, m, h, d, w), found "fast"',
    ],
  );
  assert.match(
    issues(() => resolveConfig({ storage: { type: "fs", dir: "x", check_expiry: true } }))[0],
    /^storage\.check_expiry: expected a duration/,
  );
});

Deno.test("every problem is reported at once with its JSON path", () => {
  const found = issues(() =>
    resolveConfig({
      checkers: [
        { type: "http", endpoint_name: 5 },
        { type: "htp", endpoint_url: "http://x" },
        { endpoint_url: "http://x" },
        "nope",
      ],
      storage: { type: "s4" },
      concurrent_checks: -1,
    })
  );
  assert.deepEqual(found, [
    "concurrent_checks: expected a number of checks ≥ 1 (0 means the default, 5), found number -1",
    "checkers[0].endpoint_name: expected a string, found number 5",
    "checkers[0].endpoint_url: required: expected a string",
    `checkers[1].type: unknown checker type "htp" (did you mean "http"?); expected one of: ${
      found[3].split("expected one of: ")[1]
    }`,
    `checkers[2].type: missing checker type; expected one of: ${found[3].split("expected one of: ")[1]}`,
    'checkers[3]: expected a checker object with a "type", found string "nope"',
    `storage.type: unknown storage type "s4" (did you mean "s3"?); expected one of: ${
      found[6].split("expected one of: ")[1]
    }`,
  ]);
  assert.match(found[3], /expected one of: http/);
  assert.match(found[6], /expected one of: fs, sqlite3/);
});

Deno.test("${ENV} is substituted everywhere; an unset variable is an error at its path", () => {
  const cfg = resolveConfig(
    {
      checkers: [{
        type: "http",
        endpoint_url: "${BASE:-http://fallback.test}/health",
        headers: { Authorization: "Bearer ${TOKEN}" },
      }],
    },
    { env: env({ TOKEN: "s3cr3t-value" }) },
  );
  const o = cfg.checkers[0].options as { endpoint_url: string; headers: Record<string, string> };
  assert.equal(o.endpoint_url, "http://fallback.test/health");
  assert.equal(o.headers.Authorization, "Bearer s3cr3t-value");
  assert.equal(cfg.redactor.redact("token s3cr3t-value leaked"), "token *** leaked");
  assert.equal(
    cfg.redactor.redact("http://fallback.test/health"),
    "http://fallback.test/health",
    "fallbacks are the file's",
  );
  // Every value taken from the environment is a secret, whatever the variable's name.
  const named = resolveConfig(
    { checkers: [{ type: "http", endpoint_url: "https://a.test/${HEALTH_PATH}" }] },
    { env: env({ HEALTH_PATH: "h-7f3k9q" }) },
  );
  assert.equal(named.redactor.redact("https://a.test/h-7f3k9q"), "https://a.test/***");
  assert.deepEqual(
    issues(() => resolveConfig({ storage: { type: "fs", dir: "${CHECK_DIR}" } }, { env: env({}) })),
    [
      "storage.dir: environment variable CHECK_DIR is not set (referenced as ${CHECK_DIR})",
    ],
  );
  const literal = resolveConfig({ storage: { type: "fs", dir: "/tmp/$${HOME}" } }, { env: env({}) });
  assert.equal((literal.storage?.options as { dir: string }).dir, "/tmp/${HOME}");
});

Deno.test("${ENV} substitution leaves the given object as it was and copies only what changed", () => {
  const raw = {
    checkers: [
      { type: "http", endpoint_name: "a", endpoint_url: "http://a.test/${P}", headers: { X: ["1", "${P}"] } },
      { type: "http", endpoint_name: "b", endpoint_url: "http://b.test/" },
    ],
  };
  const before = structuredClone(raw);
  const cfg = resolveConfig(raw, { env: env({ P: "px" }) });
  assert.deepEqual(raw, before, "the caller's object is not changed");
  const [a, b] = cfg.checkers.map((c) =>
    c.options as { endpoint_url: string; headers: Record<string, string> }
  );
  assert.equal(a.endpoint_url, "http://a.test/px");
  assert.deepEqual(a.headers.X, ["1", "px"]);
  assert.equal(b.endpoint_url, "http://b.test/");
});

Deno.test("unknown keys are warnings that name the key and suggest the right one", () => {
  const cfg = resolveConfig({
    checkers: [{ type: "http", endpoint_url: "http://x.test", endpoint_ulr: "oops", threshhold_rtt: 5 }],
    storge: {},
  });
  assert.deepEqual(cfg.warnings, [
    'storge: unknown key, ignored (did you mean "storage"?)',
    'checkers[0].endpoint_ulr: unknown key, ignored (did you mean "endpoint_url"?)',
    'checkers[0].threshhold_rtt: unknown key, ignored (did you mean "threshold_rtt"?)',
  ]);
});

Deno.test("Go v1 names storage.provider and notifier.name are accepted with a warning", () => {
  const cfg = resolveConfig({ storage: { provider: "fs", dir: "/tmp/x" } });
  assert.equal(cfg.storage?.definition.type, "fs");
  assert.match(cfg.warnings[0], /storage\.provider: "provider" is the Go Checkup v1 name of "type"/);
});

Deno.test("timestamp override is parsed to exact nanoseconds", () => {
  assert.equal(
    resolveConfig({ timestamp: "2020-06-26T14:00:00.123456789Z" }).timestamp,
    1593180000123456789n,
  );
  assert.equal(resolveConfig({ timestamp: "2020-06-26T16:00:00+02:00" }).timestamp, 1593180000000000000n);
  assert.match(
    issues(() => resolveConfig({ timestamp: "yesterday" }))[0],
    /^timestamp: expected an RFC 3339 time/,
  );
});

Deno.test("JSON syntax errors give the file, line and column", () => {
  assert.throws(
    () => parseJsonText('{\n  "checkers": [\n    { "type": "http" },\n  ]\n}', "checkup.json"),
    (e: ConfigError) => {
      assert.match(e.message, /^checkup\.json:4:3: 1 problem\n {2}invalid JSON: /);
      return true;
    },
  );
  assert.throws(
    () => parseJsonText('{"a": 1', "c.json"),
    (e: ConfigError) => /^c\.json:1:8: /.test(e.message),
  );
  assert.throws(
    () => parseJsonText("// comment\n{}", "c.json"),
    (e: ConfigError) => /^c\.json:1:1: /.test(e.message),
  );
});

Deno.test("a missing or unreadable config file names the path", async () => {
  await assert.rejects(
    loadConfig("/nonexistent/checkup.json"),
    (e: ConfigError) =>
      e.message ===
        "/nonexistent/checkup.json: 1 problem\n  file not found (create one, or pass -c/--config PATH)",
  );
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(loadConfig(dir), (e: ConfigError) => /is a directory/.test(e.message));
    await Deno.writeTextFile(join(dir, "c.json"), "[1]");
    await assert.rejects(
      loadConfig(join(dir, "c.json")),
      (e: ConfigError) => /expected a JSON object, found an array/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the $schema key is allowed for editor completion", () => {
  assert.deepEqual(resolveConfig({ $schema: "./schema/checkup.schema.json" }).warnings, []);
});

Deno.test("every checker accepts its own interval; a bad one names the path", () => {
  const cfg = resolveConfig({
    checkers: [{ type: "http", endpoint_url: "http://x.test", Interval: "30s" }, {
      type: "http",
      endpoint_url: "http://y.test",
    }],
    spread: true,
  });
  assert.deepEqual(cfg.checkers.map((c) => c.interval), [30e9, undefined]);
  assert.equal(cfg.spread, true);
  assert.deepEqual(cfg.warnings, []);
  assert.match(
    issues(() =>
      resolveConfig({ checkers: [{ type: "http", endpoint_url: "http://x.test", interval: "often" }] })
    )[0],
    /^checkers\[0\]\.interval: expected a duration/,
  );
});

Deno.test("every checker accepts its own group (1 to 100 characters); a bad one names the path", () => {
  const cfg = resolveConfig({
    checkers: [
      { type: "http", endpoint_url: "http://x.test", Group: "Payments" },
      { type: "http", endpoint_url: "http://y.test" },
    ],
  });
  assert.deepEqual(cfg.checkers.map((c) => c.group), ["Payments", undefined]);
  assert.deepEqual(cfg.warnings, []);
  const bad = (group: unknown) =>
    issues(() => resolveConfig({ checkers: [{ type: "http", endpoint_url: "http://x.test", group }] }));
  assert.deepEqual(bad(""), [
    "checkers[0].group: expected a group name of 1 to 100 characters, found an empty string",
  ]);
  assert.match(
    bad("x".repeat(101))[0],
    /^checkers\[0\]\.group: expected a group name of at most 100 characters/,
  );
  assert.match(bad(5)[0], /^checkers\[0\]\.group: expected a string/);
});

// One golden broken file per error message (as blackbox_exporter's TestLoadBadConfigs): each message
// names the file, the JSON path and the bound or the shape that was expected.
const testdata = new URL("./testdata/", import.meta.url).pathname;
const int64 = "2562047h47m16.854775807s (Go's int64 nanoseconds, about 292 years)";
const badConfigs: [file: string, message: string, at?: string][] = [
  [
    "invalid-interval-too-short.json",
    'checkers[0].interval: expected a duration of at least 1s, found string "1ns"',
  ],
  [
    "invalid-interval-too-long.json",
    'checkers[0].interval: expected a duration of at most 7d, found string "8d"',
  ],
  [
    "invalid-timeout-too-long.json",
    'checkers[0].timeout: expected a duration of at most 1h, found string "2h"',
  ],
  [
    "invalid-attempt-spacing-too-long.json",
    "checkers[0].attempt_spacing: expected a duration of at most 1h, found number 7200000000000",
  ],
  [
    "invalid-attempts-too-many.json",
    "checkers[0].attempts: expected at most 100 attempts, found number 1000",
  ],
  [
    "invalid-concurrent-checks-too-many.json",
    "concurrent_checks: expected a number of checks ≤ 1000, found number 100000",
  ],
  [
    "invalid-duration-past-int64.json",
    `storage.check_expiry: expected a duration of at most ${int64}, found "3000000h"`,
  ],
  [
    "invalid-duration-number-past-int64.json",
    `storage.check_expiry: expected a duration of at most ${int64}, found 10000000000000000000`,
  ],
  [
    // An integer literal past 2^53 is read exactly (as Go reads an int64): one past int64's maximum.
    "invalid-exact-duration-past-int64.json",
    `checkers[0].threshold_rtt: expected a duration of at most ${int64}, found "9223372036854775808ns"`,
  ],
  [
    "invalid-deliver-within-too-long.json",
    'deliver_within: expected a duration of at most 1h, found string "2h"',
  ],
  [
    "invalid-number-too-large.json",
    "checkers[0].attempts: expected a number, found a number too large to represent (beyond ±1.8e308)",
  ],
  [
    "invalid-notifier-timeout-too-long.json",
    'notifiers[0].timeout: expected a duration of at most 1h, found string "1d"',
  ],
  [
    "invalid-header-value-crlf.json",
    "checkers[0].headers.X-Id[1]: expected a header value without CR, LF or NUL characters, found a CR at character 2 of 14 (the value is not shown: it may be secret)",
  ],
  [
    "invalid-header-name.json",
    `checkers[0].headers["X Id"]: expected a header name (letters, digits and !#$%&'*+.^_\`|~-), found string "X Id"`,
  ],
  [
    "invalid-webhook-header-value-lf.json",
    "notifiers[0].headers.Authorization: expected a header value without CR, LF or NUL characters, found an LF at character 9 of 18 (the value is not shown: it may be secret)",
  ],
  [
    // An env file saved with Windows line ends leaves a CR at the end of the value.
    "invalid-token-cr-from-env.json",
    "notifiers[0].token: expected a value without CR, LF or NUL characters (it is sent in a header), found a CR at character 17 of 17 (the value is not shown: it may be secret)",
  ],
  [
    // A heartbeat's token is a secret: what is wrong with it is said, never the value.
    "invalid-heartbeat-token-short.json",
    'checkers[0].token: expected at least 16 characters of A-Z, a-z, 0-9, ".", "_", "~" or "-" (it is a segment of the ping URL), found 15 characters (the value is not shown: it is a secret)',
  ],
  [
    "invalid-heartbeat-token-url.json",
    'checkers[0].token: expected at least 16 characters of A-Z, a-z, 0-9, ".", "_", "~" or "-" (it is a segment of the ping URL), found a character not allowed at position 11 of 20 (the value is not shown: it is a secret)',
  ],
  [
    "invalid-heartbeat-token-shared.json",
    "checkers[1].token: expected a token of its own, found the token of the heartbeat at checkers[0] (not shown)",
  ],
  [
    "invalid-heartbeat-name-shared.json",
    'checkers[2].endpoint_name: expected a name of its own, found one stored as "pings/nightly-backup" like the heartbeat at checkers[0]',
  ],
  ["invalid-utf16le.json", "expected UTF-8 text, found UTF-16 (little-endian); save the file as UTF-8"],
  ["invalid-utf16be-no-bom.json", "expected UTF-8 text, found UTF-16 (big-endian); save the file as UTF-8"],
  [
    "invalid-latin1.json",
    "expected UTF-8 text, found a byte that is not UTF-8 (byte 38); save the file as UTF-8",
    ":1",
  ],
];

for (const [file, message, at = ""] of badConfigs) {
  Deno.test(`bad config ${file}: one message naming the path and what was expected`, async () => {
    const path = join(testdata, file);
    const env = (name: string) => ({ GOTIFY_TOKEN: "gotify-secret-42\r" } as Record<string, string>)[name];
    await assert.rejects(loadConfig(path, { env }), (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
      assert.equal(e.message, `${path}${at}: 1 problem\n  ${message}`);
      assert.doesNotMatch(e.message, /secret-42/);
      return true;
    });
  });
}

Deno.test("the golden bad configs cover every file in testdata", async () => {
  const files = [...Deno.readDirSync(testdata)].map((f) => f.name).filter((n) => n.startsWith("invalid-"));
  assert.deepEqual(files.sort(), badConfigs.map(([f]) => f).sort());
  await Promise.resolve();
});

const warnConfigs: [file: string, warnings: string[]][] = [
  ["valid-utf8-bom.json", []],
  ["warn-duplicate-keys.json", [
    'checkers[0].attempts: the key "attempts" is written 2 times (lines 8, 9); the last one wins, as in Go',
    'checkers[0].endpoint_url: "endpoint_url" (line 6) and "Endpoint_URL" (line 7) are the same key (keys match regardless of case, as in Go); the last one, "Endpoint_URL", wins',
  ]],
  ["warn-duplicate-endpoints.json", [
    'checkers[2]: the same endpoint as checkers[0] (title "Site", endpoint "http://a.test"); their results would be mixed into one endpoint',
  ]],
  ["warn-null-checkers.json", ["checkers: null, taken as none"]],
  ["warn-negative-attempts.json", ["checkers[0].attempts: -3 attempts means 1 (as in Go)"]],
];

for (const [file, warnings] of warnConfigs) {
  Deno.test(`config ${file} loads with warnings that name the keys`, async () => {
    const cfg = await loadConfig(join(testdata, file));
    assert.deepEqual(cfg.warnings, warnings);
  });
}

Deno.test("duplicate keys: the last one wins, as Go's encoding/json does", async () => {
  const cfg = await loadConfig(join(testdata, "warn-duplicate-keys.json"));
  const o = cfg.checkers[0].options as { endpoint_url: string; attempts: number };
  assert.deepEqual([o.endpoint_url, o.attempts], ["http://new.test", 3]);
  // The same for an object from code: its order stands in for the file's.
  const coded = resolveConfig({
    checkers: [{ type: "http", Endpoint_URL: "http://a.test", endpoint_url: "http://b.test" }],
  });
  assert.equal((coded.checkers[0].options as { endpoint_url: string }).endpoint_url, "http://b.test");
  assert.match(
    coded.warnings[0],
    /^checkers\[0\]\.endpoint_url: "Endpoint_URL" and "endpoint_url" are the same key/,
  );
});

Deno.test("a negative attempts count is kept (1 attempt, as in Go); 0 means the default without a word", () => {
  const cfg = resolveConfig({ checkers: [{ type: "http", endpoint_url: "http://a.test", attempts: 0 }] });
  assert.deepEqual(cfg.warnings, []);
});

Deno.test("an error quoting a refused value never shows a secret of the config", () => {
  const env = (name: string) => ({ PG_PASSWORD: "pg-pass-9x8y7z" } as Record<string, string>)[name];
  try {
    resolveConfig({
      storage: {
        type: "postgres",
        dsn: "postgres://checkup:${PG_PASSWORD}@db.example/checks",
        create: "yes",
      },
      checkers: [{
        type: "http",
        endpoint_name: "A",
        endpoint_url: "ftp://user:${PG_PASSWORD}@example.com/",
      }],
    } as unknown as CheckupConfig, { env });
    assert.fail("expected a ConfigError");
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.match(e.message, /checkers\[0\]\.endpoint_url/);
    assert.match(e.message, /storage\.create/);
    assert.doesNotMatch(e.message, /pg-pass-9x8y7z/);
  }
});

Deno.test("every checker accepts incident: true (automatic incidents); a bad one names the path", () => {
  const cfg = resolveConfig({
    checkers: [
      { type: "http", endpoint_url: "http://x.test", incident: true },
      { type: "http", endpoint_url: "http://y.test", incident: false },
    ],
  });
  assert.deepEqual(cfg.checkers.map((c) => c.incident), [true, undefined]);
  assert.deepEqual(cfg.warnings, []);
  const bad = issues(() =>
    resolveConfig({ checkers: [{ type: "http", endpoint_url: "http://x.test", incident: "yes" }] })
  );
  assert.equal(bad.length, 1);
  assert.match(bad[0], /^checkers\[0\]\.incident: expected a boolean/);
});
