// @ts-check
/// <reference lib="dom" />
/**
 * DOM building without HTML strings: every text goes in through text nodes, so nothing from the data
 * is ever parsed as markup (the page's CSP forbids HTML sinks anyway), and through {@link displayText},
 * so no bidi override reorders it.
 *
 * @module
 */
import { displayText } from "../../status/text.js";

/** @typedef {Node | string | number | null | undefined | false} Child */
/** @typedef {Record<string, string | number | boolean | null | undefined>} Attrs */

/** @param {Element} el @param {Attrs} attrs @param {Child[]} children */
function fill(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? "" : displayText(String(v)));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "object" ? c : document.createTextNode(displayText(String(c))));
  }
  return el;
}

/** Sets an element's text (cleaned as every text of the page is). @param {Node} el @param {string} text */
export function setText(el, text) {
  el.textContent = displayText(text);
}

/**
 * An HTML element.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {Attrs} [attrs] @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  return /** @type {HTMLElementTagNameMap[K]} */ (fill(document.createElement(tag), attrs, children.flat()));
}

/**
 * An SVG element.
 * @param {string} tag @param {Attrs} [attrs] @param {...(Child | Child[])} children
 * @returns {SVGElement}
 */
export function s(tag, attrs = {}, ...children) {
  return /** @type {SVGElement} */ (fill(
    document.createElementNS("http://www.w3.org/2000/svg", tag),
    attrs,
    children.flat(),
  ));
}

/** Replaces an element's children. @param {Element} el @param {...(Child | Child[])} children */
export function replace(el, ...children) {
  el.replaceChildren();
  return fill(el, {}, children.flat());
}
