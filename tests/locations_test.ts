/**
 * Several locations, for real: three `checkup every` processes (eu, us, asia; their clocks 0, +30 s and
 * -30 s apart through CHECKUP_CLOCK_OFFSET) check one URL and store into one storage: fs, sqlite3,
 * PostgreSQL and S3 (s3rver). The target fails the requests of chosen locations (each node names itself in
 * a header through `${CHECKUP_NODE}`); one webhook receiver gets every node's alerts. Every wait is for an
 * event (a round logged, a request received), never for a length of time.
 */
import assert from "node:assert/strict";
import { type CheckupProcess, spawnCheckup } from "./helpers/checkup_process.ts";
import { type Receiver, startReceiver } from "./helpers/receiver.ts";
import { openStorage, SERVE_BACKENDS } from "./serve_fixture.ts";
import { createStatusHandler } from "../server/app.ts";
import type { StorageConfig } from "../storage/mod.ts";

const NODES = { eu: "0s", us: "30s", asia: "-30s" } as const;
type NodeName = keyof typeof NODES;

/** A target that fails (503) the requests of the locations in `failing`. */
function startTarget() {
  const failing = new Set<string>();
  const ac = new AbortController();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} }, (req) => {
    const from = req.headers.get("x-location") ?? "";
    return failing.has(from) ? new Response(`refused for ${from}`, { status: 503 }) : new Response("ok");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/api`,
    failing,
    close: () => (ac.abort(), server.finished),
  };
}

/** Waits until the receiver holds `n` distinct notifications. */
async function untilUnique(r: Receiver, n: number): Promise<void> {
  await bounded(
    (async () => {
      for (let seen = r.requests.length; r.unique.size < n; seen++) await r.waitFor(seen + 1);
    })(),
    `notification ${n}`,
  );
}

/**
 * A bound on a wait for an event (not a timing assertion): an event that never comes fails the test with
 * what was expected instead of hanging the suite.
 */
function bounded<T>(p: Promise<T>, what: string, ms = 120_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} never came`)), ms);
  });
  return Promise.race([p, stop]).finally(() => clearTimeout(timer));
}

/** Waits until every process has logged `more` further rounds. */
async function moreRounds(ps: CheckupProcess[], more: number): Promise<void> {
  const one = async (p: CheckupProcess) => {
    for (let i = 0; i < more; i++) {
      // Past the last round logged so far (a fixed-length prefix: matching stays linear in the log's size).
      const seen = p.stderr().lastIndexOf("round done") + 1;
      await p.output(new RegExp(`^[\\s\\S]{${seen}}[\\s\\S]*?round done`));
    }
  };
  await bounded(Promise.all(ps.map(one)), `${more} more rounds`);
}

/** What `serve` over the storage says of the endpoint now (its API, answered in-process). */
async function status(config: StorageConfig) {
  const storage = openStorage(config);
  try {
    const handler = createStatusHandler({ reader: storage, silentAfter: 20_000 });
    await handler.refresh();
    const view = await (await handler.fetch(new Request("http://localhost/api/v1/status"))).json();
    return view.endpoints.find((e: { title: string }) => e.title === "API");
  } finally {
    await storage.close?.();
  }
}

function kinds(r: Receiver): string[] {
  return [...r.unique.values()].map((b) => `${b.kind} ${b.title}`);
}

