/** `promtool check metrics` (Prometheus's own linter of the text exposition format). */
import { servicesRequired } from "./_server.ts";

/** Runs `promtool check metrics`; undefined (test skipped) when promtool is missing, unless required. */
export async function promtool(text: string): Promise<{ code: number; output: string } | undefined> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("promtool", {
      args: ["check", "metrics"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(20_000),
    }).spawn();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    if (servicesRequired()) throw new Error("promtool is not installed (apt-get install prometheus)");
    // deno-lint-ignore no-console
    console.warn("skipping promtool check: promtool is not installed (apt-get install prometheus)");
    return undefined;
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}
