// @ts-check
/**
 * Text from the data (endpoint names, messages, notices) made safe to display: no character that
 * reorders the text around it and no character XML cannot hold. Used by the page (every text node and
 * attribute goes through it in dom.js) and by the server's SVG badges.
 *
 * @module
 */

/**
 * Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): U+202E (RIGHT-TO-LEFT
 * OVERRIDE) in a name shows "nwod" for "down" and can make text read as something else. Elements that
 * show data get `dir="auto"`, which isolates their text from what is around it; these are removed.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/**
 * What XML 1.0 cannot hold or should not show (C0 controls other than tab, LF and CR; DEL and the C1
 * controls; U+FFFE and U+FFFF) and unpaired surrogates (not text at all).
 */
const NOT_TEXT =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Removes bidi controls and characters that are not displayable text (an unpaired surrogate becomes
 * U+FFFD). Tabs and line breaks stay (messages are Markdown).
 *
 * @param {string} text
 * @returns {string}
 */
export function displayText(text) {
  return text.replace(BIDI_CONTROLS, "").replace(
    NOT_TEXT,
    (c) => (c >= "\uD800" && c < "\uE000" ? "\uFFFD" : ""),
  );
}

/**
 * {@link displayText} on one line, at most `max` characters (code points, so a surrogate pair is never
 * cut in half): for labels.
 *
 * @param {string} text @param {number} max
 * @returns {string}
 */
export function displayLine(text, max) {
  return Array.from(displayText(text).replace(/\s+/g, " ").trim()).slice(0, max).join("");
}

/**
 * A name made safe for a file name, a storage key or a URL id: accents dropped, lower case, every run of
 * other characters one `-`, none at either end, at most `max` characters ("" when nothing is left).
 *
 * @example
 * ```ts
 * import { slug } from "./text.js";
 * console.assert(slug("Frankfurt, DE") === "frankfurt-de" && slug("São Paulo") === "sao-paulo");
 * console.assert(slug("webhook#0") === "webhook-0" && slug("!!") === "");
 * ```
 * @param {string} text @param {number} [max]
 */
export function slug(text, max = 100) {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, max);
}
