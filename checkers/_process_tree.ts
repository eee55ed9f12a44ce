/**
 * Ending everything an exec check started. The command runs in its own process group, which a timeout
 * or the end of the attempt kills; a descendant that left the group (a `setsid` daemon, a double fork)
 * is found on Linux by a marker in its environment, inherited from the command: `CHECKUP_EXEC_ID=<id>`,
 * unique per attempt (the technique of Jenkins' process-tree killer). A descendant that clears its
 * environment, or runs as another user, escapes; so does everything where `/proc` cannot be read (not
 * Linux, or Deno without `--allow-all`, which reading `/proc` requires).
 *
 * @module
 */

/** The environment variable that marks a check's processes. */
export const TREE_MARKER = "CHECKUP_EXEC_ID";

/** Passes over `/proc` at most: a forking process can add a child between a scan and its kill. */
const MAX_PASSES = 5;

/** Kills a process group, if any process is left in it. */
function killGroup(pgid: number): void {
  try {
    Deno.kill(-pgid, "SIGKILL");
  } catch { /* none left, or not allowed */ }
}

const decoder = new TextDecoder();

/**
 * The live processes whose environment carries `marker`, or undefined without `/proc`. One file read
 * per process, one after another (no burst of open files): about 0.1 ms each.
 */
async function marked(marker: string): Promise<number[] | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  const found: number[] = [];
  try {
    for await (const entry of Deno.readDir("/proc")) {
      const pid = Number(entry.name);
      if (!Number.isInteger(pid) || pid === Deno.pid) continue;
      try {
        // A zombie's environment reads empty: only live processes match.
        if (decoder.decode(await Deno.readFile(`/proc/${pid}/environ`)).includes(marker)) found.push(pid);
      } catch { /* gone, or another user's */ }
    }
  } catch {
    return undefined; // no /proc, or not allowed to read it (Deno asks --allow-all for /proc)
  }
  return found;
}

/**
 * Kills (SIGKILL) the process group `pgid` and every process marked with `id` (see {@linkcode treeEnv}),
 * scanning `/proc` until a pass finds none, five passes at most.
 */
export async function killTree(pgid: number, id: string): Promise<void> {
  killGroup(pgid);
  const marker = `${TREE_MARKER}=${id}\0`;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const pids = await marked(marker);
    if (!pids?.length) return;
    for (const pid of pids) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* already gone */ }
    }
  }
}

/** A fresh marker for one attempt: the environment entry to give the command, and its id. */
export function treeEnv(): { id: string; env: Record<string, string> } {
  const id = crypto.randomUUID();
  return { id, env: { [TREE_MARKER]: id } };
}
