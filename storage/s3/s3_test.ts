import assert from "node:assert/strict";
import { join } from "node:path";
import { Checkup, type RoundReport } from "../../checkup.ts";
import { silentLogger } from "../../log.ts";
import { parseStorage } from "../../config/load.ts";
import { SummarizingStorage } from "../summarizing.ts";
import { decodeRollup } from "../../status/codec.js";
import { startS3 } from "../../tests/helpers/s3.ts";
import { storageConformance } from "../_conformance.ts";
import type { S3Storage } from "./mod.ts";
import {
  isMaintainer,
  isProvisioner,
  isStateStore,
  isStorageReader,
  isSummaryStore,
  readRounds,
} from "../storage.ts";

const s3 = await startS3();
// Teardown, not a test: runs after this file's tests, also when one failed or was filtered out.
Deno.test.afterAll(() => s3.stop());
let n = 0;

const base = () => s3.storageConfig();

storageConformance("s3", {
  shared: true,
  async config(extra = {}) {
    const bucket = `conf-${Date.now()}-${n++}`;
    await s3.createBucket(bucket);
    return { ...base(), bucket, prefix: "checks/", ...extra };
  },
  async seedGo(config, name, _ts, body) {
    // Go's s3 storage: a plain PutObject of the JSON array, no Content-Type.
    const res = await fetch(`${s3.endpoint}/${config.bucket}/${config.prefix}${name}`, {
      method: "PUT",
      body: body.trimEnd(),
    });
    await res.body?.cancel();
    assert.ok(res.ok);
  },
});

Deno.test("s3: maintenance deletes only expired check objects under the prefix", async () => {
  await s3.createBucket("maint");
  const now = 1_700_000_000_000_000_000n;
  const day = 86_400_000_000_000n;
  const put = async (key: string) => {
    const r = await fetch(`${s3.endpoint}/maint/${key}`, { method: "PUT", body: "[]" });
    await r.body?.cancel();
  };
  // Status-page assets and other folders: Go's Maintain deleted these too.
  await put("index.html");
  await put(`${now - 20n * day}-check.json`);
  await put(`other/${now - 20n * day}-check.json`);
  const s = parseStorage({ ...base(), bucket: "maint", prefix: "checks", check_expiry: "7d" } as never, {
    now: () => now - 10n * day,
  });
  try {
    const old = await s.store([]);
    assert.ok(isMaintainer(s) && isStorageReader(s));
    const fresh = await (parseStorage({ ...base(), bucket: "maint", prefix: "checks/" } as never, {
      now: () => now,
    }))
      .store([]);
    const m = parseStorage({ ...base(), bucket: "maint", prefix: "checks/", check_expiry: "7d" } as never, {
      now: () => now,
    });
    assert.ok(isMaintainer(m) && isStorageReader(m));
    assert.equal(await m.maintain(), 1);
    assert.deepEqual((await m.index()).map((e) => e.name), [fresh]);
    await assert.rejects(m.fetch(old));
    const list = await (await fetch(`${s3.endpoint}/maint?list-type=2`)).text();
    for (
      const key of ["index.html", `${now - 20n * day}-check.json`, `other/${now - 20n * day}-check.json`]
    ) {
      assert.ok(list.includes(`<Key>${key}</Key>`), `${key} kept`);
    }
    await m.close?.();
  } finally {
    await s.close?.();
  }
});

