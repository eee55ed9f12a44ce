/**
 * `checkup serve` over one fs storage that several locations store into: the combined status under the
 * quorum in the API, the badges and `/metrics`, per-location labels and silence, a per-checker quorum, and
 * the static export carrying the config's quorum into config.json.
 */
import assert from "node:assert/strict";
import { createStatusHandler } from "../server/app.ts";
import { quorumRules } from "../status/quorum_rules.js";
import { runCli } from "../cli/program.ts";
import { memoryIo } from "../cli/io.ts";
import { promtool } from "./helpers/promtool.ts";
import { openStorage } from "./serve_fixture.ts";
import { LIVE, seedLocations, SILENT } from "./locations_fixture.ts";

async function serve(options: Partial<Parameters<typeof createStatusHandler>[0]> = {}) {
  const dir = await Deno.makeTempDir({ prefix: "checkup-locations-" });
  const storage = openStorage({ type: "fs", dir });
  await seedLocations(storage);
  const handler = createStatusHandler({ reader: storage, title: "Acme", ...options });
  await handler.refresh();
  await handler.loader.backfill();
  const get = async (path: string) => {
    const res = await handler.fetch(new Request(`http://localhost${path}`));
    assert.equal(res.status, 200, path);
    return res;
  };
  return {
    json: async (path: string) => await (await get(path)).json(),
    text: async (path: string) => await (await get(path)).text(),
    close: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("API: 1 of 3 locations failing is partial, 2 of 3 down; silent and labelled locations", async () => {
  const live = await serve({
    locations: () => [{ node: "asia", location: "Singapore" }, { node: "eu", location: "Frankfurt, DE" }],
  });
  try {
    const view = await live.json("/api/v1/status");
    assert.equal(view.status, "down");
    const [web, api, db] = view.endpoints;
    assert.deepEqual([web.status, api.status, db.status], ["healthy", "partial", "down"]);
    assert.deepEqual(api.quorum, { live: 3, needed: 2, failing: 1, down: 1, rule: "majority" });
    assert.deepEqual(db.quorum, { live: 3, needed: 2, failing: 2, down: 2, rule: "majority" });
    assert.match(api.reason, /from asia: 503/);
    assert.equal(web.uptime["24h"], 100);
    assert.equal(api.uptime["24h"], 100, "a failure below the quorum is no outage");
    assert.ok(db.uptime["24h"] < 100 && db.uptime["24h"] > 80, `db uptime ${db.uptime["24h"]}`);
    assert.deepEqual(
      api.incidents.map((i: { status: string; nodes: string[]; end: null }) => [i.status, i.nodes, i.end]),
      [
        ["partial", ["asia"], null],
      ],
    );
    assert.equal(db.incidents[0].status, "down");
    assert.ok(api.slots.combined.includes("partial") && !api.slots.combined.includes("down"));
    assert.deepEqual(
      api.nodes.map((
        n: { node: string; location: string; status: string; silent: boolean; stale: boolean },
      ) => [
        n.node,
        n.location,
        n.status,
        n.silent,
        n.stale,
      ]),
      [
        ["asia", "Singapore", "down", false, false],
        ["eu", "Frankfurt, DE", "healthy", false, false],
        ["sa", "sa", "healthy", true, true],
        ["us", "us", "healthy", false, false],
      ],
    );
    const sa = view.locations.find((l: { node: string }) => l.node === SILENT);
    assert.equal(sa.silent, true);
    assert.ok(sa.silent_for >= 40 * 60_000 - 5000, `silent for ${sa.silent_for}`);
    assert.deepEqual(
      view.locations.map((
        l: { node: string; silent: boolean; duplicate: boolean },
      ) => [l.node, l.silent, l.duplicate]),
      [["asia", false, false], ["eu", false, false], ["sa", true, false], ["us", false, false]],
    );

    const list = await live.json("/api/v1/endpoints");
    assert.equal(list.endpoints[1].status, "partial");
    assert.equal(list.endpoints[1].quorum.needed, 2);
    assert.equal(list.endpoints[1].nodes[0].location, "Singapore");
    const one = await live.json("/api/v1/endpoints/api?range=7d");
    assert.equal(one.status, "partial");
    assert.deepEqual(one.quorum, api.quorum);

    const badge = await live.text("/badges/api/status.svg");
    assert.match(badge, /aria-label="API: partial"/);
    assert.match(badge, /#d2651e/, "partial has its own colour");
    assert.match(await live.text("/badges/database/status.svg"), /aria-label="Database: down"/);
    assert.match(await live.text("/badges/status.svg"), /: down"/);

    const metrics = await live.text("/metrics");
    assert.match(metrics, /checkup_endpoint_status\{id="api",[^}]*status="partial"\} 1/);
    assert.match(metrics, /checkup_endpoint_status\{id="api",[^}]*status="down"\} 0/);
    assert.match(metrics, /checkup_endpoint_status\{id="website",[^}]*status="partial"\} 0/);
    assert.match(metrics, /checkup_endpoint_up\{id="api",[^}]*\} 1/);
    assert.match(metrics, /checkup_endpoint_node_up\{id="api",[^}]*location="Singapore",node="asia"\} 0/);
    assert.match(metrics, /checkup_location_silent\{node="sa",location="sa"\} 1/);
    for (const n of LIVE) {
      assert.match(metrics, new RegExp(`checkup_location_silent\\{node="${n}",[^}]*\\} 0`));
    }
    const lint = await promtool(metrics);
    if (lint !== undefined) assert.equal(lint.code, 0, `promtool check metrics: ${lint.output}`);
  } finally {
    await live.close();
  }
});

