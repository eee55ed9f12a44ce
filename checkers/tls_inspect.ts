/**
 * What a TLS peer presented and what is wrong with it: validity dates, chain trust and host name,
 * as readable attempt errors and notices. Shared by the tls and tcp checkers and the http checker's
 * certificate-expiry probe.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import tls from "node:tls";
import { errorText } from "./checker.ts";
import { iso, type LeafInfo, timeLeft, type TlsFindings } from "./cert.ts";

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
