import assert from "node:assert/strict";
import { runCli } from "../cli/program.ts";
import { memoryIo } from "../cli/io.ts";

async function completion(shell: string) {
  const io = memoryIo();
  const code = await runCli(["completion", shell], io);
  return { code, out: io.stdout, err: io.stderr };
}

Deno.test("completion scripts list every command and are valid shell", async () => {
  for (const shell of ["bash", "zsh", "fish"]) {
    const r = await completion(shell);
    assert.equal(r.code, 0);
    for (const cmd of ["every", "message", "ping", "completion", "incident", "maintenance"]) {
      assert.match(r.out, new RegExp(`\\b${cmd}\\b`), `${shell}: ${cmd}`);
    }
  }
  const bash = await completion("bash");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/c.bash`, bash.out);
    // Source the script and ask it to complete "checkup ev": bash must parse it and offer "every".
    const out = await new Deno.Command("bash", {
      args: [
        "-c",
        `source ${dir}/c.bash; COMP_WORDS=(checkup ev); COMP_CWORD=1; _checkup; echo "\${COMPREPLY[@]}"`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "every");
    // A command with subcommands completes them, and their flags.
    const sub = await new Deno.Command("bash", {
      args: [
        "-c",
        `source ${dir}/c.bash; COMP_WORDS=(checkup incident ""); COMP_CWORD=2; _checkup; echo "\${COMPREPLY[@]}"`,
      ],
      stdout: "piped",
    }).output();
    const offered = new TextDecoder().decode(sub.stdout).trim().split(" ");
    for (const word of ["open", "update", "resolve", "list", "--about", "--state"]) {
      assert.ok(offered.includes(word), `incident: ${word} in ${offered.join(" ")}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const bad = await completion("powershell");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /expected one of bash, zsh, fish/);
});
