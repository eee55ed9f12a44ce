/**
 * A config file's bytes to a JSON value: UTF-8 (with or without a byte-order mark; UTF-16 and invalid
 * bytes named as such), JSON syntax errors with line and column, and integer literals beyond 2^53 kept
 * exact.
 *
 * @module
 */
import { ConfigError } from "./errors.ts";
import { findJsonSyntaxError } from "./json_error.ts";

/** Keeps an integer literal too large for a double exact, as a bigint (Go reads it as an int64). */
function exactIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== "number" || Number.isSafeInteger(value) || !context?.source) return value;
  return /^-?\d+$/.test(context.source) ? BigInt(context.source) : value;
}

/**
 * Parses JSON text (a leading byte-order mark is allowed); a syntax error names the source, line and
 * column. Integer literals beyond 2^53 are read as exact bigints.
 */
export function parseJsonText(text: string, source: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text, exactIntegers as (key: string, value: unknown) => unknown);
  } catch (e) {
    const at = findJsonSyntaxError(text);
    if (!at) throw new ConfigError(source, [{ path: "", message: `invalid JSON: ${(e as Error).message}` }]);
    throw new ConfigError(`${source}:${at.line}:${at.column}`, [{
      path: "",
      message: `invalid JSON: ${at.message}`,
    }]);
  }
}

/**
 * The text of a config file: UTF-8, with or without a byte-order mark. A UTF-16 file (as some Windows
 * editors save) and bytes that are not UTF-8 are named as such instead of failing as "invalid JSON".
 */
export function decodeConfigText(bytes: Uint8Array, source: string): string {
  const utf16 =
    (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes.length >= 2 && bytes[0] !== 0 && bytes[1] === 0)
      ? "little-endian"
      : (bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes.length >= 2 && bytes[0] === 0 && bytes[1] !== 0)
      ? "big-endian"
      : undefined;
  if (utf16) {
    throw new ConfigError(source, [{
      path: "",
      message: `expected UTF-8 text, found UTF-16 (${utf16}); save the file as UTF-8`,
    }]);
  }
  try {
    // TextDecoder drops a leading UTF-8 byte-order mark (EF BB BF).
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // The longest valid prefix (validity of a prefix only ever goes from true to false): a binary search.
    const validPrefix = (n: number) => {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
        return true;
      } catch {
        return false;
      }
    };
    let [valid, hi] = [0, bytes.length];
    while (valid < hi) {
      const mid = Math.ceil((valid + hi) / 2);
      if (validPrefix(mid)) valid = mid;
      else hi = mid - 1;
    }
    // An incomplete sequence at the end of the valid prefix is where the bad one starts.
    let at = valid;
    let k = valid - 1;
    while (k >= 0 && valid - k <= 3 && (bytes[k] & 0xc0) === 0x80) k--;
    if (k >= 0 && bytes[k] >= 0xc0 && valid - k < (bytes[k] >= 0xf0 ? 4 : bytes[k] >= 0xe0 ? 3 : 2)) at = k;
    const line = bytes.subarray(0, at).filter((b) => b === 10).length + 1;
    throw new ConfigError(`${source}:${line}`, [{
      path: "",
      message: `expected UTF-8 text, found a byte that is not UTF-8 (byte ${at}); save the file as UTF-8`,
    }]);
  }
}
