/**
 * A throwaway test certificate authority, generated with `openssl` into a temp dir per run: a CA plus
 * leaf certificates that are valid, expiring soon, expired, self-signed or for the wrong host. Leaves carry
 * `basicConstraints=critical,CA:FALSE` (rustls rejects a CA certificate used as an end entity).
 *
 * Tests that need it call {@linkcode createTestCa} and skip when {@linkcode opensslMissing} says so
 * (except under `CHECKUP_REQUIRE_SERVICES=1`, where a missing openssl fails).
 *
 * @module
 */
import { join } from "node:path";

/** A key pair as PEM text plus the files holding it. */
export interface CertFiles {
  /** The certificate, PEM. */
  cert: string;
  /** The private key, PEM. */
  key: string;
  /** Path of the certificate file. */
  certFile: string;
  /** Path of the key file. */
  keyFile: string;
}

/** How to issue a leaf certificate. */
export interface LeafOptions {
  /** DNS names and IP addresses the certificate is valid for; default `["localhost", "127.0.0.1"]`. */
  hosts?: string[];
  /**
   * Validity in days from now, default 90. `-1` gives a certificate that expired a day ago (openssl 3.0's
   * `x509 -days` accepts nothing lower).
   */
  days?: number;
  /** Sign it with its own key instead of the CA's (a self-signed leaf no client trusts). */
  selfSigned?: boolean;
  /** A client certificate (`extendedKeyUsage=clientAuth`, for mutual TLS) instead of a server one. */
  client?: boolean;
}

/** A test CA living in a temp dir; {@linkcode TestCa.cleanup} removes it. */
export interface TestCa extends CertFiles {
  /** The temp dir holding every file. */
  readonly dir: string;
  /** Issues a leaf certificate (see {@linkcode LeafOptions}). */
  issue(options?: LeafOptions): Promise<CertFiles>;
  /** Deletes the temp dir. */
  cleanup(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Why certificate tests cannot run here (openssl missing), or undefined when they can. */
export async function opensslMissing(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .output();
    return out.success ? undefined : "openssl does not run";
  } catch {
    return "openssl is not installed (apt-get install -y openssl)";
  }
}

function san(hosts: string[]): string {
  return hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
}

/**
 * Creates a CA (EC P-256, valid 10 years) in a fresh temp dir.
 *
 * @example
 * ```ts ignore
 * const ca = await createTestCa();
 * const leaf = await ca.issue({ hosts: ["localhost"], days: 5 });
 * Deno.serve({ port: 0, cert: leaf.cert, key: leaf.key }, () => new Response("ok"));
 * await ca.cleanup();
 * ```
 */
export async function createTestCa(): Promise<TestCa> {
  const dir = await Deno.makeTempDir({ prefix: "checkup-ca-" });
  const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...ecKey,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "3650",
    "-subj",
    "/CN=Checkup Test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
  let serial = 0;
  const read = (name: string) => Deno.readTextFile(join(dir, name));
  const ca: TestCa = {
    dir,
    cert: await read("ca.pem"),
    key: await read("ca.key"),
    certFile: join(dir, "ca.pem"),
    keyFile: join(dir, "ca.key"),
    async issue(options = {}) {
      const name = `leaf${++serial}`;
      const hosts = options.hosts ?? ["localhost", "127.0.0.1"];
      const days = options.days ?? 90;
      if (days < -1) throw new RangeError(`days: expected -1 or more, found ${days}`);
      const ext = [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature",
        options.client ? "extendedKeyUsage=clientAuth" : "extendedKeyUsage=serverAuth",
        `subjectAltName=${san(hosts)}`,
      ];
      await Deno.writeTextFile(join(dir, `${name}.ext`), ext.join("\n") + "\n");
      await openssl([
        "req",
        "-new",
        ...ecKey,
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.csr`,
        "-subj",
        `/CN=${hosts[0]}`,
      ], dir);
      await openssl([
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        ...(options.selfSigned ? ["-key", `${name}.key`] : ["-CA", "ca.pem", "-CAkey", "ca.key"]),
        "-set_serial",
        String(1000 + serial),
        "-days",
        String(days),
        "-extfile",
        `${name}.ext`,
        "-out",
        `${name}.pem`,
      ], dir);
      return {
        cert: await read(`${name}.pem`),
        key: await read(`${name}.key`),
        certFile: join(dir, `${name}.pem`),
        keyFile: join(dir, `${name}.key`),
      };
    },
    async cleanup() {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  return ca;
}
