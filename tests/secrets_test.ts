/**
 * Nothing secret is published: a real `checkup serve --every` process, whose config carries secrets from
 * the environment and credentials in its URLs (query parameters, userinfo, headers, an exec command's
 * output), is read through every route it answers; its static export and every file it stored are read
 * too; no byte of any of them may hold one of the config's secret values. The storage also holds rounds
 * written before redaction (as Go or an older Checkup wrote them, secrets in clear): they are redacted
 * when read, and join the same endpoints as the redacted rounds stored since.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { memoryIo } from "../cli/io.ts";
import { spawnCheckup } from "./helpers/checkup_process.ts";
import { runCli } from "../cli/program.ts";
import { nowNs, type Result } from "../result.ts";
import { ASSETS } from "../server/assets.ts";
import { openStorage } from "./serve_fixture.ts";

/** The environment of the process: every value is a secret of the config. */
const ENV = {
  API_TOKEN: "tokA-7f3k9q2m-api",
  CLIENT_SECRET: "csec-Q8w2e4r6t8",
  AMZ_SIGNATURE: "sig0f1e2d3c4b5a69788796a5b4c3d2e1f0",
  HEADER_SECRET: "hdr-Zx9Cv8Bn7Mm",
  URL_PASSWORD: "upw-Lk5Jh4Gf3",
  EXEC_SECRET: "exe-Pq1Wo2Ei3Ru",
  HOOK_PATH: "hook-T01-B02-Xy9z8w7v",
  PING_TOKEN: "pingtok-A1b2C3d4E5f6G7h8",
};
/** Credentials written in the file itself, in URLs: masked by their shape, then learnt by value. */
const LITERAL = { sessionId: "sess-literal-4d5e6f7a8b" };
const SECRETS = [...Object.values(ENV), ...Object.values(LITERAL)];
const SERVE_TOKEN = "serve-token-0123456789abcdef";

async function* files(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* files(path);
    else if (e.isFile) yield path;
  }
}

