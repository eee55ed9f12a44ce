// @ts-check
/**
 * Status messages: posted texts about an endpoint or about everything, kept sorted by time, without
 * duplicates, newest {@link MAX_MESSAGES} per list.
 *
 * @module
 */

/** @typedef {import("./rollup.js").ResultLike} ResultLike */
/** @typedef {{ t: number, text: string, node: string }} Message */

/** Messages kept per list. */
export const MAX_MESSAGES = 100;
/** Longest message text kept, in characters. */
export const MAX_MESSAGE = 4000;

/** `s` cut to at most `max` characters (an ellipsis marks the cut). @param {string} s @param {number} max */
export function clip(s, max) {
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

/**
 * Adds a message to a list sorted by time, without duplicates, keeping the newest MAX_MESSAGES.
 * @param {Message[]} list @param {number} t @param {string} text @param {string} node
 */
export function insertMessage(list, t, text, node) {
  text = clip(text, MAX_MESSAGE);
  let i = list.length;
  while (i > 0 && list[i - 1].t > t) i--;
  for (let j = i - 1; j >= 0 && list[j].t === t; j--) {
    if (list[j].text === text && list[j].node === node) return;
  }
  list.splice(i, 0, { t, text, node });
  if (list.length > MAX_MESSAGES) list.shift();
}

/**
 * Whether a result carries a message and no measurement: no attempts, or (as `checkup serve` stores a
 * posted message, so Go's page can read it) a single attempt with rtt 0 and no error. A real attempt
 * always takes time or fails with an error.
 * @param {ResultLike} r
 */
export function isMessageOnly(r) {
  if (!r.message) return false;
  const times = r.times ?? [];
  return times.length === 0 || (times.length === 1 && !times[0].rtt && !times[0].error);
}
