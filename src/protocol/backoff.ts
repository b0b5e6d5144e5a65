/**
 * Exponential backoff with full jitter (docs/live-protocol.md, "Reconnect policy"): the ceiling
 * starts at `initialMs` and doubles per failed attempt up to `maxMs`; each delay is uniformly
 * random between 0 and the ceiling, so a gateway restart does not meet every wallboard at once.
 */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Uniform in [0, 1) (tests pass a fixed one). */
  random?: () => number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.#random = options.random ?? Math.random;
  }

  /** Failed attempts since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The ceiling for a given attempt number (0-based). */
  ceiling(attempt: number): number {
    // 2 ** 40 is already far past any sane cap; keeps the arithmetic finite.
    return Math.min(this.maxMs, this.initialMs * 2 ** Math.min(attempt, 40));
  }

  /** The delay before the next reconnect; counts one more failed attempt. */
  next(): number {
    const ceiling = this.ceiling(this.#attempt);
    this.#attempt++;
    return Math.floor(this.#random() * ceiling);
  }

  /** After a message arrives: the next failure starts from `initialMs` again. */
  reset(): void {
    this.#attempt = 0;
  }
}
