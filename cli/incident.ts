/**
 * `checkup incident open | update | resolve | list`: incidents with updates in the storage's shared
 * documents (`incidents/store.ts`), each update also stored as a Go message round so Go's status page shows
 * it (`incidents/go_rounds.ts`).
 */
import { EXIT, ExitError, type GlobalOptions, guard, openCheckup } from "./common.ts";
import type { Io } from "./io.ts";
import type { Checkup } from "../engine.ts";
import type { ResolvedConfig } from "../config/load.ts";
import { fetchRounds, isStorageReader, type Storage } from "../storage/storage.ts";
import { type Result, type Status, statusOf } from "../result.ts";
import { IncidentError, incidentStore, IncidentWriter, readIncidents } from "../incidents/store.ts";
import { type GoEndpoint, goResults } from "../incidents/go_rounds.ts";
import { type Affected, parseAffected, worstImpact } from "../status/incidents.js";
import type { Incident, IncidentState } from "../status/operations.js";

/** Options of `incident open` and `incident update`. */
export interface IncidentOptions extends GlobalOptions {
  /** `<endpoint or group>:<impact>`, repeatable. */
  about?: string[];
  /** The state to open in or move to. */
  state?: string;
  /** `list`: print JSON. */
  json?: boolean;
}

/** Rounds read back for the endpoints' latest status (the message goes with it, as Go's page expects). */
const LATEST_ROUNDS = 20;

/** The latest status of each endpoint in the newest stored rounds (none when the storage cannot be read). */
async function latestStatuses(storage: Storage, signal?: AbortSignal): Promise<Map<string, Status>> {
  const latest = new Map<string, { t: bigint; status: Status }>();
  if (!isStorageReader(storage)) return new Map();
  const entries = (await storage.index(signal)).slice(-LATEST_ROUNDS);
  for await (const round of fetchRounds(storage, entries, 4, signal)) {
    for (const r of round.results) {
      const status = statusOf(r);
      const key = `${r.title ?? ""}\u0000${r.endpoint ?? ""}`;
      if (status === "unknown" || (latest.get(key)?.t ?? -1n) > r.timestamp) continue;
      latest.set(key, { t: r.timestamp, status });
    }
  }
  return new Map([...latest].map(([k, v]) => [k, v.status]));
}

/** The writer of a CLI invocation: names from the config, Go rounds stored through the storage. */
function writerOf(checkup: Checkup, config: ResolvedConfig): IncidentWriter {
  const shared = incidentStore(checkup.storage);
  const storage = checkup.storage!;
  const endpoints = checkup.checkers.map((c, i): GoEndpoint => {
    const endpoint = config.redactor.redact(c.endpoint);
    return { title: c.title, endpoint, group: config.checkers[i].group };
  });
  const names = [...new Set([...endpoints.map((e) => e.title), ...endpoints.flatMap((e) => e.group ?? [])])];
  return new IncidentWriter({
    shared,
    names: () => names,
    node: config.node,
    redact: (t) => config.redactor.redact(t),
    announce: async (incident, update, signal) => {
      let statuses = new Map<string, Status>();
      try {
        statuses = await latestStatuses(storage, signal);
      } catch { /* the message goes without a status */ }
      const withStatus = endpoints.map((e) => ({
        ...e,
        status: statuses.get(`${e.title}\u0000${e.endpoint}`),
      }));
      const results: Result[] = goResults(
        incident,
        update,
        withStatus,
        config.node,
        BigInt(update.t) * 1_000_000n,
      );
      try {
        await storage.store(results, signal);
      } catch (e) {
        throw new Error(
          `incident ${incident.id}: update ${update.id} is stored, but its message round for Go's page is not: ${
            (e as Error).message
          }`,
        );
      }
    },
  });
}

function affectedOf(about: string[] | undefined): Affected[] | undefined {
  if (!about?.length) return undefined;
  return about.map((a) => {
    const parsed = parseAffected(a);
    if (typeof parsed === "string") throw new ExitError(`--about: ${parsed}`, EXIT.usage);
    return parsed;
  });
}

/** Runs `body` with a writer, turning refusals into usage errors (bad input) or failures (state). */
function withWriter(
  opts: GlobalOptions,
  io: Io,
  body: (w: IncidentWriter, storage: Storage) => Promise<string>,
): Promise<number> {
  return guard(io, opts, async () => {
    const { checkup, config } = await openCheckup(opts, io);
    try {
      const w = writerOf(checkup, config);
      io.out(await body(w, checkup.storage!));
      return EXIT.ok;
    } catch (e) {
      if (e instanceof IncidentError) {
        throw new ExitError(`incident: ${e.message}`, e.kind === "invalid" ? EXIT.usage : EXIT.failure);
      }
      throw e;
    } finally {
      await checkup.close();
    }
  });
}

function stateOf(state: string | undefined): IncidentState | undefined {
  return state === undefined ? undefined : state.toLowerCase() as IncidentState;
}

/** `checkup incident open "<title>" "<text>" [--about API:major]… [--state investigating]`. */
export function runIncidentOpen(title: string, text: string, opts: IncidentOptions, io: Io): Promise<number> {
  return withWriter(opts, io, async (w) => {
    const { incident } = await w.open({
      title,
      text,
      state: stateOf(opts.state),
      affected: affectedOf(opts.about),
    }, io.signal);
    return `Opened incident ${incident.id} (${incident.state})\n`;
  });
}

/** `checkup incident update <id> "<text>" [--state identified] [--about API:partial]…`. */
export function runIncidentUpdate(id: string, text: string, opts: IncidentOptions, io: Io): Promise<number> {
  return withWriter(opts, io, async (w) => {
    const { incident, update } = await w.update(id, {
      text,
      state: stateOf(opts.state),
      affected: affectedOf(opts.about),
    }, io.signal);
    return `Posted update ${update.id} to incident ${incident.id} (${incident.state})\n`;
  });
}

/** `checkup incident resolve <id> "<text>"`. */
export function runIncidentResolve(id: string, text: string, opts: GlobalOptions, io: Io): Promise<number> {
  return withWriter(opts, io, async (w) => {
    const { incident } = await w.resolve(id, text, io.signal);
    return `Resolved incident ${incident.id}\n`;
  });
}

function line(i: Incident): string {
  const impact = worstImpact(i.affected) ?? "-";
  const started = new Date(i.started).toISOString().slice(0, 16).replace("T", " ");
  const about = i.affected.map((a) => `${a.title}:${a.impact}`).join(", ") || "everything";
  return [i.id, i.state, impact, started, String(i.updates.length), i.title, about].join("\t");
}

/** `checkup incident list [--json]`: every incident, active first. */
export function runIncidentList(opts: IncidentOptions, io: Io): Promise<number> {
  return guard(io, opts, async () => {
    const { checkup } = await openCheckup(opts, io);
    try {
      const incidents = await readIncidents(incidentStore(checkup.storage), io.signal);
      if (opts.json) io.out(JSON.stringify({ incidents }, null, 2) + "\n");
      else if (!incidents.length) io.out("No incidents\n");
      else {
        io.out(["ID", "STATE", "IMPACT", "STARTED (UTC)", "UPDATES", "TITLE", "AFFECTED"].join("\t") + "\n");
        for (const i of incidents) io.out(line(i) + "\n");
      }
      return EXIT.ok;
    } finally {
      await checkup.close();
    }
  });
}
