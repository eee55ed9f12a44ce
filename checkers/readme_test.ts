/** The README's checkers section documents every registered type and key, and its examples resolve. */
import assert from "node:assert/strict";
import { resolveConfig } from "../config/load.ts";
import { readmeSection, typeSubsection } from "../tests/helpers/readme.ts";
import { schemaKeys } from "../config/keys.ts";
import { checkerDefinitions } from "./mod.ts";

const section = readmeSection("checkers");
const subsection = (type: string) => typeSubsection(section, type);

Deno.test("README: every checker type has a table listing each of its keys", () => {
  for (const d of checkerDefinitions) {
    const text = subsection(d.type);
    const rows = text.split("\n").filter((l) => l.startsWith("| `"));
    for (const key of schemaKeys(d.schema).filter((k) => k !== "type")) {
      assert.ok(
        rows.some((r) => r.split("|")[1].includes(`\`${key}\``)),
        `${d.type}: no table row for ${key}`,
      );
    }
  }
});

Deno.test("README: every checker example resolves without warnings", () => {
  const examples = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));
  // Secrets are written as ${ENV} (a heartbeat's token): any 24 characters stand in for them.
  const resolved = resolveConfig({ checkers: examples }, { env: () => "abcdefghijklmnopqrstuvwx" });
  assert.deepEqual(resolved.warnings, []);
  assert.deepEqual(resolved.checkers.map((c) => c.definition.type), checkerDefinitions.map((d) => d.type));
});