Deno.test("s3: provision creates the bucket with CORS and a public-read policy limited to the prefix", async () => {
  const s = parseStorage({ ...base(), bucket: "status-page", prefix: "checks/" } as never);
  try {
    assert.ok(isProvisioner(s));
    const info = await s.provision();
    assert.equal(info.bucket, "status-page");
    assert.equal(info.created, "bucket");
    const policy = JSON.parse(s3.policies.get("status-page")!) as {
      Statement: { Resource: string; Condition?: unknown }[];
    };
    assert.deepEqual(policy, (s as S3Storage).publicPolicy());
    assert.equal(policy.Statement[0].Resource, "arn:aws:s3:::status-page/checks/*");
    assert.deepEqual(policy.Statement[1].Condition, { StringLike: { "s3:prefix": ["checks/*"] } });
    assert.match(s3.accessBlocks.get("status-page")!, /<BlockPublicPolicy>false<\/BlockPublicPolicy>/);
    // An x-amz-* header makes s3rver answer as the REST API, not as the website the bucket now also is.
    const api = { headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } };
    const cors = await (await fetch(`${s3.endpoint}/status-page?cors`, api)).text();
    assert.match(cors, /<AllowedMethod>GET<\/AllowedMethod>/);
    assert.match(cors, /<MaxAgeSeconds>3000<\/MaxAgeSeconds>/);
    assert.match(info.website!, /^index document index\.html \(the website endpoint serves checks\/\)$/);
    const website = await (await fetch(`${s3.endpoint}/status-page?website`, api)).text();
    assert.match(website, /<IndexDocument><Suffix>index\.html<\/Suffix><\/IndexDocument>/);
    // Running it again keeps the existing bucket.
    assert.match(String((await s.provision()).created), /already exists/);
  } finally {
    await s.close?.();
  }
});

Deno.test("s3: a missing bucket or an unreachable endpoint is one clear error", async () => {
  const s = parseStorage({ ...base(), bucket: "no-such-bucket" } as never);
  await assert.rejects(s.store([]), (e: Error) => {
    assert.match(
      e.message,
      /^storage s3: store in s3:\/\/no-such-bucket\/ at 127\.0\.0\.1:\d+: the bucket does not exist/,
    );
    return true;
  });
  await s.close?.();
  assert.throws(
    () => parseStorage({ type: "s3", bucket: "Bad_Name" }),
    /storage\.bucket: expected a bucket name \(3-63 lowercase/,
  );
});

Deno.test("s3: listings of more than one page (1,000 keys) are complete, and rounds() starts after `since`", async () => {
  await s3.createBucket("pages");
  const base0 = 1_700_000_000_000_000_000n;
  const names: string[] = [];
  for (let i = 0; i < 1105; i += 35) {
    await Promise.all(Array.from({ length: Math.min(35, 1105 - i) }, async (_, j) => {
      const name = `${base0 + BigInt(i + j)}-check.json`;
      names.push(name);
      const r = await fetch(`${s3.endpoint}/pages/${name}`, {
        method: "PUT",
        body: `[{"title":"r${i + j}"}]`,
      });
      await r.body?.cancel();
    }));
  }
  const s = parseStorage({ ...base(), bucket: "pages" } as never);
  try {
    assert.ok(isStorageReader(s));
    assert.deepEqual((await s.index()).map((e) => e.name), names.sort());
    let count = 0;
    let first: string | undefined;
    for await (const r of readRounds(s, base0 + 1000n)) {
      first ??= r.results[0].title;
      count++;
    }
    assert.equal(first, "r1001");
    assert.equal(count, 104);
  } finally {
    await s.close?.();
  }
});

interface PolicyStatement {
  Effect: "Allow" | "Deny";
  Principal: string;
  Action: string;
  Resource: string;
}

/** Whether an anonymous caller may do `action` on `arn` under a bucket policy (S3's rules: an explicit
 * Deny wins, else an Allow is needed; `*` and `?` are wildcards in resources). */
function anonymousMay(policy: { Statement: PolicyStatement[] }, action: string, arn: string): boolean {
  const matches = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`)
      .test(arn);
  const applies = (s: PolicyStatement) => s.Principal === "*" && s.Action === action && matches(s.Resource);
  const statements = policy.Statement.filter(applies);
  return statements.some((s) => s.Effect === "Allow") && !statements.some((s) => s.Effect === "Deny");
}

Deno.test("s3: each node's summary is <prefix><key>.json beside the check objects, public under the provisioned policy; _state/ stays private", async () => {
  const s = parseStorage({ ...base(), bucket: "summaries", prefix: "page/" } as never) as S3Storage;
  try {
    await s.provision();
    assert.ok(isSummaryStore(s) && isStateStore(s));
    const summarizing = new SummarizingStorage(s, { logger: silentLogger });
    for (const t of [1_800_000_000_000_000_000n, 1_800_000_060_000_000_000n]) {
      const results = [{
        title: "API",
        endpoint: "https://api.example",
        timestamp: t,
        healthy: true,
        node: "eu-west",
      }];
      await summarizing.store(results, undefined, { at: t });
    }
    assert.deepEqual(await summarizing.endRound(), {});
    await s.saveState("alerts-eu-west", "{}");
    // What a browser gets: a plain GET of the object, JSON, revalidated every time.
    const res = await fetch(`${s3.endpoint}/summaries/page/summary-eu-west.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(res.headers.get("cache-control"), "no-cache");
    const rollup = decodeRollup(await res.json());
    assert.deepEqual([...rollup.endpoints.values()][0].totals, [0, 2, 0, 0]);
    assert.equal(await s.loadSummary("summary-eu-west"), JSON.stringify(await (await fetch(res.url)).json()));
    assert.equal(await s.loadSummary("summary-us-east"), undefined);
    await assert.rejects(s.loadSummary("../x"), /storage s3: invalid summary key "\.\.\/x"/);
    // The summary is not a round.
    assert.equal((await s.index()).length, 2);
    // The provisioned policy: summaries, check objects and page files under the prefix are public, state not.
    const policy = JSON.parse(s3.policies.get("summaries")!);
    const may = (key: string) => anonymousMay(policy, "s3:GetObject", `arn:aws:s3:::summaries/${key}`);
    assert.ok(may("page/summary-eu-west.json"));
    assert.ok(may("page/1800000000000000000-check.json"));
    assert.ok(may("page/index.html") && may("page/js/app.js"));
    assert.ok(!may("page/_state/alerts-eu-west.json"), "state stays private");
    assert.ok(!may("page/_shared/claims/web-0"), "shared documents stay private");
    assert.ok(!may("other/summary-eu-west.json"), "nothing outside the prefix");
  } finally {
    await s.close();
  }
});

