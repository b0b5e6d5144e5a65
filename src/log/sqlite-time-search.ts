import type Database from 'better-sqlite3';

/** A point query: the first row whose key is at or after the given key, with its time. */
export type AtOrAfter = Database.Statement<[number], { offset: number; received_ms: number }>;

/**
 * Largest key in [first, limit] whose time is before `beforeMs`, by binary search over a table
 * whose times rise with its key (one writer stamps both), so no index on time is needed.
 * `first - 1` when there is none.
 */
export function lastOlderThan(
  atOrAfter: AtOrAfter,
  first: number,
  limit: number,
  beforeMs: number,
): number {
  let lo = first;
  let hi = limit;
  let found = first - 1;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const row = atOrAfter.get(mid);
    if (!row || row.offset > hi) {
      hi = mid - 1;
    } else if (row.received_ms < beforeMs) {
      found = row.offset;
      lo = row.offset + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
