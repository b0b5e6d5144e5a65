import type { Logger } from 'pino';
import type { EventLog, Subscription } from '../log/event-log.js';
import { DriftCounter, SchemaRegistry, type DriftCount } from './schema-registry.js';

export const SCHEMA_CONSUMER = 'schema-drift';

/**
 * Checks every event stored from now on against its kind's schema (docs/schemas.md) and counts
 * the drift, as its own log consumer: the check never slows the ingest path and never drops an
 * event. Counts are of this process's life (`switchboard_schema_drift_total`, the Pipelines page).
 */
export class SchemaWatch {
  readonly counter = new DriftCounter();
  readonly #registry = new SchemaRegistry();
  readonly #log: EventLog;
  readonly #logger: Logger;
  #sub: Subscription | undefined;
  #loop: Promise<void> | undefined;
  checked = 0;

  constructor(log: EventLog, logger: Logger) {
    this.#log = log;
    this.#logger = logger;
  }

  async start(): Promise<void> {
    // Counted from the head: a restart does not count the retained log again.
    await this.#log.unregister(SCHEMA_CONSUMER);
    const sub = await this.#log.subscribe(SCHEMA_CONSUMER, { startAt: 'latest', batchSize: 500 });
    this.#sub = sub;
    // A commit is a durable write beside the appends: one a second is enough for a consumer
    // whose counts start over with the process (it only must not hold retention back), and the
    // last offset is always committed within that second, also when the log goes quiet.
    let pending = 0;
    let committed = 0;
    let chain: Promise<void> = Promise.resolve();
    const flush = (): Promise<void> => {
      chain = chain.then(async () => {
        if (pending <= committed) return;
        const offset = pending;
        await sub.commit(offset);
        committed = offset;
      });
      return chain;
    };
    const timer = setInterval(() => {
      flush().catch((err: unknown) => this.#logger.warn({ err }, 'schema drift commit failed'));
    }, 1000);
    timer.unref();
    this.#loop = (async () => {
      try {
        for await (const batch of sub) {
          for (const event of batch) this.counter.add(this.#registry.check(event));
          this.checked += batch.length;
          pending = batch[batch.length - 1]!.offset;
        }
        clearInterval(timer);
        await flush();
      } catch (err) {
        clearInterval(timer);
        this.#logger.error({ err }, 'schema drift watch stopped');
      }
    })();
  }

  snapshot(): DriftCount[] {
    return this.counter.snapshot();
  }

  async stop(): Promise<void> {
    this.#sub?.close();
    await this.#loop;
  }
}
