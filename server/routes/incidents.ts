/**
 * Incidents through the API (mounted at `/api/v1`): `GET incidents` (paged: active first, then resolved
 * ones by month), `GET incidents/<id>`, and for the holder of the token `POST incidents` (open) and
 * `POST incidents/<id>/updates`. Answers come from the incidents read beside the rounds
 * (`../../incidents/reader.ts`), as cached bodies with an ETag; a write reads them again before it answers.
 * Each posted update is also stored as a Go message round (`incidents/go_rounds.ts`).
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { BodyCache, representation, serve } from "../http_cache.ts";
import { JSON_TYPE, jsonError, NO_CACHE, type RouteContext } from "../context.ts";
import { type MessageWriter, writeAccess } from "../write_access.ts";
import { latestStatus } from "../messages.ts";
import type { IncidentReader } from "../../incidents/reader.ts";
import { IncidentError, incidentStore, IncidentWriter, type Posted } from "../../incidents/store.ts";
import { goResults } from "../../incidents/go_rounds.ts";
import { incidentPage, isIncidentId } from "../../status/incidents.js";
import { isSharedStore } from "../../storage/storage.ts";

const STATUS_OF_KIND = { invalid: 400, missing: 404, conflict: 409 } as const;
const OPEN_EXAMPLE =
  '{"title": "…", "text": "…", "state": "investigating", "affected": [{"title": "API", "impact": "major"}]}';
const UPDATE_EXAMPLE =
  '{"text": "…", "state": "identified", "affected": [{"title": "API", "impact": "partial"}]}';

/** The endpoint titles and group names known to the server (what `affected` may name). */
function namesOf(ctx: RouteContext): string[] {
  const names = new Set<string>();
  for (const e of ctx.loader.rollup.endpoints.values()) {
    if (e.title) names.add(e.title);
    const group = ctx.groupOf(e.title, e.endpoint);
    if (group) names.add(group);
  }
  return [...names];
}

/** A writer over the server's storage, whose updates are also stored as Go message rounds. */
function writerOf(
  ctx: RouteContext,
  access: MessageWriter,
  reader: IncidentReader,
): IncidentWriter | undefined {
  const storage = access.writer;
  if (!storage || !isSharedStore(storage)) return undefined;
  return new IncidentWriter({
    shared: storage,
    names: () => namesOf(ctx),
    node: access.node,
    redact: ctx.redact,
    announce: async (incident, update, signal) => {
      const endpoints = [...ctx.loader.rollup.endpoints.values()].map((e) => ({
        title: e.title,
        endpoint: e.endpoint,
        group: ctx.groupOf(e.title, e.endpoint),
        status: latestStatus(e),
      }));
      await storage.store(
        goResults(incident, update, endpoints, access.node, BigInt(update.t) * 1_000_000n),
        signal,
      );
      await ctx.loader.refresh().catch((e) => ctx.logger.warn("refresh after posting failed", { error: e }));
      await reader.refresh().catch((e) => ctx.logger.warn("cannot read the incidents", { error: e }));
    },
  });
}

/** The incident routes; `reader` is undefined when the storage holds no shared documents. */
export function incidentRoutes(ctx: RouteContext, access: MessageWriter, reader?: IncidentReader): Hono {
  const app = new Hono();
  const cache = new BodyCache(32);
  const writer = reader && writerOf(ctx, access, reader);
  const notReady = (c: Context) =>
    jsonError(c, 503, "reading incidents, try again shortly", { "retry-after": "2" });

  app.get("/incidents", (c) => {
    const text = c.req.query("page") ?? "1";
    const page = /^[1-9]\d{0,5}$/.test(text) ? Number(text) : NaN;
    if (!page) return jsonError(c, 400, `page: expected a page number from 1, found ${JSON.stringify(text)}`);
    if (reader && !reader.ready) return notReady(c);
    return serve(
      c.req.raw,
      cache.get(
        `page:${page}`,
        reader?.generation ?? 0,
        0,
        () =>
          representation(JSON.stringify(incidentPage(reader?.incidents ?? [], page)), JSON_TYPE, NO_CACHE),
      ),
    );
  });

  app.get("/incidents/:id", (c) => {
    const id = c.req.param("id");
    if (reader && !reader.ready) return notReady(c);
    const incident = isIncidentId(id) ? reader?.incidents.find((i) => i.id === id) : undefined;
    if (!incident) return jsonError(c, 404, `no incident with id ${JSON.stringify(id)}`);
    return serve(
      c.req.raw,
      cache.get(
        `incident:${id}`,
        reader!.generation,
        0,
        () => representation(JSON.stringify({ incident }), JSON_TYPE, NO_CACHE),
      ),
    );
  });

  /** Runs one write and answers 201 with the incident and the update, or the refusal. */
  const write = async (
    c: Context,
    example: string,
    run: (body: Record<string, unknown>) => Promise<Posted>,
  ) => {
    if (!writer) {
      try {
        incidentStore(access.writer);
      } catch (e) {
        return jsonError(c, 501, (e as Error).message);
      }
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await c.req.text());
      if (!body || typeof body !== "object" || Array.isArray(body)) throw new TypeError("not an object");
    } catch {
      return jsonError(c, 400, `expected a JSON object like ${example}`);
    }
    try {
      const posted = await run(body);
      ctx.logger.info("incident update posted", { incident: posted.incident.id, update: posted.update.id });
      return c.newResponse(JSON.stringify({ incident: posted.incident, update: posted.update }) + "\n", 201, {
        "content-type": JSON_TYPE,
        "cache-control": "no-store",
        "location": `/api/v1/incidents/${posted.incident.id}`,
      });
    } catch (e) {
      if (e instanceof IncidentError) return jsonError(c, STATUS_OF_KIND[e.kind], e.message);
      throw e;
    }
  };
  // deno-lint-ignore no-explicit-any
  const field = (body: Record<string, unknown>, key: string): any => body[key];

  app.post(
    "/incidents",
    writeAccess(access, "incidents"),
    (c) =>
      write(c, OPEN_EXAMPLE, (body) =>
        writer!.open({
          title: field(body, "title"),
          text: field(body, "text"),
          state: field(body, "state"),
          affected: field(body, "affected"),
        })),
  );

  app.post(
    "/incidents/:id/updates",
    writeAccess(access, "incidents"),
    (c) =>
      write(c, UPDATE_EXAMPLE, (body) =>
        writer!.update(c.req.param("id") ?? "", {
          text: field(body, "text"),
          state: field(body, "state"),
          affected: field(body, "affected"),
        })),
  );
  return app;
}
