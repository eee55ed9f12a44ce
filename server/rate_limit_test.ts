import assert from "node:assert/strict";
import { RateLimiter } from "./rate_limit.ts";

Deno.test("rate limit: a burst, then one token per period, per key", () => {
  let now = 0;
  const limiter = new RateLimiter<string>({ burst: 3, perMinute: 12 }, () => now);
  assert.deepEqual([1, 2, 3, 4].map(() => limiter.take("a")), [0, 0, 0, 5000]);
  assert.equal(limiter.take("b"), 0, "another key has its own bucket");
  now = 2500;
  assert.equal(limiter.take("a"), 2500, "half a token: the rest of the wait");
  now = 5000;
  assert.equal(limiter.take("a"), 0);
  now = 1_000_000;
  assert.deepEqual([1, 2, 3, 4].map(() => limiter.take("a")), [0, 0, 0, 5000], "never more than the burst");
});

Deno.test("rate limit: the map of buckets is bounded; the least recently used bucket goes first", () => {
  const now = 0;
  const limiter = new RateLimiter<number>({ burst: 1, perMinute: 1, maxKeys: 100 }, () => now);
  for (let key = 0; key < 1000; key++) assert.equal(limiter.take(key), 0);
  assert.equal(limiter.size, 100);
  assert.equal(limiter.take(999), 60_000, "a recent key is still limited");
  assert.equal(limiter.take(0), 0, "a dropped key starts again with a full bucket");
});

Deno.test("rate limit: a limit that allows nothing is refused", () => {
  assert.throws(
    () => new RateLimiter({ burst: 0, perMinute: 10 }, () => 0),
    /expected burst ≥ 1 and perMinute > 0/,
  );
});
