/**
 * The `checkup` command line: commander wiring only. Each command is a `runX(options, io)` in its own file,
 * so tests call them in-process through `runCli` (program.ts).
 */
import { Command, Option } from "commander";
import type { GlobalOptions } from "./common.ts";
import { EXIT } from "./exit.ts";
import { LOG_FORMATS, LOG_LEVELS, VERSION } from "./root.ts";
import type { Io } from "./io.ts";
import { closest } from "../_internal/suggest.ts";
import type { IncidentOptions } from "./incident.ts";

// Each command's module is imported when that command runs: a run loads only what it needs (`checkup serve`
// brings the server, `checkup` the engine alone; `--help` neither).
const commands = {
  every: () => import("./every.ts"),
  message: () => import("./message.ts"),
  ping: () => import("./ping.ts"),
  maintenance: () => import("./maintenance.ts"),
  incident: () => import("./incident.ts"),
  provision: () => import("./provision.ts"),
  run: () => import("./run.ts"),
  completion: () => import("./completion.ts"),
  serve: () => import("./serve.ts"),
};

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `checkup incident open | update | resolve | list`. */
function incidentCommand(io: Io, setCode: (code: number) => void): Command {
  const incident = new Command("incident")
    .description("open, update, resolve and list incidents shown on the status page (and Go's)")
    .addHelpText(
      "after",
      `
Examples:
  checkup incident open "API errors" --about API:major --about Database:partial "Investigating errors"
  checkup incident update 20261130-api-errors-k3f9q2 --state identified "A bad deploy; rolling back"
  checkup incident resolve 20261130-api-errors-k3f9q2 "Rolled back; all good"
  checkup incident list

States: investigating, identified, monitoring, resolved. Impacts: degraded, partial, major.`,
    );
  const about = () =>
    new Option(
      "-a, --about <name:impact>",
      "an affected endpoint title or group name and its impact (degraded, partial, major); repeatable",
    ).argParser(collect);
  const opts = <T>(cmd: Command) => cmd.optsWithGlobals<T & IncidentOptions>();
  incident.command("open")
    .argument("<title>", "the incident's title")
    .argument("<text>", "the first update (Markdown)")
    .addOption(about())
    .option("-s, --state <state>", "investigating, identified or monitoring", "investigating")
    .description("open an incident")
    .action(async (title: string, text: string, _o, cmd: Command) =>
      setCode(await (await commands.incident()).runIncidentOpen(title, text, opts(cmd), io))
    );
  incident.command("update")
    .argument("<id>", "the incident's id (checkup incident list)")
    .argument("<text>", "the update (Markdown)")
    .addOption(about())
    .option("-s, --state <state>", "investigating, identified, monitoring or resolved (default: unchanged)")
    .description("post an update to an incident (its state, text, affected endpoints)")
    .action(async (id: string, text: string, _o, cmd: Command) =>
      setCode(await (await commands.incident()).runIncidentUpdate(id, text, opts(cmd), io))
    );
  incident.command("resolve")
    .argument("<id>", "the incident's id")
    .argument("<text>", "the closing update (Markdown)")
    .description("resolve an incident (final: a new incident is opened for a new outage)")
    .action(async (id: string, text: string, _o, cmd: Command) =>
      setCode(await (await commands.incident()).runIncidentResolve(id, text, opts(cmd), io))
    );
  incident.command("list")
    .description("list the incidents, active first (--json: as JSON)")
    .action(async (_o, cmd: Command) =>
      setCode(await (await commands.incident()).runIncidentList(opts(cmd), io))
    );
  for (const c of incident.commands) c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  return incident;
}

