/**
 * The status page hosted statically in an S3 bucket, in headless Chromium: the `s3` storage (in-process
 * s3rver) keeps the check objects and each node's summary under its prefix, `checkup provision` makes the
 * bucket a website, the exported page is uploaded under the same prefix, and the page loads its data from
 * the bucket. Screenshot: out/screenshots/static-s3-desktop.png.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { silentLogger } from "../../log.ts";
import { exportPage } from "../../cli/serve.ts";
import { parseStorage } from "../../config/load.ts";
import type { Result } from "../../result.ts";
import { SummaryUpdate } from "../../storage/summarizing.ts";
import type { S3Storage } from "../../storage/s3/mod.ts";
import type { StoreOptions } from "../../storage/storage.ts";
import { startS3 } from "../helpers/s3.ts";
import { seedHistory } from "../serve_fixture.ts";
import { assertSeededCards, chromiumAvailable, launchChromium, open } from "./_browser.ts";

const SHOTS = new URL("../../out/screenshots/", import.meta.url);
const available = chromiumAvailable();

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  json: "application/json",
};

async function* files(dir: string): AsyncIterable<string> {
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) yield* files(join(dir, e.name));
    else yield join(dir, e.name);
  }
}

Deno.test({
  name: "status page hosted statically in an S3 bucket (website endpoint), data from the bucket, in Chromium",
  ignore: !available,
  async fn() {
    const s3 = await startS3();
    const dir = await Deno.makeTempDir({ prefix: "checkup-static-s3-" });
    const config = {
      type: "s3" as const,
      bucket: "status-site",
      prefix: "status/",
      endpoint: s3.endpoint,
      force_path_style: true,
      region: "us-east-1",
      access_key_id: s3.accessKeyId,
      secret_access_key: s3.secretAccessKey,
    };
    const storage = parseStorage(config) as S3Storage;
    const client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: "us-east-1",
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    const browser = available ? await launchChromium() : undefined;
    try {
      await storage.provision();
      // Two nodes' history and a site message, stored as `checkup every` does: each round is folded into
      // its node's summary.
      const update = new SummaryUpdate(storage, silentLogger);
      await seedHistory({
        type: "s3",
        async store(results: readonly Result[], signal?: AbortSignal, options?: StoreOptions) {
          const name = await storage.store(results, signal, options);
          await update.add(results, signal);
          return name;
        },
      });
      assert.equal(await update.save(), 3, "eu-west, us-east and the node-less site message");
      // The exported page, uploaded under the storage's prefix (as `aws s3 sync site/ s3://…/status/`).
      await exportPage(`${dir}/site`, { config: "checkup.json", title: "S3 status" });
      await Deno.writeTextFile(
        `${dir}/site/config.json`,
        JSON.stringify({
          title: "S3 status",
          summaries: ["summary-eu-west.json", "summary-us-east.json", "summary.json"],
        }),
      );
      for await (const path of files(`${dir}/site`)) {
        const key = config.prefix + relative(`${dir}/site`, path);
        await client.send(
          new PutObjectCommand({
            Bucket: config.bucket,
            Key: key,
            Body: await Deno.readFile(path),
            ContentType: TYPES[path.slice(path.lastIndexOf(".") + 1)] ?? "application/octet-stream",
          }),
        );
      }
      const base = `${s3.endpoint}/${config.bucket}/${config.prefix}`;
      // The website endpoint answers the folder with its index document.
      const { page, requests, problems } = await open(browser!, base);
      assert.equal(await page.textContent("#page-title"), "S3 status");
      await assertSeededCards(page);
      assert.deepEqual(
        requests.filter((u) => u.endsWith(".json")).map((u) => u.slice(base.length)),
        ["config.json", "summary-eu-west.json", "summary-us-east.json", "summary.json"],
        "the config and one summary per node, from the bucket",
      );
      for (const url of requests) {
        assert.ok(url.startsWith(`${s3.endpoint}/`), `a request left s3rver: ${url}`);
      }
      assert.deepEqual(problems, []);
      await Deno.mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: new URL("static-s3-desktop.png", SHOTS).pathname, fullPage: true });
      await page.context().close();
    } finally {
      await browser?.close();
      client.destroy();
      await storage.close();
      await s3.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
