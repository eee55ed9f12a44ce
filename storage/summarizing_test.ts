import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { Checkup } from "../checkup.ts";
import { compose } from "../compose.ts";
import { parseStorage, resolveConfig } from "../config/load.ts";
import { encodeResults, type Result } from "../result.ts";
import { isSummaryStore, type Storage } from "./storage.ts";
import { decodeRollup, encodeRollup } from "../status/codec.js";
import { Rollup } from "../status/rollup.js";
import { keepsSummaries, summaryKey, SummaryUpdate, updateSummary } from "./summarizing.ts";

function results(node: string | undefined, t: bigint, down = false): Result[] {
  return [
    {
      title: "A",
      endpoint: "https://a.example/?token=abcdef123456",
      timestamp: t,
      times: [{ rtt: 5e6 }],
      healthy: true,
      node,
    },
    {
      title: "B",
      endpoint: "b",
      timestamp: t,
      times: [{ rtt: 0, error: "refused" }],
      ...(down ? { down: true } : { healthy: true }),
      node,
    },
  ];
}

function memoryLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ write: (l) => lines.push(l) }) };
}

Deno.test("each node folds its rounds into its own summary beside the check files", async () => {
  const dir = await Deno.makeTempDir();
  const storage = parseStorage({ type: "fs", dir });
  const { logger, lines } = memoryLogger();
  const t = 1_800_000_000_000_000_000n;
  await updateSummary(storage, results("eu-west", t), logger);
  await updateSummary(storage, results("eu-west", t + 60_000_000_000n, true), logger);
  await updateSummary(storage, results("US East", t), logger);
  await updateSummary(storage, results(undefined, t), logger);
  const files = [];
  for await (const e of Deno.readDir(`${dir}/_state`)) files.push(e.name);
  assert.deepEqual(files.sort(), ["summary-eu-west.json", "summary-us-east.json", "summary.json"]);
  const eu = decodeRollup(JSON.parse(await Deno.readTextFile(`${dir}/_state/summary-eu-west.json`)));
  const b = [...eu.endpoints.values()][1];
  assert.deepEqual(b.totals, [0, 1, 0, 1], "two rounds folded in");
  assert.equal(b.nodes.get("eu-west")!.runs.length, 2);
  const a = [...eu.endpoints.values()][0];
  assert.equal(a.endpoint, "https://a.example/?token=***", "credential-shaped parts are redacted");
  assert.deepEqual(lines, []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("storages read through checkup serve (SQL) get no summaries", async () => {
  const dir = await Deno.makeTempDir();
  const storage = parseStorage({ type: "sqlite3", dsn: `${dir}/c.db` });
  assert.equal(keepsSummaries(storage), false);
  assert.equal(keepsSummaries(parseStorage({ type: "fs", dir })), true);
  await updateSummary(storage, results("eu", 1n), memoryLogger().logger);
  assert.equal(
    await (storage as unknown as { loadState(k: string): Promise<string | undefined> }).loadState(
      "summary-eu",
    ),
    undefined,
  );
  await storage.close?.();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a broken summary is replaced; a failing write is logged, never thrown", async () => {
  const dir = await Deno.makeTempDir();
  const storage = parseStorage({ type: "fs", dir });
  await Deno.mkdir(`${dir}/_state`);
  await Deno.writeTextFile(`${dir}/_state/summary-eu.json`, "{not json");
  const { logger, lines } = memoryLogger();
  await updateSummary(storage, results("eu", 1_800_000_000_000_000_000n), logger);
  assert.match(lines.join("\n"), /WARN summary unreadable; starting a new one key=summary-eu/);
  assert.ok(
    decodeRollup(JSON.parse(await Deno.readTextFile(`${dir}/_state/summary-eu.json`))).endpoints.size === 2,
  );
  const failing: Storage & { loadState(): Promise<undefined>; saveState(): Promise<void> } = {
    type: "broken",
    store: () => Promise.resolve("x"),
    loadState: () => Promise.resolve(undefined),
    saveState: () => Promise.reject(new Error("disk full")),
  };
  await updateSummary(failing, results("eu", 1n), logger);
  assert.match(
    lines.join("\n"),
    /ERROR summary update failed storage=broken key=summary-eu error="disk full"/,
  );
  assert.equal(summaryKey("  "), "summary");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a storage that publishes summaries gets them; one read by query keeps none in its state", async () => {
  const published = new Map<string, string>();
  const states = new Map<string, string>();
  const base = {
    type: "objects",
    store: () => Promise.resolve("x"),
    loadState: (k: string) => Promise.resolve(states.get(k)),
    saveState: (k: string, v: string) => Promise.resolve(void states.set(k, v)),
  };
  const publisher = {
    ...base,
    loadSummary: (k: string) => Promise.resolve(published.get(k)),
    saveSummary: (k: string, v: string) => Promise.resolve(void published.set(k, v)),
  };
  assert.ok(isSummaryStore(publisher));
  const { logger } = memoryLogger();
  await updateSummary(publisher, results("eu", 1_800_000_000_000_000_000n), logger);
  await updateSummary(publisher, results("eu", 1_800_000_060_000_000_000n), logger);
  assert.deepEqual([...published.keys()], ["summary-eu"]);
  assert.equal(states.size, 0, "published, not kept in state");
  assert.deepEqual([...decodeRollup(JSON.parse(published.get("summary-eu")!)).endpoints.values()][0].totals, [
    0,
    2,
    0,
    0,
  ]);
  const queried = {
    ...base,
    index: () => Promise.resolve([]),
    fetch: () => Promise.resolve([]),
    rounds: async function* () {},
  };
  assert.equal(keepsSummaries(queried), false);
  await updateSummary(queried, results("eu", 1n), logger);
  assert.equal(states.size, 0);
});

Deno.test("SummaryUpdate reads and writes each node's summary once, however many rounds it folds", async () => {
  const docs = new Map<string, string>();
  const calls: string[] = [];
  let unreadable = false;
  const publisher = {
    type: "objects",
    store: () => Promise.resolve("x"),
    loadSummary: (k: string) => {
      calls.push(`load ${k}`);
      return unreadable ? Promise.reject(new Error("connection reset")) : Promise.resolve(docs.get(k));
    },
    saveSummary: (k: string, v: string) => Promise.resolve(void (calls.push(`save ${k}`), docs.set(k, v))),
  };
  const { logger, lines } = memoryLogger();
  const t = 1_800_000_000_000_000_000n;
  const update = new SummaryUpdate(publisher, logger);
  for (let i = 0n; i < 5n; i++) {
    await update.add(results("eu", t + i * 60_000_000_000n, i === 2n));
    await update.add(results("us", t + i * 60_000_000_000n));
  }
  assert.equal(await update.save(), 2);
  assert.deepEqual(calls, ["load summary-eu", "load summary-us", "save summary-eu", "save summary-us"]);
  assert.equal(await update.save(), 0, "nothing new: nothing written");
  const eu = decodeRollup(JSON.parse(docs.get("summary-eu")!));
  assert.deepEqual([...eu.endpoints.values()][1].totals, [0, 4, 0, 1], "five rounds, one down");
  // A summary that cannot be read is left alone (not replaced by one holding only the new rounds).
  unreadable = true;
  const before = docs.get("summary-eu");
  const failing = new SummaryUpdate(publisher, logger);
  await failing.add(results("eu", t + 600_000_000_000n));
  await failing.add(results("eu", t + 660_000_000_000n));
  assert.equal(await failing.save(), 0);
  assert.equal(docs.get("summary-eu"), before);
  // The update lives as long as its Checkup: each round tries the read again (and says so) until it works.
  assert.deepEqual(
    lines.filter((l) => /ERROR summary update failed/.test(l)).length,
    2,
    "one line per failed read",
  );
  assert.match(lines.join("\n"), /storage=objects key=summary-eu error="connection reset"/);
  unreadable = false;
  await failing.add(results("eu", t + 720_000_000_000n));
  assert.equal(await failing.save(), 1, "read again once the storage answers");
  const after = decodeRollup(JSON.parse(docs.get("summary-eu")!));
  assert.deepEqual(
    [...after.endpoints.values()][1].totals,
    [0, 5, 0, 1],
    "the earlier rounds plus the new one",
  );
});

Deno.test("a bad round costs that round only: the summary folds the rounds around it and goes on", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { logger, lines } = memoryLogger();
    // The pipeline `checkup every` stores through: the spool over the summaries over the backend.
    let now = 1_900_000_000_000_000_000n; // after the spooled rounds, as the real clock would be
    const { pipeline } = compose(resolveConfig({ storage: { type: "fs", dir: `${dir}/checks` } }), {
      logger,
      fetch,
      now: () => (now += 1000n),
      redact: (t) => t,
      spool: { dir: `${dir}/spool` },
    });
    const every = pipeline!.every;
    // Three rounds left in the spool by an outage; the middle one was cut short on disk.
    const t = 1_800_000_000_000_000_000n, min = 60_000_000_000n;
    await Deno.mkdir(`${dir}/spool`);
    const spooled = async (at: bigint, id: string, text: string) =>
      await Deno.writeTextFile(`${dir}/spool/${at}-${id}.round`, `${at}\n${text}`);
    await spooled(t, "aaaaaaaa", encodeResults(results("eu", t)));
    await spooled(t + min, "bbbbbbbb", encodeResults(results("eu", t + min, true)).slice(0, 30));
    await spooled(t + 2n * min, "cccccccc", encodeResults(results("eu", t + 2n * min)));
    assert.ok(await every.store(results("eu", t + 3n * min, true)));
    const report = await every.endRound!();
    assert.equal(report.pending, undefined, "the spool was sent");
    assert.match(lines.join("\n"), /ERROR spool: dropping an unreadable round/);
    const summary = () =>
      Deno.readTextFile(`${dir}/checks/_state/summary-eu.json`).then((s) => decodeRollup(JSON.parse(s)));
    const b = [...(await summary()).endpoints.values()][1];
    assert.deepEqual(b.totals, [0, 2, 0, 1], "two spooled rounds and the new one; the bad one is skipped");
    await every.store(results("eu", t + 4n * min));
    await every.endRound!();
    assert.deepEqual([...(await summary()).endpoints.values()][1].totals, [0, 3, 0, 1], "the next round too");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a summary is redacted with the config's redactor; an older one is re-keyed when read", async () => {
  const dir = await Deno.makeTempDir();
  const target = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
  const env: Record<string, string> = { API_TOKEN: "tok-9f8e7d6c5b", EXEC_SECRET: "exe-1a2b3c4d5e" };
  const url = `http://127.0.0.1:${target.addr.port}/health?auth_token=`;
  const resolved = resolveConfig(
    {
      checkers: [
        { type: "http", endpoint_name: "Signed", endpoint_url: `${url}\${API_TOKEN}` },
        {
          type: "exec",
          name: "Exec",
          command: "sh",
          arguments: ["-c", "echo leaked ${EXEC_SECRET}; exit 1"],
        },
      ],
      storage: { type: "fs", dir },
      node: "eu",
    },
    { env: (name) => env[name] },
  );
  // A summary written before this redaction: the endpoint and a reason in clear.
  const old = new Rollup();
  old.add({
    title: "Signed",
    endpoint: url + env.API_TOKEN,
    healthy: true,
    times: [{ rtt: 1e6 }],
    node: "eu",
  }, 1.8e12);
  old.add(
    {
      title: "Exec",
      endpoint: "sh",
      down: true,
      times: [{ rtt: 0, error: `leaked ${env.EXEC_SECRET}` }],
      node: "eu",
    },
    1.8e12,
  );
  await Deno.mkdir(`${dir}/_state`);
  await Deno.writeTextFile(`${dir}/_state/summary-eu.json`, JSON.stringify(encodeRollup(old)));
  const checkup = new Checkup(resolved, { spool: false });
  try {
    await checkup.round({ store: true });
  } finally {
    await checkup.close();
    await target.shutdown();
  }
  const text = await Deno.readTextFile(`${dir}/_state/summary-eu.json`);
  for (const secret of Object.values(env)) assert.ok(!text.includes(secret), `${secret} in the summary`);
  const summary = decodeRollup(JSON.parse(text));
  assert.deepEqual(
    [...summary.endpoints.values()].map((e) => [e.title, e.endpoint, e.totals.reduce((a, b) => a + b, 0)]),
    [["Signed", `${url}***`, 2], ["Exec", "sh", 2]],
    "one endpoint each: the old summary's and this round's",
  );
  assert.match([...summary.endpoints.values()][1].nodes.get("eu")!.reason, /leaked \*\*\*/);
  await Deno.remove(dir, { recursive: true });
});