for (const backend of SERVE_BACKENDS.filter((b) => ["fs", "sqlite3", "postgres", "s3"].includes(b.name))) {
  Deno.test(`locations over ${backend.name}: partial below quorum, one page per incident, silent node, restarts, ±30 s skew`, async () => {
    const dir = await Deno.makeTempDir();
    const opened = await backend.open(dir);
    if (!opened) return; // the server is not installed here (CI installs it)
    const target = startTarget();
    const hook = startReceiver("ok");
    const config = `${dir}/checkup.json`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        node: "${CHECKUP_NODE}",
        // s3rver runs inside this test process and answers slowly: slower rounds, a longer silence.
        silent_after: backend.name === "s3" ? "20s" : "6s",
        checkers: [{
          type: "http",
          endpoint_name: "API",
          endpoint_url: target.url,
          headers: { "X-Location": "${CHECKUP_NODE}" },
          timeout: "2s",
        }],
        storage: opened.config,
        notifiers: [{ type: "webhook", webhook: hook.url, timeout: "2s", min_interval: "1s" }],
      }),
    );
    const procs = new Map<NodeName, CheckupProcess>();
    const start = (node: NodeName) =>
      procs.set(
        node,
        spawnCheckup(["-c", config, "every", backend.name === "s3" ? "2s" : "1s"], {
          CHECKUP_NODE: node,
          CHECKUP_CLOCK_OFFSET: NODES[node],
          XDG_STATE_HOME: `${dir}/state-${node}`,
          CHECKUP_SPOOL_DIR: `${dir}/spool-${node}`,
        }),
      );
    const live = () => [...procs.values()];
    try {
      for (const node of Object.keys(NODES) as NodeName[]) start(node);
      await moreRounds(live(), 2);

      // One location failing of three: partial, nobody is paged.
      target.failing.add("asia");
      await moreRounds(live(), 3);
      assert.equal(hook.requests.length, 0, "one location below the quorum pages nobody");
      const page = await status(opened.config);
      assert.equal(page.status, "partial", "serve over the same storage shows it, never hides it");
      assert.deepEqual([page.quorum.failing, page.quorum.live, page.quorum.needed], [1, 3, 2]);

      // Two of three: down, exactly one page across the three nodes; then one recovery.
      target.failing.add("us");
      await untilUnique(hook, 1);
      await moreRounds(live(), 3);
      assert.deepEqual(kinds(hook), ["down API"]);
      assert.equal(hook.requests.length, 1, "sent by one node, once");
      assert.match(String(hook.requests[0].body.reason), /2 of 3 locations/);
      assert.equal((await status(opened.config)).status, "down");
      target.failing.clear();
      await untilUnique(hook, 2);
      await moreRounds(live(), 3);
      assert.deepEqual(kinds(hook), ["down API", "recovered API"]);
      assert.equal(hook.requests.length, 2);

      // asia is killed: one silent-node alert, and the quorum counts the two left.
      procs.get("asia")!.child.kill("SIGKILL");
      await procs.get("asia")!.exit();
      procs.delete("asia");
      await untilUnique(hook, 3);
      await moreRounds(live(), 3);
      assert.deepEqual(kinds(hook).slice(2), ["down Location asia"]);
      assert.match(String(hook.requests[2].body.reason), /asia stopped reporting/);
      target.failing.add("eu").add("us");
      await untilUnique(hook, 4);
      assert.deepEqual(kinds(hook).slice(3), ["down API"]);
      assert.match(String(hook.requests[3].body.reason), /2 of 2 locations/, "asia left out of the quorum");

      // Every node restarted mid-incident: no second page (asia's return is its recovery).
      for (const [node, p] of procs) {
        p.child.kill("SIGTERM");
        assert.equal((await p.exit()).code, 0);
        procs.delete(node);
      }
      for (const node of Object.keys(NODES) as NodeName[]) start(node);
      target.failing.add("asia");
      await untilUnique(hook, 5);
      await moreRounds(live(), 4);
      assert.deepEqual(kinds(hook).slice(4), ["recovered Location asia"]);
      assert.equal(hook.requests.length, 5, "the open incident is not paged again");
      target.failing.clear();
      await untilUnique(hook, 6);
      await moreRounds(live(), 2);
      assert.deepEqual(kinds(hook).slice(5), ["recovered API"]);
      assert.equal(hook.requests.length, 6);
      const ids = new Set(hook.requests.map((r) => r.key));
      assert.equal(ids.size, 6, "one id per notification");
    } catch (e) {
      // What the receiver got and what each node said, to see which event did not come.
      const received = hook.requests.map((r) => `${r.body.kind} ${r.body.title}: ${r.body.reason ?? ""}`);
      const said = [...procs].map(([node, p]) =>
        `--- ${node}\n${p.stderr().split("\n").slice(-30).join("\n")}`
      );
      throw new Error(`${(e as Error).message}\nreceived:\n${received.join("\n")}\n${said.join("\n")}`, {
        cause: e,
      });
    } finally {
      for (const p of procs.values()) {
        p.child.kill("SIGKILL");
        await p.exit();
      }
      await hook.close();
      await target.close();
      await opened.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
