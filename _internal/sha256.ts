/**
 * SHA-256 of a text's UTF-8 bytes, synchronous: the round engine names alert keys, incident ids, state files
 * and spool directories with it. From `@noble/hashes` (audited, no dependencies, plain JavaScript) rather
 * than `node:crypto`, whose import loads the node compatibility layer (about 25 ms) on every start, or
 * WebCrypto, whose digest is asynchronous where these names are needed synchronously.
 *
 * @module
 */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

const encoder = new TextEncoder();

/** The SHA-256 digest of `data` (a text is hashed as its UTF-8 bytes). */
export function sha256(data: string | Uint8Array): Uint8Array {
  return nobleSha256(typeof data === "string" ? encoder.encode(data) : data);
}

/** The SHA-256 digest of `data` as 64 lowercase hex digits. */
export function sha256Hex(data: string | Uint8Array): string {
  return bytesToHex(sha256(data));
}
