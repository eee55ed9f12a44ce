import assert from "node:assert/strict";
import { join } from "node:path";
import { parseChecker } from "../config/load.ts";
import { statusOf } from "../result.ts";
import type { ExecCheckerConfig } from "./exec.ts";

const check = (config: Omit<ExecCheckerConfig, "type">, signal?: AbortSignal) =>
  parseChecker({ type: "exec", name: "E", ...config }).check(signal);

async function script(dir: string, name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

/** Whether a process still runs (a zombie awaiting its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

Deno.test("exec: exit codes, output rules, raise and Go's error text", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "checkup-exec-" });
  try {
    const pass = await script(dir, "pass.sh", 'echo "all good"; echo "note" >&2');
    const fail = await script(dir, "fail.sh", 'echo "disk full" >&2; exit 3');

    await t.step("exit 0 is healthy; the endpoint is the command, the title is name", async () => {
      const r = await check({ command: pass, attempts: 2 });
      assert.equal(statusOf(r), "healthy");
      assert.equal(r.title, "E");
      assert.equal(r.endpoint, pass);
      assert.equal(r.times!.length, 2);
    });
    await t.step("a non-zero exit is down with Go's error text", async () => {
      const r = await check({ command: fail });
      assert.equal(statusOf(r), "down");
      assert.equal(r.times![0].error, "Error: exit status 3\nOutput: disk full\n\n");
      const quiet = await check({ command: "false" });
      assert.equal(quiet.times![0].error, "Error: exit status 1\nOutput: empty\n");
    });
    await t.step(
      'raise "warn" / "warning" (any case) makes a failure degraded with the error as notice',
      async () => {
        for (const raise of ["warn", "warning", "Warning"]) {
          const r = await check({ command: fail, raise });
          assert.equal(statusOf(r), "degraded", raise);
          assert.equal(r.notice, "Error: exit status 3\nOutput: disk full\n\n");
        }
        assert.equal(statusOf(await check({ command: fail, raise: "error" })), "down");
      },
    );
    await t.step("must_contain / must_not_contain look at stdout and stderr combined", async () => {
      assert.equal(statusOf(await check({ command: pass, must_contain: "note" })), "healthy");
      const missing = await check({ command: pass, must_contain: "ready" });
      assert.equal(missing.times![0].error, "response does not contain 'ready'");
      const present = await check({ command: pass, must_not_contain: "good" });
      assert.equal(present.times![0].error, "response contains 'good'");
    });
    await t.step("arguments go to the program as they are, with no shell", async () => {
      const r = await check({
        command: "printf",
        arguments: ["%s|%s", "a b", "$HOME;*"],
        must_contain: "a b|$HOME;*",
      });
      assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
    });
    await t.step("a missing program is down with Go's text", async () => {
      const r = await check({ command: "checkup-no-such-program" });
      assert.equal(statusOf(r), "down");
      assert.equal(
        r.times![0].error,
        'Error: exec: "checkup-no-such-program": executable file not found in $PATH\nOutput: empty\n',
      );
      const path = await check({ command: join(dir, "missing.sh") });
      assert.match(path.times![0].error!, /^Error: fork\/exec .*missing\.sh: no such file or directory\n/);
    });
    await t.step("threshold_rtt: degraded when the run is slower", async () => {
      const r = await check({ command: pass, threshold_rtt: 1 });
      assert.equal(statusOf(r), "degraded");
      assert.equal(r.notice, "median round trip time exceeded threshold (1ns)");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exec: a command that hangs is killed at the timeout, with the children it started", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkup-exec-" });
  try {
    const hang = await script(dir, "hang.sh", "sleep 30 &\necho child $!\nsleep 30");
    const r = await check({ command: hang, timeout: "300ms" });
    assert.equal(statusOf(r), "down");
    const error = r.times![0].error!;
    assert.match(error, /^Error: signal: killed \(timeout after 300ms\)\nOutput: child \d+\n\n$/);
    const pid = Number(/child (\d+)/.exec(error)![1]);
    assert.equal(alive(pid), false, "the background child was killed too");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exec: a background child holding the output open does not stall the check", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkup-exec-" });
  const pidFile = join(dir, "pid");
  try {
    // The background sleep inherits stdout, so the pipe stays open after the shell exits.
    const r = await check({
      command: "sh",
      arguments: ["-c", `sleep 30 & echo $! > ${pidFile}; echo done`],
      timeout: "20s",
    });
    assert.equal(statusOf(r), "healthy", JSON.stringify(r.times));
    assert.ok(
      await gone(Number(await Deno.readTextFile(pidFile))),
      "the background child is ended with the check",
    );
  } finally {
    const pid = Number(await Deno.readTextFile(pidFile).catch(() => "0"));
    if (pid && alive(pid)) Deno.kill(pid, "SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
});

/** Whether `pid` is gone, polling `/proc` a bounded number of times (SIGKILL is delivered asynchronously). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

/** `[pid, pgid, sid]` of a process, from `/proc/<pid>/stat`. */
function ids(pid: number): number[] {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return [pid, Number(f[2]), Number(f[3])];
}

Deno.test({
  name: "exec: a child started in a new session (setsid) is ended with the check, every round",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "checkup-exec-" });
    const pids: number[] = [];
    try {
      // The daemon leaves the command's session and process group, writes its ids, then lingers.
      const daemon = await script(
        dir,
        "daemon.sh",
        `echo $$ $(cut -d' ' -f5,6 /proc/$$/stat) > "$1.tmp"; mv "$1.tmp" "$1"; exec sleep 300`,
      );
      for (const [i, exit] of [[0, "exit 0"], [1, "exit 4"], [2, "sleep 30"]] as const) {
        const file = join(dir, `daemon${i}`);
        // The command waits for the file (so the daemon surely runs), then exits or hangs to its timeout.
        const r = await check({
          command: "sh",
          arguments: [
            "-c",
            `setsid ${daemon} ${file} </dev/null >/dev/null 2>&1 & while [ ! -e ${file} ]; do sleep 0.01; done; ${exit}`,
          ],
          timeout: i === 2 ? "2s" : "20s",
        });
        const [pid, pgid, sid] = (await Deno.readTextFile(file)).trim().split(" ").map(Number);
        pids.push(pid);
        assert.deepEqual([pgid, sid], [pid, pid], "the daemon leads its own session and group");
        assert.notEqual(sid, ids(Deno.pid)[2], "...not ours");
        assert.equal(statusOf(r), i === 0 ? "healthy" : "down", JSON.stringify(r.times));
        assert.ok(await gone(pid), `round ${i}: the setsid daemon ${pid} was ended with the check`);
      }
    } finally {
      for (const pid of pids) if (alive(pid)) Deno.kill(pid, "SIGKILL");
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("exec: an aborted check kills the command", async () => {
  const ac = new AbortController();
  const pending = check({ command: "sleep", arguments: ["30"], timeout: "1h" }, ac.signal);
  setTimeout(() => ac.abort(), 100);
  const r = await pending;
  assert.equal(statusOf(r), "down");
  assert.equal(r.times![0].error, "Error: check aborted\nOutput: empty\n");
});

Deno.test("exec: a lot of output is read to the end, kept bounded, and cut in the error text", async () => {
  const lots = "head -c 5000000 /dev/zero | tr '\\0' a; echo; echo THE-END";
  const ok = await check({ command: "sh", arguments: ["-c", lots], must_contain: "THE-END" });
  assert.equal(statusOf(ok), "healthy", "the end of 5 MB of output is still seen");
  const r = await check({ command: "sh", arguments: ["-c", `${lots}; exit 2`] });
  assert.equal(statusOf(r), "down");
  const error = r.times![0].error!;
  assert.ok(error.length < 2500, `error text is ${error.length} characters`);
  assert.match(
    error,
    /^Error: exit status 2\nOutput: a{512}\n\[\.\.\. \d+ characters cut \.\.\.\]\na+\nTHE-END\n\n$/,
  );
});