Deno.test("s3: rounds sent later from the spool are folded into the node's summary", async () => {
  const dir = await Deno.makeTempDir();
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
  // The bucket does not exist yet: an outage (404 NoSuchBucket is not a rejection), rounds are spooled.
  const checkup = new Checkup({
    node: "eu-west",
    checkers: [{ type: "http", endpoint_name: "site", endpoint_url: `http://127.0.0.1:${http.addr.port}/` }],
    storage: { ...base(), bucket: "late-bucket", prefix: "checks/" } as never,
  }, { spool: { dir: join(dir, "spool") } });
  const reports: RoundReport[] = [];
  const ac = new AbortController();
  try {
    await checkup.every(20e6, ac.signal, (r) => {
      reports.push(r);
      if (reports.length === 3) return void s3.createBucket("late-bucket");
      if (reports.length === 4) ac.abort();
    });
    assert.deepEqual(reports.map((r) => [!!r.stored, r.spooled ?? 0]), [
      [false, 1],
      [false, 2],
      [false, 3],
      [true, 0],
    ]);
    const storage = checkup.storage as S3Storage;
    assert.equal((await storage.index()).length, 4);
    const summary = decodeRollup(JSON.parse((await storage.loadSummary("summary-eu-west"))!));
    const site = [...summary.endpoints.values()][0];
    assert.deepEqual(site.totals, [0, 4, 0, 0], "the three spooled rounds and the last one");
    assert.equal(site.nodes.get("eu-west")!.runs.length, 1);
  } finally {
    ac.abort();
    await checkup.close();
    await http.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
