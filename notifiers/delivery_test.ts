import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import type { Result } from "../result.ts";
import { FakeClock } from "../tests/helpers/clock.ts";
import { decodeAlertState, encodeAlertState } from "./alert_codec.ts";
import { type Alert, DeliveryError, type Notifier } from "./notifier.ts";
import { backoffMs, MAX_ENTRIES, Outbox } from "./outbox.ts";
import { AlertPipeline } from "./pipeline.ts";
import { type AlertPolicy, DEFAULT_ALERT_POLICY } from "./policy.ts";
import { memoryAlertState } from "./state.ts";

function res(title: string, status: "healthy" | "down"): Result {
  const r: Result = { title, endpoint: `https://${title.toLowerCase()}.example`, timestamp: 1n, times: [] };
  if (status === "down") r.times = [{ rtt: 0, error: "connection refused" }];
  else r.times = [{ rtt: 5 }];
  r[status] = true;
  return r;
}

function policy(p: Partial<AlertPolicy> = {}): AlertPolicy {
  return { ...DEFAULT_ALERT_POLICY, notify_on: [...DEFAULT_ALERT_POLICY.notify_on], min_interval: 0, ...p };
}

/** A notifier whose answer the test decides, one call at a time. */
class Scripted implements Notifier {
  readonly type = "scripted";
  readonly calls: Alert[][] = [];
  readonly delivered: Alert[] = [];
  /** "ok", "fail", or "hang" (until aborted). */
  mode: "ok" | "fail" | "hang" = "ok";
  #called: (() => void)[] = [];
  constructor(readonly policy: AlertPolicy = DEFAULT_ALERT_POLICY) {}
  notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    this.calls.push([...alerts]);
    for (const r of this.#called.splice(0)) r();
    if (this.mode === "fail") return Promise.reject(new Error("503 from https://hooks.example"));
    if (this.mode === "hang") {
      return new Promise((_, reject) =>
        signal?.addEventListener("abort", () => reject(new Error("aborted")))
      );
    }
    this.delivered.push(...alerts);
    return Promise.resolve();
  }
  /** Resolves at the next call. */
  nextCall(): Promise<void> {
    return new Promise((r) => this.#called.push(r));
  }
  kinds(): string[] {
    return this.delivered.map((a) => `${a.kind}:${a.title}`);
  }
}

Deno.test("outbox: backoff doubles from 1 s to at most 5 min, with jitter between half and all of it", () => {
  assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs(n, () => 0.999999)), [1000, 2000, 4000, 8000]);
  assert.deepEqual([1, 2, 3].map((n) => backoffMs(n, () => 0)), [500, 1000, 2000]);
  assert.equal(backoffMs(9, () => 0.999999), 256_000);
  assert.equal(backoffMs(10, () => 0.999999), 300_000);
  assert.equal(backoffMs(1_000_000, () => 0.999999), 300_000);
});

Deno.test("outbox: only the oldest entry of an endpoint is due, so a recovery never overtakes its down", () => {
  const outbox = new Outbox();
  const alert = (title: string, kind: Alert["kind"]) => ({ title, kind, key: `k-${title}` }) as Alert;
  outbox.add("n#0", [alert("API", "down"), alert("Web", "down")], 0n);
  outbox.add("n#0", [alert("API", "recovered")], 5n);
  assert.deepEqual(outbox.due("n#0", 10n).map((e) => `${e.alert.kind}:${e.alert.title}`), [
    "down:API",
    "down:Web",
  ]);
  const [apiDown] = outbox.due("n#0", 10n);
  outbox.retryLater([apiDown], 10n, () => 0);
  assert.deepEqual(outbox.due("n#0", 10n).map((e) => e.alert.title), ["Web"], "API waits: its down failed");
  assert.equal(outbox.nextDue("n#0"), 0n, "Web has been due since it was queued");
  outbox.remove([apiDown]);
  assert.deepEqual(outbox.due("n#0", 10n).map((e) => `${e.alert.kind}:${e.alert.title}`), [
    "down:Web",
    "recovered:API",
  ]);
  assert.equal(outbox.due("other#0", 10n).length, 0, "per notifier");
});

