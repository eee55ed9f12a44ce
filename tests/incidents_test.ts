/**
 * An incident's whole lifecycle through the CLI and the API of `checkup serve`, over real storages (fs,
 * sqlite3, postgres): what each refuses, the paged list with its ETag, and what Go Checkup's status page
 * makes of the store (each update as a message event about the affected endpoints, their status kept).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/program.ts";
import { memoryIo } from "../cli/io.ts";
import { createStatusHandler } from "../server/app.ts";
import type { Result } from "../result.ts";
import { decodeResults } from "../result.ts";
import { openStorage, SERVE_BACKENDS } from "./serve_fixture.ts";

const TOKEN = "incident-token-0123456789";
const GROUPS = new Map([["API", "Payments"], ["Billing", "Payments"]]);

async function cli(args: string[]) {
  const io = memoryIo();
  const code = await runCli(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

/**
 * What Go Checkup's status page shows from the check files, as its JS does (compat §5.4): results grouped
 * by `endpoint`, one event per result with a message (inserted as HTML), and each endpoint's status from its
 * newest result (degraded wins, then down, else healthy).
 */
function goPage(rounds: Result[][]) {
  const results = rounds.flat().sort((a, b) => Number(a.timestamp - b.timestamp));
  for (const r of results) assert.ok(Array.isArray(r.times), "Go's page reads times of every result");
  const events = results.filter((r) => r.message).map((r) => ({
    endpoint: r.endpoint ?? "",
    html: r.message!,
  }));
  const latest = new Map<string, string>();
  for (const r of results) {
    if (r.endpoint) latest.set(r.endpoint, r.degraded ? "degraded" : r.down ? "down" : "healthy");
  }
  return { events, latest };
}

