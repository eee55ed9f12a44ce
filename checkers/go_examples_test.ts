/**
 * The checker objects of Go Checkup's README, byte for byte: they load with no problem and no warning,
 * and they run healthy. Tests reach 127.0.0.1 only, so the run happens in a child process where the
 * network names of the examples are the only thing moved: `endpoint_url` of tcp, dns and tls points at
 * local servers, the test CA is a system root there (`DENO_CERT`), and the working directory holds the
 * exec example's `testdata/exec.sh`. The dns example's `hostname_fqdn` (no trailing dot, which Go
 * rejected) and the exec example run exactly as written.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { resolveConfig } from "../config/load.ts";
import { createTestCa, opensslMissing } from "../tests/helpers/certs.ts";
import { startDnsServer } from "../tests/helpers/dns_server.ts";
import { startListener, writeText } from "./_servers_test.ts";

// Copied from github.com/sourcegraph/checkup README.md ("TCP Checker", "DNS Checkers", "TLS Checkers",
// "Exec Checkers").
const GO_README_CHECKERS = `[
  {
    "type": "tcp",
    "endpoint_name": "Example TCP",
    "endpoint_url": "example.com:80"
  },
  {
    "type": "dns",
    "endpoint_name": "Example of endpoint_url looking up host.example.com",
    "endpoint_url": "ns.example.com:53",
    "hostname_fqdn": "host.example.com"
  },
  {
    "type": "tls",
    "endpoint_name": "Example TLS Protocol Check",
    "endpoint_url": "www.example.com:443"
  },
  {
    "type": "exec",
    "name": "Example Exec Check",
    "command": "testdata/exec.sh"
  }
]`;

Deno.test("Go README checker examples load unchanged, with no warning", () => {
  const resolved = resolveConfig({ checkers: JSON.parse(GO_README_CHECKERS) });
  assert.deepEqual(resolved.warnings, []);
  assert.deepEqual(resolved.checkers.map((c) => c.definition.type), ["tcp", "dns", "tls", "exec"]);
});

const missing = await opensslMissing();
const requireServices = Deno.env.get("CHECKUP_REQUIRE_SERVICES") === "1";

Deno.test({
  name: "Go README checker examples run healthy (endpoints moved to 127.0.0.1)",
  ignore: missing !== undefined && !requireServices,
  async fn() {
    if (missing) throw new Error(`CHECKUP_REQUIRE_SERVICES=1 but ${missing}`);
    const ca = await createTestCa();
    const leaf = await ca.issue({ hosts: ["127.0.0.1"] });
    const web = startListener(() => {});
    const secure = startListener(async (conn) => {
      await (conn as Deno.TlsConn).handshake();
      await writeText(conn, "hi");
    }, { tls: { cert: leaf.cert, key: leaf.key } });
    const dns = await startDnsServer({ zone: { "host.example.com": { A: ["192.0.2.10"] } } });
    const dir = await Deno.makeTempDir({ prefix: "checkup-go-examples-" });
    try {
      await Deno.mkdir(join(dir, "testdata"));
      await Deno.writeTextFile(join(dir, "testdata", "exec.sh"), "#!/bin/sh\necho ok\n");
      await Deno.chmod(join(dir, "testdata", "exec.sh"), 0o755);
      const moved: Record<string, string> = {
        "example.com:80": web.address,
        "ns.example.com:53": dns.address,
        "www.example.com:443": secure.address,
      };
      const checkers = JSON.parse(
        GO_README_CHECKERS,
        (key, value) => key === "endpoint_url" ? moved[value] : value,
      );
      const load = new URL("../config/load.ts", import.meta.url).href;
      const code = `
        import { parseChecker } from "${load}";
        const results = [];
        for (const c of ${JSON.stringify(checkers)}) results.push(await parseChecker(c).check());
        console.log(JSON.stringify(results, (k, v) => typeof v === "bigint" ? String(v) : v));`;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--no-check", "--config", new URL("../deno.json", import.meta.url).pathname, code],
        cwd: dir,
        env: { DENO_CERT: ca.certFile, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const results = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.deepEqual(
        results.map((
          r: { title: string; healthy?: boolean; times: unknown[] },
        ) => [r.title, r.healthy, r.times]),
        results.map((r: { title: string; times: unknown[] }) => [r.title, true, r.times]),
      );
      assert.deepEqual(results.map((r: { title: string }) => r.title), [
        "Example TCP",
        "Example of endpoint_url looking up host.example.com",
        "Example TLS Protocol Check",
        "Example Exec Check",
      ]);
      assert.equal(results[3].endpoint, "testdata/exec.sh");
      assert.deepEqual(dns.queries, ["host.example.com A"]);
    } finally {
      await Promise.all([web.close(), secure.close(), dns.close()]);
      await Deno.remove(dir, { recursive: true });
      await ca.cleanup();
    }
  },
});