Deno.test("outbox: a reminder is not queued while a message about the endpoint waits", () => {
  const outbox = new Outbox();
  const alert = (title: string, kind: Alert["kind"]) => ({ title, kind, key: `k-${title}` }) as Alert;
  outbox.add("n#0", [alert("API", "down")], 0n);
  outbox.add("n#0", [alert("API", "reminder"), alert("Web", "reminder")], 1n);
  outbox.add("m#0", [alert("API", "reminder")], 1n);
  assert.deepEqual(outbox.entries.map((e) => `${e.notifier}:${e.alert.kind}:${e.alert.title}`), [
    "n#0:down:API",
    "n#0:reminder:Web",
    "m#0:reminder:API",
  ]);
  outbox.add("n#0", [alert("API", "recovered")], 2n);
  assert.equal(outbox.depth("n#0"), 3, "transitions are always queued");
});

Deno.test("outbox: bounded per notifier (the oldest go), and expired after max_age", () => {
  const outbox = new Outbox();
  const many = Array.from({ length: MAX_ENTRIES + 3 }, (_, i) => ({ title: `E${i}`, key: `k${i}` }) as Alert);
  const dropped = outbox.add("n#0", many, 0n);
  assert.deepEqual(dropped.map((e) => e.alert.title), ["E0", "E1", "E2"]);
  assert.equal(outbox.depth("n#0"), MAX_ENTRIES);
  outbox.add("m#0", [{ title: "late", key: "x" } as Alert], 100n);
  assert.equal(outbox.expire("n#0", 50n, 49).length, MAX_ENTRIES);
  assert.equal(outbox.depth(), 1, "the other notifier's younger entry stays");
});

Deno.test("outbox: saved with the alert state in one document, exact, junk dropped", async () => {
  const store = memoryAlertState();
  const n = new Scripted(policy());
  n.mode = "fail";
  const clock = new FakeClock();
  const pipeline = new AlertPipeline([n], { clock, state: store, node: "eu", deliverWithin: 0 });
  const report = await pipeline.process([res("API", "down")]);
  assert.equal(report.queued.length, 1);
  const text = (await store.load())!;
  const state = decodeAlertState(text);
  const [entry] = state.outbox.entries;
  assert.equal(entry.notifier, "scripted#0");
  assert.equal(entry.alert.id, report.queued[0].id);
  assert.equal(entry.alert.result.title, "API");
  assert.equal(entry.created, clock.now());
  assert.equal(
    [...state.notifiers.get("scripted#0")!.values()][0].notified,
    "down",
    "the decision is committed with its notification",
  );
  const again = encodeAlertState(state, { node: "eu", updated: clock.now() });
  assert.deepEqual(JSON.parse(again).outbox, JSON.parse(text).outbox, "the outbox round-trips exactly");
  const junk = decodeAlertState('{"version":1,"outbox":[{"notifier":"x"},7,{"alert":{}}]}');
  assert.equal(junk.outbox.depth(), 0);
});

Deno.test("delivery: a failed notification is retried with backoff and the same id until it arrives", async () => {
  const clock = new FakeClock(1_800_000_000_000_000_000n, { auto: true });
  const n = new Scripted(policy());
  n.mode = "fail";
  const lines: string[] = [];
  const pipeline = new AlertPipeline([n], {
    clock,
    logger: createLogger({ write: (l) => lines.push(l) }),
    random: () => 0.999999,
    deliverWithin: 10_000,
  });
  const start = clock.now();
  const report = await pipeline.process([res("API", "down")]);
  // Attempts at 0 s, then 1 s, 2 s and 4 s later (7 s in all); the next one (8 s later) is past 10 s.
  assert.deepEqual(n.calls.map(() => 0).length, 4);
  assert.equal(report.pending, 1);
  assert.equal(clock.now() - start, 7_000_000_000n, "virtual time: three backoffs");
  assert.ok(lines.some((l) => l.includes("notifier failed; will try again") && l.includes("retry_in=8s")));
  n.mode = "ok";
  clock.advance(60_000);
  const later = await pipeline.deliver(1_000);
  assert.equal(later.sent.length, 1);
  const ids = new Set(n.calls.flat().map((a) => a.id));
  assert.equal(ids.size, 1, "every attempt carried the same notification id");
  const [stats] = pipeline.stats();
  assert.deepEqual({ ...stats }, {
    id: "scripted#0",
    type: "scripted",
    pending: 0,
    sent: 1,
    failed: 4,
    retried: 4,
    expired: 0,
  });
});

