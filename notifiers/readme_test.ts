/** The README's notifier section documents every registered type, and its examples resolve as written. */
import assert from "node:assert/strict";
import { resolveConfig } from "../config/load.ts";
import { notifierDefinitions } from "./mod.ts";

const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
const section = readme.slice(
  readme.indexOf("<!-- section:notifiers -->"),
  readme.indexOf("<!-- /section:notifiers -->"),
);

function env(name: string): string {
  if (name.includes("WEBHOOK")) return "https://hooks.example.com/services/T/B/X";
  if (name === "TELEGRAM_BOT_TOKEN") return "123456:ABC-def";
  return "a-secret-value";
}

Deno.test("README: every notifier type has its own heading in the notifiers section", () => {
  for (const d of notifierDefinitions) {
    assert.ok(section.includes(`#### \`${d.type}\``), `no README heading for ${d.type}`);
  }
});

Deno.test("README: every notifier example resolves without warnings", () => {
  const blocks = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));
  const examples = blocks.filter((b) => typeof b.type === "string");
  // At least one example per type (a type may show more than one, e.g. a webhook body template).
  assert.ok(examples.length >= notifierDefinitions.length);
  const resolved = resolveConfig({ notifiers: examples }, { env });
  assert.deepEqual(resolved.warnings, []);
  assert.deepEqual(
    new Set(resolved.notifiers.map((n) => n.definition.type)),
    new Set(notifierDefinitions.map((d) => d.type)),
  );
});
