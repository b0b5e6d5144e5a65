/**
 * A target's circuit: after `failureThreshold` deliveries in a row fail retryably, the target is
 * left alone for `cooldownMs` (open); then one delivery probes it (half-open) while the others
 * wait; its success closes the circuit, its failure opens it again. So a target that is down
 * costs one request per cooldown rather than one per event and retry.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitOptions {
  failureThreshold: number;
  cooldownMs: number;
}

export class CircuitBreaker {
  readonly #options: CircuitOptions;
  readonly #now: () => number;
  #failures = 0;
  #openUntil = 0;
  #probing = false;
  #waiters: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Times the circuit opened. */
  opened = 0;

  constructor(options: CircuitOptions, now: () => number = Date.now) {
    this.#options = options;
    this.#now = now;
  }

  get state(): CircuitState {
    if (this.#openUntil === 0) return 'closed';
    return this.#now() < this.#openUntil ? 'open' : 'half-open';
  }

  /**
   * Resolves when a delivery may go: at once while closed (`go`); after the cooldown while open;
   * for one caller at a time while half-open (`probe`). `signal` aborts the wait.
   */
  async admit(signal: AbortSignal): Promise<'go' | 'probe'> {
    for (;;) {
      signal.throwIfAborted();
      const state = this.state;
      if (state === 'closed') return 'go';
      if (state === 'half-open' && !this.#probing) {
        this.#probing = true;
        return 'probe';
      }
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          this.#waiters = this.#waiters.filter((w) => w !== wake);
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.#waiters.push(wake);
        this.#arm();
      });
    }
  }

  /** The delivery reached the target (whatever it said of single events). */
  success(): void {
    this.#failures = 0;
    this.#probing = false;
    if (this.#openUntil !== 0) {
      this.#openUntil = 0;
      this.#wakeAll();
    }
  }

  /** The delivery failed retryably (unreachable, timed out, 5xx, throttled). */
  failure(): void {
    this.#failures++;
    const probeFailed = this.#probing;
    this.#probing = false;
    if (probeFailed || this.#failures >= this.#options.failureThreshold) {
      if (this.state !== 'open') this.opened++;
      this.#openUntil = this.#now() + this.#options.cooldownMs;
      this.#arm();
    }
  }

  /** Wakes the waiters when the cooldown ends (they re-check, one becomes the probe). */
  #arm(): void {
    if (this.#timer || this.#waiters.length === 0) return;
    const wait = this.#openUntil - this.#now();
    // Half-open with a probe out: its outcome (success or failure) wakes or re-arms them.
    if (wait <= 0 && this.#probing) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#wakeAll();
      },
      Math.max(0, wait),
    );
    this.#timer.unref();
  }

  #wakeAll(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
