/**
 * Push sources have no heartbeat: when EventBridge or a relay stops delivering, the log just
 * goes quiet and the wallboard freezes on its last picture. While agents are logged in something
 * changes every few seconds, so a quiet log then is suspicious: after `staleAfterMs` without an
 * event from any source the reconciler is activated, once per quiet stretch (a new event re-arms
 * it), so an org that is genuinely quiet costs one REST run, not one every interval.
 */
export interface StalenessWatchdogOptions {
  /** 0 disables the watchdog. */
  staleAfterMs: number;
  /** Whether anyone should be sending (some agent logged in). */
  loggedIn: () => boolean;
  /** When the log last took an event from a source (epoch ms), if ever. */
  lastEventMs: () => number | undefined;
  activate: (reason: string) => void;
  /** How often to look. Default: a fifth of `staleAfterMs`, at least 1 s. */
  intervalMs?: number;
  now?: () => number;
}

export class StalenessWatchdog {
  readonly #o: StalenessWatchdogOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  /** The quiet stretch already reported, by the last event time it began after. */
  #firedFor: number | undefined;

  constructor(options: StalenessWatchdogOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    if (this.#o.staleAfterMs <= 0 || this.#timer) return;
    this.#startedAt = this.#now();
    const every = this.#o.intervalMs ?? Math.max(1000, Math.floor(this.#o.staleAfterMs / 5));
    this.#timer = setInterval(() => this.check(), every);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One look (the timer's; tests call it with their own clock). */
  check(): void {
    if (this.#o.staleAfterMs <= 0) return;
    const last = this.#o.lastEventMs() ?? this.#startedAt;
    const quietMs = this.#now() - last;
    if (quietMs < this.#o.staleAfterMs || this.#firedFor === last) return;
    if (!this.#o.loggedIn()) return;
    this.#firedFor = last;
    this.#o.activate(`stale: no event for ${Math.round(quietMs / 1000)} s`);
  }
}

export interface ImpossibleStatesOptions<T> {
  /** The states that cannot be true now. */
  find: () => readonly T[];
  /** One stable key per state, and the words for a count of its kind ("rings too old"). */
  key: (state: T) => string;
  kind: (state: T) => string;
  /** Ends the new ones (appends their sweeps); resolves once they are in the log. */
  sweep: (states: readonly T[]) => Promise<void>;
  /** Then asks the reconciler, if there is one, to read what is true. */
  activate?: (reason: string) => void;
  onError?: (err: unknown) => void;
  intervalMs?: number;
}

/**
 * Some states cannot be true: a ring older than any ring timeout, a conversation with no event
 * for longer than the org keeps one idle. Their end fell in a gap nobody noticed (a push
 * sender that gave up quietly). Each new one is swept (ended in live state, with the reason,
 * through the log) and then the reconciler is activated to read what is true, once per new
 * such state: one that a run could not clear does not activate it again and again.
 */
export class ImpossibleStatesWatchdog<T> {
  readonly #o: ImpossibleStatesOptions<T>;
  #timer: NodeJS.Timeout | undefined;
  /** Keys already handled, forgotten once they are no longer impossible. */
  #reported = new Set<string>();
  #checking: Promise<void> | undefined;

  constructor(options: ImpossibleStatesOptions<T>) {
    this.#o = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.check(), this.#o.intervalMs ?? 5000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One look; a look while one is still sweeping joins it. */
  check(): Promise<void> {
    this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #check(): Promise<void> {
    const now = new Set<string>();
    const fresh: T[] = [];
    const counts = new Map<string, number>();
    for (const state of this.#o.find()) {
      const key = this.#o.key(state);
      now.add(key);
      if (this.#reported.has(key)) continue;
      fresh.push(state);
      const kind = this.#o.kind(state);
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    if (fresh.length === 0) {
      this.#reported = now;
      return;
    }
    try {
      await this.#o.sweep(fresh);
    } catch (err) {
      // Not swept: the next look finds them again.
      this.#o.onError?.(err);
      for (const s of fresh) now.delete(this.#o.key(s));
      this.#reported = now;
      return;
    }
    this.#reported = now;
    this.#o.activate?.(`impossible: ${[...counts].map(([kind, n]) => `${n} ${kind}`).join(', ')}`);
  }
}
