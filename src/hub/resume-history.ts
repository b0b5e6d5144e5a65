import type { Item } from './hub-items.js';

export interface HistoryEntry {
  offset: number;
  items: Item[];
}

/**
 * The resume window: the last `limit` changed entities, by offset, so a client reconnecting
 * with `since` inside it gets exactly the deltas it missed. Dropped entries are skipped by a
 * head index and spliced off in bulk, not shifted one by one.
 */
export class ResumeHistory {
  /** The window holds every change with an offset above this. */
  #base = 0;
  readonly #entries: HistoryEntry[] = [];
  #head = 0;
  #items = 0;

  constructor(readonly limit: number) {}

  get base(): number {
    return this.#base;
  }

  /**
   * The window starts after `offset` (the start-up replay: not a delta any client missed, and
   * a client resuming from before it needs a snapshot).
   */
  startAfter(offset: number): void {
    this.#base = offset;
  }

  remember(offset: number, items: Item[]): void {
    const last = this.#entries[this.#entries.length - 1];
    if (last && last.offset === offset) last.items.push(...items);
    else this.#entries.push({ offset, items });
    this.#items += items.length;
    while (this.#items > this.limit && this.#head < this.#entries.length - 1) {
      const dropped = this.#entries[this.#head]!;
      this.#items -= dropped.items.length;
      this.#base = dropped.offset;
      // The slot lives on until the bulk splice (up to 4,096 batches later): let go of its
      // items now, or the window holds thousands of batches instead of `limit` changes.
      dropped.items = [];
      this.#head++;
    }
    if (this.#head > 4096 && this.#head * 2 > this.#entries.length) {
      this.#entries.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** Visits, in order, every retained entry with an offset above `since`. */
  forEachAfter(since: number, visit: (entry: HistoryEntry) => void): void {
    for (let i = this.#firstAfter(since); i < this.#entries.length; i++) visit(this.#entries[i]!);
  }

  /** Index of the first retained entry with an offset above `since`. */
  #firstAfter(since: number): number {
    let lo = this.#head;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#entries[mid]!.offset <= since) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
