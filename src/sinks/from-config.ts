import type { Config } from '../config/index.js';
import { createHttpSink } from './http-sink.js';
import { createLakeSink } from './lake/lake-sink.js';
import type { Sink } from './sink.js';

export type TargetConfig = Config['sinks']['targets'][number];

/** The sink of one configured target (one adapter per `type`). */
export function sinkFromConfig(target: TargetConfig): Sink {
  switch (target.type) {
    case 'http':
      return createHttpSink({
        name: target.name,
        url: target.url,
        timeoutMs: target.timeoutMs,
        maxConcurrency: target.concurrency,
        ...(target.secret ? { secret: target.secret } : {}),
      });
    case 'lake':
      return createLakeSink({
        name: target.name,
        path: target.path,
        maxFileBytes: target.maxFileBytes,
        maxFileAgeMs: target.maxFileAgeMs,
      });
  }
}
