/**
 * A token bucket: `ratePerSec` tokens a second, at most `burst` of them saved up. What a client
 * sends the hub costs the hub work and (for pings) an answer, so each client's inbound traffic
 * is metered like this and a client that overdraws is disconnected rather than queued.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    readonly now: () => number = Date.now,
  ) {
    this.#tokens = burst;
    this.#at = now();
  }

  /** Takes `n` tokens if there are that many; false (and nothing taken) otherwise. */
  take(n = 1): boolean {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#at) * this.ratePerSec) / 1000);
    this.#at = t;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}
