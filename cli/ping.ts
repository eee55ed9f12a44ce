/**
 * `checkup ping "<heartbeat>"`: records a ping of a heartbeat checker straight into the storage, for a node
 * that runs no `checkup serve` (the same ping `GET /api/v1/ping/<token>` records). `--start` marks a run's
 * start, `--fail` a failure, `--exit-code N` the job's exit code (0 a success, anything else a failure).
 */
import { isHeartbeat } from "../checkers/heartbeat/mod.ts";
import { EXIT, ExitError, type GlobalOptions, guard, openCheckup } from "./common.ts";
import type { Io } from "./io.ts";

/** Options of `ping`. */
export interface PingOptions extends GlobalOptions {
  start?: boolean;
  fail?: boolean;
  /** The job's exit code, as given on the command line. */
  exitCode?: string;
}

/** Records one ping of the heartbeat named `name` (its `endpoint_name`, ignoring case). */
export function runPing(name: string, opts: PingOptions, io: Io): Promise<number> {
  return guard(io, opts, async () => {
    const given = [
      opts.start && "--start",
      opts.fail && "--fail",
      opts.exitCode !== undefined && "--exit-code",
    ]
      .filter(Boolean);
    if (given.length > 1) {
      throw new ExitError(
        `ping: expected at most one of --start, --fail, --exit-code, found ${given.join(", ")}`,
        EXIT.usage,
      );
    }
    let exit: number | undefined;
    if (opts.exitCode !== undefined) {
      exit = Number(opts.exitCode.trim());
      if (!/^\d{1,3}$/.test(opts.exitCode.trim()) || exit > 255) {
        throw new ExitError(
          `--exit-code: expected an exit code from 0 to 255, found ${JSON.stringify(opts.exitCode)}`,
          EXIT.usage,
        );
      }
    }
    const { checkup } = await openCheckup(opts, io);
    try {
      const heartbeats = checkup.checkers.filter(isHeartbeat);
      const heartbeat = heartbeats.find((c) => c.title.toLowerCase() === name.toLowerCase());
      if (!heartbeat) {
        throw new ExitError(
          `ping: no heartbeat checker named ${JSON.stringify(name)} (${
            heartbeats.length
              ? `heartbeats: ${heartbeats.map((c) => c.title).join(", ")}`
              : "the config has none"
          })`,
          EXIT.usage,
        );
      }
      const ping = await heartbeat.record({
        kind: opts.start ? "start" : opts.fail ? "fail" : undefined,
        exit,
        via: "cli",
      }, io.signal);
      io.out(
        `Recorded ${ping.kind === "start" ? "a start" : ping.kind === "fail" ? "a failure" : "a success"}${
          exit !== undefined ? ` (exit code ${exit})` : ""
        } for ${heartbeat.title}\n`,
      );
      return EXIT.ok;
    } finally {
      await checkup.close();
    }
  });
}
