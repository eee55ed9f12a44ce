import assert from "node:assert/strict";
import { parseStorage } from "../config/load.ts";
import { startS3 } from "../tests/helpers/s3.ts";
import { storageConformance } from "./_conformance.ts";
import type { S3Storage } from "./s3.ts";
import { isMaintainer, isProvisioner, isStorageReader, readRounds } from "./storage.ts";

const s3 = await startS3();
let n = 0;

const base = () => ({
  type: "s3",
  endpoint: s3.endpoint,
  force_path_style: true,
  region: "us-east-1",
  access_key_id: s3.accessKeyId,
  secret_access_key: s3.secretAccessKey,
});

storageConformance("s3", {
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
    const cors = await (await fetch(`${s3.endpoint}/status-page?cors`)).text();
    assert.match(cors, /<AllowedMethod>GET<\/AllowedMethod>/);
    assert.match(cors, /<MaxAgeSeconds>3000<\/MaxAgeSeconds>/);
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

Deno.test("s3: stop the server", async () => {
  await s3.stop();
});
