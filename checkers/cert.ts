/**
 * What a TLS peer presented and what is wrong with it: validity dates, chain trust and host name,
 * as readable attempt errors and notices. Shared by the tls and tcp checkers and the http checker's
 * certificate-expiry probe.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import tls from "node:tls";
import { humanDuration } from "../duration.ts";
import { errorText } from "./checker.ts";

/** The leaf certificate a server presented. */
export interface LeafInfo {
  /** Subject common name (or the whole subject when it has none). */
  subject: string;
  /** Issuer common name (or the whole issuer). */
  issuer: string;
  /** Not valid before, Unix ms. */
  validFrom: number;
  /** Not valid after, Unix ms. */
  validTo: number;
}

/** The outcome of a TLS handshake, judged. */
export interface TlsFindings {
  /** The leaf, when one was presented. */
  leaf?: LeafInfo;
  /**
   * Why the connection cannot be trusted (no certificate, expired, not yet valid, untrusted chain,
   * wrong host), or undefined when it can. With `verify` off only the certificate's presence and dates
   * count.
   */
  problem?: string;
}

const REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: "it is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "its chain ends in an untrusted self-signed root",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "its issuer is not a trusted authority",
  UNABLE_TO_GET_ISSUER_CERT: "its issuer is not a trusted authority",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "its issuer is not a trusted authority",
  CERT_SIGNATURE_FAILURE: "its signature is invalid",
  CERT_REVOKED: "it is revoked",
  INVALID_CA: "an issuer in its chain is not a certificate authority",
};

function cn(dn: string): string {
  return /(?:^|\n|,\s*)CN=([^\n,]+)/.exec(dn)?.[1] ?? dn.replace(/\n/g, ", ");
}

/** A span of time for people: whole days from 1.5 days up ("5 days"), else "1d 2h", "5h 12m", "40s". */
export function timeLeft(ms: number): string {
  if (ms >= 1.5 * 86_400_000) return `${Math.round(ms / 86_400_000)} days`;
  return humanDuration(Math.max(ms, 1) * 1e6);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Reads and judges the peer certificate of a connected TLS socket, checking (in this order) presence,
 * expiry, not-yet-valid and, with `verify`, the chain and that it covers `host`.
 */
export function inspectTls(
  socket: tls.TLSSocket,
  host: string,
  verify: boolean,
  now = Date.now(),
): TlsFindings {
  const peer = socket.getPeerCertificate(false) as tls.PeerCertificate | Record<string, never>;
  if (!peer || !("raw" in peer) || !peer.raw) return { problem: "no certificates presented" };
  let leaf: LeafInfo;
  try {
    const x509 = new X509Certificate(peer.raw);
    leaf = {
      subject: cn(x509.subject),
      issuer: cn(x509.issuer),
      validFrom: x509.validFromDate.getTime(),
      validTo: x509.validToDate.getTime(),
    };
  } catch (e) {
    return { problem: `unreadable certificate: ${errorText(e)}` };
  }
  if (leaf.validTo < now) {
    return {
      leaf,
      problem: `certificate expired ${timeLeft(now - leaf.validTo)} ago (not after ${iso(leaf.validTo)})`,
    };
  }
  if (leaf.validFrom > now) {
    return { leaf, problem: `certificate is not valid before ${iso(leaf.validFrom)}` };
  }
  if (!verify) return { leaf };
  const code = socket.authorized ? undefined : String(socket.authorizationError ?? "");
  if (code && code !== "ERR_TLS_CERT_ALTNAME_INVALID" && code !== "CERT_HAS_EXPIRED") {
    const why = REASONS[code] ?? "it does not verify";
    return {
      leaf,
      problem: `certificate for ${leaf.subject} issued by ${leaf.issuer} is not trusted: ${why} (${code})`,
    };
  }
  const mismatch = tls.checkServerIdentity(host, peer as tls.PeerCertificate);
  if (mismatch) {
    const names = (peer as tls.PeerCertificate).subjectaltname || `CN=${leaf.subject}`;
    return { leaf, problem: `certificate is not valid for ${host} (it covers ${names})` };
  }
  return { leaf };
}

/**
 * The degraded notice for a leaf that expires within `threshold` nanoseconds, or undefined.
 *
 * @example
 * ```ts
 * import { expiryNotice } from "./cert.ts";
 * import assert from "node:assert/strict";
 * const leaf = { subject: "a", issuer: "b", validFrom: 0, validTo: 10 * 86_400_000 };
 * assert.equal(
 *   expiryNotice(leaf, 14 * 86_400e9, 0),
 *   "certificate expiring soon: 10 days left (not after 1970-01-11T00:00:00Z)",
 * );
 * ```
 */
export function expiryNotice(leaf: LeafInfo, threshold: number, now = Date.now()): string | undefined {
  const left = leaf.validTo - now;
  if (left >= threshold / 1e6) return undefined;
  return `certificate expiring soon: ${timeLeft(left)} left (not after ${iso(leaf.validTo)})`;
}

/** Reads a PEM certificate file; the error starts with `key` (the config key naming the file). */
export async function readPemFile(path: string, key: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new Error(`${key}: cannot read ${path}: ${errorText(e)}`);
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new Error(`${key}: ${path} holds no PEM certificate`);
  }
  return text;
}
