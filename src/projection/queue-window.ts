export type Outcome = 'within' | 'late' | 'abandoned';

/**
 * Answers and abandons over a rolling window of event time. Outcomes arrive close to time order,
 * so expiry trims from the front; counts are kept running so reading them is O(expired).
 */
export class QueueWindow {
  readonly #windowMs: number;
  #at: number[] = [];
  #kind: Outcome[] = [];
  #head = 0;
  #counts = { within: 0, late: 0, abandoned: 0 };

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  add(at: number, outcome: Outcome): void {
    this.#at.push(at);
    this.#kind.push(outcome);
    this.#counts[outcome]++;
  }

  figures(clock: number): { answered: number; within: number; abandoned: number } {
    const cutoff = clock - this.#windowMs;
    while (this.#head < this.#at.length && this.#at[this.#head]! < cutoff) {
      this.#counts[this.#kind[this.#head]!]--;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#at.length) {
      this.#at = this.#at.slice(this.#head);
      this.#kind = this.#kind.slice(this.#head);
      this.#head = 0;
    }
    const c = this.#counts;
    return { answered: c.within + c.late, within: c.within, abandoned: c.abandoned };
  }
}
