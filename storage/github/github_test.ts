import assert from "node:assert/strict";
import { Checkup } from "../../checkup.ts";
import { silentLogger } from "../../log.ts";
import { parseStorage } from "../../config/load.ts";
import { SummarizingStorage } from "../summarizing.ts";
import { decodeRollup } from "../../status/codec.js";
import { startFakeGithub } from "../../tests/helpers/fake_github.ts";
import { storageConformance } from "../_conformance.ts";
import { parseIndex } from "../fs.ts";
import type { GithubStorage } from "./mod.ts";
import { isMaintainer, isRejection, isStorageReader, isSummaryStore } from "../storage.ts";

const gh = await startFakeGithub();
// Teardown, not a test: runs after this file's tests, also when one failed or was filtered out.
Deno.test.afterAll(() => gh.stop());
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
    return Deno.readTextFile(new URL("../../tests/fixtures/go/fs/index.json", import.meta.url)).then((
      index,
    ) => gh.seed(repo, "checks/index.json", index, "gh-pages"));
  },
  afterConcurrent(config, names) {
    // index.json in the repository (what a GitHub Pages status page reads) lost no entry to SHA conflicts.
    const index = parseIndex(
      gh.files(`acme/${config.repository_name}`, "gh-pages").get("checks/index.json")!.text,
    );
    assert.deepEqual([...index.keys()].sort(), [...names].sort());
    // Several processes, one commit per round: the branch's first index.json plus one per stored round.
    const commits = gh.commits.filter((c) => c.repo === `acme/${config.repository_name}`);
    assert.equal(commits.length, names.length + 1);
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
  // An empty branch gets its index.json first (the git data API needs a commit to build on); then one
  // commit per round, named after its check file.
  assert.deepEqual(commits.map((c) => c.message), [
    "[checkup] store checks/index.json  ",
    `[checkup] store checks/${old}  `,
    `[checkup] store checks/${fresh}  `,
  ]);
  assert.deepEqual(commits[1].committer, { name: "Checkup", email: "checkup@example.com" });
  assert.equal(commits[1].branch, "gh-pages");
  assert.equal(await s.maintain(), 1);
  const files = gh.files("acme/maint", "gh-pages");
  assert.ok(!files.has(`checks/${old}`));
  assert.deepEqual([...parseIndex(files.get("checks/index.json")!.text).keys()], [fresh]);
  // Byte-exact as Go's json.Marshal writes it: compact, no trailing newline (fs's json.Encoder adds one).
  assert.equal(files.get("checks/index.json")!.text, `{"${fresh}":${t}}`);
  assert.equal(
    gh.commits.filter((c) => c.repo === "acme/maint").at(-1)!.message,
    `[checkup] delete checks/${old}  `,
  );
  assert.equal(
    gh.commits.filter((c) => c.repo === "acme/maint").length,
    4,
    "one commit for the expired files",
  );
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

Deno.test("github: concurrent stores lose no index entry when the branch moves; one commit per round", async () => {
  const before = gh.requests.get("conflict") ?? 0;
  gh.seed("acme/race", "README.md", "status data", "gh-pages");
  const a = parseStorage(base("race") as never), b = parseStorage(base("race") as never);
  const names = await Promise.all(
    Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).store([{ title: `r${i}`, timestamp: BigInt(i) }])),
  );
  assert.ok((gh.requests.get("conflict") ?? 0) > before, "the race produced SHA conflicts");
  const index = parseIndex(gh.files("acme/race", "gh-pages").get("checks/index.json")!.text);
  assert.deepEqual([...index.keys()].sort(), [...names].sort());
  assert.equal(new Set(names).size, 10);
  assert.equal(gh.commits.filter((c) => c.repo === "acme/race").length, 10, "one commit per round");
  assert.equal(gh.files("acme/race", "gh-pages").get("README.md")?.text, "status data", "other files kept");
});