for (const backend of SERVE_BACKENDS.filter((b) => ["fs", "sqlite3", "postgres"].includes(b.name))) {
  Deno.test(`incident lifecycle through the CLI and the API over ${backend.name}; Go's page shows it`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "checkup-incident-" });
    const opened = await backend.open(dir);
    if (!opened) return;
    const storage = openStorage(opened.config);
    const config = join(dir, "checkup.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        checkers: [
          {
            type: "http",
            endpoint_name: "API",
            endpoint_url: "https://api.example.test/health",
            group: "Payments",
          },
          {
            type: "http",
            endpoint_name: "Billing",
            endpoint_url: "https://billing.example.test",
            group: "Payments",
          },
          { type: "tcp", endpoint_name: "Database", endpoint_url: "db.example.test:5432" },
        ],
        storage: opened.config,
        node: "ops-laptop",
      }),
    );
    const now = BigInt(Date.now()) * 1_000_000n;
    await storage.store([
      {
        title: "API",
        endpoint: "https://api.example.test/health",
        timestamp: now,
        times: [{ rtt: 0, error: "500" }],
        down: true,
      },
      {
        title: "Billing",
        endpoint: "https://billing.example.test",
        timestamp: now,
        times: [{ rtt: 2e7 }],
        healthy: true,
      },
      {
        title: "Database",
        endpoint: "db.example.test:5432",
        timestamp: now,
        times: [{ rtt: 1e6 }],
        healthy: true,
      },
    ]);
    const handler = createStatusHandler({
      reader: storage,
      writer: storage,
      token: TOKEN,
      node: "serve-1",
      groups: (title) => GROUPS.get(title),
    });
    const api = async (method: string, path: string, body?: unknown, token = TOKEN, headers = {}) => {
      const res = await handler.fetch(
        new Request(`http://x/api/v1${path}`, {
          method,
          body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
          headers: {
            ...(body !== undefined ? { "content-type": "application/json" } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...headers,
          },
        }),
      );
      const text = await res.text();
      return { status: res.status, res, body: text ? JSON.parse(text) : undefined };
    };
    try {
      await handler.refresh();

      // CLI: open, with affected endpoints and groups; bad input is refused with what was expected.
      const open = await cli([
        "-c",
        config,
        "incident",
        "open",
        "Checkout <errors>",
        "--about",
        "API:major",
        "--about",
        "database:partial",
        "We are **investigating** errors at checkout.",
      ]);
      assert.equal(open.code, 0, open.err);
      const id = /^Opened incident (\S+) \(investigating\)\n$/.exec(open.out)?.[1];
      assert.ok(id, open.out);
      const badAbout = await cli(["-c", config, "incident", "update", id, "--about", "Nope:major", "x"]);
      assert.equal(badAbout.code, 2);
      assert.match(
        badAbout.err,
        /^error: incident: affected\[0\]\.title: no endpoint or group named "Nope" \(known: API, Billing, Database, Payments\)\n$/,
      );
      const badImpact = await cli(["-c", config, "incident", "update", id, "--about", "API:total", "x"]);
      assert.equal(badImpact.code, 2);
      assert.match(
        badImpact.err,
        /--about: "API:total": expected an impact of degraded, partial, major, found "total"/,
      );
      const badState = await cli(["-c", config, "incident", "update", id, "--state", "fixed", "x"]);
      assert.equal(badState.code, 2);
      assert.match(
        badState.err,
        /state: expected one of investigating, identified, monitoring, resolved, found "fixed"/,
      );
      const missing = await cli(["-c", config, "incident", "resolve", "20990101-nope-aaaaaa", "x"]);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /no incident with id "20990101-nope-aaaaaa"/);
      const usage = await cli(["-c", config, "incident", "open", "Only a title"]);
      assert.equal(usage.code, 2);
      assert.match(usage.err, /missing required argument 'text'/);

      const identified = await cli([
        "-c",
        config,
        "incident",
        "update",
        id,
        "--state",
        "identified",
        "--about",
        "Payments:partial",
        "A bad deploy of the payments service.",
      ]);
      assert.equal(identified.code, 0, identified.err);
      assert.equal(identified.out, `Posted update u2 to incident ${id} (identified)\n`);

      // API: the incident as posted, paged with active ones first; cached with an ETag.
      await handler.refresh();
      const page = await api("GET", "/incidents", undefined, "");
      assert.equal(page.status, 200);
      assert.equal(page.body.active.length, 1);
      const active = page.body.active[0];
      assert.equal(active.title, "Checkout <errors>");
      assert.equal(active.state, "identified");
      assert.deepEqual(active.affected, [{ title: "Payments", impact: "partial" }]);
      assert.deepEqual(active.updates.map((u: { node: string }) => u.node), ["ops-laptop", "ops-laptop"]);
      const etag = page.res.headers.get("etag")!;
      const again = await api("GET", "/incidents", undefined, "", { "if-none-match": etag });
      assert.equal(again.status, 304);
      assert.equal((await api("GET", "/incidents?page=0", undefined, "")).status, 400);
      assert.equal((await api("GET", `/incidents/${id}`, undefined, "")).body.incident.updates.length, 2);
      assert.equal((await api("GET", "/incidents/nope", undefined, "")).status, 404);

      // API writes: the token, a JSON body, a known incident, a state it can take.
      assert.equal((await api("POST", `/incidents/${id}/updates`, { text: "x" }, "")).status, 401);
      assert.equal(
        (await api("POST", `/incidents/${id}/updates`, { text: "x" }, "wrong-token-0000000000")).status,
        401,
      );
      assert.equal((await api("POST", `/incidents/${id}/updates`, "not json")).status, 400);
      assert.equal((await api("POST", `/incidents/nope/updates`, { text: "x" })).status, 404);
      const invalid = await api("POST", `/incidents/${id}/updates`, { text: "x", state: "done" });
      assert.equal(invalid.status, 400);
      assert.match(invalid.body.error.message, /^state: expected one of investigating/);
      const monitoring = await api("POST", `/incidents/${id}/updates`, {
        text: "Rolled back; watching.",
        state: "monitoring",
      });
      assert.equal(monitoring.status, 201, JSON.stringify(monitoring.body));
      assert.equal(monitoring.body.update.id, "u3");
      assert.equal(monitoring.body.update.node, "serve-1");
      assert.equal(monitoring.res.headers.get("location"), `/api/v1/incidents/${id}`);
      const second = await api("POST", "/incidents", {
        title: "Database maintenance overran",
        text: "Replica catching up.",
        state: "monitoring",
        affected: [{ title: "Database", impact: "degraded" }],
      });
      assert.equal(second.status, 201, JSON.stringify(second.body));

      // CLI resolve; then nothing follows the resolve.
      const resolved = await cli(["-c", config, "incident", "resolve", id, "All payments go through again."]);
      assert.equal(resolved.code, 0, resolved.err);
      const late = await api("POST", `/incidents/${id}/updates`, { text: "late" });
      assert.equal(late.status, 409);
      assert.match(late.body.error.message, /was resolved at .*open a new one/);
      const lateCli = await cli(["-c", config, "incident", "update", id, "late"]);
      assert.equal(lateCli.code, 1);
      await handler.refresh();
      const after = (await api("GET", "/incidents", undefined, "")).body;
      assert.deepEqual(after.active.map((i: { title: string }) => i.title), ["Database maintenance overran"]);
      assert.equal(after.months.length, 1);
      assert.equal(after.months[0].incidents[0].id, id);
      assert.deepEqual(
        after.months[0].incidents[0].updates.map((u: { state: string }) => u.state),
        ["investigating", "identified", "monitoring", "resolved"],
      );

      const list = await cli(["-c", config, "incident", "list"]);
      assert.equal(list.code, 0, list.err);
      const lines = list.out.trim().split("\n");
      assert.match(lines[0], /^ID\tSTATE\tIMPACT/);
      assert.match(lines[1], /\tmonitoring\tdegraded\t.*\tDatabase maintenance overran\tDatabase:degraded$/);
      assert.match(
        lines[2],
        new RegExp(`^${id}\\tresolved\\tpartial\\t.*\\t4\\tCheckout <errors>\\tPayments:partial$`),
      );
      const listed = JSON.parse((await cli(["-c", config, "--json", "incident", "list"])).out);
      assert.equal(listed.incidents.length, 2);

      // Our page shows incidents, not their Go message rounds as messages.
      const messages = (await api("GET", "/messages", undefined, "")).body.messages;
      assert.deepEqual(messages, []);

      // Go's page reads the store (index.json, then every check file) and shows each update.
      const indexRes = await handler.fetch(new Request("http://x/index.json"));
      const names = Object.keys(await indexRes.json());
      const rounds: Result[][] = [];
      for (const name of names) {
        const res = await handler.fetch(new Request(`http://x/${name}`));
        assert.equal(res.status, 200);
        rounds.push(decodeResults(await res.text()));
      }
      const go = goPage(rounds);
      const about = (endpoint: string) => go.events.filter((e) => e.endpoint === endpoint).map((e) => e.html);
      assert.deepEqual(about("https://api.example.test/health"), [
        "Checkout &lt;errors&gt; (Investigating): We are **investigating** errors at checkout.",
        "Checkout &lt;errors&gt; (Identified): A bad deploy of the payments service.",
        "Checkout &lt;errors&gt; (Monitoring): Rolled back; watching.",
        "Checkout &lt;errors&gt; (Resolved): All payments go through again.",
      ]);
      assert.equal(about("https://billing.example.test").length, 3, "Payments stands for its members");
      assert.deepEqual(about("db.example.test:5432"), [
        "Checkout &lt;errors&gt; (Investigating): We are **investigating** errors at checkout.",
        "Database maintenance overran (Monitoring): Replica catching up.",
      ]);
      assert.equal(go.latest.get("https://api.example.test/health"), "down", "a message is not a check");
      assert.equal(go.latest.get("https://billing.example.test"), "healthy");
    } finally {
      await storage.close?.();
      await opened.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

/** Runs `fn` with a config of one checker (API) and `storage(dir)`, in a temporary directory. */
async function withConfig(
  storage: (dir: string) => unknown,
  fn: (config: string, dir: string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "checkup-incident-" });
  try {
    const config = join(dir, "checkup.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        checkers: [{ type: "http", endpoint_name: "API", endpoint_url: "https://api.example.test" }],
        storage: storage(dir),
      }),
    );
    await fn(config, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("incidents need a storage with shared documents: the CLI names the one configured", async () => {
  const github = { type: "github", access_token: "x", repository_owner: "o", repository_name: "r" };
  await withConfig(() => github, async (config, dir) => {
    const r = await cli(["-c", config, "incident", "list"]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /^error: storage github: cannot hold incidents \(no shared documents\); expected a storage of type fs, sqlite3, postgres, mysql or s3\n$/,
    );
    const none = join(dir, "none.json");
    await Deno.writeTextFile(none, JSON.stringify({ checkers: [] }));
    const n = await cli(["-c", none, "incident", "open", "T", "x"]);
    assert.equal(n.code, 1);
    assert.match(n.err, /no storage configured/);
  });
});

Deno.test("serve over a storage without shared documents: no incidents, and writes are refused naming it", async () => {
  const github = SERVE_BACKENDS.find((b) => b.name === "github")!;
  const dir = await Deno.makeTempDir({ prefix: "checkup-incident-" });
  const opened = await github.open(dir);
  if (!opened) return;
  const storage = openStorage(opened.config);
  try {
    const handler = createStatusHandler({ reader: storage, writer: storage, token: TOKEN });
    await handler.refresh();
    const list = await handler.fetch(new Request("http://x/api/v1/incidents"));
    assert.equal(list.status, 200);
    assert.deepEqual(await list.json(), { active: [], months: [], page: 1, pages: 1, total: 0 });
    const post = await handler.fetch(
      new Request("http://x/api/v1/incidents", {
        method: "POST",
        body: JSON.stringify({ title: "T", text: "x" }),
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      }),
    );
    assert.equal(post.status, 501);
    assert.match(
      (await post.json()).error.message,
      /^storage github: cannot hold incidents \(no shared documents\)/,
    );
  } finally {
    await storage.close?.();
    await opened.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("secrets in incident texts are masked when stored (CLI) and when served (API)", async () => {
  await withConfig((dir) => ({ type: "fs", dir: `${dir}/checks` }), async (config, dir) => {
    const open = await cli([
      "-c",
      config,
      "incident",
      "open",
      "DB https://admin:hunter2secret@db.example.test/ down",
      "Failover to https://admin:hunter2secret@db2.example.test/ under way",
    ]);
    assert.equal(open.code, 0, open.err);
    const storage = openStorage({ type: "fs", dir: `${dir}/checks` });
    const stored = [...Deno.readDirSync(`${dir}/checks/_shared/incidents`)];
    assert.equal(stored.length, 1);
    for await (const entry of Deno.readDir(`${dir}/checks`)) {
      if (!entry.isFile) continue;
      assert.doesNotMatch(
        await Deno.readTextFile(`${dir}/checks/${entry.name}`),
        /hunter2secret/,
        entry.name,
      );
    }
    const u1 = await Deno.readTextFile(`${dir}/checks/_shared/incidents/${stored[0].name}/u1`);
    assert.doesNotMatch(u1, /hunter2secret/);
    // Written by another process that did not mask it: served masked.
    const shared = storage as unknown as { create(k: string, v: string): Promise<boolean> };
    await shared.create(
      "incidents/20261130-raw-aaaaaa/u1",
      JSON.stringify({
        v: 1,
        t: 1,
        state: "investigating",
        text: "token=abc123",
        affected: [],
        title: "Raw",
      }),
    );
    const handler = createStatusHandler({
      reader: storage,
      redact: (t) => t.replaceAll("abc123", "***").replaceAll("hunter2secret", "***"),
    });
    await handler.refresh();
    for (const path of ["/api/v1/incidents", "/api/v1/incidents/20261130-raw-aaaaaa"]) {
      const body = await (await handler.fetch(new Request(`http://x${path}`))).text();
      assert.match(body, /token=\*\*\*/, path);
      assert.doesNotMatch(body, /abc123|hunter2secret/, path);
    }
  });
});

Deno.test("checkup incident without a subcommand, or with a mistyped one, is a usage error", async () => {
  const bare = await cli(["incident"]);
  assert.equal(bare.code, 2);
  assert.match(bare.err, /Usage: checkup incident \[options\] \[command\]/);
  const typo = await cli(["incident", "opn", "T", "x"]);
  assert.equal(typo.code, 2);
  assert.match(typo.err, /unknown command 'opn'\n\(Did you mean open\?\)/);
  assert.equal((await cli(["incident", "--help"])).code, 0);
});
