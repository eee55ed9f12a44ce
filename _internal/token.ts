/**
 * Secret tokens compared in constant time: both sides are reduced to SHA-256 digests (a fixed length, so
 * the comparison's time tells nothing of the token's length) and compared with `timingSafeEqual`.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** The SHA-256 digest of a token: what is kept and compared instead of the token. */
export function tokenDigest(token: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(token).digest());
}

/** Whether two digests are equal, in constant time. */
export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The holder whose token is `given`, compared against every holder without stopping at a match (so the
 * time taken tells nothing of which one, or whether any, matched); undefined when none does.
 *
 * @example
 * ```ts
 * import { matchToken, tokenDigest } from "./token.ts";
 * const holders = [{ name: "a", tokenDigest: tokenDigest("0123456789abcdef") }, { name: "b" }];
 * console.assert(matchToken("0123456789abcdef", holders)?.name === "a");
 * console.assert(matchToken("0123456789abcdeX", holders) === undefined);
 * ```
 */
export function matchToken<T extends { tokenDigest?: Uint8Array }>(
  given: string,
  holders: readonly T[],
): T | undefined {
  const digest = tokenDigest(given);
  let found: T | undefined;
  for (const h of holders) {
    const equal = h.tokenDigest !== undefined && digestsEqual(digest, h.tokenDigest);
    found = equal && found === undefined ? h : found;
  }
  return found;
}
