/**
 * Finds where and why JSON text is invalid, for messages with line and column (V8's own messages do not
 * always carry a position). A small recursive-descent scanner that only validates.
 */

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
  let i = 0;
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
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') {
          fail(text[i] === "}" ? "another key (no trailing commas in JSON)" : "a key in double quotes");
        }
        string();
        ws();
        if (text[i] !== ":") fail("':' after the key");
        i++;
        value();
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
      for (;;) {
        ws();
        if (text[i] === "]") fail("another value (no trailing commas in JSON)");
        value();
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
    } else {
      for (const lit of ["true", "false", "null"]) if (text.startsWith(lit, i)) return void (i += lit.length);
      fail("a value (object, array, string, number, true, false or null)");
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail("the end of the file");
    return undefined;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    const before = text.slice(0, e.at);
    const line = before.split("\n").length;
    return { line, column: e.at - before.lastIndexOf("\n"), message: e.message };
  }
}
