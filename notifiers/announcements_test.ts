import assert from "node:assert/strict";
import type { Incident, MaintenanceWindow } from "../status/operations.js";
import { FakeClock } from "../tests/helpers/clock.ts";
import { MemoryShared } from "../tests/helpers/memory_shared.ts";
import { silentLogger } from "../log.ts";
import { AlertClaims } from "../locations/claims.ts";
import { decodeAlertState, encodeAlertState } from "./alert_codec.ts";
import { incidentAnnouncements, maintenanceAnnouncements } from "./announcements.ts";
import { alertText, roundSubject } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { pagerDutyEvent } from "./pagerduty.ts";
import { AlertPipeline, attachGate } from "./pipeline.ts";
import { type AlertOn, type AlertPolicy, alertPolicyShape, DEFAULT_ALERT_POLICY } from "./policy.ts";
import { z } from "zod";

const resolvePolicy = (o: unknown) => z.object(alertPolicyShape).parse(o);
import { type AlertStateStore, memoryAlertState } from "./state.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);

function policy(notify_on: AlertOn[]): AlertPolicy {
  return { ...DEFAULT_ALERT_POLICY, min_interval: 0, notify_on };
}

class Collect implements Notifier {
  readonly type = "collect";
  readonly delivered: Alert[] = [];
  constructor(readonly policy: AlertPolicy) {}
  notify(alerts: readonly Alert[]): Promise<void> {
    this.delivered.push(...alerts);
    return Promise.resolve();
  }
  lines(): string[] {
    return this.delivered.map((a) => `${a.kind}:${a.status}:${a.title}`);
  }
}

function incident(updates: [number, Incident["state"], string, "major" | "partial"][]): Incident {
  return {
    id: "db-slow",
    title: "Database slow",
    state: updates.at(-1)![1],
    started: updates[0][0],
    affected: [{ title: "API", impact: updates.at(-1)![3] }],
    updates: updates.map(([t, state, text, impact], i) => ({
      id: `u${i + 1}`,
      t,
      state,
      text,
      affected: [{ title: "API", impact }],
    })),
  };
}

function pipeline(n: Notifier, clock: FakeClock, state: AlertStateStore, node?: string): AlertPipeline {
  return new AlertPipeline([n], { clock, state, node, deliverWithin: 1_000 });
}

Deno.test("announcements: each incident update once, only to notifiers that ask, never replayed after a restart", async () => {
  const clock = new FakeClock(BigInt(T0) * 1_000_000n);
  const state = memoryAlertState();
  const asks = new Collect(policy(["down", "recovered", "incident"]));
  const plain = new Collect(policy(["down", "degraded", "recovered"]));
  const p = new AlertPipeline([asks, plain], { clock, state, deliverWithin: 1_000 });
  // An incident from before this node first looked (more than 5 minutes) is history: not announced.
  const old = { ...incident([[T0 - 90 * MIN, "investigating", "old", "major"]]), id: "old" };
  await p.process([], undefined, undefined, incidentAnnouncements([old]));
  assert.deepEqual(asks.lines(), []);

  clock.advance(MIN);
  const open = incident([[T0 + 30_000, "investigating", "Queries time out", "major"]]);
  await p.process([], undefined, undefined, incidentAnnouncements([old, open]));
  assert.deepEqual(asks.lines(), ["incident:down:Database slow"]);
  assert.deepEqual(plain.lines(), []);
  assert.match(
    alertText(asks.delivered[0], { emoji: false }),
    /^Incident: Database slow\nAffects: API \(major\)\nUpdate: Investigating: Queries time out/,
  );

  // The same incident again: nothing new. A later update: one more.
  await p.process([], undefined, undefined, incidentAnnouncements([open]));
  clock.advance(MIN);
  const identified = incident([
    [T0 + 30_000, "investigating", "Queries time out", "major"],
    [T0 + 90_000, "identified", "A lock on the orders table", "partial"],
  ]);
  await p.process([], undefined, undefined, incidentAnnouncements([identified]));
  assert.deepEqual(asks.lines(), ["incident:down:Database slow", "incident:degraded:Database slow"]);
  assert.equal(asks.delivered[1].previous, "down");
  assert.equal(asks.delivered[0].key, asks.delivered[1].key, "one key per incident");
  assert.notEqual(asks.delivered[0].id, asks.delivered[1].id);

  // A restart from the saved state: the ledger holds, nothing is sent again; the resolution goes out.
  const restarted = memoryAlertState();
  await restarted.save(encodeAlertState(decodeAlertState((await state.load())!), { updated: clock.now() }));
  const again = new Collect(policy(["incident"]));
  clock.advance(MIN);
  const resolved = incident([
    [T0 + 30_000, "investigating", "Queries time out", "major"],
    [T0 + 90_000, "identified", "A lock on the orders table", "partial"],
    [T0 + 150_000, "resolved", "Fixed", "partial"],
  ]);
  await pipeline(again, clock, restarted).process(
    [],
    undefined,
    undefined,
    incidentAnnouncements([resolved]),
  );
  assert.deepEqual(again.lines(), ["incident:healthy:Database slow"]);
  assert.equal(roundSubject(again.delivered), "Checkup: Incident resolved: Database slow");
  // PagerDuty: the incident triggers, its resolution resolves the same dedup key.
  const o = {
    routing_key: "r".repeat(32),
    severity_down: "critical",
    severity_degraded: "warning",
    api_url: "",
  } as const;
  const trigger = pagerDutyEvent(asks.delivered[0], o) as { event_action: string; dedup_key: string };
  const resolve = pagerDutyEvent(again.delivered[0], o) as { event_action: string; dedup_key: string };
  assert.deepEqual([trigger.event_action, resolve.event_action], ["trigger", "resolve"]);
  assert.equal(trigger.dedup_key, resolve.dedup_key);
});

