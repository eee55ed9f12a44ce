import assert from "node:assert/strict";
import { backoffMs, retry } from "./retry.ts";
import { FakeClock } from "../tests/helpers/clock.ts";

/** A function that fails with `errors` in turn, then answers "ok"; records each try's virtual time. */
function flaky(clock: FakeClock, errors: unknown[]) {
  const at: number[] = [];
  return {
    at,
    fn: (attempt: number) => {
      at.push(clock.monotonic());
      assert.equal(attempt, at.length - 1, "tries are numbered from 0");
      return attempt < errors.length ? Promise.reject(errors[attempt]) : Promise.resolve("ok");
    },
  };
}

Deno.test("backoff: base × factor^attempt, capped, less up to `jitter` of it", () => {
  assert.deepEqual([0, 1, 2, 3].map((a) => backoffMs({ base: 500 }, a)), [500, 1000, 2000, 4000]);
  assert.deepEqual([0, 5, 9].map((a) => backoffMs({ base: 1000, max: 30_000 }, a)), [1000, 30_000, 30_000]);
  assert.deepEqual([0, 4].map((a) => backoffMs({ base: 50, factor: 1 }, a)), [50, 50]);
  assert.equal(backoffMs({ base: 100, jitter: 1 }, 1, () => 0), 200, "no luck: the whole wait");
  assert.equal(backoffMs({ base: 100, jitter: 1 }, 1, () => 0.75), 50);
  assert.equal(backoffMs({ base: 100, jitter: 0.5 }, 1, () => 0.999), 100.1, "at most half taken off");
});

Deno.test("retry: waits the backoff between tries and returns the first success", async () => {
  const clock = new FakeClock(undefined, { auto: true });
  const f = flaky(clock, [new Error("a"), new Error("b"), new Error("c")]);
  const retried: [string, number, number][] = [];
  const value = await retry(f.fn, {
    attempts: 4,
    delay: { base: 100 },
    clock,
    onRetry: (e, attempt, ms) => retried.push([(e as Error).message, attempt, ms]),
  });
  assert.equal(value, "ok");
  assert.deepEqual(f.at, [0, 100, 300, 700], "100, 200 then 400 ms apart, in virtual time");
  assert.deepEqual(retried, [["a", 0, 100], ["b", 1, 200], ["c", 2, 400]]);
});

Deno.test("retry: out of tries, the last error is thrown as it is", async () => {
  const clock = new FakeClock(undefined, { auto: true });
  const last = new Error("third");
  const f = flaky(clock, [new Error("first"), new Error("second"), last]);
  await assert.rejects(retry(f.fn, { attempts: 3, delay: { base: 10 }, clock }), (e) => e === last);
  assert.equal(f.at.length, 3);
  const once = flaky(clock, [new Error("only")]);
  await assert.rejects(retry(once.fn, { attempts: 0, delay: { base: 10 }, clock }), /only/);
  assert.equal(once.at.length, 1, "fewer than one try means one");
});

Deno.test("retry: an error that is not retryable is thrown at once", async () => {
  const clock = new FakeClock(undefined, { auto: true });
  const permanent = Object.assign(new Error("550 no such user"), { code: 550 });
  const f = flaky(clock, [Object.assign(new Error("451 try later"), { code: 451 }), permanent]);
  await assert.rejects(
    retry(f.fn, {
      attempts: 10,
      delay: { base: 10 },
      clock,
      retryable: (e) => (e as { code: number }).code < 500,
    }),
    (e) => e === permanent,
  );
  assert.deepEqual(f.at, [0, 10]);
});

Deno.test("retry: the delay rule sees the error (a Retry-After wins over the backoff)", async () => {
  const clock = new FakeClock(undefined, { auto: true });
  const f = flaky(clock, [Object.assign(new Error("429"), { after: 7000 }), new Error("500")]);
  await retry(f.fn, {
    attempts: 3,
    delay: (attempt, e) => (e as { after?: number }).after ?? backoffMs({ base: 500 }, attempt),
    clock,
  });
  assert.deepEqual(f.at, [0, 7000, 8000]);
});

Deno.test("retry: an abort ends the wait at once and throws the last error; no try starts after it", async () => {
  const clock = new FakeClock();
  const ac = new AbortController();
  const down = new Error("down");
  let tries = 0;
  const waiting = retry(() => {
    tries++;
    return Promise.reject(down);
  }, { attempts: 5, delay: { base: 60_000 }, clock, signal: ac.signal });
  await clock.untilSleeping();
  ac.abort();
  await assert.rejects(waiting, (e) => e === down);
  assert.equal(tries, 1);
  assert.equal(clock.sleeping, 0, "the wait left nothing behind");
  assert.equal(clock.monotonic(), 0, "no time passed");
  await assert.rejects(
    retry(() => (tries++, Promise.reject(down)), {
      attempts: 5,
      delay: { base: 1 },
      clock,
      signal: ac.signal,
    }),
    (e) => e === down,
  );
  assert.equal(tries, 2, "already aborted: one try, no wait");
});

Deno.test("retry: attempts Infinity retries until success", async () => {
  const clock = new FakeClock(undefined, { auto: true });
  const f = flaky(clock, Array.from({ length: 40 }, (_, i) => new Error(`e${i}`)));
  assert.equal(await retry(f.fn, { attempts: Infinity, delay: { base: 1000, max: 30_000 }, clock }), "ok");
  assert.equal(f.at.length, 41);
});
