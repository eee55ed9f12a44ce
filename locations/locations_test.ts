/**
 * Several locations in one process, over an in-memory shared store (the backends' own conformance tests
 * hold their conditional creates; tests/locations_test.ts runs real processes over real storages): each
 * node has its own clock (skewed by up to ±30 s), its own presence, claims and alert pipeline.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../tests/helpers/clock.ts";
import { MemoryShared } from "../tests/helpers/memory_shared.ts";
import { silentLogger } from "../log.ts";
import type { Result } from "../result.ts";
import type { Alert, Notifier } from "../notifiers/notifier.ts";
import { AlertPipeline, attachGate } from "../notifiers/pipeline.ts";
import { type AlertStateStore, memoryAlertState } from "../notifiers/state.ts";
import { DEFAULT_ALERT_POLICY } from "../notifiers/policy.ts";
import { Locations } from "./locations.ts";

const T0 = 1_800_000_000_000_000_000n;
const MINUTE = 60_000;

/** Every alert any node delivered, in order. */
type Sent = { node: string; alert: Alert }[];

class Node {
  readonly clock: FakeClock;
  locations: Locations;
  pipeline: AlertPipeline;
  readonly memory = memoryAlertState();
  /** Saves of the alert state are lost (a process that dies right after claiming). */
  losesSaves = false;
  readonly state: AlertStateStore = {
    where: "test",
    load: () => this.memory.load(),
    save: (text) => (this.losesSaves ? Promise.resolve() : this.memory.save(text)),
  };
  /** Its receiver refuses everything (the claim is won, the page not delivered). */
  failing = false;
  constructor(readonly name: string, readonly shared: MemoryShared, readonly sent: Sent, skewMs: number) {
    this.clock = new FakeClock(T0 + BigInt(skewMs) * 1_000_000n, { auto: true });
    [this.locations, this.pipeline] = this.#build();
  }
  #build(): [Locations, AlertPipeline] {
    const locations = new Locations({
      shared: this.shared,
      node: this.name,
      quorum: () => undefined,
      clock: this.clock,
      logger: silentLogger,
    });
    locations.interval = MINUTE;
    const notifier: Notifier = {
      type: "webhook",
      policy: DEFAULT_ALERT_POLICY,
      notify: (alerts) => {
        if (this.failing) return Promise.reject(new Error("receiver unreachable from " + this.name));
        for (const alert of alerts) this.sent.push({ node: this.name, alert });
        return Promise.resolve();
      },
    };
    const pipeline = new AlertPipeline([notifier], {
      deliverWithin: 5_000,
      node: this.name,
      clock: this.clock,
      state: this.state,
      endpoints: [{ title: "API", endpoint: "https://api.example/" }],
    });
    attachGate(pipeline, locations.claims);
    return [locations, pipeline];
  }
  /** A restart: a new process (new instance), the same state. */
  restart(): void {
    [this.locations, this.pipeline] = this.#build();
  }
  async round(status: "healthy" | "down"): Promise<void> {
    const r: Result = {
      title: "API",
      endpoint: "https://api.example/",
      timestamp: this.clock.now(),
      node: this.name,
      times: [{ rtt: 1_000_000, ...(status === "down" ? { error: `refused from ${this.name}` } : {}) }],
      [status]: true,
    };
    const c = await this.locations.round([r]);
    await this.pipeline.process(c.results, undefined, c.locations);
  }
  advance(ms: number): void {
    this.clock.advance(ms);
  }
}

function cluster(skews = [0, 30_000, -30_000]) {
  const shared = new MemoryShared();
  const sent: Sent = [];
  const nodes = ["eu", "us", "asia"].map((n, i) => new Node(n, shared, sent, skews[i]));
  const tick = async (statuses: Record<string, "healthy" | "down">, only = nodes) => {
    for (const n of only) n.advance(MINUTE);
    for (const n of only) await n.round(statuses[n.name] ?? "healthy");
  };
  return { shared, sent, nodes, tick };
}

for (const skews of [[0, 0, 0], [0, 30_000, -30_000]]) {
  const label = skews[1] ? "clocks ±30 s apart" : "clocks agree";
  Deno.test(`locations (${label}): 1 of 3 failing is partial and pages nobody; 2 of 3 pages once, recovers once`, async () => {
    const { sent, tick } = cluster(skews);
    await tick({});
    for (let i = 0; i < 3; i++) await tick({ asia: "down" });
    assert.equal(sent.length, 0, "one location failing below quorum pages nobody");
    for (let i = 0; i < 3; i++) await tick({ asia: "down", us: "down" });
    assert.deepEqual(sent.map((s) => s.alert.kind), ["down"], "exactly one down alert across the nodes");
    assert.match(sent[0].alert.reason ?? "", /2 of 3 locations/);
    for (let i = 0; i < 3; i++) await tick({});
    assert.deepEqual(sent.map((s) => s.alert.kind), ["down", "recovered"]);
    assert.equal(sent[0].alert.key, sent[1].alert.key, "the recovery resolves the same receiver incident");
    assert.equal(sent[0].alert.incident_since, sent[1].alert.incident_since);
  });
}

