/**
 * The library's public surface, as `deno doc` (and so JSR) sees it: what a user of the library needs,
 * nothing of the engine's insides, and no symbol declared in a file whose name says "never exported".
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const ENTRY_POINTS = ["mod.ts", "checkers/mod.ts", "notifiers/mod.ts"];

interface DocSymbol {
  name: string;
  declarations: { location: { filename: string } }[];
}

async function surface(): Promise<Map<string, DocSymbol[]>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...ENTRY_POINTS],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const doc = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    nodes: Record<string, { symbols: DocSymbol[] }>;
  };
  return new Map(
    Object.entries(doc.nodes).map(([url, node]) => [url.slice(ROOT.href.length), node.symbols]),
  );
}

Deno.test("the entry points export no symbol declared in a file or folder named _*", async () => {
  for (const [entry, symbols] of await surface()) {
    for (const s of symbols) {
      for (const d of s.declarations) {
        const file = d.location.filename.slice(ROOT.href.length);
        assert.ok(!/(^|\/)_[^/]*(\/|\.ts$)/.test(file), `${entry} exports ${s.name} from ${file}`);
      }
    }
  }
});

Deno.test("the alert engine's and the checkers' insides are not public API", async () => {
  const exported = new Set([...(await surface()).values()].flat().map((s) => s.name));
  for (
    const name of [
      "decideAlerts",
      "commitDecision",
      "observeRound",
      "encodeAlertState",
      "decodeAlertState",
      "notificationId",
      "Outbox",
      "backoffMs",
      "runCheck",
      "RunCheckOptions",
      "attemptSignal",
      "httpChecker",
      "slackNotifier",
    ]
  ) assert.ok(!exported.has(name), `${name} is exported`);
  for (const name of ["Checkup", "HttpChecker", "SlackNotifier", "AlertPipeline", "checkerDefinitions"]) {
    assert.ok(exported.has(name), `${name} is exported`);
  }
});