/** Every secret found in a published text, as `where: secret`. */
function leaks(where: string, text: string): string[] {
  return SECRETS.filter((s) => text.includes(s)).map((s) => `${where}: ${s}`);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("no byte serve publishes, exports or stores holds a secret of the config", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkup-secrets-" });
  const seen: string[] = [];
  const target = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seen.push(`${new URL(req.url).pathname} ${req.headers.get("x-custom-auth")}`);
    return new Response("ok");
  });
  const hooks: string[] = [];
  const hook = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    hooks.push(await req.text());
    return new Response("ok");
  });
  const signedUrl = `http://127.0.0.1:${target.addr.port}/health?auth_token=\${API_TOKEN}` +
    `&client_secret=\${CLIENT_SECRET}&X-Amz-Signature=\${AMZ_SIGNATURE}&page=2`;
  const config = {
    checkers: [
      {
        type: "http",
        endpoint_name: "Signed",
        endpoint_url: signedUrl,
        headers: { "X-Custom-Auth": "${HEADER_SECRET}" },
      },
      {
        type: "http",
        endpoint_name: "Refused",
        endpoint_url: `http://admin:\${URL_PASSWORD}@127.0.0.1:1/x?JSESSIONID=${LITERAL.sessionId}`,
      },
      { type: "exec", name: "Exec", command: "sh", arguments: ["-c", "echo leaked ${EXEC_SECRET}; exit 1"] },
      { type: "heartbeat", endpoint_name: "Backup", period: "1h", token: "${PING_TOKEN}" },
    ],
    storage: { type: "fs", dir: `${dir}/checks` },
    notifiers: [{ type: "webhook", webhook: `http://127.0.0.1:${hook.addr.port}/\${HOOK_PATH}` }],
    node: "eu-west",
  };
  await Deno.writeTextFile(`${dir}/checkup.json`, JSON.stringify(config));
  const raw = (s: string) => s.replace(/\$\{(\w+)\}/g, (_m, k: keyof typeof ENV) => ENV[k]);

  // Rounds stored before redaction, secrets in clear, as Go or an older Checkup wrote them.
  const storage = openStorage({ type: "fs", dir: config.storage.dir });
  const old = nowNs() - 600_000_000_000n;
  const seeded = new Set<string>();
  for (let i = 0n; i < 3n; i++) {
    const at = old + i * 60_000_000_000n;
    const results: Result[] = [
      {
        title: "Signed",
        endpoint: raw(signedUrl),
        timestamp: at,
        times: [{ rtt: 2e6 }],
        healthy: true,
        node: "eu-west",
      },
      {
        title: "Refused",
        endpoint: raw(config.checkers[1].endpoint_url as string),
        timestamp: at,
        times: [{ rtt: 0, error: `connection refused: ${raw(config.checkers[1].endpoint_url as string)}` }],
        down: true,
        node: "eu-west",
      },
    ];
    seeded.add(await storage.store(results, undefined, { at }));
  }
  await storage.close?.();
  for (const name of seeded) {
    const text = await Deno.readTextFile(`${dir}/checks/${name}`);
    assert.ok(leaks(name, text).length >= 4, "the old rounds hold the secrets in clear");
  }

  const serve = spawnCheckup(
    ["-c", `${dir}/checkup.json`, "serve", "--listen", "127.0.0.1:0", "--every", "1s"],
    {
      ...ENV,
      CHECKUP_SERVE_TOKEN: SERVE_TOKEN,
      XDG_STATE_HOME: `${dir}/state`,
      CHECKUP_SPOOL_DIR: `${dir}/spool`,
    },
  );
  const published: [string, string][] = [];
  try {
    const base = (await serve.output(/Serving the status page on (http:\S+)\//) as RegExpExecArray)[1];
    const get = async (path: string, init?: RequestInit) => {
      const res = await fetch(base + path, init);
      const body = await res.text();
      published.push([
        `${init?.method ?? "GET"} ${path} (${res.status})`,
        JSON.stringify([...res.headers]) + body,
      ]);
      return { res, body };
    };
    // Wait for two new rounds of each endpoint, so checks, storage, summaries and alerts all ran.
    const view = await waitFor("new rounds on the page", async () => {
      const res = await fetch(`${base}/api/v1/endpoints`);
      if (res.status !== 200) return void await res.body?.cancel();
      const v = await res.json() as { endpoints: { id: string; title: string; status: string }[] };
      const names = (await Array.fromAsync(Deno.readDir(`${dir}/checks`))).filter((f) =>
        /-check\.json$/.test(f.name)
      );
      return names.length >= seeded.size + 2 && v.endpoints.some((e) => e.title === "Exec") ? v : undefined;
    });
    // One endpoint each: the old rounds (secrets in clear) and the new (redacted at rest) are one history.
    assert.deepEqual(view.endpoints.map((e) => [e.title, e.status]), [
      ["Signed", "healthy"],
      ["Refused", "down"],
      ["Exec", "down"],
      ["Backup", "healthy"],
    ]);
    assert.ok(seen.some((s) => s === `/health ${ENV.HEADER_SECRET}`), "the secrets are really sent");
    const posted = await get("/api/v1/messages", {
      method: "POST",
      headers: { authorization: `Bearer ${SERVE_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ text: "Looking into it", about: "Signed" }),
    });
    assert.equal(posted.res.status, 201, posted.body);
    // Heartbeat pings: recorded, failed, refused (a wrong token, too many); the token is only in the URL.
    for (const action of ["/start", "/fail", "/3", "", "/nope"]) {
      await get(`/api/v1/ping/${ENV.PING_TOKEN}${action}`, {
        method: "POST",
        body: `output ${ENV.PING_TOKEN}`,
      });
    }
    await get(`/api/v1/ping/${ENV.PING_TOKEN.slice(0, -1)}`);
    for (let i = 0; i < 12; i++) await get(`/api/v1/ping/${ENV.PING_TOKEN}`);
    assert.ok(published.some(([w]) => w.endsWith("(429)")), "the rate limit answered");

    // Every route serve answers.
    const ranges = ["24h", "7d", "30d", "90d"];
    await get("/");
    for (const path of Object.keys(ASSETS)) await get(`/${path}`);
    await get("/healthz");
    await get("/metrics");
    await get("/api/v1/endpoints");
    await get("/api/v1/messages");
    await get("/badges/status.svg");
    for (const range of ranges) await get(`/api/v1/status?range=${range}`);
    for (const { id } of view.endpoints) {
      for (const range of ranges) await get(`/api/v1/endpoints/${id}?range=${range}`);
      for (const badge of ["status", "uptime", "rtt"]) await get(`/badges/${id}/${badge}.svg`);
    }
    await get("/api/v1/endpoints/no-such-endpoint");
    await get("/no-such-path");
    const index = JSON.parse((await get("/index.json")).body) as Record<string, number>;
    assert.ok(Object.keys(index).length >= seeded.size + 2);
    for (const name of Object.keys(index)) await get(`/${name}`);

    // The redacted forms are there: the routes did carry the endpoints and errors.
    const status = published.find(([w]) => w.startsWith("GET /api/v1/status?range=24h"))![1];
    assert.match(status, /auth_token=\*\*\*&client_secret=\*\*\*&X-Amz-Signature=\*\*\*&page=2/);
    assert.match(status, /http:\/\/\*\*\*@127\.0\.0\.1:1\/x\?JSESSIONID=\*\*\*/);
    assert.match(status, /leaked \*\*\*/);
    const metrics = published.find(([w]) => w.startsWith("GET /metrics"))![1];
    assert.match(metrics, /checkup_endpoint_up\{id="signed",title="Signed",endpoint="[^"]*auth_token=\*\*\*/);
  } finally {
    serve.child.kill("SIGTERM");
    const { code, stderr } = await serve.exit();
    await target.shutdown();
    await hook.shutdown();
    assert.equal(code, 0, stderr);
  }
  published.push(["serve's log", serve.stderr() + serve.stdout()]);
  assert.ok(hooks.length > 0, "the webhook was called");
  for (const body of hooks) published.push(["a notification", body]);

  // The static export, and every file the run stored (check files, summaries, state).
  const io = memoryIo();
  assert.equal(
    await runCli(["-c", `${dir}/checkup.json`, "serve", "--export", `${dir}/site`], io),
    0,
    io.stderr,
  );
  for await (const path of files(`${dir}/site`)) {
    published.push([relative(dir, path), await Deno.readTextFile(path)]);
  }
  let stored = 0;
  for await (const path of files(`${dir}/checks`)) {
    if (seeded.has(relative(`${dir}/checks`, path))) continue;
    published.push([relative(dir, path), await Deno.readTextFile(path)]);
    stored++;
  }
  assert.ok(stored >= 3, "new check files and the node's summary");
  assert.ok(published.some(([w]) => w.endsWith("summary-eu-west.json")), "the summary is among them");
  assert.ok(published.some(([w]) => w.includes("_shared/pings/backup/")), "the stored pings are among them");

  assert.deepEqual(published.flatMap(([where, text]) => leaks(where, text)), []);
  await Deno.remove(dir, { recursive: true });
});
