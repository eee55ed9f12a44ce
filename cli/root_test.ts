import assert from "node:assert/strict";
import { build } from "./commands.ts";
import { memoryIo } from "./io.ts";
import { quickRootOptions } from "./root.ts";

/** The root command's options as commander parses `argv` (its action replaced so nothing runs). */
async function commanderOptions(argv: string[]): Promise<Record<string, unknown>> {
  const program = build(memoryIo(), () => {});
  let got: Record<string, unknown> = {};
  program.action((_o, cmd) => {
    got = cmd.opts();
  });
  await program.parseAsync(argv, { from: "user" });
  return got;
}

Deno.test("the root command read without commander gives exactly commander's options", async () => {
  const forms = [
    [],
    ["-c", "one.json"],
    ["--config", "one.json", "--store"],
    ["--config=one.json", "--json", "--print", "--store"],
    ["--store", "-c", "a.json", "-c", "b.json"],
    ["--log-level", "debug", "--log-format=json"],
    ["--log-level=error", "--log-format", "text", "-c", "/etc/checkup/checkup.json"],
    ["--json", "--json"],
  ];
  for (const argv of forms) {
    assert.deepEqual({ ...quickRootOptions(argv) }, await commanderOptions(argv), argv.join(" "));
  }
});

Deno.test("anything but the root command's options is left to commander", () => {
  const forms = [
    ["every", "1m"],
    ["--help"],
    ["-h"],
    ["-v"],
    ["--version"],
    ["-c"],
    ["--config="],
    ["-c", "--store"],
    ["--log-level", "loud"],
    ["--log-format=yaml"],
    ["-cone.json"],
    ["--stor"],
    ["--store", "extra"],
    ["--", "-c", "x"],
    ["serve", "--listen", ":3000"],
  ];
  for (const argv of forms) assert.equal(quickRootOptions(argv), undefined, argv.join(" "));
});
