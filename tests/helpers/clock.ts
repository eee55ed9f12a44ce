/**
 * A fake {@linkcode Clock} for tests: time moves only when the test says so (`advance`), or, with
 * `auto`, every sleep moves it forward at once by the time slept (virtual time: a 10 s backoff costs no
 * real time). Sleepers wake in deadline order.
 */
import type { Clock } from "../../_internal/clock.ts";

interface Sleeper {
  at: bigint;
  resolve: () => void;
}

export class FakeClock implements Clock {
  #t: bigint;
  #sleepers: Sleeper[] = [];
  readonly #auto: boolean;

  constructor(start = 1_800_000_000_000_000_000n, options: { auto?: boolean } = {}) {
    this.#t = start;
    this.#auto = options.auto ?? false;
  }

  now = (): bigint => this.#t;

  /** Sleepers waiting (for tests that wait until a worker is idle). */
  get sleeping(): number {
    return this.#sleepers.length;
  }

  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.resolve();
    const at = this.#t + BigInt(Math.max(0, Math.round(ms * 1e6)));
    if (this.#auto) {
      if (at > this.#t) this.#t = at;
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
    });
  };

  /** Moves time forward by `ms` and wakes every sleeper whose time has come. */
  advance(ms: number): void {
    this.#t += BigInt(Math.round(ms * 1e6));
    for (const s of [...this.#sleepers].sort((a, b) => (a.at < b.at ? -1 : 1))) {
      if (s.at <= this.#t) s.resolve();
    }
  }

  /** Moves time forward by `n` minutes. */
  tick(n = 1): void {
    this.advance(n * 60_000);
  }
}
