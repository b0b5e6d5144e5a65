import type { Config } from '../config/index.js';
import { createHttpSink } from './http-sink.js';
import { createAmqpSink } from './amqp-sink.js';
import { createEventBridgeSink } from './eventbridge-sink.js';
import { bronzeLocation } from './lake/bronze.js';
import { createLakeSink } from './lake/lake-sink.js';
import { createPostgresSink } from './postgres-sink.js';
import type { Sink } from './sink.js';

export type TargetConfig = Config['sinks']['targets'][number];

/** The sink of one configured target (one adapter per `type`). */
export function sinkFromConfig(
  target: TargetConfig,
  targets: readonly TargetConfig[] = [target],
): Sink {
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
        silver: target.silver,
      });
    case 'postgres':
      return createPostgresSink({
        name: target.name,
        url: target.url.reveal(),
        schema: target.schema,
        timeoutMs: target.timeoutMs,
        maxConcurrency: target.concurrency,
      });
    case 'amqp':
      return createAmqpSink({
        name: target.name,
        url: target.url.reveal(),
        exchange: target.exchange,
        exchangeType: target.exchangeType,
        routingKey: target.routingKey,
        timeoutMs: target.timeoutMs,
      });
    case 'eventbridge': {
      // A body too large for PutEvents is pointed at where the lake keeps it, if there is one.
      const lake = targets.find((t) => t.type === 'lake');
      return createEventBridgeSink({
        name: target.name,
        region: target.region,
        eventBusName: target.eventBusName,
        source: target.source,
        detailType: target.detailType,
        timeoutMs: target.timeoutMs,
        maxConcurrency: target.concurrency,
        ...(target.endpoint ? { endpoint: target.endpoint } : {}),
        ...(lake?.type === 'lake'
          ? { claimCheck: (event) => bronzeLocation(lake.path, event) }
          : {}),
      });
    }
  }
}
