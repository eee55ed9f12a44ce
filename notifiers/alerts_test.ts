import assert from "node:assert/strict";
import { join } from "node:path";
import type { Result } from "../result.ts";
import { emptyAlertState, observeRound } from "./alerts.ts";
import { decodeAlertState, encodeAlertState } from "./alert_codec.ts";
import { type Alert, DeliveryError, type Notifier } from "./notifier.ts";
import { AlertPipeline } from "./pipeline.ts";
import { type AlertPolicy, DEFAULT_ALERT_POLICY } from "./policy.ts";
import { fileAlertState, memoryAlertState } from "./state.ts";
import { createLogger } from "../log.ts";

const MIN = 60_000_000_000n;
const T0 = 1_800_000_000_000_000_000n;

function clock() {
  let t = T0;
  return { now: () => t, tick: (n = 1n) => (t += n * MIN), at: (m: bigint) => T0 + m * MIN };
}

function res(title: string, status: "healthy" | "degraded" | "down" | "unknown", reason?: string): Result {
  const r: Result = {
    title,
    endpoint: `https://${title.toLowerCase()}.example`,
    timestamp: 1n,
    times: [{ rtt: 5 }],
  };
  if (status === "down") r.times = [{ rtt: 0, error: reason ?? "connection refused" }];
  if (status !== "unknown") r[status] = true;
  if (status === "degraded") r.notice = reason ?? "slow";
  return r;
}

class Recorder implements Notifier {
  readonly type = "recorder";
  readonly sent: Alert[] = [];
  fail: ((a: readonly Alert[]) => Error | undefined) | undefined;
  constructor(readonly policy?: AlertPolicy) {}
  notify(alerts: readonly Alert[]): Promise<void> {
    const e = this.fail?.(alerts);
    if (e) return Promise.reject(e);
    this.sent.push(...alerts);
    return Promise.resolve();
  }
  kinds(): string[] {
    return this.sent.map((a) => `${a.kind}:${a.title}`);
  }
}

function policy(p: Partial<AlertPolicy> = {}): AlertPolicy {
  return { ...DEFAULT_ALERT_POLICY, notify_on: [...DEFAULT_ALERT_POLICY.notify_on], min_interval: 0, ...p };
}

/** Runs `rounds` (one per minute) of one endpoint through a pipeline; returns the kinds sent. */
async function run(p: AlertPolicy, rounds: ("healthy" | "degraded" | "down" | "unknown")[]) {
  const c = clock();
  const rec = new Recorder(p);
  const pipeline = new AlertPipeline([rec], { now: c.now });
  for (const status of rounds) {
    await pipeline.process([res("API", status)]);
    c.tick();
  }
  return rec;
}

Deno.test("alerts: page once when it breaks, once when it recovers, never twice", async () => {
  const c = clock();
  const rec = new Recorder(policy());
  const pipeline = new AlertPipeline([rec], { now: c.now, node: "eu-1" });
  const plan = ["healthy", "down", "down", "down", "healthy", "healthy"] as const;
  for (const s of plan) {
    await pipeline.process([res("API", s, "dial tcp: connection refused")]);
    c.tick();
  }
  assert.deepEqual(rec.kinds(), ["down:API", "recovered:API"]);
  const [down, up] = rec.sent;
  assert.equal(down.status, "down");
  assert.equal(down.previous, "healthy");
  assert.equal(down.since, c.at(1n));
  assert.equal(down.incident_since, c.at(1n));
  assert.equal(down.at, c.at(1n));
  assert.equal(down.reason, "dial tcp: connection refused");
  assert.equal(down.node, "eu-1");
  assert.equal(down.endpoint, "https://api.example");
  assert.match(down.key, /^checkup-[0-9a-f]{32}$/);
  assert.equal(up.status, "healthy");
  assert.equal(up.previous, "down");
  assert.equal(up.since, c.at(4n));
  assert.equal(up.incident_since, c.at(1n));
  assert.equal(up.reason, undefined);
  assert.equal(up.key, down.key);
});

Deno.test("alerts: failure_threshold and success_threshold count consecutive rounds", async () => {
  const rec = await run(policy({ failure_threshold: 3, success_threshold: 2 }), [
    "down",
    "down",
    "healthy", // two bad rounds: below the threshold, nothing
    "down",
    "down",
    "down", // third consecutive bad round: down
    "healthy",
    "down", // one good round: not yet recovered, and the incident goes on
    "healthy",
    "healthy", // two good rounds: recovered
  ]);
  assert.deepEqual(rec.kinds(), ["down:API", "recovered:API"]);
  assert.equal(rec.sent[0].since, T0 + 3n * MIN, "since = the first bad round of the streak");
  assert.equal(rec.sent[0].at, T0 + 5n * MIN);
  assert.equal(rec.sent[1].incident_since, T0 + 3n * MIN);
});

