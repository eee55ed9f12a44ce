/**
 * `checkup maintenance start | end | list`: ad hoc maintenance windows, stored in the storage's shared
 * documents so every node and every `checkup serve` sees them (the config's `maintenance` list holds the
 * planned ones).
 */
import { EXIT, ExitError, type GlobalOptions, guard, openCheckup, requireStorage } from "./common.ts";
import type { Io } from "./io.ts";
import { parseWindowRequest, splitNames } from "../maintenance/request.ts";
import { MaintenanceStore } from "../maintenance/store.ts";
import { maintenanceWindows } from "../maintenance/windows.ts";
import type { MaintenanceWindow } from "../status/operations.js";
import type { Checkup } from "../engine.ts";
import type { ResolvedConfig } from "../config/load.ts";

/** Options of `maintenance start`. */
export interface MaintenanceStartOptions extends GlobalOptions {
  /** Endpoint titles or group names (repeatable, or comma-separated); none: every endpoint. */
  about?: string[];
  /** How long, a duration like "1h". */
  for?: string;
  /** When it opens (RFC 3339); default now. */
  at?: string;
  /** Safe Markdown shown with it. */
  message?: string;
}

/** Options of `maintenance list`. */
export interface MaintenanceListOptions extends GlobalOptions {
  /** Print JSON (`{"active": [...], "upcoming": [...]}`) instead of a table. */
  json?: boolean;
}

function nowMs(io: Io): number {
  return io.clock ? Number(io.clock.now() / 1_000_000n) : Date.now();
}

/** Opens the config and the store of ad hoc windows, runs `body`, closes. */
async function withStore<T>(
  opts: GlobalOptions,
  io: Io,
  body: (store: MaintenanceStore, checkup: Checkup, config: ResolvedConfig) => Promise<T>,
): Promise<T> {
  const { checkup, config } = await openCheckup(opts, io);
  try {
    const store = MaintenanceStore.of(requireStorage(checkup), config.node);
    return await body(store, checkup, config);
  } finally {
    await checkup.close();
  }
}

/** One window as a line: id, when, title, what it covers. */
function line(w: MaintenanceWindow): string {
  const when = `${new Date(w.start).toISOString().slice(0, 16)}Z to ${
    new Date(w.end).toISOString().slice(0, 16)
  }Z`;
  return `${w.id}  ${when}  ${w.title}  (${
    w.about.length ? w.about.join(", ") : "all endpoints"
  }; ${w.source})`;
}

/** Starts (or, with `--at`, schedules) an ad hoc window. */
export function runMaintenanceStart(title: string, opts: MaintenanceStartOptions, io: Io): Promise<number> {
  return guard(io, opts, () =>
    withStore(opts, io, async (store, checkup, config) => {
      const now = nowMs(io);
      const known = [
        ...checkup.checkers.map((c) => c.title),
        ...config.checkers.flatMap((c) => (c.group ? [c.group] : [])),
      ].filter(Boolean);
      const about = splitNames(opts.about ?? []) ?? [];
      const request = parseWindowRequest(
        { title, about, duration: opts.for, start: opts.at, message: opts.message },
        now,
        known,
      );
      if ("error" in request) {
        const flag = request.error.replace(/^duration:/, "--for:").replace(/^start:/, "--at:")
          .replace(/^about:/, "--about:").replace(/^message:/, "--message:");
        throw new ExitError(`maintenance start: ${flag}`, EXIT.usage);
      }
      const w = await store.start(request, now, io.signal);
      io.out(`${w.start > now ? "Scheduled" : "Started"} maintenance window ${w.id}\n${line(w)}\n`);
      return EXIT.ok;
    }));
}

/**
 * Ends an ad hoc window early: the one named, or the only one open now (several open: say which).
 */
export function runMaintenanceEnd(id: string | undefined, opts: GlobalOptions, io: Io): Promise<number> {
  return guard(io, opts, () =>
    withStore(opts, io, async (store) => {
      const now = nowMs(io);
      if (id === undefined) {
        const { windows } = await store.list(now, io.signal);
        const open = windows.filter((w) => w.start <= now && now < w.end);
        const upcoming = windows.filter((w) => w.start > now);
        if (open.length !== 1) {
          const candidates = open.length ? open : upcoming;
          throw new ExitError(
            `maintenance end: ${
              open.length ? `${open.length} ad hoc windows are open` : "no ad hoc window is open"
            }; say which to end${
              candidates.length ? `:\n${candidates.map((w) => `  ${line(w)}`).join("\n")}` : ""
            }`,
            EXIT.usage,
          );
        }
        id = open[0].id;
      }
      const w = await store.end(id, now, io.signal);
      if (!w) {
        throw new ExitError(`maintenance end: no ad hoc maintenance window with id ${JSON.stringify(id)}`);
      }
      io.out(`Ended maintenance window ${w.id}\n${line(w)}\n`);
      return EXIT.ok;
    }));
}

/** Lists the windows open now and those opening within 7 days, from the config and the storage. */
export function runMaintenanceList(opts: MaintenanceListOptions, io: Io): Promise<number> {
  return guard(io, opts, async () => {
    const { checkup, config } = await openCheckup(opts, io);
    try {
      const now = nowMs(io);
      const storage = checkup.storage;
      const windows = await maintenanceWindows(storage, config.maintenance ?? [], now, io.signal);
      const active = windows.filter((w) => w.start <= now && now < w.end);
      const upcoming = windows.filter((w) => w.start > now);
      if (opts.json) {
        io.out(JSON.stringify({ active, upcoming }, null, 2) + "\n");
        return EXIT.ok;
      }
      if (!active.length && !upcoming.length) io.out("No maintenance window open or within 7 days\n");
      if (active.length) io.out(`Open now:\n${active.map((w) => `  ${line(w)}\n`).join("")}`);
      if (upcoming.length) io.out(`Within 7 days:\n${upcoming.map((w) => `  ${line(w)}\n`).join("")}`);
      return EXIT.ok;
    } finally {
      await checkup.close();
    }
  });
}
