/**
 * Groups through `checkup serve` against real fs storage: `/api/v1/status` carries the groups and each
 * endpoint's group, `/api/v1/endpoints` and `/api/v1/endpoints/:id` the group, `/metrics` a `group` label on
 * the series of grouped endpoints only (promtool-valid).
 */
import assert from "node:assert/strict";
import { nowNs, type Result } from "../result.ts";
import { createStatusHandler } from "../server/app.ts";
import { byEndpoint } from "../status/quorum_rules.js";
import { readSiteLocations, withLocations } from "../cli/site_locations.ts";
import { ConfigError } from "../config/errors.ts";
import { promtool } from "./helpers/promtool.ts";
import { openStorage } from "./serve_fixture.ts";

const GROUPS = [
  { title: "Cards", value: "Payments" },
  { title: "Wallet", value: "Payments" },
  { title: "Index", value: 'Search "beta"' },
];

function round(down: boolean): Result[] {
  const at = nowNs();
  const r = (title: string, bad = false): Result => ({
    title,
    endpoint: `https://${title.toLowerCase()}.example.com/`,
    timestamp: at,
    times: [bad ? { rtt: 0, error: "refused" } : { rtt: 5e6 }],
    ...(bad ? { down: true } : { healthy: true }),
  });
  return [r("Blog"), r("Cards", down), r("Index"), r("Wallet")];
}

Deno.test("serve: the API and /metrics carry the groups", async () => {
  const dir = await Deno.makeTempDir();
  const storage = openStorage({ type: "fs", dir: `${dir}/checks` });
  const server = { shutdown: () => Promise.resolve() };
  try {
    await storage.store(round(false));
    await storage.store(round(true));
    const handler = createStatusHandler({
      reader: storage,
      writer: storage,
      title: "Acme",
      order: ["Blog", "Cards", "Index", "Wallet"],
      groups: byEndpoint(GROUPS),
    });
    await handler.refresh();
    await handler.loader.backfill();
    const srv = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler.fetch);
    server.shutdown = () => srv.shutdown();
    const base = `http://127.0.0.1:${srv.addr.port}`;
    const get = async (path: string) => {
      const res = await fetch(base + path);
      assert.equal(res.status, 200, path);
      return res;
    };

    const view = await (await get("/api/v1/status")).json();
    assert.deepEqual(view.endpoints.map((e: { id: string; group?: string }) => [e.id, e.group ?? null]), [
      ["blog", null],
      ["cards", "Payments"],
      ["index", 'Search "beta"'],
      ["wallet", "Payments"],
    ]);
    assert.deepEqual(
      view.groups.map((
        g: { name: string; status: string; endpoints: string[] },
      ) => [g.name, g.status, g.endpoints]),
      [["Payments", "down", ["cards", "wallet"]], ['Search "beta"', "healthy", ["index"]]],
    );
    assert.equal(view.groups[0].uptime["24h"], 75, "checks-weighted: 3 of 4 checks not down");
    assert.equal(
      view.groups[0].slots.combined.at(-1),
      "down",
      "half of Cards' checks are down: its worst member",
    );

    const list = (await (await get("/api/v1/endpoints")).json()).endpoints;
    assert.deepEqual(list.map((e: { group?: string }) => e.group), [
      undefined,
      "Payments",
      'Search "beta"',
      "Payments",
    ]);
    assert.equal((await (await get("/api/v1/endpoints/wallet")).json()).group, "Payments");
    assert.equal("group" in await (await get("/api/v1/endpoints/blog")).json(), false);

    const metrics = await (await get("/metrics")).text();
    assert.match(
      metrics,
      /^checkup_endpoint_status\{id="cards",title="Cards",endpoint="https:\/\/cards\.example\.com\/",group="Payments",status="down"\} 1$/m,
    );
    assert.match(metrics, /^checkup_endpoint_up\{id="index",[^}]*group="Search \\"beta\\""\} 1$/m);
    assert.match(
      metrics,
      /^checkup_endpoint_up\{id="blog",title="Blog",endpoint="[^"]+"\} 1$/m,
      "no group: no label",
    );
    const lint = await promtool(metrics);
    if (lint !== undefined) assert.equal(lint.code, 0, `promtool check metrics: ${lint.output}`);
  } finally {
    await server.shutdown();
    await storage.close?.();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve --export: the checkers' groups go to config.json as groups_by_title; a bad one names its path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/checkup.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        checkers: [
          { type: "tcp", endpoint_name: "Cards", endpoint_url: "cards:443", group: "${GROUP_Q9}" },
          { type: "tcp", endpoint_name: "Blog", endpoint_url: "blog:443" },
        ],
      }),
    );
    const site = await readSiteLocations(path, (name) => name === "GROUP_Q9" ? "Payments" : undefined);
    assert.deepEqual(site, { groups_by_title: { Cards: "Payments" } });
    assert.deepEqual(JSON.parse(withLocations('{"summaries":[]}', site) ?? "{}"), {
      summaries: [],
      groups_by_title: { Cards: "Payments" },
    });
    await Deno.writeTextFile(
      path,
      JSON.stringify({ checkers: [{ type: "tcp", endpoint_name: "X", endpoint_url: "x:1", group: "" }] }),
    );
    await assert.rejects(
      () => readSiteLocations(path),
      (e: Error) =>
        e instanceof ConfigError &&
        /checkers\[0\]\.group: expected a group name of 1 to 100 characters, found an empty string/.test(
          e.message,
        ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
