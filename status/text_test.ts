import assert from "node:assert/strict";
import { displayLine, displayText } from "./text.js";

Deno.test("displayText drops bidi controls, controls and non-characters; keeps line breaks", () => {
  assert.equal(displayText("Payments \u202Enwod"), "Payments nwod");
  assert.equal(displayText("\u2066a\u2067b\u2068c\u2069\u202A\u202B\u202C\u202D"), "abc");
  assert.equal(
    displayText("bell\u0007 nul\u0000 esc\u001B del\u007F c1\u0085 \uFFFE\uFFFF."),
    "bell nul esc del c1 .",
  );
  assert.equal(displayText("line 1\nline 2\r\n\ttab"), "line 1\nline 2\r\n\ttab");
  assert.equal(
    displayText("lone \uD800 and \uDC00, pair \uD83D\uDE00"),
    "lone \uFFFD and \uFFFD, pair \uD83D\uDE00",
  );
  assert.equal(displayText("عربي and English"), "عربي and English", "right-to-left letters stay");
});

Deno.test("displayLine is one line of at most max code points, never half a surrogate pair", () => {
  assert.equal(displayLine("  a\n\tb  ", 10), "a b");
  assert.equal(displayLine("\uD83D\uDE00".repeat(3), 2), "\uD83D\uDE00\uD83D\uDE00");
});
