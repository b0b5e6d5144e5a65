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
  fired = 0;

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
    this.fired++;
    this.#o.activate(`stale: no event for ${Math.round(quietMs / 1000)} s`);
  }
}

export interface ImpossibleStatesOptions {
  /** The ids of states that cannot be true now, by kind (rings, silent conversations). */
  find: () => Record<string, readonly string[]>;
  activate: (reason: string) => void;
  intervalMs?: number;
}

/**
 * Some states cannot be true: a ring older than any ring timeout, a conversation with no event
 * for longer than the org keeps one idle. Their end fell in a gap nobody noticed (a push
 * sender that gave up quietly). The reconciler is activated to read what is true, once per new
 * such state: one that a run could not clear (an agent's own outbound call is in no queue's
 * observations) does not activate it again and again.
 */
export class ImpossibleStatesWatchdog {
  readonly #o: ImpossibleStatesOptions;
  #timer: NodeJS.Timeout | undefined;
  /** Ids already reported, forgotten once they are no longer impossible. */
  #reported = new Set<string>();
  fired = 0;

  constructor(options: ImpossibleStatesOptions) {
    this.#o = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.check(), this.#o.intervalMs ?? 5000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  check(): void {
    const found = this.#o.find();
    const now = new Set<string>();
    const fresh: string[] = [];
    for (const [kind, ids] of Object.entries(found)) {
      let n = 0;
      for (const id of ids) {
        const key = `${kind}:${id}`;
        now.add(key);
        if (!this.#reported.has(key)) n++;
      }
      if (n > 0) fresh.push(`${n} ${kind}`);
    }
    this.#reported = now;
    if (fresh.length === 0) return;
    this.fired++;
    this.#o.activate(`impossible: ${fresh.join(', ')}`);
  }
}
