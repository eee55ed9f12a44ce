/**
 * A process of the conformance suite: one of its scripts (`_conformance_writer.ts`,
 * `_conformance_claimer.ts`) run by `deno run -A` with the project's config and the given arguments.
 */
import { fileURLToPath as fromFileUrl } from "node:url";

/** The command that runs `script` (a file name beside this one) with `args`; stdout and stderr piped. */
export function conformanceProcess(
  script: string,
  args: string[],
  stdin: "piped" | "null" = "null",
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      fromFileUrl(new URL("../deno.json", import.meta.url)),
      fromFileUrl(new URL(script, import.meta.url)),
      ...args,
    ],
    stdin,
    stdout: "piped",
    stderr: "piped",
  });
}