Deno.test("delivery: given up after max_age with an error naming the notifier and the alert", async () => {
  const clock = new FakeClock();
  const n = new Scripted(policy({ max_age: 3_600e9 }));
  n.mode = "fail";
  const lines: string[] = [];
  const pipeline = new AlertPipeline([n], {
    clock,
    logger: createLogger({ write: (l) => lines.push(l) }),
    deliverWithin: 0,
  });
  await pipeline.process([res("API", "down")]);
  clock.advance(3_600_001);
  const report = await pipeline.deliver(0);
  assert.equal(report.pending, 0);
  const line = lines.find((l) => l.includes("giving up on a notification"));
  assert.ok(line, lines.join("\n"));
  assert.match(line, /older than max_age \(1h0m0s\)/);
  assert.match(line, /notifier=scripted/);
  assert.match(line, /kind=down/);
  assert.match(line, /title=API/);
  assert.equal(pipeline.stats()[0].expired, 1);
});

Deno.test("delivery: with the background worker, a round commits and returns while a delivery hangs", async () => {
  const clock = new FakeClock();
  const hung = new Scripted(policy({ timeout: 3_600e9 }));
  const fine = new Scripted(policy());
  hung.mode = "hang";
  const store = memoryAlertState();
  const pipeline = new AlertPipeline([hung, fine], { clock, state: store });
  await pipeline.start();
  const called = hung.nextCall();
  const report = await pipeline.process([res("API", "down")]);
  assert.equal(report.queued.length, 2);
  assert.deepEqual(report.sent, [], "the round does not wait for delivery");
  await called;
  // More rounds go on while the first delivery hangs.
  clock.tick();
  await pipeline.process([res("API", "healthy")]);
  clock.tick();
  await pipeline.process([res("API", "healthy")]);
  while (fine.delivered.length < 2) await fine.nextCall();
  assert.deepEqual(fine.kinds(), ["down:API", "recovered:API"], "the other notifier is not held up");
  assert.equal(hung.calls.length, 1, "the recovery waits behind its down");
  const saved = decodeAlertState((await store.load())!);
  assert.equal(saved.outbox.depth("scripted#0"), 2);
  // Shutdown: the hung attempt gets its grace, is cut off, and the outbox is kept.
  await pipeline.stop(10);
  const kept = decodeAlertState((await store.load())!);
  assert.deepEqual(kept.outbox.entries.map((e) => e.alert.kind), ["down", "recovered"]);
  // A new process (same state) delivers them in order once the receiver answers.
  const again = new Scripted(policy());
  const restarted = new AlertPipeline([again], { clock, state: store });
  clock.advance(10_000);
  const report2 = await restarted.deliver(1_000);
  assert.deepEqual(report2.sent.map((a) => a.kind), ["down", "recovered"]);
  assert.deepEqual(again.calls.map((c) => c.map((a) => a.kind)), [["down"], ["recovered"]], "in order");
  assert.deepEqual(again.delivered.map((a) => a.id), kept.outbox.entries.map((e) => e.alert.id));
});

Deno.test("delivery: a partial failure keeps only the failed alerts", async () => {
  const clock = new FakeClock();
  const n: Notifier & { sent: Alert[] } = {
    type: "partial",
    policy: policy(),
    sent: [],
    notify(alerts) {
      const bad = alerts.filter((a) => a.title === "Web");
      this.sent.push(...alerts.filter((a) => a.title !== "Web"));
      return bad.length ? Promise.reject(new DeliveryError("1 failed", bad)) : Promise.resolve();
    },
  };
  const pipeline = new AlertPipeline([n], { clock, deliverWithin: 0 });
  const report = await pipeline.process([res("API", "down"), res("Web", "down")]);
  assert.deepEqual(report.sent.map((a) => a.title), ["API"]);
  assert.deepEqual(report.notifiers[0].failed.map((a) => a.title), ["Web"]);
  assert.equal(report.pending, 1);
});
