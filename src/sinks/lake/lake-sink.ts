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
import { SilverWriter } from './silver.js';

export interface LakeTargetConfig {
  name: string;
  /** The lake's root directory (default `<dataDir>/lake`). */
  path: string;
  /** A bronze file takes no event that would make it larger (default 64 MiB). */
  maxFileBytes?: number;
  /** A bronze file takes no event received this long after its first (default 1 h). */
  maxFileAgeMs?: number;
  /** Silver Parquet tables (silver.ts); `false`: bronze only. */
  silver?: false | { intervalMs: number; compactIntervalMs: number; compactAfterParts: number };
  /** Runs before each write reaches the disk (tests hold or fail writes with it). */
  beforeWrite?: (events: readonly StoredEvent[]) => Promise<void>;
}

export const LAKE_DEFAULTS = {
  maxFileBytes: 64 * 1024 * 1024,
  maxFileAgeMs: 60 * 60 * 1000,
  silver: { intervalMs: 30_000, compactIntervalMs: 600_000, compactAfterParts: 24 },
};

export interface SilverStats {
  runs: number;
  compactions: number;
  /** Every bronze event up to this offset is in silver (as of the last run). */
  watermark: number;
  lastError: { message: string; at: string } | undefined;
}

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
  readonly #silver: SilverWriter | undefined;
  readonly #silverOptions: Exclude<LakeTargetConfig['silver'], false | undefined> | undefined;
  readonly #timers: NodeJS.Timeout[] = [];
  /** Bronze writes and silver runs, one at a time (silver reads what bronze has finished). */
  #serial: Promise<unknown> = Promise.resolve();
  #silverAt = 0;
  #silverUpTo = 0;
  #silverError: SilverStats['lastError'];

  constructor(config: LakeTargetConfig) {
    this.name = config.name;
    this.path = config.path;
    this.#beforeWrite = config.beforeWrite;
    if (config.silver !== false) {
      this.#silverOptions = config.silver ?? LAKE_DEFAULTS.silver;
      this.#silver = new SilverWriter({
        lakePath: config.path,
        compactAfterParts: this.#silverOptions.compactAfterParts,
      });
    }
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
    const o = this.#silverOptions;
    if (o) {
      this.#silverUpTo = (await this.#silver!.watermark()).offset;
      const every = (ms: number, fn: () => Promise<void>) => {
        const timer = setInterval(() => void this.#exclusive(fn), ms);
        timer.unref();
        this.#timers.push(timer);
      };
      every(o.intervalMs, () => this.#runSilver());
      every(o.compactIntervalMs, () => this.#compactSilver());
    }
  }

  details(): Record<string, unknown> {
    const silver = this.silverStats();
    return silver
      ? { silver: { ...silver, behind: Math.max(0, this.#bronze.lastOffset - silver.watermark) } }
      : {};
  }

  /** What silver has done in this process. */
  silverStats(): SilverStats | undefined {
    if (!this.#silver) return undefined;
    return {
      runs: this.#silver.runs,
      compactions: this.#silver.compactions,
      watermark: this.#silverUpTo,
      lastError: this.#silverError,
    };
  }

  /** Brings silver up to what bronze holds now (tests, and `close`). */
  flushSilver(): Promise<void> {
    return this.#exclusive(() => this.#runSilver());
  }

  compactSilver(): Promise<void> {
    return this.#exclusive(() => this.#compactSilver());
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(fn, fn);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  // Silver is derived from bronze: a failed run is noted and done again next time; it never
  // fails a delivery.
  async #runSilver(): Promise<void> {
    const upTo = this.#bronze.lastOffset;
    if (!this.#silver || upTo <= this.#silverUpTo) return;
    try {
      await this.#silver.run(upTo);
      this.#silverUpTo = upTo;
      this.#silverAt = Date.now();
      this.#silverError = undefined;
    } catch (err) {
      this.#silverError = { message: reason(err), at: new Date().toISOString() };
    }
  }

  async #compactSilver(): Promise<void> {
    try {
      await this.#silver?.compact();
    } catch (err) {
      this.#silverError = { message: reason(err), at: new Date().toISOString() };
    }
  }

  deliver(batch: readonly StoredEvent[]): Promise<DeliveryOutcome[]> {
    return this.#tracker.track(async () => {
      const tooLarge = checkBatch(batch, this.limits);
      const fits = batch.filter((_, i) => !tooLarge[i]);
      try {
        const { written } = await this.#exclusive(async () => {
          await this.#beforeWrite?.(fits);
          return this.#bronze.write(fits);
        });
        const o = this.#silverOptions;
        if (o && Date.now() - this.#silverAt >= o.intervalMs)
          await this.#exclusive(() => this.#runSilver());
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
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    await this.#exclusive(async () => {
      await this.#runSilver();
      this.#silver?.close();
      await this.#bronze.close();
    });
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code} ${e.syscall ?? ''}`.trim() : String(e.message ?? err);
}

export function createLakeSink(config: LakeTargetConfig): LakeSink {
  return new LakeSink(config);
}
