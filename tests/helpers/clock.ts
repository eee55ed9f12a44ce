/**
 * A fake {@linkcode Clock} for tests: time moves only when the test says so (`advance`, `next`), or, with
 * `auto`, every sleep moves it forward at once by the time slept (virtual time: a 10 s backoff costs no
 * real time). Sleepers wake in deadline order. The wall clock (`now`) can also be stepped on its own
 * (`jump`), as NTP does, while the monotonic reading and the sleepers keep their course.
 */
import type { Clock } from "../../clock.ts";

interface Sleeper {
  /** Monotonic deadline, nanoseconds since the clock was made. */
  at: bigint;
  resolve: () => void;
}

export class FakeClock implements Clock {
  /** Monotonic time since the clock was made, nanoseconds. */
  #elapsed = 0n;
  /** The wall clock at `#elapsed = 0`; moved by `jump`. */
  #wall: bigint;
  #sleepers: Sleeper[] = [];
  #watchers: { n: number; resolve: () => void }[] = [];
  readonly #auto: boolean;

  constructor(start = 1_800_000_000_000_000_000n, options: { auto?: boolean } = {}) {
    this.#wall = start;
    this.#auto = options.auto ?? false;
  }

  now = (): bigint => this.#wall + this.#elapsed;

  /** Milliseconds since the clock was made (never moved by `jump`). */
  monotonic = (): number => Number(this.#elapsed) / 1e6;

  /** Sleepers waiting (for tests that wait until a worker is idle). */
  get sleeping(): number {
    return this.#sleepers.length;
  }

  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.resolve();
    const at = this.#elapsed + BigInt(Math.max(0, Math.round(ms * 1e6)));
    if (this.#auto) {
      if (at > this.#elapsed) this.#elapsed = at;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        at,
        resolve: () => {
          signal?.removeEventListener("abort", sleeper.resolve);
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          resolve();
        },
      };
      this.#sleepers.push(sleeper);
      signal?.addEventListener("abort", sleeper.resolve, { once: true });
      this.#watch();
    });
  };

  #watch(): void {
    const ready = this.#watchers.filter((w) => this.#sleepers.length >= w.n);
    this.#watchers = this.#watchers.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  /** Resolves as soon as at least `n` sleepers wait (at once if they already do). */
  untilSleeping(n = 1): Promise<void> {
    return new Promise((resolve) => {
      this.#watchers.push({ n, resolve });
      this.#watch();
    });
  }

  /** Moves time forward by `ms` and wakes every sleeper whose time has come. */
  advance(ms: number): void {
    this.#elapsed += BigInt(Math.round(ms * 1e6));
    for (const s of [...this.#sleepers].sort((a, b) => (a.at < b.at ? -1 : 1))) {
      if (s.at <= this.#elapsed) s.resolve();
    }
  }

  /** Moves time forward by `n` minutes. */
  tick(n = 1): void {
    this.advance(n * 60_000);
  }

  /** Steps the wall clock (`now`) by `ms`, forward or back; monotonic time and the sleepers are untouched. */
  jump(ms: number): void {
    this.#wall += BigInt(Math.round(ms * 1e6));
  }

  /**
   * Waits for a sleeper, lets what is under way run up to its next wait, moves time to the earliest
   * deadline, wakes whoever was waiting for it, and lets what they start run up to its next wait (a turn
   * of the event loop on each side, as std's `FakeTime.tickAsync` does). Returns the milliseconds time
   * moved.
   */
  async next(): Promise<number> {
    await this.untilSleeping(1);
    await settle(); // what is under way at this instant reaches its next wait before time moves
    if (!this.#sleepers.length) return 0;
    const at = this.#sleepers.reduce((min, s) => (s.at < min ? s.at : min), this.#sleepers[0].at);
    const moved = at > this.#elapsed ? Number(at - this.#elapsed) / 1e6 : 0;
    this.advance(moved);
    await settle();
    return moved;
  }

  /**
   * Steps time (as {@linkcode next} does) until `work` settles, and returns its value: for running a
   * schedule to its end on virtual time. At most `limit` steps.
   */
  async run<T>(work: Promise<T>, limit = 100_000): Promise<T> {
    let settled = false;
    work.then(() => settled = true, () => settled = true);
    for (let i = 0; !settled; i++) {
      if (i >= limit) throw new Error(`still running after ${limit} steps of the fake clock`);
      // Time moves only while something sleeps: otherwise wait for a sleeper or for the work to end.
      if (this.sleeping) await this.next();
      else await Promise.race([work.catch(() => {}), this.untilSleeping(1)]);
    }
    return await work;
  }
}

/** One turn of the event loop: the microtasks queued so far, and those they queue, all run first. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
