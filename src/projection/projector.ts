import type { Logger } from 'pino';
import type { EventLog, Subscription } from '../log/event-log.js';
import { LiveState, type LiveStateOptions } from './live-state.js';
import type { LiveChanges } from '../protocol/live-messages.js';

const CONSUMER = 'projector';

/** `replayed`: the changes of the whole start-up replay at once (the log's end when it began). */
export type ChangeListener = (offset: number, changes: LiveChanges, replayed: boolean) => void;

/**
 * Folds the log into live state. The state lives in memory, so at start the projector replays
 * the whole retained log (it drops its registration and reads from the earliest event); as it
 * goes it commits, so it never holds back retention. After each batch the entities it changed
 * go to the listeners (the live hub), stamped with the batch's last offset; the replay's changes
 * go as one. The fold reads no clock (`options.now` only dates views), so a replay at any hour
 * rebuilds the same state.
 */
export class Projector {
  readonly state: LiveState;
  /** Offset of the last event folded in. */
  offset = 0;
  #subscription: Subscription | undefined;
  #loop: Promise<void> | undefined;
  #running = false;
  readonly #listeners: ChangeListener[] = [];
  /** Callers of `reached`, woken as the offset passes theirs. */
  #waiters: { offset: number; wake: (reached: boolean) => void }[] = [];

  constructor(options: LiveStateOptions = {}) {
    this.state = new LiveState(options);
  }

  get running(): boolean {
    return this.#running;
  }

  /**
   * Resolves true once events up to `offset` are folded in, false after `timeoutMs` or when the
   * projector stops first.
   */
  reached(offset: number, timeoutMs: number): Promise<boolean> {
    if (this.offset >= offset) return Promise.resolve(true);
    if (!this.#running) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        offset,
        wake: (reached: boolean) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.#waiters.push(waiter);
    });
  }

  #wake(reached: boolean): void {
    const due = this.#waiters.filter((w) => !reached || w.offset <= this.offset);
    if (due.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => !due.includes(w));
    for (const w of due) w.wake(reached);
  }

  onChanges(listener: ChangeListener): void {
    this.#listeners.push(listener);
  }

  async start(log: EventLog, logger: Logger): Promise<void> {
    await log.unregister(CONSUMER);
    // Until the replay reaches where the log ended at start, changes pile up (one entry per
    // entity) and go out once: views are built and serialized once per entity, not per batch.
    const replayEnd = (await log.stats()).lastOffset;
    let replaying = replayEnd > 0;
    const sub = await log.subscribe(CONSUMER, { startAt: 'earliest', batchSize: 1000 });
    this.#subscription = sub;
    this.#running = true;
    this.#loop = (async () => {
      try {
        for await (const batch of sub) {
          for (const event of batch) this.state.apply(event);
          this.offset = batch[batch.length - 1]!.offset;
          if (replaying && this.offset < replayEnd) {
            await sub.commit(this.offset);
            continue;
          }
          const changes = this.state.drainChanges();
          const replayed = replaying;
          replaying = false;
          for (const listener of this.#listeners) {
            try {
              listener(this.offset, changes, replayed);
            } catch (err) {
              logger.error({ err }, 'live change listener failed');
            }
          }
          await sub.commit(this.offset);
          this.#wake(true);
        }
      } catch (err) {
        logger.error({ err }, 'projector stopped');
      } finally {
        this.#running = false;
        this.#wake(false);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#subscription?.close();
    await this.#loop;
  }
}
