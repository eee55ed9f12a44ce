import assert from "node:assert/strict";
import { join } from "node:path";

const required = Deno.env.get("CHECKUP_REQUIRE_SERVICES") === "1";

async function has(bin: string): Promise<boolean> {
  try {
    const { code } = await new Deno.Command("sh", { args: ["-c", `command -v ${bin}`], stdout: "null" })
      .output();
    return code === 0;
  } catch {
    return false;
  }
}

async function verify(unitText: string, dir: string, name: string): Promise<{ code: number; text: string }> {
  // verify checks that ExecStart exists and is executable: point it at a stand-in.
  const bin = join(dir, "checkup");
  await Deno.writeTextFile(bin, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  await Deno.writeTextFile(join(dir, name), unitText.replaceAll("/usr/local/bin/checkup", bin));
  const out = await new Deno.Command("systemd-analyze", {
    args: ["verify", join(dir, name)],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, text: (dec.decode(out.stdout) + dec.decode(out.stderr)).trim() };
}

const analyze = await has("systemd-analyze");

Deno.test({
  name: "systemd units pass `systemd-analyze verify` without a warning",
  // Skipped (reported as ignored) where systemd-analyze is missing, except under CHECKUP_REQUIRE_SERVICES=1.
  ignore: !analyze && !required,
}, async () => {
  if (!analyze) assert.fail("systemd-analyze is missing (Debian package systemd)");
  const dir = await Deno.makeTempDir();
  try {
    for (const unit of ["checkup.service", "checkup-serve.service"]) {
      const text = await Deno.readTextFile(new URL(`../contrib/systemd/${unit}`, import.meta.url));
      for (
        const key of [
          "DynamicUser=yes",
          "StateDirectory=checkup",
          "ProtectSystem=strict",
          "NoNewPrivileges=yes",
          "Restart=on-failure",
        ]
      ) {
        assert.ok(text.includes(key), `${unit} sets ${key}`);
      }
      const r = await verify(text, dir, unit);
      assert.equal(r.code, 0, r.text);
      assert.equal(r.text, "", `${unit}: ${r.text}`);
    }
    // The same check catches a mistake, so a clean run above means something.
    const broken = await verify(
      "[Service]\nExecStart=/usr/local/bin/checkup every 1m\nProtectSystm=strict\n",
      dir,
      "broken.service",
    );
    assert.match(broken.text, /Unknown key 'ProtectSystm'/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
