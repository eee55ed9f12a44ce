/**
 * The `checkup` command line: {@linkcode runCli}. The root command's usual form (`checkup -c FILE --store`)
 * runs straight away; every other form goes through the commander wiring in `commands.ts`, loaded then.
 * Each command is a `runX(options, io)` in its own file, so tests call them in-process through `runCli`.
 */
import { EXIT } from "./exit.ts";
import type { Io } from "./io.ts";
import { quickRootOptions } from "./root.ts";

export { VERSION } from "./root.ts";

/** Runs the CLI with `argv` (without the program name) and returns the exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const quick = quickRootOptions(argv);
  if (quick) return (await import("./run.ts")).runChecks(quick, io);
  const { build, CommanderError } = await import("./commands.ts");
  let code: number = EXIT.ok;
  const program = build(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help shown because a command was left out (`checkup incident`) is a usage error, asked-for help is not.
      if (e.code === "commander.help" && e.exitCode !== 0) return EXIT.usage;
      if (
        e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help"
      ) return EXIT.ok;
      return EXIT.usage;
    }
    throw e;
  }
  return code;
}