Deno.test("alerts: reminders while it stays down, counted from the last message", async () => {
  const rec = await run(
    policy({ reminder_every: 10 * 60e9 }),
    [...Array(25).fill("down"), "healthy", "healthy"],
  );
  assert.deepEqual(rec.kinds(), ["down:API", "reminder:API", "reminder:API", "recovered:API"]);
  assert.deepEqual(rec.sent.map((a) => (a.at - T0) / MIN), [0n, 10n, 20n, 25n]);
  assert.equal(rec.sent[1].since, T0, "a reminder says since when");
});

Deno.test("alerts: degraded to down and back within one incident", async () => {
  const rec = await run(policy(), ["degraded", "degraded", "down", "degraded", "healthy"]);
  assert.deepEqual(rec.sent.map((a) => `${a.kind}:${a.previous}`), [
    "degraded:healthy",
    "down:degraded",
    "degraded:down",
    "recovered:degraded",
  ]);
  assert.equal(rec.sent[3].incident_since, T0, "the incident began with the first degraded round");
});

Deno.test("alerts: notify_on selects kinds; a recovery needs an announced incident", async () => {
  const p = policy({ notify_on: ["down", "recovered"] });
  assert.deepEqual((await run(p, ["degraded", "healthy"])).kinds(), []);
  const rec = await run(p, ["degraded", "down", "degraded", "healthy"]);
  assert.deepEqual(rec.kinds(), ["down:API", "recovered:API"]);
  assert.deepEqual((await run(policy({ notify_on: ["down"] }), ["down", "healthy", "down"])).kinds(), [
    "down:API",
    "down:API",
  ]);
});

Deno.test("alerts: a flapping endpoint cannot page in a storm (min_interval)", async () => {
  const flapping = Array.from({ length: 30 }, (_, i) => (i % 2 ? "healthy" : "down") as "healthy" | "down");
  const storm = await run(policy({ min_interval: 0 }), flapping);
  assert.equal(storm.sent.length, 30);
  const calm = await run(policy({ min_interval: 5 * 60e9 }), flapping);
  // down at 0, recovered at 1 (never held), then each new incident waits 5 minutes after a recovery.
  assert.deepEqual(calm.sent.map((a) => `${(a.at - T0) / MIN}:${a.kind}`), [
    "0:down",
    "1:recovered",
    "6:down",
    "7:recovered",
    "12:down",
    "13:recovered",
    "18:down",
    "19:recovered",
    "24:down",
    "25:recovered",
  ]);
  // Thresholds stop it entirely.
  assert.deepEqual((await run(policy({ failure_threshold: 2 }), flapping)).kinds(), []);
});

Deno.test("alerts: unknown results change nothing", async () => {
  const rec = await run(policy({ failure_threshold: 2 }), ["down", "unknown", "down", "unknown", "healthy"]);
  assert.deepEqual(rec.kinds(), ["down:API", "recovered:API"]);
});

Deno.test("alerts: each notifier has its own policy", async () => {
  const c = clock();
  const fast = new Recorder(policy());
  const slow = new Recorder(policy({ failure_threshold: 3 }));
  const pipeline = new AlertPipeline([fast, slow], { now: c.now });
  for (const s of ["down", "down", "healthy"] as const) {
    await pipeline.process([res("API", s), res("Web", "healthy")]);
    c.tick();
  }
  assert.deepEqual(fast.kinds(), ["down:API", "recovered:API"]);
  assert.deepEqual(slow.kinds(), []);
});

