import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "./errors.ts";
import { loadConfig, resolveConfig } from "./load.ts";
import { configJsonSchema } from "./json_schema.ts";

const testdata = new URL("./testdata/maintenance/", import.meta.url).pathname;
const checkers = [{ type: "http", endpoint_name: "API", endpoint_url: "http://a.test", group: "Core" }];

Deno.test("maintenance windows resolve to rules in ms: one-off, weekly, monthly; about as a string or a list", () => {
  const cfg = resolveConfig({
    checkers,
    Maintenance: [
      {
        title: "Move",
        about: "API",
        start: "2026-06-01T22:00:00+02:00",
        duration: "90m",
        message: "**Now**",
      },
      {
        Title: "Backup",
        every: "weekly",
        days: ["Sat", "sun", "sat"],
        at: "03:30",
        time_zone: "Europe/Berlin",
        duration: "1h",
      },
      { title: "Patch", about: ["core", " "], every: "monthly", day: 31, at: "22:00", duration: 7_200e9 },
    ],
  });
  assert.deepEqual(cfg.warnings, []);
  assert.deepEqual(cfg.maintenance, [
    {
      title: "Move",
      about: ["API"],
      duration: 5_400_000,
      start: Date.UTC(2026, 5, 1, 20),
      message: "**Now**",
    },
    {
      title: "Backup",
      about: [],
      duration: 3_600_000,
      every: "weekly",
      at: "03:30",
      time_zone: "Europe/Berlin",
      days: [0, 6],
    },
    {
      title: "Patch",
      about: ["core"],
      duration: 7_200_000,
      every: "monthly",
      at: "22:00",
      time_zone: "UTC",
      day: 31,
    },
  ]);
  assert.equal(resolveConfig({ checkers }).maintenance, undefined, "no windows: no key");
});

Deno.test("an unknown key of a window is warned about with its path; problems come all at once", () => {
  const cfg = resolveConfig({
    checkers,
    maintenance: [{ title: "X", start: "2026-01-01T00:00:00Z", duration: "1h", tz: "UTC" }],
  });
  assert.deepEqual(cfg.warnings, ["maintenance[0].tz: unknown key, ignored"]);
  try {
    resolveConfig({ checkers, maintenance: [{ title: "", every: "daily", at: "3am", duration: "1h" }, "x"] });
    assert.fail("expected a ConfigError");
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.issues.map((i) => i.path).sort(), [
      "maintenance[0].at",
      "maintenance[0].title",
      "maintenance[1]",
    ]);
  }
});

// One golden broken file per message: the file, the JSON path and what was expected.
const golden: [file: string, message: string][] = [
  [
    "invalid-unknown-time-zone.json",
    'maintenance[0].time_zone: expected an IANA time zone name like "Europe/Berlin" or "UTC", found string "Europe/Berlinn"',
  ],
  [
    "invalid-bad-day-name.json",
    'maintenance[0].days[1]: expected one of sun, mon, tue, wed, thu, fri, sat, found string "sunday"',
  ],
  [
    "invalid-missing-start-and-every.json",
    'maintenance[0].start: expected either "start" (a one-off window, RFC 3339) or "every" (daily, weekly or monthly)',
  ],
  ["invalid-start-and-every.json", 'maintenance[0].every: expected either "start" or "every", found both'],
  [
    "invalid-bad-start.json",
    'maintenance[0].start: expected an RFC 3339 time like "2026-06-01T22:00:00Z", found string "tomorrow"',
  ],
  [
    "invalid-bad-at.json",
    'maintenance[0].at: expected a local time "HH:MM" (00:00 to 23:59), found string "25:00"',
  ],
  [
    "invalid-weekly-without-days.json",
    'maintenance[0].days: required with "every": "weekly": expected days like ["sat", "sun"]',
  ],
  [
    "invalid-day-not-monthly.json",
    'maintenance[0].day: "day" is for "every": "monthly", found "every": "weekly"',
  ],
  [
    "invalid-duration-too-long.json",
    'maintenance[0].duration: expected a duration of at most 31d, found string "40d"',
  ],
  [
    "invalid-bad-every.json",
    'maintenance[0].every: expected one of "daily", "weekly", "monthly", found string "yearly"',
  ],
  [
    "invalid-missing-duration.json",
    'maintenance[0].duration: expected a duration (integer nanoseconds or a string like "10s"), found nothing',
  ],
  [
    "invalid-at-without-every.json",
    'maintenance[0].at: "at" is for recurring windows: expected "every" beside it',
  ],
];

for (const [file, message] of golden) {
  Deno.test(`bad maintenance config ${file}: one message naming the path and what was expected`, async () => {
    const path = join(testdata, file);
    await assert.rejects(loadConfig(path), (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
      assert.equal(e.message, `${path}: 1 problem\n  ${message}`);
      return true;
    });
  });
}

Deno.test("the golden maintenance configs cover every file in their folder", () => {
  const files = [...Deno.readDirSync(testdata)].map((f) => f.name);
  assert.deepEqual(files.sort(), golden.map(([f]) => f).sort());
});

Deno.test("the JSON Schema describes the maintenance list", () => {
  const schema = configJsonSchema() as {
    properties: Record<
      string,
      { type: string; items: { properties: Record<string, unknown>; required: string[] } }
    >;
  };
  const m = schema.properties.maintenance;
  assert.equal(m.type, "array");
  assert.deepEqual(Object.keys(m.items.properties).sort(), [
    "about",
    "at",
    "day",
    "days",
    "duration",
    "every",
    "message",
    "start",
    "time_zone",
    "title",
  ]);
  assert.deepEqual(m.items.required.sort(), ["duration", "title"]);
});
