// @ts-check
/**
 * Which quorum rule an endpoint has: its checker's own `quorum`, else the top-level one, else none (a
 * majority). `checkup serve` and the static page (from its `config.json`) look rules up the same way.
 *
 * @module
 */

/** @typedef {import("./quorum.js").QuorumRule} QuorumRule */

/**
 * @typedef {object} EndpointQuorum A checker's own rule.
 * @property {string} title Its title (`endpoint_name`).
 * @property {string} [endpoint] Its endpoint as results carry it (redacted); decides between equal titles.
 * @property {QuorumRule} quorum
 */

/**
 * The rule of each endpoint: the checker with the same title and endpoint, else the same title, else
 * `fallback`.
 *
 * @example
 * ```ts
 * import { quorumRules } from "./quorum_rules.js";
 * const rule = quorumRules({ count: 2 }, [{ title: "API", quorum: { share: 0.5 } }]);
 * console.assert(JSON.stringify(rule("API", "api.internal:443")) === '{"share":0.5}');
 * console.assert(JSON.stringify(rule("Web", "web.internal:443")) === '{"count":2}');
 * ```
 * @param {QuorumRule | undefined} fallback @param {readonly EndpointQuorum[]} [rules]
 * @returns {(title: string, endpoint: string) => QuorumRule | undefined}
 */
export function quorumRules(fallback, rules = []) {
  /** @type {Map<string, QuorumRule>} */
  const byTitle = new Map(), byBoth = new Map();
  for (const r of rules) {
    if (!byTitle.has(r.title)) byTitle.set(r.title, r.quorum);
    if (r.endpoint !== undefined) byBoth.set(`${r.title}\u0000${r.endpoint}`, r.quorum);
  }
  return (title, endpoint) => byBoth.get(`${title}\u0000${endpoint}`) ?? byTitle.get(title) ?? fallback;
}
