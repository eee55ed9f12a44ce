import assert from "node:assert/strict";
import { findJsonSyntaxError, jsonKeyLines } from "./json_error.ts";

// One broken config per message: the place (line:column) and the words. The same texts measured the
// scanner against jsonc-parser (see the module doc).
const BROKEN: [string, string][] = [
  [
    '{\n  "checkers": [\n    { "type": "http" },\n  ]\n}',
    '4:3 expected another value (no trailing commas in JSON), found "]"',
  ],
  [
    '{\n  "checkers": [}\n',
    '2:16 expected a value (object, array, string, number, true, false or null), found "}"',
  ],
  ['{"a": 1,}', '1:9 expected another key (no trailing commas in JSON), found "}"'],
  ["[1,]", '1:4 expected another value (no trailing commas in JSON), found "]"'],
  [
    "// x\n{}",
    "1:1 expected a value (object, array, string, number, true, false or null), found a comment (JSON has no comments)",
  ],
  ['{"a" 1}', "1:6 expected ':' after the key, found \"1\""],
  ['{"a": tru}', '1:7 expected a value (object, array, string, number, true, false or null), found "t"'],
  ['{"a": "x\\q"}', '1:10 expected an escape character, found "q"'],
  ['{"a": 01}', "1:8 expected ',' or '}', found \"1\""],
  ['{"a": 1} x', '1:10 expected the end of the file, found "x"'],
  [
    "",
    "1:1 expected a value (object, array, string, number, true, false or null), found the end of the file",
  ],
  ['{"a": "b\nc"}', '1:9 expected a closing \'"\' (strings cannot span lines), found "\\n"'],
  ['{"a": "\\u12"}', '1:9 expected 4 hex digits after \\u, found "u"'],
  ["{'a': 1}", '1:2 expected a key in double quotes, found "\'"'],
  ['{"a": 1', "1:8 expected ',' or '}', found the end of the file"],
  ['{"a": [1, 2}', "1:12 expected ',' or ']', found \"}\""],
  ['{"a": -}', '1:7 expected a number, found "-"'],
  ['{"a": 1.}', "1:9 expected a digit after '.', found \"}\""],
  ["{a: 1}", '1:2 expected a key in double quotes, found "a"'],
  ['{"a": NaN}', '1:7 expected a value (object, array, string, number, true, false or null), found "N"'],
  ['{"a": 1 /* c */}', "1:9 expected ',' or '}', found a comment (JSON has no comments)"],
  ['{"a":"x"  "b":1}', "1:11 expected ',' or '}', found \"\\\"\""],
  ['{"a": 1e+}', "1:10 expected a digit after 'e', found \"}\""],
];

Deno.test("JSON syntax errors: the place and what was expected, for every kind of mistake", () => {
  for (const [text, expected] of BROKEN) {
    assert.throws(() => JSON.parse(text), SyntaxError, `JSON.parse rejects ${JSON.stringify(text)} too`);
    const e = findJsonSyntaxError(text);
    assert.equal(e && `${e.line}:${e.column} ${e.message}`, expected, JSON.stringify(text));
  }
});

Deno.test("JSON the scanner accepts is the JSON that JSON.parse accepts", () => {
  const valid = [
    '{"a": 2.5e3, "b": -0.5E-2, "c": [true, false, null], "d": "\\u00e9\\n"}',
    " [ ] ",
    '"x"',
    "0",
  ];
  for (const text of valid) {
    JSON.parse(text);
    assert.equal(findJsonSyntaxError(text), undefined, text);
  }
});

Deno.test("key lines: every key of every object, by path, with each line it is written on", () => {
  const lines = jsonKeyLines('{\n  "Checkers": [\n    { "type": "http",\n      "type": "tcp" }\n  ]\n}');
  assert.deepEqual(lines.get("checkers[0]"), { path: "Checkers[0]", keys: new Map([["type", [3, 4]]]) });
  assert.deepEqual(lines.get("")?.keys, new Map([["Checkers", [2]]]));
  assert.equal(jsonKeyLines('{"a": }').size, 0, "none for invalid JSON");
});
