/**
 * The lake target (`type: lake`, on by default): events into `<path>/bronze` as NDJSON
 * (bronze.ts), queried with `switchboard lake query` (query.ts). Idempotent by offset: a
 * redelivered event that a file already holds is a `duplicate`, so a crash or a replay leaves
 * every event in the lake exactly once and the files byte-identical.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredEvent } from '../../log/event-log.js';
import { DeliveryTracker } from '../delivery-tracker.js';
import { assertValidLimits, checkBatch } from '../sink-limits.js';
import {
  RetryableSinkError,
  type DeliveryOutcome,
  type Sink,
  type SinkHealth,
  type SinkLimits,
} from '../sink.js';
import { BronzeWriter } from './bronze.js';

export interface LakeTargetConfig {
  name: string;
  /** The lake's root directory (default `<dataDir>/lake`). */
  path: string;
  /** A bronze file takes no event that would make it larger (default 64 MiB). */
  maxFileBytes?: number;
  /** A bronze file takes no event received this long after its first (default 1 h). */
  maxFileAgeMs?: number;
  /** Runs before each write reaches the disk (tests hold or fail writes with it). */
  beforeWrite?: (events: readonly StoredEvent[]) => Promise<void>;
}

export const LAKE_DEFAULTS = {
  maxFileBytes: 64 * 1024 * 1024,
  maxFileAgeMs: 60 * 60 * 1000,
};

export class LakeSink implements Sink {
  readonly name: string;
  readonly type = 'lake' as const;
  // One write at a time, in offset order: a partition's files depend on the order of events.
  readonly limits: SinkLimits = assertValidLimits({
    maxBatchEvents: 1000,
    maxBatchBytes: 64 * 1024 * 1024,
    maxEventBytes: 64 * 1024 * 1024,
    maxConcurrency: 1,
  });
  readonly path: string;
  readonly #bronze: BronzeWriter;
  readonly #beforeWrite: LakeTargetConfig['beforeWrite'];
  readonly #tracker = new DeliveryTracker();

  constructor(config: LakeTargetConfig) {
    this.name = config.name;
    this.path = config.path;
    this.#beforeWrite = config.beforeWrite;
    this.#bronze = new BronzeWriter({
      root: join(config.path, 'bronze'),
      maxFileBytes: config.maxFileBytes ?? LAKE_DEFAULTS.maxFileBytes,
      maxFileAgeMs: config.maxFileAgeMs ?? LAKE_DEFAULTS.maxFileAgeMs,
    });
  }

  async start(): Promise<void> {
    try {
      await mkdir(join(this.path, 'bronze'), { recursive: true });
    } catch (err) {
      throw new RetryableSinkError(
        `lake ${this.name}: cannot create ${this.path}: ${reason(err)}`,
        {
          cause: err,
        },
      );
    }
    this.#tracker.started();
  }

  deliver(batch: readonly StoredEvent[]): Promise<DeliveryOutcome[]> {
    return this.#tracker.track(async () => {
      const tooLarge = checkBatch(batch, this.limits);
      const fits = batch.filter((_, i) => !tooLarge[i]);
      try {
        await this.#beforeWrite?.(fits);
        const { written } = await this.#bronze.write(fits);
        let next = 0;
        return batch.map((_, i): DeliveryOutcome => {
          const error = tooLarge[i];
          if (error) return { status: 'failed', error };
          return { status: written[next++] ? 'delivered' : 'duplicate' };
        });
      } catch (err) {
        // A full disk or an I/O error: nothing reported delivered, all of it tried again.
        throw new RetryableSinkError(`lake ${this.name}: ${reason(err)}`, { cause: err });
      }
    });
  }

  health(): SinkHealth {
    return this.#tracker.health();
  }

  async close(): Promise<void> {
    await this.#tracker.close();
    await this.#bronze.close();
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code} ${e.syscall ?? ''}`.trim() : String(e.message ?? err);
}

export function createLakeSink(config: LakeTargetConfig): LakeSink {
  return new LakeSink(config);
}