Deno.test("locations: a node that stops reporting is alerted once, and the quorum counts the two left", async () => {
  const { sent, nodes, tick } = cluster();
  const [eu, us] = nodes;
  await tick({});
  // asia stops: after its silence threshold (3 intervals, at least 5 minutes) the two left say so, once.
  for (let i = 0; i < 7; i++) await tick({}, [eu, us]);
  const silent = sent.filter((s) => s.alert.endpoint === "location:asia");
  assert.deepEqual(silent.map((s) => s.alert.kind), ["down"]);
  assert.match(silent[0].alert.reason ?? "", /asia stopped reporting/);
  // One of the two left failing is below a majority of two: partial, no page. Both: down, once.
  await tick({ us: "down" }, [eu, us]);
  assert.equal(sent.filter((s) => s.alert.title === "API").length, 0);
  await tick({ us: "down", eu: "down" }, [eu, us]);
  assert.deepEqual(sent.filter((s) => s.alert.title === "API").map((s) => s.alert.kind), ["down"]);
  // asia comes back: one recovery of the location.
  await tick({ us: "down", eu: "down", asia: "down" });
  await tick({});
  assert.deepEqual(
    sent.filter((s) => s.alert.endpoint === "location:asia").map((s) => s.alert.kind),
    ["down", "recovered"],
  );
});

Deno.test("locations: every node restarted mid-incident sends no second page", async () => {
  const { sent, nodes, tick } = cluster();
  await tick({});
  await tick({ asia: "down", us: "down" });
  assert.equal(sent.length, 1);
  for (const n of nodes) n.restart();
  for (let i = 0; i < 3; i++) await tick({ asia: "down", us: "down" });
  assert.equal(sent.length, 1, "restarts change nothing");
  await tick({});
  assert.deepEqual(sent.map((s) => s.alert.kind), ["down", "recovered"]);
});

Deno.test("locations: a node that lost its state adopts the open incident from the claims", async () => {
  const { sent, nodes, tick } = cluster();
  await tick({});
  await tick({ asia: "down", us: "down" });
  assert.equal(sent.length, 1);
  nodes[0].state.save(""); // eu forgets everything
  nodes[0].restart();
  await tick({ asia: "down", us: "down" });
  assert.equal(sent.length, 1);
});

Deno.test("locations: with the shared storage down, a node decides alone rather than lose the page", async () => {
  const { shared, sent, tick } = cluster();
  await tick({});
  shared.failing = true;
  await tick({ asia: "down", us: "down", eu: "down" });
  assert.ok(sent.length >= 1, "the page goes out");
  assert.ok(sent.every((s) => s.alert.kind === "down"));
});

