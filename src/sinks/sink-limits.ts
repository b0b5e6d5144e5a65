import type { StoredEvent } from '../log/event-log.js';
import { FinalSinkError, type SinkLimits } from './sink.js';

/** Throws unless every limit is a positive safe integer (a sink declares them at construction). */
export function assertValidLimits(limits: SinkLimits): SinkLimits {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || (value as number) < 1)
      throw new RangeError(`sink limits: ${name} must be a positive integer, got ${String(value)}`);
  }
  return Object.freeze({ ...limits });
}

/**
 * Checks a batch against the sink's limits before any I/O: throws a RangeError for a batch over
 * `maxBatchEvents` / `maxBatchBytes` (the router's bug), and returns, per event, the
 * FinalSinkError of a body over `maxEventBytes` (undefined for events that may be sent).
 */
export function checkBatch(
  batch: readonly StoredEvent[],
  limits: SinkLimits,
): (FinalSinkError | undefined)[] {
  if (batch.length > limits.maxBatchEvents)
    throw new RangeError(
      `batch of ${batch.length} events exceeds maxBatchEvents ${limits.maxBatchEvents}`,
    );
  // Oversized events are not sent, so they do not count towards the batch's bytes.
  let bytes = 0;
  const errors = batch.map((event) => {
    const size = event.body.byteLength;
    if (size > limits.maxEventBytes)
      return new FinalSinkError(
        `event ${event.id}: body of ${size} bytes exceeds maxEventBytes ${limits.maxEventBytes}`,
        { code: 'SB_SINK_EVENT_TOO_LARGE' },
      );
    bytes += size;
    return undefined;
  });
  if (bytes > limits.maxBatchBytes)
    throw new RangeError(
      `batch of ${bytes} body bytes exceeds maxBatchBytes ${limits.maxBatchBytes}`,
    );
  return errors;
}
