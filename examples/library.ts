/**
 * Checkup as a library, end to end: a Checkup built in code from the same config objects as
 * `checkup.json`, one round checked and stored in an `fs` storage (a temporary directory), and the status
 * page served from that storage with the handler `checkup serve` uses. It checks a small web site it
 * starts itself, so it needs no network beyond 127.0.0.1.
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 --allow-read --allow-write examples/library.ts          # until Ctrl-C
 * deno run --allow-net=127.0.0.1 --allow-read --allow-write examples/library.ts --once   # one round, then exit
 * ```
 *
 * In your own scripts import `jsr:@checkup/cli` and `jsr:@checkup/cli/server` instead of the relative paths.
 *
 * @module
 */
import {
  Checkup,
  type CheckupConfig,
  createLogger,
  isStorageReader,
  parseDuration,
  statusOf,
  systemClock,
} from "../mod.ts";
import { createStatusHandler } from "../server/mod.ts";

const once = Deno.args.includes("--once");
const encoder = new TextEncoder();
function print(line: string): void {
  const bytes = encoder.encode(line + "\n");
  for (let off = 0; off < bytes.length;) off += Deno.stdout.writeSync(bytes.subarray(off));
}

/** GETs a page of the status server: its status and body (bounded in time). */
async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

const stop = new AbortController();
const onSignal = () => stop.abort();
if (!once) Deno.addSignalListener("SIGINT", onSignal);

// The endpoint checked: a local web site, so the example runs anywhere.
const site = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  () => new Response("<h1>Welcome</h1>", { headers: { "content-type": "text/html" } }),
);
const dir = await Deno.makeTempDir({ prefix: "checkup-example-" });

// Exactly what checkup.json would hold (durations as strings or nanoseconds, `${VAR}` substitution too).
const config: CheckupConfig = {
  checkers: [
    {
      type: "http",
      endpoint_name: "Website",
      endpoint_url: `http://127.0.0.1:${site.addr.port}/`,
      must_contain: "Welcome",
      threshold_rtt: "500ms",
      attempts: 3,
    },
    { type: "tcp", endpoint_name: "Website port", endpoint_url: `127.0.0.1:${site.addr.port}` },
  ],
  storage: { type: "fs", dir, check_expiry: "7d" },
};
const logger = createLogger({ level: "warn" });
const checkup = new Checkup(config, { logger });

try {
  // One round: check every endpoint, store the round, delete expired ones.
  const round = await checkup.checkAndStore();
  for (const result of round.results) print(`${result.title}: ${statusOf(result)}`);
  print(`Stored round ${round.stored} in ${dir}`);

  // The status page over the same storage: page, JSON API, badges and metrics.
  const storage = checkup.storage;
  if (!storage || !isStorageReader(storage)) throw new Error("the fs storage can be read back");
  const handler = createStatusHandler({
    reader: storage,
    title: "Library example",
    order: checkup.checkers.map((c) => c.title),
    logger,
  });
  const loading = handler.run(stop.signal);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: stop.signal, onListen() {} },
    handler.fetch,
  );
  const url = `http://127.0.0.1:${server.addr.port}/`;
  print(`Serving the status page on ${url}`);

  if (once) {
    // Wait until the stored round is loaded (/healthz says ok), then read the page and the API once.
    for (let i = 0; i < 100 && (await get(`${url}healthz`)).status !== 200; i++) {
      await systemClock.sleep(50);
    }
    print(`GET / -> ${(await get(url)).status}`);
    const { endpoints } = JSON.parse((await get(`${url}api/v1/endpoints`)).text) as {
      endpoints: { title: string; status: string }[];
    };
    for (const e of endpoints) print(`API: ${e.title} is ${e.status}`);
    stop.abort();
  } else {
    print("Checking every 30s; Ctrl-C stops.");
    await checkup.every(parseDuration("30s"), stop.signal, () => void handler.refresh());
  }
  await Promise.all([server.finished, loading]);
} finally {
  if (!once) Deno.removeSignalListener("SIGINT", onSignal);
  await checkup.close();
  await site.shutdown();
  await Deno.remove(dir, { recursive: true });
}
