// @ts-check
/**
 * What the page does for a large fleet: which endpoints need attention (shown first, in their own section),
 * and the filter of the search box (`?q=`).
 *
 * The filter is a list of words, every one of which must be found (case-insensitive) in an endpoint's title,
 * address, group or status; `status:down` (or `is:down`) asks for one status exactly. The status words are
 * those of the page (`down`, `degraded`, `partial`, `maintenance`, `operational`, `no data`) and their names
 * (`healthy`, `unknown`), and `stale` for an endpoint no location reports any more.
 *
 * @module
 */

/** @typedef {import("../../status/view.js").EndpointView} EndpointView */

/**
 * Pages with more endpoints than this are a fleet: the endpoints that need attention get their own section
 * at the top, groups of more than a few start closed, a filter box shows, and the cards draw their bars and
 * charts only as they come into view.
 */
export const FLEET = 20;

/** Groups with more members than this start closed while healthy (on a fleet's page, whatever their status). */
export const OPEN_UP_TO = 5;

/** Whether an endpoint needs attention: anything but healthy (stale counts: no location reports it). */
export function needsAttention(/** @type {EndpointView} */ e) {
  return e.stale || e.status !== "healthy";
}

/** The words of a filter, lower case (at most 20 of at most 100 characters each). @param {string} query */
export function filterWords(query) {
  return query.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 20).map((w) => w.slice(0, 100));
}

/**
 * Whether an endpoint matches every word of a filter.
 * @param {EndpointView} e @param {string[]} words from {@link filterWords}
 * @param {Record<string, string>} statusWords the page's word for each status
 */
export function matchesFilter(e, words, statusWords) {
  if (!words.length) return true;
  const status = e.stale ? "unknown" : e.status;
  const text = [e.title, e.endpoint, e.group ?? "", status, statusWords[status] ?? "", e.stale ? "stale" : ""]
    .join("\n").toLowerCase();
  return words.every((w) => {
    const exact = /^(?:status|is):(.+)$/.exec(w);
    if (exact) {
      const want = exact[1];
      return want === status || want === (statusWords[status] ?? "").toLowerCase() ||
        (want === "stale" && e.stale);
    }
    return text.includes(w);
  });
}