Deno.test("API: a per-checker quorum and silent_after change the combined status", async () => {
  // API needs one location; silent_after of an hour keeps sa (silent for 40 minutes) in the quorum.
  const live = await serve({
    quorum: quorumRules(undefined, [{ title: "API", quorum: { count: 1 } }]),
    silentAfter: 3_600_000,
    locations: () => [{ node: "us", duplicate: true }],
  });
  try {
    const view = await live.json("/api/v1/status");
    const [, api, db] = view.endpoints;
    assert.equal(api.status, "down");
    assert.deepEqual(api.quorum, { live: 4, needed: 1, failing: 1, down: 1, rule: "1" });
    // sa's last word was healthy: 2 of 4 down is below a majority of 4 (3).
    assert.equal(db.status, "partial");
    assert.equal(db.quorum.needed, 3);
    assert.equal(view.locations.find((l: { node: string }) => l.node === "sa").silent, false);
    assert.equal(view.locations.find((l: { node: string }) => l.node === "us").duplicate, true);
    assert.match(await live.text("/badges/api/status.svg"), /aria-label="API: down"/);
  } finally {
    await live.close();
  }
});

Deno.test("serve --export writes the config's quorum and silent_after into the site's config.json", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkup-export-locations-" });
  try {
    await Deno.writeTextFile(
      `${dir}/checkup.json`,
      JSON.stringify({
        quorum: "50%",
        silent_after: "10m",
        checkers: [
          { type: "tcp", endpoint_name: "Database", endpoint_url: "db.example.com:5432", quorum: 3 },
          // A secret of the config is not needed to write the page.
          { type: "tcp", endpoint_name: "Cache", endpoint_url: "${CHECKUP_TEST_UNSET_SECRET_Q7}:6379" },
        ],
      }),
    );
    const io = memoryIo();
    assert.equal(
      await runCli(["-c", `${dir}/checkup.json`, "serve", "--export", `${dir}/site`], io),
      0,
      io.stderr,
    );
    const config = JSON.parse(await Deno.readTextFile(`${dir}/site/config.json`));
    assert.deepEqual(
      [config.quorum, config.quorum_by_title, config.silent_after],
      ["50%", { Database: 3 }, "600s"],
    );
    assert.ok(Array.isArray(config.summaries), "the rest of the template is kept");
    // A hand-written config.json keeps its keys; only the locations' keys are set.
    await Deno.writeTextFile(`${dir}/site/config.json`, '{"summaries":["mine.json"],"quorum":2}');
    assert.equal(
      await runCli(["-c", `${dir}/checkup.json`, "serve", "--export", `${dir}/site`], memoryIo()),
      0,
    );
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/site/config.json`)), {
      summaries: ["mine.json"],
      quorum: "50%",
      quorum_by_title: { Database: 3 },
      silent_after: "600s",
    });
    const again = await Deno.readTextFile(`${dir}/site/config.json`);
    assert.equal(
      await runCli(["-c", `${dir}/checkup.json`, "serve", "--export", `${dir}/site`], memoryIo()),
      0,
    );
    assert.equal(await Deno.readTextFile(`${dir}/site/config.json`), again, "unchanged: not rewritten");
    // A quorum that is not one: the export fails and says where.
    await Deno.writeTextFile(
      `${dir}/checkup.json`,
      JSON.stringify({
        checkers: [{ type: "tcp", endpoint_name: "X", endpoint_url: "x:1", quorum: "half" }],
      }),
    );
    const bad = memoryIo();
    assert.equal(await runCli(["-c", `${dir}/checkup.json`, "serve", "--export", `${dir}/site`], bad), 1);
    assert.match(
      bad.stderr,
      /checkup\.json: 1 problem\n\s+checkers\[0\]\.quorum: expected a share of the locations like "50%"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve reads the nodes' presence: labels, and a node name two processes write on /healthz and the page", async () => {
  const { Locations } = await import("../locations/locations.ts");
  const { silentLogger } = await import("../log.ts");
  const { systemClock } = await import("../clock.ts");
  const dir = await Deno.makeTempDir({ prefix: "checkup-presence-" });
  const storage = openStorage({ type: "fs", dir });
  const { isSharedStore } = await import("../storage/storage.ts");
  assert.ok(isSharedStore(storage));
  try {
    const make = (node: string, location?: string) =>
      new Locations({
        shared: storage,
        node,
        location,
        quorum: () => undefined,
        clock: systemClock,
        logger: silentLogger,
      });
    const result = (node: string) => ({
      title: "API",
      endpoint: "https://api.example/",
      timestamp: systemClock.now(),
      node,
      times: [{ rtt: 2e7 }],
      healthy: true,
    });
    // Two processes both named eu (each notices the other after its first write), and us with a label.
    const [a, b, us] = [make("eu"), make("eu"), make("us", "Ashburn, VA")];
    for (let i = 0; i < 2; i++) {
      for (const l of [a, b]) await storage.store([result("eu")]), await l.round([result("eu")]);
      await storage.store([result("us")]);
      await us.round([result("us")]);
    }
    const handler = createStatusHandler({ reader: storage, title: "Acme" });
    await handler.refresh();
    const health = await (await handler.fetch(new Request("http://localhost/healthz"))).json();
    assert.equal(health.status, "degraded");
    assert.deepEqual(health.duplicate_nodes, ["eu"]);
    const view = await (await handler.fetch(new Request("http://localhost/api/v1/status"))).json();
    const byNode = Object.fromEntries(view.locations.map((l: { node: string }) => [l.node, l]));
    assert.equal(byNode.eu.duplicate, true);
    assert.equal(byNode.us.location, "Ashburn, VA");
    assert.ok(!byNode.us.duplicate);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
