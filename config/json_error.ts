/**
 * Finds where and why JSON text is invalid, for messages with line and column (V8's own messages do not
 * always carry a position), and where every object key is, for warnings about duplicate keys (which
 * `JSON.parse` drops without a word). A small recursive-descent scanner that only validates.
 *
 * Why not jsonc-parser (npm), which reports offsets and error codes: on 22 broken configs its first error
 * was at the same place as ours in 18. In three of the other four (a bad escape, a bad `\u`, a line break
 * in a string) it points at the string's opening quote, not at the bad character; in the fourth (`1.`) at
 * the number's first digit. Its most common code,
 * `InvalidSymbol` (6 of the 22), does not say what was expected there ("a key in double quotes", "a
 * value", "the end of the file"), so keeping our messages would mean tracking the parser's state in its
 * callbacks: this scanner again, around a dependency. Loading it cost nothing measurable at start-up.
 *
 * @module
 */
import { joinPath } from "./errors.ts";

/**
 * The lines of every key of every object in a JSON text: the object's JSON path, lower-cased (keys match
 * regardless of case, so `Checkers[0]` and `checkers[0]` are one object), to its path as written and each
 * key as written to the lines where it appears, in order.
 */
export type KeyLines = Map<string, { path: string; keys: Map<string, number[]> }>;

/** Where the text stops being JSON and what was expected there. */
export interface JsonSyntaxIssue {
  line: number;
  column: number;
  message: string;
}

class Stop extends Error {
  constructor(readonly at: number, message: string) {
    super(message);
  }
}

/** Returns the first syntax problem of `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxIssue | undefined {
  return scanJson(text).error;
}

/** Where every key of a valid JSON text is (see {@linkcode KeyLines}); empty when the text is invalid. */
export function jsonKeyLines(text: string): KeyLines {
  const scan = scanJson(text);
  return scan.error ? new Map() : scan.keys;
}

function scanJson(text: string): { error?: JsonSyntaxIssue; keys: KeyLines } {
  const keys: KeyLines = new Map();
  let i = 0;
  let line = 1;
  let lineAt = 0; // the offset up to which newlines are counted
  const lineOf = (at: number) => {
    for (; lineAt < at; lineAt++) if (text.charCodeAt(lineAt) === 10) line++;
    return line;
  };
  const found = () => (i >= text.length ? "the end of the file" : JSON.stringify(text[i]));
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const fail = (expected: string): never => {
    if (text.startsWith("//", i) || text.startsWith("/*", i)) {
      throw new Stop(i, `expected ${expected}, found a comment (JSON has no comments)`);
    }
    throw new Stop(i, `expected ${expected}, found ${found()}`);
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail("4 hex digits after \\u");
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? "")) fail("an escape character");
      } else if (text.charCodeAt(i) < 0x20) fail("a closing '\"' (strings cannot span lines)");
      i++;
    }
    if (i >= text.length) fail("a closing '\"'");
    i++;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      const here = new Map<string, number[]>();
      keys.set(path.toLowerCase(), { path, keys: here });
      for (;;) {
        ws();
        if (text[i] !== '"') {
          fail(text[i] === "}" ? "another key (no trailing commas in JSON)" : "a key in double quotes");
        }
        const start = i;
        string();
        const key = JSON.parse(text.slice(start, i)) as string;
        const at = lineOf(start);
        here.get(key)?.push(at) ?? here.set(key, [at]);
        ws();
        if (text[i] !== ":") fail("':' after the key");
        i++;
        value(joinPath(path, key));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") return void i++;
        fail("',' or '}'");
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (let n = 0;; n++) {
        ws();
        if (text[i] === "]") fail("another value (no trailing commas in JSON)");
        value(joinPath(path, n));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") return void i++;
        fail("',' or ']'");
      }
    } else if (c === '"') string();
    else if (/[-0-9]/.test(c ?? "")) {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) fail("a number");
      i += m![0].length;
      const c = text[i];
      if (c === "." || c === "e" || c === "E") {
        i++;
        if (c !== "." && (text[i] === "+" || text[i] === "-")) i++;
        fail(`a digit after '${c}'`);
      }
    } else {
      for (const lit of ["true", "false", "null"]) if (text.startsWith(lit, i)) return void (i += lit.length);
      fail("a value (object, array, string, number, true, false or null)");
    }
  };
  try {
    value("");
    ws();
    if (i < text.length) fail("the end of the file");
    return { keys };
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    const before = text.slice(0, e.at);
    const line = before.split("\n").length;
    return { error: { line, column: e.at - before.lastIndexOf("\n"), message: e.message }, keys };
  }
}
