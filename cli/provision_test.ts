import assert from "node:assert/strict";
import { join } from "node:path";
import { startS3 } from "../tests/helpers/s3.ts";
import { memoryIo } from "./io.ts";
import { runCli } from "./program.ts";

Deno.test("checkup provision creates the configured bucket and prints what it created", async () => {
  const s3 = await startS3();
  const dir = await Deno.makeTempDir();
  try {
    const config = join(dir, "checkup.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        checkers: [],
        storage: {
          type: "s3",
          bucket: "status",
          prefix: "checks",
          endpoint: s3.endpoint,
          force_path_style: true,
          access_key_id: s3.accessKeyId,
          secret_access_key: s3.secretAccessKey,
        },
      }),
    );
    const io = memoryIo();
    assert.equal(await runCli(["provision", "-c", config], io), 0, io.stderr);
    assert.match(io.stdout, /^One sec\.\.\.\nProvision successful\n\n/);
    assert.match(io.stdout, /\n {13}Bucket: status\n/);
    assert.match(io.stdout, /Public read: s3:\/\/status\/checks\/\* /);
    assert.doesNotMatch(io.stdout, /S3RVER/, "credentials are never printed");
    assert.ok(s3.policies.has("status"));

    await Deno.writeTextFile(config, JSON.stringify({ storage: { type: "fs", dir } }));
    const fsIo = memoryIo();
    assert.equal(await runCli(["provision", "-c", config], fsIo), 1);
    assert.match(fsIo.stderr, /storage fs does not need provisioning \(only s3 does\)/);

    const bad = memoryIo();
    assert.equal(await runCli(["provision", "gcs", "-c", config], bad), 2);
    assert.match(bad.stderr, /unknown storage provider 'gcs'/);
  } finally {
    await s3.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
