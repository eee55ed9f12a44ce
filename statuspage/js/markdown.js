// @ts-check
/// <reference lib="dom" />
/**
 * Status messages as sanitized Markdown: paragraphs, line breaks, bullet lists, `code`, **bold**,
 * *emphasis*, [links](https://…) and bare https:// URLs. Built as DOM nodes from text, never parsed as
 * HTML: `<script>` in a message is shown as the text `<script>`. Links go to http(s) and mailto only.
 *
 * @module
 */
import { h } from "./dom.js";
import { displayText } from "../../status/text.js";

const INLINE =
  /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\*[^*\s][^*\n]*\*|_[^_\s][^_\n]*_)|(\[[^\]\n]+\]\([^)\s]+\))|(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])/g;

/** A URL safe to link to, or null. @param {string} url */
export function safeUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" || u.protocol === "mailto:" ? u.href : null;
  } catch {
    return null;
  }
}

/** @param {string} href @param {(Node | string)[]} content */
function link(href, content) {
  return h("a", { href, rel: "noopener noreferrer nofollow" }, ...content);
}

/**
 * Inline Markdown to nodes.
 * @param {string} text
 * @returns {(Node | string)[]}
 */
export function inline(text) {
  /** @type {(Node | string)[]} */
  const out = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const i = m.index ?? 0;
    if (i > last) out.push(text.slice(last, i));
    const [all, code, strong, em, md, bare] = m;
    if (code) out.push(h("code", {}, code.slice(1, -1)));
    else if (strong) out.push(h("strong", {}, ...inline(strong.slice(2, -2))));
    else if (em) out.push(h("em", {}, ...inline(em.slice(1, -1))));
    else if (md) {
      const split = md.indexOf("](");
      const label = md.slice(1, split), href = safeUrl(md.slice(split + 2, -1));
      out.push(href ? link(href, inline(label)) : all);
    } else if (bare) {
      const href = safeUrl(bare);
      out.push(href ? link(href, [bare]) : bare);
    }
    last = i + all.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/**
 * A message as a fragment of paragraphs and lists.
 * @param {string} text
 * @returns {DocumentFragment}
 */
export function renderMarkdown(text) {
  const frag = document.createDocumentFragment();
  for (const block of displayText(text).replace(/\r\n?/g, "\n").split(/\n\s*\n/)) {
    /** @type {HTMLElement | undefined} */
    let open;
    for (const line of block.split("\n")) {
      if (line.trim() === "") continue;
      const item = /^\s*[-*]\s+(.*)$/.exec(line);
      const kind = item ? "ul" : "p";
      if (open?.tagName.toLowerCase() !== kind) frag.append(open = h(kind));
      else if (!item) open.append(h("br"));
      if (item) open.append(h("li", {}, ...inline(item[1])));
      else open.append(...inline(line.trim()));
    }
  }
  return frag;
}
