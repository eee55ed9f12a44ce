import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { jsonEqual } from "./http_expect.ts";

Deno.test("jsonEqual judges JSON values as isDeepStrictEqual does", () => {
  const values: unknown[] = [
    null,
    true,
    false,
    0,
    -0,
    1,
    1.5,
    "",
    "1",
    "a",
    [],
    [1],
    [1, 2],
    [2, 1],
    [[1], { a: 1 }],
    {},
    { a: 1 },
    { a: 1, b: 2 },
    { b: 2, a: 1 },
    { a: [1, { b: null }] },
    { a: [1, { b: false }] },
    { a: undefined },
    { "0": 1 },
  ];
  for (const a of values) {
    for (const b of values) {
      const x = JSON.parse(JSON.stringify(a) ?? "null"), y = JSON.parse(JSON.stringify(b) ?? "null");
      for (const [p, q] of [[a, b], [x, y]]) {
        assert.equal(
          jsonEqual(p, q),
          isDeepStrictEqual(p, q),
          `${JSON.stringify(p)} vs ${JSON.stringify(q)}`,
        );
      }
    }
  }
});
