/** An answer (within or past the service-level threshold), an abandon, or a handling that ended. */
export type Outcome = 'within' | 'late' | 'abandoned' | 'handled';

/** A window's figures: counts, and the summed waits of its answers and durations of its handles. */
export interface WindowFigures {
  answered: number;
  within: number;
  abandoned: number;
  /** Sum of the waits (queued → answered) of `answered`, ms. */
  answerWaitMs: number;
  handled: number;
  /** Sum of the handle times (first agent connect → agent legs all done) of `handled`, ms. */
  handleMs: number;
}

/**
 * Longest wait or handle time one outcome adds (ms, about 24.8 days): a hostile or broken
 * timestamp cannot make a sum huge, and sums of whole milliseconds stay exact.
 */
const MAX_MS = 2 ** 31;

/** A duration as a window keeps it: whole ms in 0..MAX_MS, never NaN. */
function durationOf(ms: number): number {
  return Number.isFinite(ms) ? Math.min(MAX_MS, Math.max(0, Math.round(ms))) : 0;
}

/**
 * Answers, abandons and ended handlings over a window of event time that starts at a cutoff
 * the caller gives (`clock - windowMs`, or the start of the day in the org's zone; it only
 * moves forward, as the event clock does). Outcomes arrive close to time order, so expiry trims
 * from the front; counts and sums are kept running so reading them is O(expired).
 */
export class QueueWindow {
  #at: number[] = [];
  #kind: Outcome[] = [];
  #ms: number[] = [];
  #head = 0;
  #counts = { within: 0, late: 0, abandoned: 0, handled: 0 };
  #waitMs = 0;
  #handleMs = 0;

  /** `ms`: the answer's wait, or the handle time (ignored for an abandon). */
  add(at: number, outcome: Outcome, ms = 0): void {
    const kept = outcome === 'abandoned' ? 0 : durationOf(ms);
    this.#at.push(at);
    this.#kind.push(outcome);
    this.#ms.push(kept);
    this.#counts[outcome]++;
    if (outcome === 'handled') this.#handleMs += kept;
    else this.#waitMs += kept;
  }

  /** The figures of outcomes at or after `cutoff`; older ones are dropped for good. */
  figures(cutoff: number): WindowFigures {
    while (this.#head < this.#at.length && this.#at[this.#head]! < cutoff) {
      const kind = this.#kind[this.#head]!;
      this.#counts[kind]--;
      if (kind === 'handled') this.#handleMs -= this.#ms[this.#head]!;
      else this.#waitMs -= this.#ms[this.#head]!;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#at.length) {
      this.#at = this.#at.slice(this.#head);
      this.#kind = this.#kind.slice(this.#head);
      this.#ms = this.#ms.slice(this.#head);
      this.#head = 0;
    }
    const c = this.#counts;
    return {
      answered: c.within + c.late,
      within: c.within,
      abandoned: c.abandoned,
      answerWaitMs: this.#waitMs,
      handled: c.handled,
      handleMs: this.#handleMs,
    };
  }
}

/** The window the windowed figures cover: the last `minutes`, or since midnight in `timeZone`. */
export type WindowSpec = { kind: 'rolling'; minutes: number } | { kind: 'today'; timeZone: string };

const DAY_MS = 86_400_000;
/** The last instant a Date can hold (ms since the epoch). */
const MAX_TIME = 8.64e15;

/**
 * Days in an IANA time zone: the instant a local day starts, computed from the zone's own rules
 * (Intl), so a day of a DST change is 23 or 25 hours long, and a zone whose clocks jump at
 * midnight starts its day at the first instant of that date (01:00 where 00:00 never happens).
 * The current day is cached: the projection asks once per queue view.
 */
export class ZoneDays {
  readonly #format: Intl.DateTimeFormat;
  /** The zone's canonical name (as Intl resolves it: `america/new_york` → `America/New_York`). */
  readonly timeZone: string;
  #day = { start: NaN, end: NaN };

  /** Throws a RangeError when `timeZone` is not a zone Intl knows. */
  constructor(timeZone: string) {
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
    this.timeZone = this.#format.resolvedOptions().timeZone;
  }

  /** The start of the local day that holds `t` (ms since the epoch). */
  startOf(t: number): number {
    // Near the ends of Date's range (a hostile timestamp moved the clock there) Intl cannot
    // format the days around `t`: the window starts at `t` itself.
    if (!(Math.abs(t) <= MAX_TIME - 3 * DAY_MS)) return t;
    if (t >= this.#day.start && t < this.#day.end) return this.#day.start;
    const date = this.#date(t);
    // Local dates never go back as time goes on, so the first instant of this date is found by
    // bisection (to the millisecond) between a time three days before, and `t`; its end likewise.
    const start = this.#first(t - 3 * DAY_MS, t, (d) => d >= date);
    const end = this.#first(t, t + 3 * DAY_MS, (d) => d > date);
    this.#day = { start, end };
    return start;
  }

  /** The local date at `t` as yyyymmdd. */
  #date(t: number): number {
    let y = 0;
    let m = 0;
    let d = 0;
    for (const p of this.#format.formatToParts(t)) {
      if (p.type === 'year') y = Number(p.value);
      else if (p.type === 'month') m = Number(p.value);
      else if (p.type === 'day') d = Number(p.value);
    }
    return y * 10_000 + m * 100 + d;
  }

  /** The first instant in (lo, hi] whose local date passes `ok` (false at lo, true at hi). */
  #first(lo: number, hi: number, ok: (date: number) => boolean): number {
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (ok(this.#date(mid))) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}

/** Whether Intl knows `zone` as a time zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone !== '';
  } catch {
    return false;
  }
}
