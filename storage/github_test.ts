import assert from "node:assert/strict";
import { parseStorage } from "../config/load.ts";
import { startFakeGithub } from "../tests/helpers/fake_github.ts";
import { storageConformance } from "./_conformance.ts";
import { parseIndex } from "./fs.ts";
import { isMaintainer, isStorageReader } from "./storage.ts";

const gh = await startFakeGithub();
let n = 0;

const base = (repo: string) => ({
  type: "github",
  access_token: gh.token,
  repository_owner: "acme",
  repository_name: repo,
  committer_name: "Checkup",
  committer_email: "checkup@example.com",
  branch: "gh-pages",
  dir: "checks",
  api_url: gh.url,
});

storageConformance("github", {
  config(extra = {}) {
    return Promise.resolve({ ...base(`status${n++}`), ...extra });
  },
  seedGo(config, name, _ts, body) {
    const repo = `acme/${config.repository_name}`;
    gh.seed(repo, `checks/${name}`, body.trimEnd(), "gh-pages");
    return Deno.readTextFile(new URL("../tests/fixtures/go/fs/index.json", import.meta.url)).then((index) =>
      gh.seed(repo, "checks/index.json", index, "gh-pages")
    );
  },
  afterConcurrent(config, names) {
    // index.json in the repository (what a GitHub Pages status page reads) lost no entry to SHA conflicts.
    const index = parseIndex(
      gh.files(`acme/${config.repository_name}`, "gh-pages").get("checks/index.json")!.text,
    );
    assert.deepEqual([...index.keys()].sort(), [...names].sort());
    return Promise.resolve();
  },
});

Deno.test("github: Go's commit messages and committer; maintenance also cleans index.json under dir", async () => {
  const day = 86_400_000_000_000n;
  let t = 1_700_000_000_000_000_000n - 10n * day;
  const s = parseStorage({ ...base("maint"), check_expiry: "7d", commit_message_suffix: " " } as never, {
    now: () => t,
  });
  assert.ok(isMaintainer(s) && isStorageReader(s));
  const old = await s.store([{ title: "old", timestamp: 1n }]);
  t += 10n * day;
  const fresh = await s.store([{ title: "fresh", timestamp: 2n }]);
  const commits = gh.commits.filter((c) => c.repo === "acme/maint");
  assert.deepEqual(commits.slice(0, 2).map((c) => c.message), [
    `[checkup] store checks/${old}  `,
    "[checkup] store checks/index.json  ",
  ]);
  assert.deepEqual(commits[0].committer, { name: "Checkup", email: "checkup@example.com" });
  assert.equal(commits[0].branch, "gh-pages");
  assert.equal(await s.maintain(), 1);
  const files = gh.files("acme/maint", "gh-pages");
  assert.ok(!files.has(`checks/${old}`));
  assert.deepEqual([...parseIndex(files.get("checks/index.json")!.text).keys()], [fresh]);
  assert.ok(gh.commits.some((c) => c.message === `[checkup] delete checks/${old}  `));
  assert.deepEqual((await s.index()).map((e) => e.name), [fresh]);
});

Deno.test("github: default suffix [ci skip]; a wrong token is one clear error without the token", async () => {
  const s = parseStorage({ ...base("suffix"), dir: "" } as never);
  const name = await s.store([]);
  assert.ok(gh.commits.some((c) => c.message === `[checkup] store ${name} [ci skip]`));
  const bad = parseStorage({ ...base("suffix"), access_token: "ghp_wrongtoken_secret" } as never);
  await assert.rejects(bad.store([]), (e: Error) => {
    assert.match(
      e.message,
      /^storage github: store in acme\/suffix \(branch gh-pages\) at 127\.0\.0\.1:\d+: the access_token was refused/,
    );
    assert.doesNotMatch(e.message, /wrongtoken/);
    return true;
  });
  assert.throws(
    () => parseStorage({ type: "github", repository_owner: "a", repository_name: "b" } as never),
    /storage\.access_token: required: expected a GitHub token \(Please specify access_token/,
  );
});

Deno.test("github: concurrent stores in one process lose no index entry to SHA conflicts", async () => {
  const before = gh.requests.get("conflict") ?? 0;
  const a = parseStorage(base("race") as never), b = parseStorage(base("race") as never);
  const names = await Promise.all(
    Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).store([{ title: `r${i}`, timestamp: BigInt(i) }])),
  );
  assert.ok((gh.requests.get("conflict") ?? 0) > before, "the race produced SHA conflicts");
  const index = parseIndex(gh.files("acme/race", "gh-pages").get("checks/index.json")!.text);
  assert.deepEqual([...index.keys()].sort(), [...names].sort());
  assert.equal(new Set(names).size, 10);
});

Deno.test("github: stop the fake", async () => {
  await gh.stop();
});
