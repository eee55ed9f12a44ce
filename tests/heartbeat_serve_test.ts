/**
 * Heartbeat pings through a real `checkup serve --every` (in process, on 127.0.0.1, with an injected clock)
 * over real storages: a heartbeat goes down after period + grace and recovers on the next ping, `/start`,
 * `/fail` and exit codes, `max_runtime`, unknown tokens and actions (a bare 404), and the rate limit (429
 * with Retry-After). The page's API shows each verdict with when the last ping came.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/program.ts";
import { memoryIo } from "../cli/io.ts";
import { PING_LIMIT } from "../server/routes/ping.ts";
import { FakeClock } from "./helpers/clock.ts";
import { SERVE_BACKENDS } from "./serve_fixture.ts";

const TOKEN = "Ping-Token_0123456789.abc~";
const QUIET = "quiet-token-9876543210";
const MIN = 60_000;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined): Promise<T> {
  // Waits for an event (the listening line, a round's verdict on the page); the deadline only turns a
  // hang into a failure that says what it waited for.
  const end = Date.now() + 60_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface EndpointState {
  status: string;
  reason?: string;
  updated: number;
}

for (const backend of SERVE_BACKENDS.filter((b) => ["fs", "sqlite3", "postgres"].includes(b.name))) {
  Deno.test(`${backend.name}: heartbeat pings through serve`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "checkup-heartbeat-serve-" });
    const open = await backend.open(dir);
    if (!open) return void await Deno.remove(dir, { recursive: true });
    const config = join(dir, "checkup.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        checkers: [
          {
            type: "heartbeat",
            endpoint_name: "Nightly backup",
            period: "10m",
            grace: "2m",
            max_runtime: "3m",
            token: TOKEN,
            group: "Jobs",
          },
          { type: "heartbeat", endpoint_name: "Quiet", period: "1h", token: QUIET },
        ],
        storage: open.config,
      }),
    );
    // The page's view compares result times with the real time: the fake clock starts now and moves ahead.
    const clock = new FakeClock(BigInt(Date.now()) * 1_000_000n);
    const t0 = Number(clock.now() / 1_000_000n);
    const stop = new AbortController();
    const io = memoryIo(stop.signal);
    io.clock = clock;
    const serving = runCli(["-c", config, "serve", "--listen", "127.0.0.1:0", "--every", "1m"], io);
    try {
      const base = await waitFor(
        "the listening line",
        () => /Serving the status page on (http:\S+)\//.exec(io.stdout)?.[1],
      );
      const ping = async (path: string, method = "GET", body?: string) => {
        const res = await fetch(`${base}/api/v1/ping/${path}`, { method, body });
        return { status: res.status, retry: res.headers.get("retry-after"), body: await res.json() };
      };
      /** The backup's state on the page once a round at or after fake time `t` has been read. */
      const state = (t: number) =>
        waitFor(`a round at ${new Date(t).toISOString()}`, async () => {
          const res = await fetch(`${base}/api/v1/status`);
          if (res.status !== 200) return void await res.body?.cancel();
          const view = await res.json() as {
            endpoints: (EndpointState & { title: string; group?: string })[];
          };
          const e = view.endpoints.find((x) => x.title === "Nightly backup");
          return e && e.updated >= t ? e : undefined;
        });
      /** Moves the fake clock on by `ms` (a round of `--every` runs) and waits for the page to show it. */
      const advance = async (ms: number) => {
        await clock.untilSleeping(1);
        clock.advance(ms);
        const now = Number(clock.now() / 1_000_000n);
        const e = await state(now);
        return { status: e.status, reason: e.reason };
      };
      const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

      // The first round: never pinged, waiting for the first ping.
      const first = await state(t0);
      assert.equal(first.status, "healthy");
      assert.equal((first as { group?: string }).group, "Jobs");
      assert.deepEqual(await ping(TOKEN), { status: 200, retry: null, body: { recorded: "success" } });
      assert.deepEqual(await advance(11 * MIN), { status: "healthy", reason: undefined });
      assert.deepEqual(await advance(2 * MIN), {
        status: "down",
        reason: `last ping 13m ago (at ${at(t0)}); expected every 10m, grace 2m`,
      });
      // A run: start, then exit code 0, within max_runtime: back to healthy.
      assert.deepEqual((await ping(`${TOKEN}/start`, "POST", "job output is ignored")).body, {
        recorded: "start",
      });
      await clock.untilSleeping(1);
      clock.advance(MIN);
      assert.deepEqual((await ping(`${TOKEN}/0`)).body, { recorded: "success", exit: 0 });
      assert.deepEqual(await advance(MIN), { status: "healthy", reason: undefined });
      // A failure: down until the next success.
      assert.deepEqual((await ping(`${TOKEN}/fail`)).body, { recorded: "fail" });
      const failed = Number(clock.now() / 1_000_000n);
      assert.deepEqual(await advance(MIN), {
        status: "down",
        reason: `last run failed 1m ago (at ${at(failed)}); last success 2m ago (at ${
          at(failed - MIN)
        }); down until a success ping`,
      });
      // A run longer than max_runtime (after a success): degraded while it runs, and once it is done.
      await ping(TOKEN);
      clock.advance(1000);
      await ping(`${TOKEN}/start`);
      const started = Number(clock.now() / 1_000_000n);
      assert.deepEqual(await advance(4 * MIN), {
        status: "degraded",
        reason: `running for 4m since its start ping (at ${at(started)}), longer than max_runtime 3m`,
      });
      assert.deepEqual((await ping(TOKEN)).body, { recorded: "success" });
      const ended = Number(clock.now() / 1_000_000n);
      assert.deepEqual(await advance(MIN), {
        status: "degraded",
        reason: `the last run took 4m, longer than max_runtime 3m; it ended 1m ago (at ${at(ended)})`,
      });
      // A non-zero exit code is a failure; the next success recovers.
      assert.deepEqual((await ping(`${TOKEN}/3`)).body, { recorded: "fail", exit: 3 });
      assert.match((await advance(MIN)).reason!, /^last run failed with exit code 3 1m ago/);
      await ping(TOKEN);
      assert.deepEqual(await advance(MIN), { status: "healthy", reason: undefined });

      // Unknown tokens, actions and paths: the same bare 404, whichever part was wrong.
      const bare = { status: 404, retry: null, body: { error: { status: 404, message: "not found" } } };
      for (
        const path of [
          `${TOKEN}x`,
          "nope",
          `${TOKEN}/finish`,
          `${TOKEN}/256`,
          `${TOKEN}/0/extra`,
          `${TOKEN.slice(0, -1)}`,
        ]
      ) {
        assert.deepEqual(await ping(path), bare, path);
      }
      const put = await fetch(`${base}/api/v1/ping/${TOKEN}`, { method: "PUT" });
      assert.deepEqual([put.status, await put.json()], [404, bare.body]);

      // The rate limit, per heartbeat: the burst, then 429 with Retry-After; another heartbeat is not affected.
      await clock.untilSleeping(1);
      clock.advance(10 * MIN); // a full bucket
      const answers = [];
      for (let i = 0; i < PING_LIMIT.burst + 2; i++) answers.push(await ping(`${TOKEN}/start`));
      assert.deepEqual(answers.map((a) => a.status), [...Array(PING_LIMIT.burst).fill(200), 429, 429]);
      assert.equal(answers.at(-1)!.retry, "6");
      assert.deepEqual(answers.at(-1)!.body, {
        error: { status: 429, message: "too many pings; retry later" },
      });
      assert.equal((await ping(QUIET)).status, 200);
      clock.advance(6_000);
      assert.equal((await ping(`${TOKEN}/start`)).status, 200, "a token comes back after Retry-After");

      // Neither the tokens nor the ping paths reach the log.
      assert.doesNotMatch(io.stderr, new RegExp(`${TOKEN.slice(0, 10)}|${QUIET.slice(0, 10)}|/api/v1/ping/`));
      assert.match(io.stderr, /ping heartbeat="Nightly backup" kind=fail exit=3/);
    } finally {
      stop.abort();
      assert.equal(await serving, 0, io.stderr);
      await open.stop();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
