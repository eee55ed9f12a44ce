/** Shared plumbing of the throwaway database servers: free ports, process runs, skip-or-fail. */

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Runs a command to completion (60 s at most); throws with its output when it fails. */
export async function run(cmd: string, args: string[], what: string): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${what} failed (exit ${out.code}): ${text.slice(0, 2000)}`);
  return text;
}

/** Whether a file exists. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether a missing service must fail the test instead of skipping it (CI). */
export function servicesRequired(): boolean {
  return Deno.env.get("CHECKUP_REQUIRE_SERVICES") === "1";
}

/**
 * Reports a missing service: throws under CHECKUP_REQUIRE_SERVICES=1, else prints why the tests skip and
 * returns undefined.
 */
export function unavailable(reason: string): undefined {
  if (servicesRequired()) throw new Error(`${reason} (required: CHECKUP_REQUIRE_SERVICES=1)`);
  // deno-lint-ignore no-console
  console.warn(`skipping: ${reason}`);
  return undefined;
}

/** Waits until a TCP port accepts connections (or throws after `ms`). */
export async function waitForPort(port: number, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      return;
    } catch (e) {
      if (Date.now() > end) throw new Error(`127.0.0.1:${port} did not come up: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
