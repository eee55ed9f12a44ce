/**
 * The README's storage section documents every registered type: a heading, a table listing each of its
 * keys, and a `checkup.json` example that resolves as written (with no warning but its deprecation).
 */
import assert from "node:assert/strict";
import { resolveConfig } from "../config/load.ts";
import { readmeSection, typeSubsection } from "../tests/helpers/readme.ts";
import { schemaKeys } from "../config/keys.ts";
import { storageDefinitions } from "./mod.ts";

const section = readmeSection("storage");
const subsection = (type: string) => typeSubsection(section, type);

Deno.test("README: every storage type has a table listing each of its keys", () => {
  for (const d of storageDefinitions) {
    const rows = subsection(d.type).split("\n").filter((l) => l.startsWith("| `"));
    for (const key of schemaKeys(d.schema).filter((k) => k !== "type")) {
      assert.ok(
        rows.some((r) => r.split("|")[1].includes(`\`${key}\``)),
        `${d.type}: no table row for ${key}`,
      );
    }
  }
});

Deno.test("README: every storage type has an example that resolves to it, warning only if deprecated", () => {
  for (const d of storageDefinitions) {
    const blocks = [...subsection(d.type).matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));
    assert.equal(blocks.length, 1, `${d.type}: expected one JSON example`);
    const resolved = resolveConfig({ storage: blocks[0] }, { env: () => "a-secret-value" });
    assert.equal(resolved.storage?.definition.type, d.type);
    assert.deepEqual(resolved.warnings, d.deprecated ? [`storage: ${d.deprecated}`] : [], d.type);
  }
});