Deno.test("github: each node's summary is <dir>/<key>.json on the branch, in each round's one commit, none when unchanged", async () => {
  const s = parseStorage(base("summary") as never) as GithubStorage;
  assert.ok(isSummaryStore(s));
  const summaryCommits = () =>
    gh.commits.filter((c) => c.repo === "acme/summary" && c.message.includes("summary-eu"));
  // Three rounds stored through the summaries, then one end of round: one summary commit.
  const summarizing = new SummarizingStorage(s, { logger: silentLogger });
  for (let i = 0; i < 3; i++) {
    const t = 1_800_000_000_000_000_000n + BigInt(i) * 60_000_000_000n;
    const results = [{
      title: "API",
      endpoint: "https://api.example",
      timestamp: t,
      healthy: true,
      node: "eu",
    }];
    await summarizing.store(results, undefined, { at: t });
  }
  const roundCommits = gh.commits.filter((c) => c.repo === "acme/summary");
  assert.equal(roundCommits.length, 4, "the branch's first index.json, then one commit per round");
  assert.equal(summaryCommits().length, 0, "the summary rides in the rounds' commits");
  assert.deepEqual(await summarizing.endRound(), {});
  assert.equal(gh.commits.filter((c) => c.repo === "acme/summary").length, 4, "nothing left for the end");
  const file = gh.files("acme/summary", "gh-pages").get("checks/summary-eu.json")!;
  assert.deepEqual([...decodeRollup(JSON.parse(file.text)).endpoints.values()][0].totals, [0, 3, 0, 0]);
  assert.equal(await s.loadSummary("summary-eu"), file.text);
  assert.equal(await s.loadSummary("summary-us"), undefined);
  assert.equal((await s.index()).length, 3, "the summary is not a round");
  // Saved on its own: the same text again makes no commit.
  await s.saveSummary("summary-eu", file.text);
  assert.equal(summaryCommits().length, 0);
  // Changed behind this process's back (edited by hand): read again and replaced, not a failure.
  gh.seed("acme/summary", "checks/summary-eu.json", "{}", "gh-pages");
  await s.saveSummary("summary-eu", file.text + "\n");
  assert.equal(gh.files("acme/summary", "gh-pages").get("checks/summary-eu.json")!.text, file.text + "\n");
  assert.deepEqual(summaryCommits().map((c) => [c.message, c.branch]), [
    ["[checkup] update checks/summary-eu.json [ci skip]", "gh-pages"],
  ]);
  await assert.rejects(s.saveSummary("../x", "{}"), /storage github: invalid summary key/);
});

Deno.test("github: checkup every makes one commit per round: the check file, index.json and the summary", async () => {
  const spoolDir = await Deno.makeTempDir();
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok"));
  const checkup = new Checkup({
    node: "eu-west",
    checkers: [{ type: "http", endpoint_name: "site", endpoint_url: `http://127.0.0.1:${http.addr.port}/` }],
    storage: base("every") as never,
  }, { spool: { dir: spoolDir } }); // the whole pipeline: the spool over the summaries over github
  const ac = new AbortController();
  let rounds = 0;
  try {
    await checkup.every(20e6, ac.signal, () => void (++rounds === 3 && ac.abort()));
    const messages = gh.commits.filter((c) => c.repo === "acme/every").map((c) => c.message.split(" ")[2]);
    assert.equal(messages.length, 4, "the branch's first index.json, then one commit per round");
    assert.equal(messages.filter((m) => /-check\.json$/.test(m)).length, 3);
    const summary = gh.files("acme/every", "gh-pages").get("checks/summary-eu-west.json")!;
    assert.deepEqual([...decodeRollup(JSON.parse(summary.text)).endpoints.values()][0].totals, [0, 3, 0, 0]);
  } finally {
    ac.abort();
    await checkup.close();
    await http.shutdown();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("github: a file GitHub refuses (422, not a taken name) fails at once as a rejection of the round", async () => {
  // A proxy in front of the fake answers GitHub's 422 for one round's file, as GitHub does for a file it
  // will not take; everything else reaches the fake.
  let puts = 0;
  gh.seed("acme/refused", "README.md", "x", "gh-pages");
  const proxy: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    if (req.method === "POST" && /\/git\/trees$/.test(new URL(req.url).pathname)) {
      puts++;
      const body = await req.clone().text();
      if (body.includes("poison")) {
        return Response.json({ message: "Invalid request.\n\nThe file is too large." }, { status: 422 });
      }
    }
    return await fetch(req);
  };
  const s = parseStorage(base("refused") as never, { fetch: proxy });
  await assert.rejects(s.store([{ title: "poison", timestamp: 1n }]), (e: Error) => {
    assert.match(e.message, /^storage github: store in acme\/refused .*The file is too large/);
    assert.ok(isRejection(e, s));
    return true;
  });
  assert.equal(puts, 1, "one try, not one per nanosecond");
  assert.ok(await s.store([{ title: "fine", timestamp: 2n }]));
});
