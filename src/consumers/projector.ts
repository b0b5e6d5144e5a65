import type { Logger } from 'pino';
import type { EventLog, Subscription } from '../log/event-log.js';
import { LiveState } from '../live/live-state.js';

const CONSUMER = 'projector';

/**
 * Folds the log into live state. The state lives in memory, so at start the projector replays
 * the whole retained log (it drops its registration and reads from the earliest event); as it
 * goes it commits, so it never holds back retention.
 */
export class Projector {
  readonly state = new LiveState();
  /** Offset of the last event folded in. */
  offset = 0;
  #subscription: Subscription | undefined;
  #loop: Promise<void> | undefined;
  #running = false;

  get running(): boolean {
    return this.#running;
  }

  async start(log: EventLog, logger: Logger): Promise<void> {
    await log.unregister(CONSUMER);
    const sub = await log.subscribe(CONSUMER, { startAt: 'earliest', batchSize: 1000 });
    this.#subscription = sub;
    this.#running = true;
    this.#loop = (async () => {
      try {
        for await (const batch of sub) {
          for (const event of batch) this.state.apply(event);
          this.offset = batch[batch.length - 1]!.offset;
          await sub.commit(this.offset);
        }
      } catch (err) {
        logger.error({ err }, 'projector stopped');
      } finally {
        this.#running = false;
      }
    })();
  }

  async stop(): Promise<void> {
    this.#subscription?.close();
    await this.#loop;
  }
}
