// @ts-check
/**
 * Incidents as stored: one create-only shared document per update, `incidents/<id>/u<n>` (n = 1, 2, …),
 * folded into the {@link Incident} shape of `operations.js`. Shared by the server, the CLI, the static
 * export and the page (which pages the history by month).
 *
 * The lifecycle: an incident opens as investigating, identified or monitoring; its updates move it between
 * those states in any order (a fix that did not hold goes back to investigating) and finally to resolved.
 * Resolved is final: no update follows it (a new incident is opened instead). Update `n` is validated
 * against updates 1…n-1 and created only if nobody created `n` first, so two writers never both succeed on
 * the same step: the loser reads again and validates against what won.
 *
 * @module
 */
import { IMPACTS, INCIDENT_STATES } from "./operations.js";
import { MAX_MESSAGE } from "./messages.js";
import { slug } from "./text.js";

/** @typedef {import("./operations.js").Incident} Incident */
/** @typedef {import("./operations.js").IncidentUpdate} IncidentUpdate */
/** @typedef {import("./operations.js").Affected} Affected */
/** @typedef {import("./operations.js").IncidentState} IncidentState */

/** The shared-key prefix of incident documents. */
export const INCIDENTS_PREFIX = "incidents/";
/** Longest incident title, in characters. */
export const MAX_TITLE = 200;
/** Most updates one incident takes (the opening one included). */
export const MAX_UPDATES = 100;
/** Most incidents active at once (with MAX_UPDATES and MAX_DOCUMENTS, one listing reads them all). */
export const MAX_ACTIVE = 40;
/** Most endpoints and groups one update names. */
export const MAX_AFFECTED = 50;
/** Resolved incidents are kept this long after they were resolved, ms (365 days). */
export const KEEP_RESOLVED_MS = 365 * 86_400_000;
/**
 * Most update documents kept under `incidents/`: beyond it the oldest resolved incidents are removed,
 * so one listing (at most 10,000 documents, `storage/shared_keys.ts`) always reads them all.
 */
export const MAX_DOCUMENTS = 5_000;
/** Resolved incidents per page of the history. */
export const PER_PAGE = 20;

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * @typedef {object} UpdateDoc One stored update (`incidents/<id>/u<n>`), as written.
 * @property {1} v
 * @property {number} t ms since the epoch
 * @property {IncidentState} state
 * @property {string} text
 * @property {Affected[]} affected
 * @property {string} [title] The incident's title: on the first update (a later one may rename it).
 * @property {string} [node]
 * @property {boolean} [automatic] On the first update of an incident Checkup opened itself.
 * @property {string} [alert] The alert notification id that wrote it (automatic incidents: idempotence).
 */

/** Whether `id` can name an incident (a URL path segment and a shared-key segment). @param {unknown} id */
export function isIncidentId(id) {
  return typeof id === "string" && id.length >= 1 && id.length <= 80 && ID.test(id);
}

/**
 * The id of a new incident: its day, its title's slug and a suffix (random for incidents opened by hand,
 * derived from the endpoint and the outage's start for automatic ones), e.g. `20261130-api-outage-k3f9q2`.
 * @param {string} title @param {number} t ms @param {string} suffix `[a-z0-9]+`
 */
export function incidentId(title, t, suffix) {
  const day = new Date(t).toISOString().slice(0, 10).replaceAll("-", "");
  return [day, slug(title, 40).replace(/-+$/, ""), suffix].filter(Boolean).join("-");
}

/** The shared key of update `n` of incident `id`. @param {string} id @param {number} n */
export function updateKey(id, n) {
  return `${INCIDENTS_PREFIX}${id}/u${n}`;
}

/**
 * Why an incident title cannot be used, or undefined. @param {unknown} title
 * @returns {string | undefined}
 */
export function titleError(title) {
  const expected = `expected a title of 1 to ${MAX_TITLE} characters`;
  if (typeof title !== "string") {
    return `${expected}, found ${title === undefined ? "nothing" : typeof title}`;
  }
  if (!title.trim()) return `${expected}, found ${title ? "only white space" : "an empty string"}`;
  if (title.length > MAX_TITLE) return `${expected}, found ${title.length} characters`;
  return undefined;
}

