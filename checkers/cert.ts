/**
 * Certificates without the node compatibility layer: the leaf's shape, its expiry notice, PEM files.
 * Judging a TLS peer (`tls_inspect.ts`) needs `node:tls` and `node:crypto`, so it lives apart: an http
 * check without a certificate probe never loads them.
 *
 * @module
 */
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

/** A span of time for people: whole days from 1.5 days up ("5 days"), else "1d 2h", "5h 12m", "40s". */
export function timeLeft(ms: number): string {
  if (ms >= 1.5 * 86_400_000) return `${Math.round(ms / 86_400_000)} days`;
  return humanDuration(Math.max(ms, 1) * 1e6);
}

/** A time as RFC 3339 to the second, UTC. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
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
