import assert from "node:assert/strict";
import { parseStorage } from "../../config/load.ts";
import { startS3 } from "../../tests/helpers/s3.ts";
import { isSharedStore, isStorageReader, type SharedStore, type Storage } from "../storage.ts";
import type { S3Storage } from "./mod.ts";

const s3 = await startS3();
// Teardown, not a test: runs after this file's tests, also when one failed or was filtered out.
Deno.test.afterAll(() => s3.stop());
let n = 0;

async function storage(): Promise<{ s: S3Storage & SharedStore; bucket: string }> {
  const bucket = `shared-${n++}`;
  await s3.createBucket(bucket);
  const s = parseStorage({ ...s3.storageConfig(), bucket, prefix: "checks/" } as never) as S3Storage;
  assert.ok(isSharedStore(s as Storage));
  return { s, bucket };
}

/** A conditional PUT (`If-None-Match: *`) held in flight by the server until `release()`. */
function heldPut(url: string, text: string) {
  const release = Promise.withResolvers<void>();
  s3.conditionalWrites.hold = release.promise;
  const admitted = s3.conditionalWrites.admitted;
  const response = fetch(url, { method: "PUT", body: text, headers: { "if-none-match": "*" } });
  return {
    admitted: until(() => s3.conditionalWrites.admitted > admitted).then(() => {
      s3.conditionalWrites.hold = undefined; // only this one is held
    }),
    release: async () => {
      release.resolve();
      const res = await response;
      await res.body?.cancel();
      return res.status;
    },
  };
}

/** Resolves once `cond()` holds (an event of the in-process server), checked every few milliseconds. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 5000) throw new Error("the awaited event did not happen");
    await new Promise((r) => setTimeout(r, 2));
  }
}

Deno.test("s3rver test double: conditional PutObject answers as AWS S3 does", async () => {
  const { s, bucket } = await storage();
  const url = `${s3.endpoint}/${bucket}/plain-key`;
  const held = heldPut(url, "first");
  try {
    await held.admitted;
    // Another conditional write of the key while the first is in flight: 409, nothing written.
    const conflict = await fetch(url, { method: "PUT", body: "second", headers: { "if-none-match": "*" } });
    assert.equal(conflict.status, 409);
    assert.match(await conflict.text(), /<Code>ConditionalRequestConflict<\/Code>/);
    assert.equal((await fetch(url)).status, 404, "not visible while in flight");
    assert.equal(await held.release(), 200);
    // The key exists now: 412 with AWS's XML error, the object unchanged.
    const taken = await fetch(url, { method: "PUT", body: "third", headers: { "if-none-match": "*" } });
    assert.equal(taken.status, 412);
    assert.match(
      await taken.text(),
      /<Code>PreconditionFailed<\/Code>.*<Condition>If-None-Match<\/Condition>/,
    );
    assert.equal(await (await fetch(url)).text(), "first");
    // Without the header a PUT replaces, as ever.
    await (await fetch(url, { method: "PUT", body: "fourth" })).body?.cancel();
    assert.equal(await (await fetch(url)).text(), "fourth");
  } finally {
    await held.release();
    await s.close();
  }
});

Deno.test("s3: a create that meets a conditional write in flight (409) retries and loses once that one lands", async () => {
  const { s, bucket } = await storage();
  const held = heldPut(`${s3.endpoint}/${bucket}/checks/_shared/claims/web-0`, "theirs");
  try {
    await held.admitted;
    const conflicts = s3.conditionalWrites.conflict;
    const created = s.create("claims/web-0", "mine");
    await until(() => s3.conditionalWrites.conflict > conflicts);
    assert.equal(await held.release(), 200);
    assert.equal(await created, false);
    assert.deepEqual([...await s.list("claims/")], [["claims/web-0", "theirs"]]);
  } finally {
    await held.release();
    await s.close();
  }
});

Deno.test("s3: a create still in conflict after its retries has lost if the key exists, and fails if not", async () => {
  const { s, bucket } = await storage();
  const url = `${s3.endpoint}/${bucket}/checks/_shared/claims/web-1`;
  const held = heldPut(url, "theirs");
  try {
    // A conditional write stays in flight through all the retries and nothing is stored: an error, not a win.
    await held.admitted;
    const conflicts = s3.conditionalWrites.conflict;
    await assert.rejects(
      s.create("claims/web-1", "mine"),
      (e: Error) =>
        e.message.startsWith(`storage s3: create shared document in s3://${bucket}/checks/`) &&
        /conflicting conditional operation/.test(e.message),
    );
    assert.equal(s3.conditionalWrites.conflict - conflicts, 5, "five tries");
    // The key written meanwhile (an unconditional PUT is not held back): the create lost.
    await (await fetch(url, { method: "PUT", body: "written" })).body?.cancel();
    assert.equal(await s.create("claims/web-1", "mine"), false);
    assert.equal(await held.release(), 412, "the held write finds the key taken");
    assert.equal((await s.list("claims/web-1")).get("claims/web-1"), "written");
  } finally {
    await held.release();
    await s.close();
  }
});

Deno.test("s3: a store without conditional writes (501) stores rounds but refuses shared creates, saying why", async () => {
  const { s, bucket } = await storage();
  s3.conditionalWrites.enabled = false;
  try {
    await assert.rejects(
      s.create("claims/web-0", "mine"),
      (e: Error) =>
        e.message.startsWith(`storage s3: create shared document in s3://${bucket}/checks/`) &&
        e.message.includes("does not support conditional writes (If-None-Match: *)") &&
        e.message.includes("several locations cannot coordinate"),
    );
    assert.equal((await s.list("")).size, 0, "nothing written");
    // Check objects fall back to plain PUTs (unique names by time), as before.
    const name = await s.store([{ title: "t", timestamp: 1n }]);
    assert.ok(isStorageReader(s));
    assert.equal((await s.fetch(name))[0].title, "t");
    await s.put("latest/eu-west", "[]");
    assert.equal(await s.create("claims/web-0", "mine").catch(() => "refused"), "refused", "still refused");
  } finally {
    s3.conditionalWrites.enabled = true;
    await s.close();
  }
});

Deno.test("s3: a create whose answer was lost (500, sent again by the SDK, then 412) is won only if the key holds its value", async () => {
  const { s } = await storage();
  try {
    const failed = s3.conditionalWrites.preconditionFailed;
    s3.conditionalWrites.loseAnswers = 1;
    assert.equal(
      await s.create("claims/web-0", '{"node":"eu","instance":"a1"}'),
      true,
      "written by its first try",
    );
    assert.equal(s3.conditionalWrites.loseAnswers, 0, "the answer was lost once");
    assert.equal(
      s3.conditionalWrites.preconditionFailed - failed,
      1,
      "the SDK's second try found the key taken",
    );
    // Another node's create, its answer lost too: the key holds the first node's value, so it lost.
    s3.conditionalWrites.loseAnswers = 1;
    assert.equal(await s.create("claims/web-0", '{"node":"us","instance":"b2"}'), false);
    assert.equal(s3.conditionalWrites.preconditionFailed - failed, 3, "refused, answer lost, refused again");
    assert.equal((await s.list("claims/")).get("claims/web-0"), '{"node":"eu","instance":"a1"}');
  } finally {
    s3.conditionalWrites.loseAnswers = 0;
    await s.close();
  }
});
