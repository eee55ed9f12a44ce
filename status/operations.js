// @ts-check
/**
 * The shapes operators' records take once read: incidents with their updates, and maintenance windows.
 * The server, the page, the static export and the feeds all read these shapes; the documents they come
 * from live in the storage's shared documents (`incidents/…`, `maintenance/…`) or in the config.
 *
 * @module
 */

/** The states of an incident, in lifecycle order. */
export const INCIDENT_STATES =
  /** @type {const} */ (["investigating", "identified", "monitoring", "resolved"]);
/** The impact an incident has on an endpoint, least to worst. */
export const IMPACTS = /** @type {const} */ (["degraded", "partial", "major"]);

/** @typedef {typeof INCIDENT_STATES[number]} IncidentState */
/** @typedef {typeof IMPACTS[number]} Impact */

/**
 * @typedef {object} Affected An endpoint (or group) an incident update names, with its impact.
 * @property {string} title An endpoint's title or a group's name.
 * @property {Impact} impact
 */

/**
 * @typedef {object} IncidentUpdate One step of an incident's timeline.
 * @property {string} id Unique among the incident's updates (stable: a feed entry id is built from it).
 * @property {number} t When it was posted, ms since the epoch.
 * @property {IncidentState} state
 * @property {string} text Safe Markdown (as status messages).
 * @property {Affected[]} affected The endpoints affected as of this update.
 * @property {string} [node] The node or process that posted it.
 */

/**
 * @typedef {object} Incident An incident, folded from its updates (oldest first).
 * @property {string} id Unique and stable; safe in a URL and a shared key.
 * @property {string} title
 * @property {IncidentState} state The latest update's state.
 * @property {number} started The first update's time, ms.
 * @property {number} [resolved] The time of the update that resolved it, ms.
 * @property {Affected[]} affected The latest update's affected endpoints.
 * @property {boolean} [automatic] Opened by Checkup when an endpoint went down by quorum.
 * @property {IncidentUpdate[]} updates Oldest first.
 */

/**
 * @typedef {object} MaintenanceWindow One occurrence of a maintenance window (a recurring window has one
 *   per recurrence).
 * @property {string} id Stable for this occurrence (a recurring window's id includes its start).
 * @property {string} title
 * @property {string[]} about Endpoint titles and group names it covers; empty: every endpoint.
 * @property {number} start ms since the epoch.
 * @property {number} end ms since the epoch (the end of an ad hoc window that was ended early).
 * @property {string} [message] Safe Markdown.
 * @property {"config" | "adhoc"} source Where it was declared.
 */

export {};
