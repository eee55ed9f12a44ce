/**
 * A token bucket per key: `burst` requests at once, then one more every `60 / perMinute` seconds. The map of
 * buckets is bounded (`maxKeys`): past it, the least recently used bucket is dropped (a dropped key starts
 * with a full bucket again, which only ever allows more, never blocks anyone wrongly). Time is the injected
 * clock's monotonic reading, so tests drive it.
 *
 * @module
 */

/** Settings of a {@linkcode RateLimiter}. */
export interface RateLimit {
  /** Requests allowed at once. */
  burst: number;
  /** Requests allowed per minute once the burst is spent. */
  perMinute: number;
  /** Buckets kept at most (default 10,000). */
  maxKeys?: number;
}

interface Bucket {
  /** Tokens left, fractions included. */
  tokens: number;
  /** Monotonic ms of the last update. */
  at: number;
}

/**
 * Token buckets by key.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "./rate_limit.ts";
 * let now = 0;
 * const limiter = new RateLimiter({ burst: 2, perMinute: 6 }, () => now);
 * console.assert(limiter.take("a") === 0 && limiter.take("a") === 0);
 * console.assert(limiter.take("a") === 10_000); // the next token comes in 10 s
 * now = 10_000;
 * console.assert(limiter.take("a") === 0);
 * ```
 */
export class RateLimiter<K> {
  readonly #limit: Required<RateLimit>;
  readonly #monotonic: () => number;
  readonly #buckets = new Map<K, Bucket>();

  /** Buckets of `limit`, timed by `monotonic` (ms). */
  constructor(limit: RateLimit, monotonic: () => number) {
    if (!(limit.burst >= 1) || !(limit.perMinute > 0)) {
      throw new RangeError(
        `rate limit: expected burst ≥ 1 and perMinute > 0, found ${limit.burst}, ${limit.perMinute}`,
      );
    }
    this.#limit = { maxKeys: 10_000, ...limit };
    this.#monotonic = monotonic;
  }

  /** Takes a token for `key`: 0 when the request may go, else the ms until the next token. */
  take(key: K): number {
    const now = this.#monotonic();
    const { burst, perMinute, maxKeys } = this.#limit;
    const msPerToken = 60_000 / perMinute;
    const bucket = this.#buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, now - bucket.at) / msPerToken);
    bucket.at = now;
    this.#buckets.delete(key); // re-inserted last: the map's order is least recently used first
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as K);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) * msPerToken);
  }

  /** Buckets held. */
  get size(): number {
    return this.#buckets.size;
  }
}
