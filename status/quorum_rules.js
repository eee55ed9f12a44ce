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
  const rule = byEndpoint(rules.map((r) => ({ title: r.title, endpoint: r.endpoint, value: r.quorum })));
  return (title, endpoint) => rule(title, endpoint) ?? fallback;
}

/**
 * A checker setting looked up by endpoint: the checker with the same title and endpoint, else the first with
 * the same title, else undefined. Quorum rules and groups are found this way.
 *
 * @example
 * ```ts
 * import { byEndpoint } from "./quorum_rules.js";
 * const group = byEndpoint([{ title: "Cards", value: "Payments" }]);
 * console.assert(group("Cards", "cards.internal:443") === "Payments" && group("Blog", "b") === undefined);
 * ```
 * @template T
 * @param {readonly { title: string, endpoint?: string, value: T }[]} settings
 * @returns {(title: string, endpoint: string) => T | undefined}
 */
export function byEndpoint(settings) {
  /** @type {Map<string, T>} */
  const byTitle = new Map(), byBoth = new Map();
  for (const r of settings) {
    if (!byTitle.has(r.title)) byTitle.set(r.title, r.value);
    if (r.endpoint !== undefined) byBoth.set(`${r.title}\u0000${r.endpoint}`, r.value);
  }
  return (title, endpoint) => byBoth.get(`${title}\u0000${endpoint}`) ?? byTitle.get(title);
}
