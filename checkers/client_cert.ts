/**
 * Client certificates (mutual TLS) for the http, tcp and tls checkers: the `tls_cert_file` and
 * `tls_key_file` keys (both or neither), validated the same way on each, and read per attempt like
 * `tls_ca_file` (a renewed certificate is picked up without a restart). The key's content never reaches an
 * error or a log: errors name the key and the file only.
 *
 * @module
 */
import { z } from "zod";
import { readPemFile } from "./cert.ts";
import { errorText } from "./checker.ts";

/** The client certificate keys as written in `checkup.json`. */
export interface ClientCertConfig {
  /** PEM file of the client certificate (and its chain) presented to servers that ask for one. */
  tls_cert_file?: string;
  /** PEM file of the client certificate's private key. */
  tls_key_file?: string;
}

/** The zod fields, spread into a checker's object schema. */
export const clientCertShape = {
  tls_cert_file: z.string().default("").meta({
    description:
      "PEM file of a client certificate presented to servers that ask for one (mutual TLS); with tls_key_file.",
  }),
  tls_key_file: z.string().default("").meta({
    description: "PEM file of the client certificate's private key; with tls_cert_file.",
  }),
};

/** The cross-field rule: both files or neither (add with `superRefine`). */
export function checkClientCert(
  o: { tls_cert_file: string; tls_key_file: string },
  ctx: z.RefinementCtx,
): void {
  if (!o.tls_cert_file === !o.tls_key_file) return;
  const missing = o.tls_cert_file ? "tls_key_file" : "tls_cert_file";
  ctx.addIssue({
    code: "custom",
    path: [missing],
    message: `expected ${missing} too: a client certificate needs both tls_cert_file and tls_key_file`,
  });
}

/** A client certificate and key, PEM. */
export interface ClientCert {
  cert: string;
  key: string;
}

/**
 * Reads the configured client certificate and key, or undefined when none is configured. Throws an error
 * naming the key and the path (never the key's content) when a file cannot be read or holds no PEM of its kind.
 */
export async function readClientCert(
  o: { tls_cert_file: string; tls_key_file: string },
): Promise<ClientCert | undefined> {
  if (!o.tls_cert_file) return undefined;
  const cert = await readPemFile(o.tls_cert_file, "tls_cert_file");
  let key: string;
  try {
    key = await Deno.readTextFile(o.tls_key_file);
  } catch (e) {
    throw new Error(`tls_key_file: cannot read ${o.tls_key_file}: ${errorText(e)}`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
    throw new Error(`tls_key_file: ${o.tls_key_file} holds no PEM private key`);
  }
  return { cert, key };
}
