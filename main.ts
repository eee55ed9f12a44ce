/**
 * The `checkup` executable: parses the command line and sets the exit code. Everything else lives in
 * `cli/` and the library.
 *
 * @module
 */
import { runCli } from "./cli/program.ts";
import { processIo } from "./cli/io.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args, processIo()));
}
