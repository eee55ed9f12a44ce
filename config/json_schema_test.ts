import assert from "node:assert/strict";
import { configJsonSchema, configJsonSchemaText } from "./json_schema.ts";
import { checkerDefinitions } from "../checkers/mod.ts";
import { storageDefinitions } from "../storage/mod.ts";

Deno.test("schema/checkup.schema.json is fresh (run `deno task schema` after changing a config schema)", async () => {
  const committed = await Deno.readTextFile(new URL("../schema/checkup.schema.json", import.meta.url));
  assert.equal(
    committed,
    configJsonSchemaText(),
    "schema/checkup.schema.json is stale: run `deno task schema`",
  );
});

Deno.test("the JSON Schema has one branch per registered type, each requiring its type", () => {
  const schema = configJsonSchema() as {
    properties: Record<string, { items?: { oneOf: unknown[] }; oneOf?: unknown[] }>;
  };
  const checkers = schema.properties.checkers.items!.oneOf as {
    properties: { type: { enum: string[] } };
    required: string[];
  }[];
  assert.deepEqual(checkers.map((b) => b.properties.type.enum[0]), checkerDefinitions.map((d) => d.type));
  for (const b of checkers) assert.ok(b.required.includes("type"));
  const storages = schema.properties.storage.oneOf as { properties: { type: { enum: string[] } } }[];
  assert.deepEqual(storages.map((b) => b.properties.type.enum[0]), storageDefinitions.map((d) => d.type));
});