/** The `checkup` program: every command and option, writing to `io`; `setCode` receives the exit code. */
export function build(io: Io, setCode: (code: number) => void): Command {
  const program = new Command("checkup")
    .description("Distributed, lock-free, self-hosted health checks and status pages.")
    .version(VERSION, "-v, --version")
    .option("-c, --config <path>", "path of the JSON config", "checkup.json")
    .addOption(
      new Option("--log-level <level>", "least severe log level shown").choices(LOG_LEVELS).default("info"),
    )
    .addOption(
      new Option("--log-format <format>", "log line format on stderr").choices(LOG_FORMATS).default("text"),
    )
    .option("--store", "store the results instead of printing them (exit 0 unless storing fails)")
    .option("--json", "print the results as JSON (Go Checkup's check-file format)")
    .option("--print", "with --store: print the results too")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .addHelpText(
      "after",
      `
Examples:
  checkup                         run every check once and print the results
  checkup -c /etc/checkup.json --store
  checkup every 5m                check, store and clean up every 5 minutes
  checkup message "Investigating" --about "Website"
  checkup incident open "API errors" --about API:major "Investigating"

Exit codes: 0 all healthy (or stored), 1 unhealthy result or failure, 2 usage error.`,
    )
    .action(async (_opts, cmd: Command) => {
      // The root takes no arguments: a word here is a mistyped command (`checkup evry 1m`).
      if (cmd.args.length) {
        const hint = closest(cmd.args[0], program.commands.map((c) => c.name()));
        cmd.error(
          `error: unknown command '${cmd.args[0]}'${
            hint ? `\n(Did you mean ${hint}?)` : "\n(checkup --help lists the commands)"
          }`,
          {
            code: "commander.unknownCommand",
            exitCode: EXIT.usage,
          },
        );
      }
      setCode(await (await commands.run()).runChecks(cmd.opts(), io));
    });

  program.command("every")
    .argument(
      "<interval>",
      'how often: a duration ("30s", "10m", "1h", "7d") or second, minute, hour, day, week',
    )
    .description("check, store and maintain now and then on every interval, until SIGINT/SIGTERM")
    .addHelpText(
      "after",
      "\nExamples:\n  checkup every 10m\n  checkup every minute -c /etc/checkup/checkup.json",
    )
    .action(async (interval: string, _o, cmd: Command) =>
      setCode(await (await commands.every()).runEvery(interval, cmd.optsWithGlobals<GlobalOptions>(), io))
    );

  program.command("message")
    .argument("<text>", "the status message (shown on the status page as text)")
    .option(
      "-a, --about <title>",
      "the endpoint title the message is about (needed with more than one checker)",
    )
    .description("run a round and store it with a status message attached to one endpoint")
    .addHelpText("after", '\nExamples:\n  checkup message "Maintenance until 14:00 UTC" --about "API"')
    .action(async (text: string, _o, cmd: Command) =>
      setCode(await (await commands.message()).runMessage(text, cmd.optsWithGlobals(), io))
    );

  program.command("ping")
    .argument("<name>", "the heartbeat checker's endpoint_name")
    .option("--start", "the job has started (with max_runtime: how long a run takes)")
    .option("--fail", "the job has failed: the heartbeat is down until the next success")
    .option("--exit-code <code>", "the job's exit code: 0 a success, anything else a failure")
    .description("record a ping of a heartbeat checker in the storage (for a node without serve)")
    .addHelpText(
      "after",
      '\nExamples:\n  checkup ping "Nightly backup"\n  checkup ping --start "Nightly backup"\n' +
        '  backup.sh; checkup ping --exit-code $? "Nightly backup"',
    )
    .action(async (name: string, _o, cmd: Command) =>
      setCode(await (await commands.ping()).runPing(name, cmd.optsWithGlobals(), io))
    );
  const maintenance = program.command("maintenance")
    .description("start, end or list maintenance windows (alerts held, endpoints shown as in maintenance)")
    .addHelpText(
      "after",
      '\nExamples:\n  checkup maintenance start --about API --for 1h "DB upgrade"\n' +
        '  checkup maintenance start --about Payments,Web --for 2h --at 2026-06-01T22:00:00Z "Move"\n' +
        "  checkup maintenance end\n  checkup maintenance list",
    );
  maintenance.command("start")
    .argument("<title>", "what is done, shown on the page")
    .option(
      "-a, --about <name>",
      "an endpoint title or group name it covers (repeat, or comma-separated; none: every endpoint)",
      (v: string, list: string[]) => [...list, v],
      [] as string[],
    )
    .requiredOption("--for <duration>", 'how long, e.g. "1h" or "30m" (at most 31d)')
    .option("--at <time>", "when it opens, RFC 3339 (default now)")
    .option("-m, --message <text>", "shown with the window on the page (safe Markdown)")
    .description("start an ad hoc maintenance window now (or schedule it with --at)")
    .action(async (title: string, _o, cmd: Command) =>
      setCode(await (await commands.maintenance()).runMaintenanceStart(title, cmd.optsWithGlobals(), io))
    );
  maintenance.command("end")
    .argument("[id]", "the window to end (default: the only ad hoc window open now)")
    .description("end an ad hoc maintenance window early")
    .action(async (id: string | undefined, _o, cmd: Command) =>
      setCode(await (await commands.maintenance()).runMaintenanceEnd(id, cmd.optsWithGlobals(), io))
    );
  maintenance.command("list")
    .option("--json", "print JSON: {active, upcoming}")
    .description("list the maintenance windows open now and those within 7 days (config and ad hoc)")
    .action(async (_o, cmd: Command) =>
      setCode(await (await commands.maintenance()).runMaintenanceList(cmd.optsWithGlobals(), io))
    );
  for (const c of maintenance.commands) {
    c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  }
  program.addCommand(incidentCommand(io, setCode));

  program.command("serve")
    .description("serve the status page, JSON API, badges and metrics from the storage, until SIGINT/SIGTERM")
    .option("--listen <address>", "[host]:port to listen on", ":3000")
    .option("--every <interval>", "also check and store on this interval, in the same process")
    .option("--title <text>", "the page title", "Status")
    .option("--logo <file>", "a logo image (svg, png, jpg, webp) instead of Checkup's")
    .option("--range <range>", "the range shown first: 24h, 7d, 30d or 90d", "24h")
    .option("--refresh <duration>", "how often the page refreshes itself", "60s")
    .option("--export <dir>", "write the page as static files into <dir> (S3, GitHub Pages) and exit")
    .addHelpText(
      "after",
      '\nExamples:\n  checkup serve --listen 127.0.0.1:8080 --title "Acme status"\n  checkup serve --every 1m\n' +
        "  checkup serve --export site/\n\nPOST /api/v1/messages and /api/v1/incidents are accepted only when CHECKUP_SERVE_TOKEN is set.",
    )
    .action(async (_o, cmd: Command) =>
      setCode(await (await commands.serve()).runServe(cmd.optsWithGlobals(), io))
    );

  program.command("completion")
    .argument("<shell>", "bash, zsh or fish")
    .description("print a shell completion script")
    .addHelpText("after", "\nExamples:\n  checkup completion bash > /etc/bash_completion.d/checkup")
    .action(async (shell: string) =>
      setCode((await commands.completion()).runCompletion(shell, program, io))
    );

  program.command("provision")
    .argument("[provider]", 'take the bucket from $AWS_BUCKET_NAME instead of the config ("s3", Go\'s form)')
    .description("create the storage's bucket with CORS and a public-read policy for the status page (s3)")
    .addHelpText("after", "\nExamples:\n  checkup provision\n  AWS_BUCKET_NAME=status checkup provision s3")
    .action(async (provider: string | undefined, _o, cmd: Command) =>
      setCode(
        await (await commands.provision()).runProvision(provider, cmd.optsWithGlobals<GlobalOptions>(), io),
      )
    );

  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  // After the subcommands are made, so they keep refusing extra arguments themselves.
  program.allowExcessArguments(true);
  return program;
}

export { CommanderError } from "commander";