Deno.test("alerts: state survives a restart (new pipeline, same state file)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const c = clock();
    const path = join(dir, "nested", "alerts.json");
    const first = new Recorder(policy());
    await new AlertPipeline([first], { now: c.now, state: fileAlertState(path) }).process([
      res("API", "down"),
    ]);
    assert.deepEqual(first.kinds(), ["down:API"]);
    c.tick();
    const second = new Recorder(policy());
    const again = new AlertPipeline([second], { now: c.now, state: fileAlertState(path) });
    await again.process([res("API", "down")]);
    assert.deepEqual(second.kinds(), [], "still down after a restart: nothing new to say");
    c.tick();
    await again.process([res("API", "healthy")]);
    assert.deepEqual(second.kinds(), ["recovered:API"]);
    assert.equal(second.sent[0].incident_since, T0, "the incident start survived the restart");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("alerts: undelivered alerts are offered again next round; others are not held up", async () => {
  const c = clock();
  const broken = new Recorder(policy());
  const fine = new Recorder(policy());
  broken.fail = () => new Error("503 from https://hooks.example");
  const lines: string[] = [];
  const logger = createLogger({ write: (l) => lines.push(l) });
  // Deliveries take at most 100 ms a round: the first retry (≥ 500 ms later) waits for the next round.
  const pipeline = new AlertPipeline([broken, fine], { now: c.now, logger, deliverWithin: 100 });
  const report = await pipeline.process([res("API", "down")]);
  assert.deepEqual(fine.kinds(), ["down:API"]);
  assert.equal(report.notifiers.find((n) => n.id === "recorder#0")?.failed.length, 1);
  assert.ok(lines.some((l) => l.includes("notifier failed") && l.includes("503")));
  assert.equal(report.pending, 1, "kept in the outbox");
  c.tick();
  broken.fail = undefined;
  await pipeline.process([res("API", "down")]);
  assert.deepEqual(broken.kinds(), ["down:API"], "retried next round");
  assert.deepEqual(fine.kinds(), ["down:API"], "never twice");
});

Deno.test("alerts: a partial delivery retries only the failed alerts", async () => {
  const c = clock();
  const rec = new Recorder(policy());
  rec.fail = (alerts) => {
    const bad = alerts.filter((a) => a.title === "Web");
    rec.sent.push(...alerts.filter((a) => a.title !== "Web"));
    return new DeliveryError("1 of 2 failed", bad, { cause: new Error("timeout") });
  };
  const pipeline = new AlertPipeline([rec], { now: c.now, deliverWithin: 100 });
  await pipeline.process([res("API", "down"), res("Web", "down")]);
  assert.deepEqual(rec.kinds(), ["down:API"]);
  rec.fail = undefined;
  c.tick();
  await pipeline.process([res("API", "down"), res("Web", "down")]);
  assert.deepEqual(rec.kinds(), ["down:API", "down:Web"]);
});

Deno.test("alerts: a notifier that never answers is cut off at its deadline", async () => {
  const hang: Notifier = {
    type: "hang",
    policy: policy({ timeout: 50e6, retries: 0 }),
    notify: (_a, signal) =>
      new Promise((_, reject) => signal?.addEventListener("abort", () => reject(new Error("aborted")))),
  };
  const fine = new Recorder(policy());
  const report = await new AlertPipeline([hang, fine], { deliverWithin: 1_500 }).process([
    res("API", "down"),
  ]);
  assert.deepEqual(fine.kinds(), ["down:API"]);
  assert.match(report.notifiers.find((n) => n.type === "hang")?.error ?? "", /no answer within/);
});

Deno.test("alerts: endpoints no longer configured are forgotten", async () => {
  const store = memoryAlertState();
  const rec = new Recorder(policy());
  const c = clock();
  await new AlertPipeline([rec], {
    now: c.now,
    state: store,
    endpoints: [{ title: "API", endpoint: "https://api.example" }],
  })
    .process([res("API", "down"), res("Old", "down")]);
  const saved = decodeAlertState((await store.load())!);
  assert.deepEqual([...saved.endpoints.values()].map((e) => e.title), ["API"]);
  assert.deepEqual([...saved.notifiers.get("recorder#0")!.values()].map((t) => t.notified), ["down"]);
});

Deno.test("alerts: state encoding keeps nanoseconds exact and drops junk", () => {
  const state = emptyAlertState();
  observeRound(state, [res("API", "down")], T0 + 123n);
  const text = encodeAlertState(state, { node: "n", updated: T0 });
  const back = decodeAlertState(text);
  assert.equal([...back.endpoints.values()][0].since, T0 + 123n);
  assert.throws(() => decodeAlertState("{nope"), /not valid JSON/);
  assert.throws(() => decodeAlertState('{"version":99}'), /version 1/);
  const junk = decodeAlertState(
    '{"version":1,"endpoints":{"x":{"status":"sideways","since":"1"}},"notifiers":{"a":[]}}',
  );
  assert.equal(junk.endpoints.size, 0);
});

Deno.test("alerts: an unreadable state is logged and replaced", async () => {
  const lines: string[] = [];
  const store = memoryAlertState();
  await store.save("garbage");
  const rec = new Recorder(policy());
  await new AlertPipeline([rec], { state: store, logger: createLogger({ write: (l) => lines.push(l) }) })
    .process([res("API", "down")]);
  assert.deepEqual(rec.kinds(), ["down:API"]);
  assert.ok(lines.some((l) => l.includes("ignoring unreadable alert state")));
  assert.ok(decodeAlertState((await store.load())!).endpoints.size === 1);
});

Deno.test("alerts: a state saved before redaction is re-keyed: no second page after an upgrade", async () => {
  const store = memoryAlertState();
  const c = clock();
  const secret = "tok-5f4e3d2c1b";
  const clear = (s: "down" | "healthy") => ({
    ...res("API", s),
    endpoint: `https://api.example/?token=${secret}`,
  });
  const before = new Recorder(policy());
  await new AlertPipeline([before], { now: c.now, state: store }).process([clear("down")]);
  assert.deepEqual(before.kinds(), ["down:API"]);
  c.tick();
  const redact = (t: string) => t.replaceAll(secret, "***");
  const after = new Recorder(policy());
  const upgraded = new AlertPipeline([after], {
    now: c.now,
    state: store,
    redact,
    endpoints: [{ title: "API", endpoint: "https://api.example/?token=***" }],
  });
  const redacted = (s: "down" | "healthy") => ({ ...clear(s), endpoint: redact(clear(s).endpoint) });
  await upgraded.process([redacted("down")]);
  assert.deepEqual(after.kinds(), [], "the incident is known: not announced again");
  c.tick();
  await upgraded.process([redacted("healthy")]);
  assert.deepEqual(after.kinds(), ["recovered:API"]);
  assert.equal(after.sent[0].incident_since, T0);
  assert.ok(!(await store.load())!.includes(secret));
});
