/** `checkup serve` from the command line: in-process through runCli, plus one real process for the environment. */
import assert from "node:assert/strict";
import { memoryIo } from "../cli/io.ts";
import { runCli } from "../cli/program.ts";
import { parseListen } from "../cli/serve.ts";
import { metaPolicy } from "../server/security.ts";
import { openStorage } from "./serve_fixture.ts";
import { seedLocations } from "./locations_fixture.ts";

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("serve --every checks, stores and serves in one process, and stops cleanly", async () => {
  const target = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
  const dir = await Deno.makeTempDir({ prefix: "checkup-serve-cli-" });
  const config = `${dir}/checkup.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      checkers: [
        { type: "http", endpoint_name: "Local", endpoint_url: `http://127.0.0.1:${target.addr.port}/` },
        { type: "http", endpoint_name: "Closed", endpoint_url: "http://127.0.0.1:1/" },
      ],
      storage: { type: "fs", dir: `${dir}/checks` },
      node: "test-node",
    }),
  );
  const stop = new AbortController();
  const io = memoryIo(stop.signal);
  const code = runCli(
    ["-c", config, "serve", "--listen", "127.0.0.1:0", "--every", "1s", "--title", "CLI status"],
    io,
  );
  try {
    const base = await waitFor(
      "the listening line",
      () => /Serving the status page on (http:\S+)\//.exec(io.stdout)?.[1],
    );
    const view = await waitFor("a stored round on the page", async () => {
      const res = await fetch(`${base}/api/v1/status`);
      if (res.status !== 200) return void await res.body?.cancel();
      const v = await res.json();
      return v.endpoints.length === 2 ? v : undefined;
    });
    assert.equal(view.title, "CLI status");
    assert.deepEqual(view.endpoints.map((e: { title: string; status: string }) => [e.title, e.status]), [
      ["Local", "healthy"],
      ["Closed", "down"],
    ]);
    assert.deepEqual(view.endpoints[0].nodes.map((n: { node: string }) => n.node), ["test-node"]);
    const page = await fetch(`${base}/`);
    assert.match(await page.text(), /<title>CLI status<\/title>/);
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/checks/_state/summary-test-node.json`));
    assert.equal(summary.format, "checkup-rollup", "the node keeps its summary for static hosting");
  } finally {
    stop.abort();
    assert.equal(await code, 0, io.stderr);
    await target.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
  assert.match(io.stderr, /INFO serving address=127\.0\.0\.1:\d+ storage=fs writes=read-only every=1s/);
  assert.match(io.stderr, /INFO stopped/);
});

Deno.test("serve combines several locations with the config's quorum (per checker) and silent_after, and shows groups", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkup-serve-quorum-" });
  await seedLocations(openStorage({ type: "fs", dir: `${dir}/checks` }));
  const config = `${dir}/checkup.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      quorum: "50%",
      silent_after: "1h",
      checkers: [
        { type: "tcp", endpoint_name: "API", endpoint_url: "api.example.com:443", quorum: 1, group: "Edge" },
        { type: "tcp", endpoint_name: "Database", endpoint_url: "db.example.com:5432" },
      ],
      storage: { type: "fs", dir: `${dir}/checks` },
    }),
  );
  const stop = new AbortController();
  const io = memoryIo(stop.signal);
  const code = runCli(["-c", config, "serve", "--listen", "127.0.0.1:0"], io);
  try {
    const base = await waitFor(
      "the listening line",
      () => /Serving the status page on (http:\S+)\//.exec(io.stdout)?.[1],
    );
    const view = await waitFor("the stored rounds", async () => {
      const res = await fetch(`${base}/api/v1/status`);
      if (res.status !== 200) return void await res.body?.cancel();
      return await res.json();
    });
    const by = new Map(view.endpoints.map((e: { title: string }) => [e.title, e]));
    // API's own quorum, 1: asia alone makes it down. Database: 50% of the four locations (sa, silent for
    // 40 minutes, still counts within silent_after 1h) is 2, and eu and us fail.
    assert.deepEqual(
      ["API", "Database", "Website"].map((t) => {
        const e = by.get(t) as { status: string; quorum: { needed: number; live: number; rule: string } };
        return [t, e.status, e.quorum.needed, e.quorum.live, e.quorum.rule];
      }),
      [["API", "down", 1, 4, "1"], ["Database", "down", 2, 4, "50%"], ["Website", "healthy", 2, 4, "50%"]],
    );
    // The checker's group: on its endpoint only, and one group of it.
    assert.deepEqual(["API", "Database"].map((t) => (by.get(t) as { group?: string }).group), [
      "Edge",
      undefined,
    ]);
    assert.deepEqual(
      view.groups.map((
        g: { name: string; status: string; endpoints: string[] },
      ) => [g.name, g.status, g.endpoints]),
      [["Edge", "down", ["api"]]],
    );
  } finally {
    stop.abort();
    assert.equal(await code, 0, io.stderr);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve refuses bad options with usage errors", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkup-serve-cli-" });
  const config = `${dir}/checkup.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({ checkers: [], storage: { type: "fs", dir: `${dir}/checks` } }),
  );
  const cases: [string[], number, RegExp][] = [
    [
      ["--listen", "nowhere"],
      2,
      /serve: expected \[host\]:port like ":3000" or "127.0.0.1:8080", found "nowhere"/,
    ],
    [["--range", "1y"], 2, /--range: expected one of 24h, 7d, 30d, 90d, found "1y"/],
    [["--refresh", "1s"], 2, /--refresh: expected at least 5s, found 1s/],
    [["--every", "soon"], 2, /serve: expected a duration like/],
    [["--every", "1m"], 1, /--every: no checkers configured/],
    [["--logo", `${dir}/logo.txt`], 2, /--logo .*logo\.txt: expected an image file/],
    [["--logo", `${dir}/missing.svg`], 1, /--logo .*missing\.svg: cannot read/],
  ];
  for (const [args, code, message] of cases) {
    const io = memoryIo();
    assert.equal(await runCli(["-c", config, "serve", ...args], io), code, args.join(" "));
    assert.match(io.stderr, message, args.join(" "));
  }
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const io = memoryIo();
  assert.equal(await runCli(["-c", config, "serve", "--listen", `127.0.0.1:${busy.addr.port}`], io), 1);
  assert.match(io.stderr, /serve: cannot listen on 127\.0\.0\.1:\d+: .*in use/i);
  busy.close();
  const missing = memoryIo();
  assert.equal(await runCli(["-c", `${dir}/nope.json`, "serve"], missing), 1);
  assert.match(missing.stderr, /nope\.json: 1 problem\n\s+file not found/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("serve --export writes a static site that reads summaries", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkup-export-" });
  await Deno.writeTextFile(`${dir}/logo.svg`, '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const io = memoryIo();
  assert.equal(
    await runCli([
      "serve",
      "--export",
      `${dir}/site`,
      "--title",
      "Acme",
      "--logo",
      `${dir}/logo.svg`,
      "--range",
      "7d",
    ], io),
    0,
    io.stderr,
  );
  assert.match(io.stdout, /Wrote \d+ files to .*site; list your summary files in config\.json/);
  const html = await Deno.readTextFile(`${dir}/site/index.html`);
  assert.match(html, /<title>Acme<\/title>/);
  assert.match(html, /name="checkup-source" content="config.json"/);
  assert.match(html, /src="images\/logo\.svg"/);
  assert.match(html, /data-range="7d" aria-pressed="true"/);
  for (
    const f of [
      "js/app.js",
      "status/rollup.js",
      "status/codec.js",
      "status/view.js",
      "css/style.css",
      "images/logo.svg",
    ]
  ) {
    assert.ok((await Deno.stat(`${dir}/site/${f}`)).isFile, f);
  }
  const config = JSON.parse(await Deno.readTextFile(`${dir}/site/config.json`));
  assert.equal(config.title, "Acme");
  assert.ok(Array.isArray(config.summaries));
  await Deno.writeTextFile(`${dir}/site/config.json`, '{"summaries":["mine.json"]}');
  assert.equal(await runCli(["serve", "--export", `${dir}/site`], memoryIo()), 0);
  assert.equal(await Deno.readTextFile(`${dir}/site/config.json`), '{"summaries":["mine.json"]}', "kept");
  const policy = async () =>
    /<meta http-equiv="Content-Security-Policy"\s+content="([^"]+)">/.exec(
      await Deno.readTextFile(`${dir}/site/index.html`),
    )?.[1];
  assert.equal(await policy(), metaPolicy(), "static hosts send no CSP header: the page carries it");
  // Summaries and a logo on other origins: the policy lets the page fetch exactly those.
  await Deno.writeTextFile(
    `${dir}/site/config.json`,
    JSON.stringify({
      logo: "https://cdn.example/logo.svg",
      summaries: ["https://bucket.example:8443/s/summary-eu.json", "local.json", "javascript:alert(1)"],
    }),
  );
  assert.equal(await runCli(["serve", "--export", `${dir}/site`], memoryIo()), 0);
  assert.equal(
    await policy(),
    metaPolicy({ connect: ["https://bucket.example:8443"], img: ["https://cdn.example"] }),
  );
  assert.match((await policy())!, /connect-src 'self' https:\/\/bucket\.example:8443;/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("serve takes its write token from the environment only, and refuses a short one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkup-serve-cli-" });
  await Deno.writeTextFile(
    `${dir}/checkup.json`,
    JSON.stringify({ storage: { type: "fs", dir: `${dir}/checks` } }),
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../main.ts", import.meta.url).pathname,
      "-c",
      `${dir}/checkup.json`,
      "serve",
      "--listen",
      "127.0.0.1:0",
    ],
    env: { CHECKUP_SERVE_TOKEN: "short", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  assert.equal(out.code, 1);
  assert.match(
    new TextDecoder().decode(out.stderr),
    /CHECKUP_SERVE_TOKEN: expected a token of at least 16 characters, found 5/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--listen forms", () => {
  assert.deepEqual(parseListen(":3000"), { hostname: "0.0.0.0", port: 3000 });
  assert.deepEqual(parseListen("3000"), { hostname: "0.0.0.0", port: 3000 });
  assert.deepEqual(parseListen("127.0.0.1:0"), { hostname: "127.0.0.1", port: 0 });
  assert.deepEqual(parseListen("localhost:8080"), { hostname: "localhost", port: 8080 });
  assert.deepEqual(parseListen("[::1]:3000"), { hostname: "::1", port: 3000 });
  assert.throws(() => parseListen("host:99999"), /expected \[host\]:port/);
  assert.throws(() => parseListen("::1:3000"), /expected \[host\]:port/);
});
