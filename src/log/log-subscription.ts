import type { EventEmitter } from 'node:events';
import type { StoredEvent, Subscription } from './event-log.js';

export interface LogSubscriptionOptions {
  consumer: string;
  startAfter: number;
  batchSize: number;
  read: (after: number, limit: number) => Promise<StoredEvent[]>;
  commit: (offset: number) => Promise<void>;
  /** Emits `appended` after each durable batch and `closed` when the log closes. */
  appended: EventEmitter;
}

/**
 * Batches in offset order from a position that starts after the committed offset. Reads are
 * pulled, so a slow consumer simply falls behind (lag) and never makes the log buffer for it.
 */
export class LogSubscription implements Subscription {
  readonly consumer: string;
  readonly #options: LogSubscriptionOptions;
  #position: number;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(options: LogSubscriptionOptions) {
    this.consumer = options.consumer;
    this.#options = options;
    this.#position = options.startAfter;
    options.appended.on('closed', this.#onClosed);
  }

  /** Offset of the last event yielded (or the start position). */
  get position(): number {
    return this.#position;
  }

  commit(offset: number): Promise<void> {
    return this.#options.commit(offset);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.appended.off('closed', this.#onClosed);
    this.#wake?.();
  }

  readonly #onClosed = (): void => this.close();

  async *[Symbol.asyncIterator](): AsyncIterator<StoredEvent[]> {
    try {
      while (!this.#closed) {
        const batch = await this.#options.read(this.#position, this.#options.batchSize);
        if (batch.length > 0) {
          this.#position = (batch[batch.length - 1] as StoredEvent).offset;
          yield batch;
          continue;
        }
        // Nothing new: sleep until the next durable append (or close). Appends are announced in a
        // later macrotask than this read resolved in, so none can slip between read and listen.
        await new Promise<void>((resolve) => {
          const done = () => {
            this.#options.appended.off('appended', done);
            this.#wake = undefined;
            resolve();
          };
          this.#wake = done;
          this.#options.appended.on('appended', done);
        });
      }
    } finally {
      this.close();
    }
  }
}
