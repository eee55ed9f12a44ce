import assert from "node:assert/strict";
import { createLogger } from "./log.ts";
import { Redactor } from "./_internal/redact.ts";

Deno.test("logger writes leveled text lines with redacted fields", () => {
  const lines: string[] = [];
  const redactor = new Redactor();
  redactor.add("topsecret");
  const log = createLogger({
    level: "info",
    write: (l) => lines.push(l),
    redactor,
    clock: () => new Date(0),
  });
  log.debug("hidden");
  log.warn("store failed", { storage: "fs", error: new Error("denied topsecret") });
  assert.deepEqual(lines, ['1970-01-01T00:00:00.000Z WARN store failed storage=fs error="denied ***"']);
});

Deno.test("logger writes JSON lines", () => {
  const lines: string[] = [];
  const log = createLogger({ format: "json", write: (l) => lines.push(l), clock: () => new Date(0) });
  log.error("x", { n: 1, big: 2n });
  assert.deepEqual(JSON.parse(lines[0]), {
    time: "1970-01-01T00:00:00.000Z",
    level: "error",
    msg: "x",
    n: 1,
    big: "2",
  });
});