/**
 * Why an update's text cannot be stored (the rule of status messages), or undefined. @param {unknown} text
 * @returns {string | undefined}
 */
export function textError(text) {
  const expected = `expected a non-empty string of at most ${MAX_MESSAGE} characters`;
  if (typeof text !== "string") return `${expected}, found ${text === undefined ? "nothing" : typeof text}`;
  if (!text.trim()) return `${expected}, found ${text ? "only white space" : "an empty string"}`;
  if (text.length > MAX_MESSAGE) return `${expected}, found ${text.length} characters`;
  return undefined;
}

/** Why `state` is not a state, or undefined. @param {unknown} state @returns {string | undefined} */
export function stateError(state) {
  return INCIDENT_STATES.includes(/** @type {IncidentState} */ (state))
    ? undefined
    : `expected one of ${INCIDENT_STATES.join(", ")}, found ${JSON.stringify(state)}`;
}

/**
 * Parses `API:major` (an endpoint title or group name, a colon, an impact; the impact defaults to major).
 * @param {string} text
 * @returns {Affected | string} the affected entry, or why it is not one
 */
export function parseAffected(text) {
  const i = text.lastIndexOf(":");
  const impact = i < 0 ? "major" : text.slice(i + 1).trim().toLowerCase();
  const title = (i < 0 ? text : text.slice(0, i)).trim();
  if (!title) {
    return `expected "<endpoint or group>:<impact>" like "API:major", found ${JSON.stringify(text)}`;
  }
  if (!IMPACTS.includes(/** @type {any} */ (impact))) {
    return `${JSON.stringify(text)}: expected an impact of ${IMPACTS.join(", ")}, found ${
      JSON.stringify(impact)
    }`;
  }
  return { title, impact: /** @type {Affected["impact"]} */ (impact) };
}

/**
 * Checks affected entries against the names that exist (endpoint titles and group names, matched ignoring
 * case; each comes back spelled as configured). Later entries for the same name win.
 * @param {unknown} affected @param {readonly string[]} names
 * @returns {Affected[] | string} the entries, or why they are refused
 */
export function resolveAffected(affected, names) {
  if (!Array.isArray(affected)) return 'expected a list like [{"title": "API", "impact": "major"}]';
  if (affected.length > MAX_AFFECTED) {
    return `expected at most ${MAX_AFFECTED} entries, found ${affected.length}`;
  }
  /** @type {Map<string, Affected>} */
  const out = new Map();
  for (const [i, a] of affected.entries()) {
    if (!a || typeof a !== "object" || typeof a.title !== "string") {
      return `[${i}]: expected {"title": "<endpoint or group>", "impact": "${IMPACTS.join('" | "')}"}`;
    }
    const impact = a.impact ?? "major";
    if (!IMPACTS.includes(impact)) {
      return `[${i}].impact: expected one of ${IMPACTS.join(", ")}, found ${JSON.stringify(a.impact)}`;
    }
    const name = names.find((n) => n.toLowerCase() === a.title.trim().toLowerCase());
    if (!name) {
      return `[${i}].title: no endpoint or group named ${JSON.stringify(a.title)} (known: ${
        names.join(", ") || "none"
      })`;
    }
    out.delete(name);
    out.set(name, { title: name, impact });
  }
  return [...out.values()];
}

/**
 * Parses one stored update; undefined when it is not one (another version, garbage).
 * @param {string} text
 * @returns {UpdateDoc | undefined}
 */
