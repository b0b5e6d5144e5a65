/**
 * The one backoff: exponential with full jitter (docs/live-protocol.md, "Reconnect policy"). The
 * ceiling starts at `initialMs` and doubles per failed attempt up to `maxMs`; each delay is
 * uniformly random between 0 and the ceiling, so clients that failed together (a gateway
 * restart, a Genesys outage) do not come back together. Used by the dashboard's reconnects,
 * the Genesys REST client's retries and the emulator's push retries.
 */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Uniform in [0, 1) (tests pass a fixed one). */
  random?: () => number;
}

/** The ceiling for a 0-based attempt number: `initialMs · 2^attempt`, capped at `maxMs`. */
export function backoffCeiling(attempt: number, initialMs: number, maxMs: number): number {
  // 2 ** 40 is already far past any sane cap; keeps the arithmetic finite.
  return Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(attempt, 0), 40));
}

/** One full-jitter delay for a 0-based attempt number, uniform in [0, ceiling). */
export function fullJitterDelay(
  attempt: number,
  options: BackoffOptions & { initialMs: number; maxMs: number },
): number {
  return Math.floor(
    (options.random ?? Math.random)() * backoffCeiling(attempt, options.initialMs, options.maxMs),
  );
}

/** A backoff with its attempt count, for a connection that retries until a success resets it. */
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
    return backoffCeiling(attempt, this.initialMs, this.maxMs);
  }

  /** The delay before the next reconnect; counts one more failed attempt. */
  next(): number {
    const attempt = this.#attempt++;
    return fullJitterDelay(attempt, {
      initialMs: this.initialMs,
      maxMs: this.maxMs,
      random: this.#random,
    });
  }

  /** After a message arrives: the next failure starts from `initialMs` again. */
  reset(): void {
    this.#attempt = 0;
  }
}
