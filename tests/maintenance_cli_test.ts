/**
 * `checkup maintenance start | end | list` in-process, and the same through `serve`'s API with the write
 * token, over a real fs storage: what one writes, the other sees.
 */
import assert from "node:assert/strict";
import { runCli } from "../cli/program.ts";
import { memoryIo } from "../cli/io.ts";
import { createStatusHandler } from "../server/app.ts";
import { FsStorage } from "../storage/fs.ts";
import { parseStorage } from "../config/load.ts";
import { nowNs } from "../result.ts";

async function cli(args: string[]) {
  const io = memoryIo();
  const code = await runCli(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

/** `checkup -c <config> maintenance <args>`. */
function maintenance(config: string, args: string[]) {
  return cli(["-c", config, "maintenance", ...args]);
}

async function setup() {
  const dir = await Deno.makeTempDir();
  const config = `${dir}/checkup.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      checkers: [
        { type: "tcp", endpoint_name: "API", endpoint_url: "127.0.0.1:9", group: "Core" },
        { type: "tcp", endpoint_name: "Web", endpoint_url: "127.0.0.1:9" },
      ],
      storage: { type: "fs", dir: `${dir}/checks` },
      maintenance: [{
        title: "Nightly",
        about: "Web",
        every: "daily",
        at: "03:00",
        time_zone: "Asia/Tokyo",
        duration: "1h",
      }],
    }),
  );
  return { dir, config };
}

Deno.test("cli: maintenance start, list and end over the stored windows", async () => {
  const { dir, config } = await setup();
  try {
    const started = await maintenance(config, [
      "start",
      "--about",
      "core",
      "--for",
      "1h",
      "-m",
      "**Postgres**",
      "DB upgrade",
    ]);
    assert.equal(started.code, 0, started.err);
    const id = /Started maintenance window (\S+)/.exec(started.out)?.[1];
    assert.ok(id, started.out);
    const listed = await maintenance(config, ["list", "--json"]);
    assert.equal(listed.code, 0, listed.err);
    const json = JSON.parse(listed.out);
    assert.deepEqual(json.active.map((w: { id: string }) => w.id), [id]);
    assert.equal(json.active[0].message, "**Postgres**");
    assert.ok(
      json.upcoming.some((w: { title: string; source: string }) =>
        w.title === "Nightly" && w.source === "config"
      ),
    );
    const text = await maintenance(config, ["list"]);
    assert.match(text.out, /Open now:\n {2}\S+ {2}.* DB upgrade {2}\(core; adhoc\)/);

    const ended = await maintenance(config, ["end"]);
    assert.equal(ended.code, 0, ended.err);
    assert.match(ended.out, new RegExp(`Ended maintenance window ${id}`));
    const again = await maintenance(config, ["end"]);
    assert.equal(again.code, 2);
    assert.match(again.err, /no ad hoc window is open; say which to end/);
    const unknown = await maintenance(config, ["end", "nope"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no ad hoc maintenance window with id "nope"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: maintenance start refuses bad input by flag name, and a storage without shared documents", async () => {
  const { dir, config } = await setup();
  try {
    const typo = await maintenance(config, ["start", "--about", "Paymnts", "--for", "1h", "X"]);
    assert.equal(typo.code, 2);
    assert.match(
      typo.err,
      /error: maintenance start: --about: no endpoint or group named "Paymnts" \(known: API, Web, Core\)/,
    );
    const short = await maintenance(config, ["start", "--for", "5s", "X"]);
    assert.match(short.err, /--for: expected a duration from 1m to 31d, found "5s"/);
    const when = await maintenance(config, ["start", "--for", "1h", "--at", "tonight", "X"]);
    assert.match(when.err, /--at: expected an RFC 3339 time/);
    const missing = await maintenance(config, ["start", "X"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /required option '--for <duration>' not specified/);
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        checkers: [{ type: "tcp", endpoint_name: "API", endpoint_url: "127.0.0.1:9" }],
        storage: { type: "appinsights", instrumentation_key: "k" },
      }),
    );
    const none = await maintenance(config, ["start", "--for", "1h", "X"]);
    assert.equal(none.code, 1);
    assert.match(
      none.err,
      /storage appinsights: cannot hold maintenance windows \(it has no shared documents\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("api: POST /api/v1/maintenance with the token, its end, and GET /api/v1/maintenance", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const storage = new FsStorage({ type: "fs", dir, url: "", check_expiry: 0 }, { now: nowNs });
    await storage.store([{
      title: "API",
      endpoint: "tcp://a",
      timestamp: nowNs(),
      times: [{ rtt: 1e6 }],
      healthy: true,
    }]);
    const token = "a-token-of-24-characters";
    const handler = createStatusHandler({ reader: storage, writer: storage, token, groups: () => "Core" });
    await handler.refresh();
    const post = (path: string, body: unknown, auth = `Bearer ${token}`) =>
      handler.fetch(
        new Request(`http://x/api/v1/${path}`, {
          method: "POST",
          headers: { authorization: auth, "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
      );
    assert.equal((await post("maintenance", { title: "X", duration: "1h" }, "Bearer wrong")).status, 401);
    const bad = await post("maintenance", { title: "X", duration: "1h", about: ["Nope"] });
    assert.equal(bad.status, 422);
    assert.equal(
      (await bad.json()).error.message,
      'about: no endpoint or group named "Nope" (known: API, Core)',
    );
    const res = await post("maintenance", {
      title: "Failover",
      about: "core",
      duration: "30m",
      message: "Switching",
    });
    assert.equal(res.status, 201);
    const { window } = await res.json();
    assert.equal(window.source, "adhoc");
    let listed = await (await handler.fetch(new Request("http://x/api/v1/maintenance"))).json();
    assert.deepEqual(listed.active.map((w: { id: string }) => w.id), [window.id]);
    const status = await (await handler.fetch(new Request("http://x/api/v1/status"))).json();
    assert.equal(status.endpoints[0].status, "maintenance");

    // Another process (the CLI) sees the same window in the storage.
    assert.ok((await storage.list("maintenance/")).has(`maintenance/${window.id}/window`));

    assert.equal((await post("maintenance/nope/end", {})).status, 404);
    const ended = await post(`maintenance/${window.id}/end`, {});
    assert.equal(ended.status, 200);
    listed = await (await handler.fetch(new Request("http://x/api/v1/maintenance"))).json();
    assert.deepEqual(listed, { active: [], upcoming: [] });

    // Read-only without a token; a writer without shared documents is named.
    const readOnly = createStatusHandler({ reader: storage });
    const refused = await readOnly.fetch(
      new Request("http://x/api/v1/maintenance", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
    );
    assert.equal(refused.status, 403);
    assert.match(
      (await refused.json()).error.message,
      /CHECKUP_SERVE_TOKEN set to accept maintenance windows/,
    );
    const other = createStatusHandler({
      reader: storage,
      writer: parseStorage({ type: "appinsights", instrumentation_key: "k" }),
      token,
    });
    await other.refresh();
    const conflict = await other.fetch(
      new Request("http://x/api/v1/maintenance", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ title: "X", duration: "1h" }),
      }),
    );
    assert.equal(conflict.status, 409);
    assert.match(
      (await conflict.json()).error.message,
      /^storage appinsights: cannot hold maintenance windows/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve --export: the config's windows and the stored ones go to config.json; gone ones leave it", async () => {
  const { dir, config } = await setup();
  try {
    const started = await maintenance(config, ["start", "--about", "API", "--for", "2h", "Move"]);
    assert.equal(started.code, 0, started.err);
    const exported = await cli(["-c", config, "serve", "--export", `${dir}/site`]);
    assert.equal(exported.code, 0, exported.err);
    const site = JSON.parse(await Deno.readTextFile(`${dir}/site/config.json`));
    assert.deepEqual(site.maintenance.rules, [
      {
        title: "Nightly",
        about: ["Web"],
        duration: 3_600_000,
        every: "daily",
        at: "03:00",
        time_zone: "Asia/Tokyo",
      },
    ]);
    assert.deepEqual(site.maintenance.windows.map((w: { title: string }) => w.title), ["Move"]);
    // The config's secrets are not in this environment: the page is written, without windows, and says so.
    const raw = JSON.parse(await Deno.readTextFile(config));
    await Deno.writeTextFile(
      config,
      JSON.stringify({ ...raw, maintenance: [], storage: { type: "fs", dir: "${NO_SUCH_DIR_Q7}" } }),
    );
    const again = await cli(["-c", config, "serve", "--export", `${dir}/site`]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, /warning: maintenance windows not exported: .*NO_SUCH_DIR_Q7/s);
    assert.equal(JSON.parse(await Deno.readTextFile(`${dir}/site/config.json`)).maintenance, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
