export type {
  DeliveryOutcome,
  Sink,
  SinkError,
  SinkErrorCode,
  SinkHealth,
  SinkLimits,
  SinkType,
  RetryableSinkCode,
  FinalSinkCode,
} from './sink.js';
export { FinalSinkError, RetryableSinkError } from './sink.js';
export { assertValidLimits, checkBatch } from './sink-limits.js';
export { DeliveryTracker } from './delivery-tracker.js';
export {
  HttpSink,
  createHttpSink,
  type HttpSinkOptions,
  type HttpTargetConfig,
} from './http-sink.js';