export function decodeUpdate(text) {
  /** @type {any} */
  let d;
  try {
    d = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (
    !d || typeof d !== "object" || d.v !== 1 || typeof d.t !== "number" || !Number.isFinite(d.t) ||
    stateError(d.state) || typeof d.text !== "string" || !Array.isArray(d.affected)
  ) return undefined;
  const affected = d.affected.filter(
    (/** @type {any} */ a) => a && typeof a.title === "string" && IMPACTS.includes(a.impact),
  ).map((/** @type {Affected} */ a) => ({ title: a.title, impact: a.impact }));
  /** @type {UpdateDoc} */
  const doc = { v: 1, t: d.t, state: d.state, text: d.text, affected };
  if (typeof d.title === "string" && d.title) doc.title = d.title;
  if (typeof d.node === "string" && d.node) doc.node = d.node;
  if (d.automatic === true) doc.automatic = true;
  if (typeof d.alert === "string") doc.alert = d.alert;
  return doc;
}

/** `incidents/<id>/u<n>` split, or undefined. @param {string} key */
export function parseUpdateKey(key) {
  const m = /^incidents\/([a-z0-9-]+)\/u([1-9]\d{0,5})$/.exec(key);
  return m && isIncidentId(m[1]) ? { id: m[1], n: Number(m[2]) } : undefined;
}

/**
 * One incident folded from its updates (`docs` by update number). Undefined when its first update is
 * missing or unreadable. Updates after the first resolved one, which only a writer that skipped validation
 * can leave, are not part of it.
 * @param {string} id @param {Map<number, UpdateDoc>} docs
 * @returns {Incident | undefined}
 */
export function foldIncident(id, docs) {
  const first = docs.get(1);
  if (!first?.title) return undefined;
  /** @type {IncidentUpdate[]} */
  const updates = [];
  let title = first.title;
  for (const n of [...docs.keys()].sort((a, b) => a - b)) {
    const d = /** @type {UpdateDoc} */ (docs.get(n));
    if (n > 1 && d.title) title = d.title;
    /** @type {IncidentUpdate} */
    const u = { id: `u${n}`, t: d.t, state: d.state, text: d.text, affected: d.affected };
    if (d.node) u.node = d.node;
    updates.push(u);
    if (d.state === "resolved") break;
  }
  const last = updates[updates.length - 1];
  /** @type {Incident} */
  const incident = {
    id,
    title,
    state: last.state,
    started: updates[0].t,
    affected: last.affected,
    updates,
  };
  if (last.state === "resolved") incident.resolved = last.t;
  if (first.automatic) incident.automatic = true;
  return incident;
}

/**
 * Every incident in the listed documents (`incidents/…` by key); what is not an update is skipped.
 * Active incidents first (newest first), then resolved ones, most recently resolved first.
 * @param {Iterable<[string, string]>} listed
 * @returns {Incident[]}
 */
export function foldIncidents(listed) {
  /** @type {Map<string, Map<number, UpdateDoc>>} */
  const byId = new Map();
  for (const [key, text] of listed) {
    const k = parseUpdateKey(key);
    const doc = k && decodeUpdate(text);
    if (!k || !doc) continue;
    let docs = byId.get(k.id);
    if (!docs) byId.set(k.id, docs = new Map());
    docs.set(k.n, doc);
  }
  /** @type {Incident[]} */
  const all = [];
  for (const [id, docs] of byId) {
    const incident = foldIncident(id, docs);
    if (incident) all.push(incident);
  }
  return sortIncidents(all);
}

/** Active first (newest first), then resolved (most recently resolved first). @param {Incident[]} list */
export function sortIncidents(list) {
  const key = (/** @type {Incident} */ i) => i.resolved ?? Infinity;
  return list.sort((a, b) => key(b) - key(a) || b.started - a.started || (a.id < b.id ? -1 : 1));
}

/**
 * An incident with its title and texts passed through `redact` (the config's secrets masked), for every
 * answer that publishes it.
 * @param {Incident} incident @param {(text: string) => string} redact
 * @returns {Incident}
 */
export function redactIncident(incident, redact) {
  return {
    ...incident,
    title: redact(incident.title),
    updates: incident.updates.map((u) => ({ ...u, text: redact(u.text) })),
  };
}

/**
 * Why update `state` cannot follow `incident` (undefined: it can). Without an incident, whether an
 * incident can open in `state`.
 * @param {Incident | undefined} incident @param {IncidentState} state
 * @returns {string | undefined}
 */
export function transitionError(incident, state) {
  if (!incident) {
    return state === "resolved"
      ? "expected an opening state of investigating, identified or monitoring, found resolved"
      : undefined;
  }
  if (incident.state === "resolved") {
    return `incident ${incident.id} was resolved at ${
      new Date(/** @type {number} */ (incident.resolved)).toISOString()
    }: expected an active incident (open a new one instead)`;
  }
  if (incident.updates.length >= MAX_UPDATES) {
    return `incident ${incident.id}: expected at most ${MAX_UPDATES} updates, found ${incident.updates.length} (resolve it and open a new one)`;
  }
  return undefined;
}

/**
 * The worst impact of an incident's affected entries, or undefined when it names none.
 * @param {readonly Affected[]} affected
 */
export function worstImpact(affected) {
  let worst = -1;
  for (const a of affected) worst = Math.max(worst, IMPACTS.indexOf(a.impact));
  return worst < 0 ? undefined : IMPACTS[worst];
}

/** The month of a time, `YYYY-MM` (UTC). @param {number} t */
export function monthOf(t) {
  return new Date(t).toISOString().slice(0, 7);
}

/**
 * @typedef {object} IncidentPage One page of the history: the active incidents (on the first page only),
 *   then resolved incidents by the month they started, newest first.
 * @property {Incident[]} active
 * @property {{ month: string, incidents: Incident[] }[]} months
 * @property {number} page 1-based
 * @property {number} pages At least 1.
 * @property {number} total All incidents.
 */

/**
 * One page of the history, `perPage` resolved incidents a page, grouped by month.
 * @param {readonly Incident[]} incidents sorted as {@link foldIncidents} sorts them
 * @param {number} page 1-based; beyond the last page: an empty page
 * @param {number} [perPage]
 * @returns {IncidentPage}
 */
export function incidentPage(incidents, page, perPage = PER_PAGE) {
  const active = incidents.filter((i) => i.state !== "resolved");
  const resolved = incidents.filter((i) => i.state === "resolved").sort((a, b) =>
    b.started - a.started || (a.id < b.id ? -1 : 1)
  );
  const slice = resolved.slice((page - 1) * perPage, page * perPage);
  /** @type {IncidentPage["months"]} */
  const months = [];
  for (const i of slice) {
    const month = monthOf(i.started);
    if (months[months.length - 1]?.month !== month) months.push({ month, incidents: [] });
    months[months.length - 1].incidents.push(i);
  }
  return {
    active: page === 1 ? active : [],
    months,
    page,
    pages: Math.max(1, Math.ceil(resolved.length / perPage)),
    total: incidents.length,
  };
}

/**
 * Keys of the incidents to remove: resolved more than `keep` ms before `now`, then, while more than
 * `max` update documents remain, the longest-resolved ones. Active incidents are never removed.
 * @param {readonly string[]} keys every listed key under `incidents/`
 * @param {readonly Incident[]} incidents folded from them
 * @param {number} now @param {number} [keep] @param {number} [max]
 * @returns {string[]}
 */
export function expiredKeys(keys, incidents, now, keep = KEEP_RESOLVED_MS, max = MAX_DOCUMENTS) {
  /** @type {Set<string>} */
  const drop = new Set();
  /** @type {Map<string, number>} */
  const docs = new Map();
  for (const k of keys) docs.set(k.split("/")[1], (docs.get(k.split("/")[1]) ?? 0) + 1);
  let count = keys.length;
  const resolved = incidents.filter((i) => i.resolved !== undefined)
    .sort((a, b) => /** @type {number} */ (a.resolved) - /** @type {number} */ (b.resolved));
  for (const i of resolved) {
    if (now - /** @type {number} */ (i.resolved) <= keep && count <= max) break;
    drop.add(i.id);
    count -= docs.get(i.id) ?? 0;
  }
  return keys.filter((k) => drop.has(k.split("/")[1]));
}
