/**
 * What the backends of `SharedStore` share: key and prefix checks whose errors name the storage and
 * the key, and the bound on one listing.
 *
 * @module
 */
import { isSharedKey } from "./storage.ts";

/**
 * The most documents one `SharedStore.list` returns: a listing is read whole, so more is an
 * error (remove documents that are no longer needed) rather than an unbounded read.
 */
export const SHARED_LIST_LIMIT = 10_000;

const EXPECTED = 'expected "/"-separated segments of a-z, 0-9, ".", "_" and "-" (not "." or ".."), ' +
  "at most 240 characters";

/**
 * `key` when it is a valid shared key; throws an error naming the storage and the key otherwise.
 *
 * @example
 * ```ts
 * import { sharedKey } from "./shared_keys.ts";
 * console.assert(sharedKey("fs", "claims/web-0") === "claims/web-0");
 * try {
 *   sharedKey("fs", "../etc/passwd");
 * } catch (e) {
 *   console.assert((e as Error).message.startsWith('storage fs: shared key "../etc/passwd": expected'));
 * }
 * ```
 */
export function sharedKey(type: string, key: string): string {
  if (typeof key !== "string" || !isSharedKey(key)) {
    throw new Error(`storage ${type}: shared key ${JSON.stringify(key)}: ${EXPECTED}`);
  }
  return key;
}

/**
 * `prefix` when it can start a shared key (`""` lists everything; it may end mid-segment, e.g. `alerts/web`);
 * throws an error naming the storage and the prefix otherwise.
 */
export function sharedPrefix(type: string, prefix: string): string {
  if (typeof prefix !== "string" || (prefix !== "" && !isSharedKey(prefix + "x"))) {
    throw new Error(`storage ${type}: shared key prefix ${JSON.stringify(prefix)}: ${EXPECTED}`);
  }
  return prefix;
}

/** The error of a listing that found more than {@linkcode SHARED_LIST_LIMIT} documents. */
export function tooManyShared(type: string, prefix: string): Error {
  return new Error(
    `storage ${type}: more than ${SHARED_LIST_LIMIT} shared documents under ${
      JSON.stringify(prefix)
    }: expected at most ${SHARED_LIST_LIMIT} (remove the ones no longer needed)`,
  );
}