Deno.test("announcements: a maintenance window's start and end, each when it comes", async () => {
  const clock = new FakeClock(BigInt(T0) * 1_000_000n);
  const n = new Collect(policy(["maintenance"]));
  const p = pipeline(n, clock, memoryAlertState());
  const w: MaintenanceWindow = {
    id: "db-upgrade",
    title: "DB upgrade",
    about: ["DB"],
    start: T0 + 10 * MIN,
    end: T0 + 70 * MIN,
    message: "Read-only meanwhile",
    source: "adhoc",
  };
  await p.process([], undefined, undefined, maintenanceAnnouncements([w]));
  assert.deepEqual(n.lines(), [], "nothing before it starts");
  clock.advance(10 * MIN);
  await p.process([], undefined, undefined, maintenanceAnnouncements([w]));
  await p.process([], undefined, undefined, maintenanceAnnouncements([w]));
  assert.deepEqual(n.lines(), ["maintenance:degraded:DB upgrade"]);
  assert.match(
    alertText(n.delivered[0], { emoji: false }),
    /Window: Maintenance from 2026-11-30 12:10 UTC to 2026-11-30 13:10 UTC: Read-only meanwhile/,
  );
  clock.advance(60 * MIN);
  await p.process([], undefined, undefined, maintenanceAnnouncements([w]));
  assert.deepEqual(n.lines(), ["maintenance:degraded:DB upgrade", "maintenance:healthy:DB upgrade"]);
  assert.equal(roundSubject(n.delivered.slice(1)), "Checkup: Maintenance over: DB upgrade");
});

Deno.test("announcements: with several locations one node sends each; when the storage fails each sends", async () => {
  const shared = new MemoryShared();
  const clock = new FakeClock(BigInt(T0) * 1_000_000n);
  const nodes = ["eu", "us", "asia"].map((node) => {
    const n = new Collect(policy(["incident"]));
    const p = pipeline(n, clock, memoryAlertState(), node);
    attachGate(
      p,
      new AlertClaims(shared, {
        node,
        logger: silentLogger,
        now: () => Number(clock.now() / 1_000_000n),
        silentNodes: () => new Set(),
      }),
    );
    return { n, p };
  });
  for (const { p } of nodes) await p.process([], undefined, undefined, []);
  clock.advance(MIN);
  const events = incidentAnnouncements([incident([[T0 + 1_000, "investigating", "Looking", "major"]])]);
  for (const { p } of nodes) await p.process([], undefined, undefined, events);
  for (const { p } of nodes) await p.process([], undefined, undefined, events);
  assert.equal(nodes.flatMap((x) => x.n.delivered).length, 1);
  assert.equal([...shared.docs.keys()].filter((k) => k.startsWith("announce/")).length, 1);

  shared.failing = true;
  clock.advance(MIN);
  const more = incidentAnnouncements([incident([
    [T0 + 1_000, "investigating", "Looking", "major"],
    [T0 + 61_000, "monitoring", "A fix is out", "partial"],
  ])]);
  for (const { p } of nodes) await p.process([], undefined, undefined, more);
  assert.equal(nodes.flatMap((x) => x.n.delivered).length, 4, "a page twice beats none");
});

Deno.test("announcements: notify_on takes incident and maintenance alone; recovered still needs a problem kind", () => {
  assert.deepEqual(resolvePolicy({ notify_on: ["incident", "maintenance"] }).notify_on, [
    "incident",
    "maintenance",
  ]);
  assert.deepEqual(resolvePolicy({}).notify_on, ["down", "degraded", "recovered"]);
  assert.throws(
    () => resolvePolicy({ notify_on: ["recovered", "incident"] }),
    /a recovery is only sent for an incident that was announced/,
  );
});
