import assert from "node:assert/strict";
import { join } from "node:path";
import { NO_STORAGE } from "../checkup.ts";
import { ExitError, openCheckup, requireStorage } from "./common.ts";
import { memoryIo } from "./io.ts";
import { runServe } from "./serve.ts";

/** Counts the reads of `path` through Deno.readFile while `body` runs. */
async function readsOf(path: string, body: () => Promise<void>): Promise<number> {
  const { readFile } = Deno;
  let reads = 0;
  Deno.readFile = (p, o) => (String(p) === path && reads++, readFile(p, o));
  try {
    await body();
  } finally {
    Deno.readFile = readFile;
  }
  return reads;
}

Deno.test("serve reads and validates the config once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = join(dir, "checkup.json");
    await Deno.writeTextFile(config, JSON.stringify({ node: "eu-1", storage: { type: "fs", dir } }));
    const stop = new AbortController();
    const io = memoryIo(stop.signal);
    const serving = Promise.withResolvers<string>();
    const out = io.out;
    io.out = (t) => {
      out(t);
      const url = /Serving the status page on (\S+)/.exec(t)?.[1];
      if (url) serving.resolve(url);
    };
    let code: number | undefined;
    const reads = await readsOf(config, async () => {
      const run = runServe({ config, listen: "127.0.0.1:0" }, io);
      const url = await Promise.race([serving.promise, run.then(() => `exited: ${io.stderr}`)]);
      // Listening comes after the config is loaded and the storage opened: all the reading there is.
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      stop.abort();
      code = await run;
    });
    assert.equal(code, 0, io.stderr);
    assert.equal(reads, 1, "the config file is read once");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openCheckup hands back the resolved config; requireStorage names the missing storage", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = join(dir, "checkup.json");
    await Deno.writeTextFile(config, JSON.stringify({ node: "eu-1", checkers: [] }));
    const { checkup, config: resolved } = await openCheckup({ config }, memoryIo());
    try {
      assert.equal(resolved.node, "eu-1");
      assert.throws(() => requireStorage(checkup), (e) => e instanceof ExitError && e.message === NO_STORAGE);
    } finally {
      await checkup.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
