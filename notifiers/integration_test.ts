/**
 * Notifications end to end: Go README notifier objects through resolveConfig and a real round, one-shot
 * runs (cron) that keep their alert state in the storage or in the local state file, and failures on
 * either side (notifier, storage) that never stop the other.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Checkup } from "../checkup.ts";
import { resolveConfig } from "../config/load.ts";
import { createLogger } from "../log.ts";
import { FakeClock } from "../tests/helpers/clock.ts";
import { startSmtpSink } from "../tests/helpers/smtp.ts";
import type { CheckupConfig } from "../config/load.ts";

interface Hit {
  path: string;
  body: string;
}

/** A local service whose health the test flips, and a receiver that records every notification. */
function world() {
  const state = { up: true, hookStatus: 200 };
  const hits: Hit[] = [];
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    async (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/health") {
        return state.up ? new Response("ok") : new Response("down", { status: 503 });
      }
      hits.push({ path: url.pathname + url.search, body: await req.text() });
      return url.pathname.startsWith("/1/messages")
        ? Response.json({ status: 1, request: "r" }, { status: state.hookStatus })
        : new Response("ok", { status: state.hookStatus });
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    state,
    hits,
    base,
    checker: { type: "http" as const, endpoint_name: "Shop", endpoint_url: `${base}/health` },
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

const MIN = 60_000_000_000n;

Deno.test("integration: the Go README notifier objects work unchanged", async () => {
  const w = world();
  const sink = await startSmtpSink({ noStartTls: true }); // a plain relay: Go's mail sends in clear there too
  try {
    // Go README objects, with the placeholders (webhook-url, smtp.example.com) pointed at local servers.
    const go: Record<string, unknown>[] = [
      {
        type: "slack",
        name: "slack",
        username: "username",
        channel: "#channel-name",
        webhook: `${w.base}/slack`,
      },
      {
        type: "mail",
        from: "from@example.com",
        to: ["support1@example.com", "support2@example.com"],
        subject: "Custom subject line",
        smtp: { server: "127.0.0.1", port: sink.port, username: "", password: "" },
      },
      {
        type: "mailgun",
        from: "sender@example.com",
        to: ["support1@example.com", "support2@example.com"],
        subject: "Custom subject line",
        apikey: "mailgun-api-key",
        domain: "mailgun-domain",
      },
      { type: "pushover", token: "API_TOKEN", recipient: "USER_KEY", subject: "Custom subject line" },
      { type: "gotify", token: "API_TOKEN", webhook: `${w.base}/message` },
    ];
    const resolved = resolveConfig({ checkers: [w.checker], notifiers: go, notifier: go[0] });
    assert.deepEqual(resolved.warnings, []);
    assert.deepEqual(resolved.notifiers.map((n) => n.definition.type), [
      "slack",
      "slack",
      "mail",
      "mailgun",
      "pushover",
      "gotify",
    ]);
    // Mailgun and Pushover talk to fixed hosts: point those two at the local receiver for the round.
    go[2] = { ...go[2], api_url: w.base };
    go[3] = { ...go[3], api_url: w.base };
    const checkup = new Checkup({ checkers: [w.checker], notifiers: go } as unknown as CheckupConfig);
    w.state.up = false;
    await checkup.round();
    const paths = w.hits.map((h) => h.path).sort();
    assert.deepEqual(paths, ["/1/messages.json", "/message", "/slack", "/v3/mailgun-domain/messages"]);
    const slack = JSON.parse(w.hits.find((h) => h.path === "/slack")!.body);
    assert.equal(slack.username, "username");
    assert.equal(slack.channel, "#channel-name");
    assert.deepEqual(slack.attachments[0].fields[0], { title: "Shop", value: `${w.base}/health` });
    assert.equal(sink.messages.length, 1);
    assert.equal(sink.messages[0].subject, "Custom subject line");
    assert.match(sink.messages[0].text, /Shop - Status <b>down<\/b>/);
  } finally {
    await sink.close();
    await w.close();
  }
});

for (const backend of ["fs", "sqlite3"] as const) {
  Deno.test(`integration: cron-style one-shot runs with ${backend} storage page once per transition`, async () => {
    const w = world();
    const dir = await Deno.makeTempDir();
    try {
      const storage = backend === "fs"
        ? { type: "fs", dir }
        : { type: "sqlite3", dsn: join(dir, "checkup.db") };
      const config = {
        checkers: [w.checker],
        storage,
        node: "cron-1",
        notifiers: [{ type: "webhook", webhook: `${w.base}/hook` }],
      } as CheckupConfig;
      let now = 1_800_000_000_000_000_000n;
      // Recovered at minute 4; broken again from minute 6, paged once min_interval (5m) after the recovery.
      const plan = [true, false, false, false, true, true, false, false, false, false, false];
      for (const up of plan) {
        w.state.up = up;
        // A new Checkup per run: nothing survives in memory, as with `checkup --store` from cron.
        const checkup = new Checkup(config, { now: () => now });
        const report = await checkup.round({ store: true });
        assert.ok(report.stored);
        await checkup.close();
        now += MIN;
      }
      const bodies = w.hits.map((h) => JSON.parse(h.body));
      assert.deepEqual(bodies.map((b) => `${b.kind}@${b.node}`), [
        "down@cron-1",
        "recovered@cron-1",
        "down@cron-1",
      ]);
      const minute = (iso: string) => (Date.parse(iso) - Date.parse(bodies[0].since)) / 60_000;
      assert.deepEqual(bodies.map((b) => [minute(b.at), minute(b.since)]), [[0, 0], [3, 3], [8, 5]]);
      if (backend === "fs") {
        const saved = JSON.parse(await Deno.readTextFile(join(dir, "_state", "alerts-cron-1.json")));
        assert.equal(saved.node, "cron-1");
      }
    } finally {
      await w.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("integration: plain `checkup` (no storage) notifies and keeps state in $XDG_STATE_HOME", async () => {
  const w = world();
  const dir = await Deno.makeTempDir();
  try {
    const configPath = join(dir, "checkup.json");
    await Deno.writeTextFile(
      configPath,
      JSON.stringify({ checkers: [w.checker], notifiers: [{ type: "webhook", webhook: `${w.base}/hook` }] }),
    );
    const main = new URL("../main.ts", import.meta.url).pathname;
    const run = async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", main, "-c", configPath],
        env: { XDG_STATE_HOME: join(dir, "state"), NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return out.code;
    };
    w.state.up = false;
    assert.equal(await run(), 1);
    assert.equal(await run(), 1);
    w.state.up = true;
    assert.equal(await run(), 0);
    const kinds = w.hits.map((h) => JSON.parse(h.body).kind);
    assert.deepEqual(kinds, ["down", "recovered"]);
    const files = [...Deno.readDirSync(join(dir, "state", "checkup"))].map((e) => e.name);
    assert.equal(files.length, 1);
    assert.match(files[0], /^alerts-[0-9a-f]{16}\.json$/);
  } finally {
    await w.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("integration: a failing notifier never blocks storing, and is logged without its secret", async () => {
  const w = world();
  const dir = await Deno.makeTempDir();
  try {
    const lines: string[] = [];
    w.state.hookStatus = 500;
    w.state.up = false;
    const resolved = resolveConfig({
      checkers: [w.checker],
      storage: { type: "fs", dir },
      notifiers: [{ type: "slack", webhook: `${w.base}/services/T1/B2/SECRETSECRET` }],
      // The outbox's first retry comes ≥ 500 ms after a failure: with 100 ms it waits for the next run.
      deliver_within: "100ms",
    });
    const logger = createLogger({ write: (l) => lines.push(l), redactor: resolved.redactor });
    const clock = new FakeClock();
    const checkup = new Checkup(resolved, { logger, clock });
    const report = await checkup.round({ store: true });
    assert.ok(report.stored, "stored despite the notifier failing");
    assert.equal(w.hits.length, 1, "one attempt in this run");
    const failure = lines.find((l) => l.includes("notifier failed"));
    assert.ok(failure, lines.join("\n"));
    assert.match(failure, /500/);
    assert.ok(!lines.join("\n").includes("SECRETSECRET"));
    // Next run, a minute later, the service is back: the undelivered alert goes out once.
    w.state.hookStatus = 200;
    clock.tick();
    await checkup.round({ store: true });
    clock.tick();
    await checkup.round({ store: true });
    assert.equal(w.hits.length, 2, "delivered once the receiver is back, then never again");
  } finally {
    await w.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("integration: a failing storage never blocks notifying", async () => {
  const w = world();
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "not-a-dir");
    await Deno.writeTextFile(file, "");
    w.state.up = false;
    const checkup = new Checkup({
      checkers: [w.checker],
      storage: { type: "fs", dir: join(file, "sub") },
      notifiers: [{ type: "webhook", webhook: `${w.base}/hook` }],
    } as CheckupConfig, {
      alertState: { where: "test", load: () => Promise.resolve(undefined), save: () => Promise.resolve() },
    });
    await assert.rejects(checkup.round({ store: true }), /storage fs/);
    assert.equal(w.hits.length, 1, "the alert went out although storing failed");
  } finally {
    await w.close();
    await Deno.remove(dir, { recursive: true });
  }
});
