import assert from "node:assert/strict";
import {
  activeAndUpcoming,
  coveredSpans,
  covers,
  isTimeZone,
  type MaintenanceRule,
  occurrences,
  openWindow,
  windowsBetween,
  zonedInstant,
} from "./maintenance.js";
import type { MaintenanceWindow } from "./operations.js";

const H = 3_600_000, D = 24 * H;
const iso = (t: number) => new Date(t).toISOString();

Deno.test("a daily window in Berlin opens at 02:00 local time on both sides of the spring DST change", () => {
  const rule: MaintenanceRule = {
    title: "Nightly vacuum",
    about: ["API"],
    every: "daily",
    at: "02:00",
    time_zone: "Europe/Berlin",
    duration: H,
  };
  // 28 March 2026 (CET, UTC+1), 29 March (the change: 02:00 is skipped), 30 March (CEST, UTC+2).
  const starts = occurrences(rule, Date.UTC(2026, 2, 28), Date.UTC(2026, 2, 31)).map((w) => iso(w.start));
  assert.deepEqual(starts, [
    "2026-03-28T01:00:00.000Z",
    "2026-03-29T01:00:00.000Z", // 02:00 does not exist: 03:00 CEST
    "2026-03-30T00:00:00.000Z",
  ]);
});

Deno.test("an injected clock: the window is open exactly from its local start, not an hour off", () => {
  const rule: MaintenanceRule = {
    title: "Backup",
    about: [],
    every: "weekly",
    days: [6, 0],
    at: "23:30",
    time_zone: "America/Los_Angeles",
    duration: 2 * H,
  };
  // Saturday 31 October 2026 is still summer time in Los Angeles (PDT, UTC-7).
  const open = Date.UTC(2026, 10, 1, 6, 30); // Sat 31 Oct 23:30 PDT
  const windows = (now: number) => windowsBetween([rule], [], now - 7 * D, now + 7 * D);
  assert.equal(openWindow(windows(open - 1), open - 1, "Web"), undefined);
  assert.equal(openWindow(windows(open), open, "Web")?.start, open);
  assert.equal(openWindow(windows(open + 2 * H - 1), open + 2 * H - 1, "Web")?.end, open + 2 * H);
  assert.equal(openWindow(windows(open + 2 * H), open + 2 * H, "Web"), undefined);
  // The next night (Sunday 1 November 23:30) is after the change back to PST (UTC-8).
  const next = Date.UTC(2026, 10, 2, 7, 30);
  assert.equal(openWindow(windows(next), next, "Web")?.start, next);
  assert.equal(openWindow(windows(next - 1), next - 1, "Web"), undefined);
});

Deno.test("a local time that happens twice (autumn) opens at its first occurrence", () => {
  // 25 October 2026, Berlin: 02:30 happens at 00:30Z (CEST) and at 01:30Z (CET).
  assert.equal(iso(zonedInstant(2026, 10, 25, 2, 30, "Europe/Berlin")), "2026-10-25T00:30:00.000Z");
  assert.equal(iso(zonedInstant(2026, 10, 25, 4, 0, "Europe/Berlin")), "2026-10-25T03:00:00.000Z");
  // A zone east of UTC by a fraction of an hour and one with no DST.
  assert.equal(iso(zonedInstant(2026, 1, 1, 0, 0, "Asia/Kolkata")), "2025-12-31T18:30:00.000Z");
  assert.equal(iso(zonedInstant(2026, 6, 1, 12, 0, "UTC")), "2026-06-01T12:00:00.000Z");
});

Deno.test("monthly windows fall on the last day of shorter months; a window still open at `from` counts", () => {
  const rule: MaintenanceRule = {
    title: "Patch day",
    about: [],
    every: "monthly",
    day: 31,
    at: "22:00",
    time_zone: "UTC",
    duration: 4 * H,
  };
  const starts = occurrences(rule, Date.UTC(2026, 0, 1, 2), Date.UTC(2026, 4, 1)).map((w) => iso(w.start));
  assert.deepEqual(starts, [
    "2026-01-31T22:00:00.000Z",
    "2026-02-28T22:00:00.000Z",
    "2026-03-31T22:00:00.000Z",
    "2026-04-30T22:00:00.000Z",
  ]);
  // Opened 22:00 on 31 January, open until 02:00 on 1 February.
  const inside = occurrences(rule, Date.UTC(2026, 1, 1, 1), Date.UTC(2026, 1, 1, 2));
  assert.deepEqual(inside.map((w) => iso(w.end)), ["2026-02-01T02:00:00.000Z"]);
  assert.match(inside[0].id, /^patch-day-[0-9a-z]+$/);
  assert.equal(inside[0].source, "config");
});

Deno.test("a one-off window; ad hoc windows merge with config ones by start", () => {
  const start = Date.UTC(2026, 5, 1, 10);
  const rule: MaintenanceRule = {
    title: "Move",
    about: ["Payments"],
    start,
    duration: H,
    message: "**Move**",
  };
  assert.deepEqual(occurrences(rule, start + H, start + 2 * H), []);
  const [w] = occurrences(rule, start - D, start + D);
  assert.deepEqual(w, {
    id: w.id,
    title: "Move",
    about: ["Payments"],
    start,
    end: start + H,
    message: "**Move**",
    source: "config",
  });
  const adhoc: MaintenanceWindow = {
    id: "db",
    title: "DB",
    about: [],
    start: start - H,
    end: start + 30 * 60_000,
    source: "adhoc",
  };
  const all = windowsBetween([rule], [adhoc], start - D, start + D);
  assert.deepEqual(all.map((x) => x.title), ["DB", "Move"]);
  assert.deepEqual(activeAndUpcoming(all, start - 2 * H), { active: [], upcoming: all });
  assert.deepEqual(activeAndUpcoming(all, start).active.map((x) => x.title), ["DB", "Move"]);
  // Open on both: the one ending last is the endpoint's.
  assert.equal(openWindow(all, start, "Card", "payments")?.title, "Move");
  assert.equal(openWindow(all, start, "Web")?.title, "DB");
  assert.deepEqual(coveredSpans(all, "Card", "Payments", start - 2 * H, start + 2 * H), [
    { s: start - H, e: start + H },
  ]);
});

Deno.test("covers: titles and groups ignoring case; no names is every endpoint", () => {
  assert.ok(covers({ about: ["API"] }, "api"));
  assert.ok(covers({ about: ["payments"] }, "Card", "Payments"));
  assert.ok(!covers({ about: ["payments"] }, "Card"));
  assert.ok(!covers({ about: ["API"] }, "API v2"));
  assert.ok(covers({ about: [] }, "anything"));
  assert.ok(isTimeZone("America/Sao_Paulo") && !isTimeZone("Europe/Berlinn") && !isTimeZone(""));
});