Deno.test("locations: a page claimed by a node that goes silent before delivering it is taken over, once", async () => {
  const { sent, nodes, tick } = cluster();
  const [eu, us, asia] = nodes;
  asia.failing = true; // asia reaches the quorum first (it evaluates last, seeing us down), wins the claim, cannot deliver
  await tick({});
  await tick({ asia: "down", us: "down" });
  assert.equal(sent.length, 0);
  const claimed = (await asia.state.load())!;
  assert.match(claimed, /"outbox":\[\{/, "asia holds the page in its outbox");
  // asia stops; the two left see the endpoint down, and take over asia's page once asia is silent.
  for (let i = 0; i < 7; i++) await tick({ eu: "down", us: "down" }, [eu, us]);
  const api = sent.filter((s) => s.alert.title === "API");
  assert.equal(api.length, 1, "taken over and delivered once");
  assert.notEqual(api[0].node, "asia");
  assert.match(
    JSON.stringify(JSON.parse(claimed).outbox),
    new RegExp(api[0].alert.id),
    "with the id asia claimed",
  );
  // asia comes back: it finds the takeover and drops its copy instead of sending it again.
  asia.failing = false;
  asia.restart();
  await tick({ asia: "down", us: "down", eu: "down" });
  assert.equal(sent.filter((s) => s.alert.title === "API").length, 1);
});

Deno.test("locations: a node that stops between winning a claim and saving its outbox sends the page after its restart", async () => {
  const { sent, nodes, tick } = cluster();
  const asia = nodes[2];
  await tick({});
  asia.failing = true; // asia wins the claim; its delivery fails and its outbox is never saved
  asia.losesSaves = true;
  await tick({ asia: "down", us: "down" });
  assert.equal(sent.length, 0);
  assert.doesNotMatch((await asia.state.load()) ?? "", /"outbox":\[\{/);
  asia.failing = asia.losesSaves = false;
  asia.restart();
  await tick({ asia: "down", us: "down" });
  assert.deepEqual(sent.map((s) => [s.node, s.alert.kind]), [["asia", "down"]]);
});

Deno.test("locations: two processes writing one node name are reported, by both, never merged silently", async () => {
  const shared = new MemoryShared();
  const sent: Sent = [];
  const a = new Node("eu", shared, sent, 0), b = new Node("eu", shared, sent, 0);
  for (let i = 0; i < 2; i++) {
    for (const n of [a, b]) n.advance(MINUTE);
    for (const n of [a, b]) await n.round("healthy");
  }
  assert.equal(a.locations.duplicate, b.locations.instance);
  assert.equal(b.locations.duplicate, a.locations.instance);
  const doc = JSON.parse(shared.docs.get("nodes/eu")!);
  assert.ok(doc.duplicate?.instance, "the presence document says so, for serve and the page");
  // A restart (the old process gone, a new instance) is not a duplicate.
  const c = new Node("us", shared, sent, 0);
  await c.round("healthy");
  c.restart();
  for (let i = 0; i < 3; i++) (c.advance(MINUTE), await c.round("healthy"));
  assert.equal(c.locations.duplicate, undefined);
});

Deno.test("locations: a storage that cannot coordinate says so at load; without a node name nothing is shared", async () => {
  const { Checkup } = await import("../checkup.ts");
  const { createLogger } = await import("../log.ts");
  const lines: string[] = [];
  const logger = createLogger({ write: (l) => lines.push(l) });
  const notifiers = [{ type: "webhook" as const, webhook: "http://127.0.0.1:9/hook" }];
  new Checkup({
    node: "eu",
    checkers: [],
    storage: { type: "appinsights", instrumentation_key: "00000000-0000-0000-0000-000000000000" },
    notifiers,
  }, { logger });
  assert.ok(
    lines.some((l) => /WARN this storage cannot coordinate several locations/.test(l)),
    lines.join("\n"),
  );
  // fs can coordinate, but a config without `node` is one location: it writes no shared documents.
  const dir = await Deno.makeTempDir();
  try {
    const single = new Checkup({
      checkers: [{ type: "tcp", endpoint_name: "DB", endpoint_url: "127.0.0.1:9" }],
      storage: { type: "fs", dir },
    });
    await single.round({ store: true });
    await single.close();
    assert.equal(await Deno.stat(`${dir}/_shared`).then(() => true, () => false), false);
    const named = new Checkup({
      node: "eu",
      checkers: [{ type: "tcp", endpoint_name: "DB", endpoint_url: "127.0.0.1:9" }],
      storage: { type: "fs", dir },
    });
    await named.round({ store: true });
    await named.close();
    assert.ok((await Deno.stat(`${dir}/_shared/nodes/eu`)).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("locations: a round of only the checks due (own intervals) keeps the other endpoints in the presence", async () => {
  const shared = new MemoryShared();
  const eu = new Node("eu", shared, [], 0);
  await eu.round("healthy");
  const other: Result = {
    title: "Search",
    endpoint: "https://search.example/",
    timestamp: eu.clock.now(),
    node: "eu",
    times: [{ rtt: 1_000_000 }],
    healthy: true,
  };
  await eu.locations.round([other]);
  const doc = JSON.parse(shared.docs.get("nodes/eu")!);
  assert.deepEqual(doc.results.map((r: { title: string }) => r.title).sort(), ["API", "Search"]);
});

Deno.test("locations: an outage of the shared storage counts as no location's silence", async () => {
  const { shared, sent, nodes, tick } = cluster();
  const [eu, us] = nodes;
  await tick({});
  shared.failing = true; // every node's reads and writes fail; asia also stops
  for (let i = 0; i < 8; i++) await tick({}, [eu, us]);
  assert.deepEqual(
    eu.locations.silentNodes(),
    new Set(),
    "asia's silence cannot be told apart from the outage",
  );
  assert.equal(sent.length, 0);
  // Storage back: the outage counts as no one's silence (us could not write either, and writes again a
  // moment after eu reads); asia, which really stopped, turns silent after its threshold of visible time.
  shared.failing = false;
  await tick({}, [eu, us]);
  assert.deepEqual(eu.locations.silentNodes(), new Set());
  for (let i = 0; i < 6; i++) await tick({}, [eu, us]);
  assert.deepEqual(eu.locations.silentNodes(), new Set(["asia"]));
  assert.deepEqual(sent.map((s) => `${s.alert.kind} ${s.alert.title}`), ["down Location asia"]);
});
