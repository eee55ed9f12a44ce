// @ts-check
/**
 * The detail of a fleet's endpoints, read from `checkup serve` only for the cards near the screen: the page
 * paints from the compact status document (`api/v1/status?detail=summary`: per endpoint its status and
 * uptime) and asks `api/v1/endpoints?ids=a,b,c&range=24h` (at most {@link BATCH} ids a request) for the
 * slots, nodes and the rest of the cards it draws. A card's detail is read again when its `updated` in the
 * summary moved on; a request that fails is remembered per card (the card says so) and tried again after the
 * next summary.
 *
 * @module
 */

/** @typedef {import("../../status/view.js").EndpointView} EndpointView */

/** Ids per request (the route answers at most about 100). */
export const BATCH = 100;
/** Requests in flight at once. */
const PARALLEL = 2;

/**
 * The detail loader.
 * @param {object} o
 * @param {string} o.url the batched route, `…/api/v1/endpoints`
 * @param {(url: string) => Promise<any>} o.getJson
 * @param {(ids: string[]) => void} o.loaded called when details (or failures) arrived for these ids
 */
export function detailLoader({ url, getJson, loaded }) {
  let range = "24h";
  /** The `updated` of each endpoint in the last summary. @type {Map<string, number | null>} */
  let wanted = new Map();
  /** Details read, by id, with the `updated` they were read at. @type {Map<string, { updated: number | null, e: EndpointView }>} */
  const details = new Map();
  /** Ids whose last request failed, with why, and the summary generation it failed in. @type {Map<string, { message: string, generation: number }>} */
  const failed = new Map();
  /** Ids asked for and not sent yet, in the order asked. @type {Set<string>} */
  const queue = new Set();
  /** Ids in a request now. @type {Set<string>} */
  const inflight = new Set();
  let generation = 0;
  let running = 0;
  let scheduled = false;

  /** Sends queued ids, a batch a request, while fewer than {@link PARALLEL} requests run. */
  function pump() {
    scheduled = false;
    while (running < PARALLEL && queue.size) {
      const ids = [...queue].slice(0, BATCH);
      for (const id of ids) {
        queue.delete(id);
        inflight.add(id);
      }
      running++;
      send(ids, range, generation).finally(() => {
        running--;
        pump();
      });
    }
  }

  /** @param {string[]} ids @param {string} at range @param {number} gen */
  async function send(ids, at, gen) {
    const q = `${url}?ids=${ids.map(encodeURIComponent).join(",")}&range=${encodeURIComponent(at)}`;
    try {
      const body = await getJson(q);
      if (at !== range) return;
      const list = Array.isArray(body?.endpoints) ? body.endpoints : [];
      const got = new Set();
      for (const e of /** @type {EndpointView[]} */ (list)) {
        if (typeof e?.id !== "string" || !e.slots) continue;
        got.add(e.id);
        details.set(e.id, { updated: e.updated, e });
        failed.delete(e.id);
      }
      for (const id of ids) {
        if (got.has(id)) continue;
        // Named missing (removed since the summary) or left out: the next summary says whether it is gone.
        const missing = Array.isArray(body?.missing) && body.missing.includes(id);
        failed.set(id, {
          message: missing
            ? "this service is no longer known to the server"
            : "the answer did not include it",
          generation: gen,
        });
      }
    } catch (e) {
      if (at !== range) return;
      const err = /** @type {Error & { status?: number }} */ (e);
      const message = err.status ? `HTTP ${err.status}` : err.message;
      for (const id of ids) failed.set(id, { message, generation: gen });
    } finally {
      for (const id of ids) inflight.delete(id);
    }
    loaded(ids);
  }

  return {
    /**
     * A new summary: the `updated` of each endpoint (a detail older than it is read again when its card is
     * near), for a range (another range forgets every detail).
     * @param {{ id: string, updated: number | null }[]} endpoints @param {string} name the range
     */
    summary(endpoints, name) {
      if (name !== range) {
        range = name;
        details.clear();
        failed.clear();
        queue.clear();
      }
      generation++;
      wanted = new Map(endpoints.map((e) => [e.id, e.updated]));
      for (const id of details.keys()) if (!wanted.has(id)) details.delete(id);
    },
    /** The detail read for an endpoint (maybe older than the summary), if any. @param {string} id */
    detail(id) {
      return details.get(id)?.e;
    },
    /** Why the last request for an endpoint's detail failed, if it did and none succeeded since. @param {string} id */
    failure(id) {
      return failed.get(id)?.message;
    },
    /**
     * A card near the screen needs this endpoint's detail: asked for unless it is current, on its way, or
     * failed since the last summary.
     * @param {string} id
     */
    need(id) {
      if (!wanted.has(id) || inflight.has(id) || queue.has(id)) return;
      const have = details.get(id);
      if (have && have.updated === wanted.get(id)) return;
      if ((failed.get(id)?.generation ?? -1) === generation) return;
      queue.add(id);
      if (!scheduled) {
        scheduled = true;
        // The cards coming near in one observer callback (or one render) go in one request.
        queueMicrotask(pump);
      }
    },
  };
}
