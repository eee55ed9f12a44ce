import assert from "node:assert/strict";
import { join } from "node:path";
import { parseStorage } from "../config/load.ts";
import { storageConformance, tempDirs } from "./_conformance.ts";
import { parseIndex } from "./fs.ts";
import { isSharedStore, isStorageReader } from "./storage.ts";

const tempDir = tempDirs("checkup-fs-");

storageConformance("fs", {
  shared: true,
  async config(extra = {}) {
    const dir = await tempDir();
    return { type: "fs", dir: join(dir, "checks"), ...extra };
  },
  async seedGo(config, name, _ts, body) {
    const dir = config.dir as string;
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, name), body);
    await Deno.copyFile(
      new URL("../tests/fixtures/go/fs/index.json", import.meta.url),
      join(dir, "index.json"),
    );
  },
  async afterConcurrent(config, names) {
    // index.json itself (what Go's status page reads) must be complete, not just our merged view.
    const index = parseIndex(await Deno.readTextFile(join(config.dir as string, "index.json")));
    assert.deepEqual([...index.keys()].sort(), [...names].sort());
  },
});

Deno.test("fs writes Go's exact bytes: compact array, trailing newline, sorted index", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = parseStorage({ type: "fs", dir }, { now: () => 1593180000123456789n });
    const name = await s.store([{ title: "<a>", timestamp: 5n, times: [{ rtt: 1 }], healthy: true }]);
    assert.equal(name, "1593180000123456789-check.json");
    assert.equal(
      await Deno.readTextFile(join(dir, name)),
      '[{"title":"\\u003ca\\u003e","timestamp":5,"times":[{"rtt":1}],"healthy":true}]\n',
    );
    assert.equal(
      await Deno.readTextFile(join(dir, "index.json")),
      '{"1593180000123456789-check.json":1593180000123456789}\n',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fs repairs a corrupt or missing index.json from the listing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let t = 1_000n;
    const s = parseStorage({ type: "fs", dir }, { now: () => t++ });
    const a = await s.store([]);
    await Deno.writeTextFile(join(dir, "index.json"), "{not json");
    const b = await s.store([]);
    assert.ok(isStorageReader(s));
    assert.deepEqual((await s.index()).map((e) => e.name), [a, b]);
    await Deno.remove(join(dir, "index.json"));
    assert.deepEqual((await s.index()).map((e) => e.name), [a, b]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fs gives unique names when two rounds are stored in the same nanosecond", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = parseStorage({ type: "fs", dir }, { now: () => 42n });
    const names = await Promise.all([s.store([]), s.store([]), s.store([])]);
    assert.equal(new Set(names).size, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fs reports an unwritable directory clearly and keeps what was stored", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = parseStorage({ type: "fs", dir });
    const first = await s.store([{ title: "kept", timestamp: 1n }]);
    // A directory that cannot be created, even by root: its parent is a regular file.
    const blocked = join(dir, first, "sub");
    const bad = parseStorage({ type: "fs", dir: blocked });
    await assert.rejects(
      bad.store([]),
      (e: Error) => e.message.startsWith(`storage fs: cannot create directory "${blocked}"`),
    );
    assert.ok(isStorageReader(s));
    assert.equal((await s.fetch(first))[0].title, "kept");
    assert.equal((await s.index()).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fs keeps shared documents in <dir>/_shared/<key>, apart from the check files and index.json", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = parseStorage({ type: "fs", dir }, { now: () => 1_000n });
    assert.ok(isSharedStore(s) && isStorageReader(s));
    assert.equal(await s.create("claims/web-0/down-1", '{"node":"eu"}'), true);
    await s.put("latest/eu-west", "[]");
    assert.equal(await Deno.readTextFile(join(dir, "_shared", "claims", "web-0", "down-1")), '{"node":"eu"}');
    assert.equal(await Deno.readTextFile(join(dir, "_shared", "latest", "eu-west")), "[]");
    const name = await s.store([]);
    assert.deepEqual((await s.index()).map((e) => e.name), [name]);
    assert.deepEqual([...parseIndex(await Deno.readTextFile(join(dir, "index.json"))).keys()], [name]);
    // A temporary file left by a crash, and files that are no keys, are not documents.
    await Deno.writeTextFile(join(dir, "_shared", "latest", `~${crypto.randomUUID()}.tmp`), "[");
    await Deno.writeTextFile(join(dir, "_shared", "latest", "README.md"), "by hand");
    assert.deepEqual([...(await s.list("latest/")).keys()], ["latest/eu-west"]);
    // Nothing temporary stays behind after creates, lost creates and puts.
    assert.equal(await s.create("claims/web-0/down-1", "{}"), false);
    const left = [];
    for await (const e of Deno.readDir(join(dir, "_shared", "claims", "web-0"))) left.push(e.name);
    assert.deepEqual(left, ["down-1"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fs shared documents are never read half-written while they are replaced", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = parseStorage({ type: "fs", dir });
    assert.ok(isSharedStore(s));
    const big = (c: string) => c.repeat(1 << 20);
    await s.put("latest/eu-west", big("a"));
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 40; i++) await s.put("latest/eu-west", big(i % 2 ? "a" : "b"));
      writing = false;
    })();
    let reads = 0;
    while (writing && reads < 10_000) {
      const text: string = (await s.list("latest/")).get("latest/eu-west")!;
      reads++;
      assert.equal(text.length, 1 << 20, "a whole document");
      assert.ok(text === big("a") || text === big("b"), "one version, not a mix");
    }
    await writer;
    assert.ok(reads > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fs reports a shared document it cannot write clearly, naming the path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = parseStorage({ type: "fs", dir });
    assert.ok(isSharedStore(s));
    assert.equal(await s.create("claims/a", "x"), true);
    // "claims/a" is a document, so it cannot be a folder too.
    const path = join(dir, "_shared", "claims", "a", "b");
    await assert.rejects(
      s.create("claims/a/b", "y"),
      (e: Error) => e.message.startsWith(`storage fs: cannot write ${JSON.stringify(path)}: `),
    );
    await assert.rejects(
      s.put("claims/a/b", "y"),
      (e: Error) => e.message.startsWith(`storage fs: cannot write ${JSON.stringify(path)}: `),
    );
    assert.deepEqual([...await s.list("")], [["claims/a", "x"]]);
    assert.deepEqual([...await s.list("claims/a/")], [], "a document is no folder to list");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
