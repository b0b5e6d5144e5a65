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
    this.#loop = (async () => {
      // A commit is a durable write beside the appends: one every few seconds is enough for a
      // consumer whose counts start over with the process (it only must not hold retention back).
      let committedAt = 0;
      try {
        for await (const batch of sub) {
          for (const event of batch) this.counter.add(this.#registry.check(event));
          this.checked += batch.length;
          if (Date.now() - committedAt < 5000) continue;
          committedAt = Date.now();
          await sub.commit(batch[batch.length - 1]!.offset);
        }
      } catch (err) {
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
