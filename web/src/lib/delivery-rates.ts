/** Delivered per second per target, from two polls of `/api/v1/targets` (the Pipelines page). */

/** One poll's delivered counts, for rates. */
export interface DeliveredSample {
  /** Epoch ms of the answer. */
  at: number;
  delivered: ReadonlyMap<string, number>;
}

export function deliveredSample(
  targets: readonly { name: string; delivered: number }[],
  at: number,
): DeliveredSample {
  return { at, delivered: new Map(targets.map((t) => [t.name, t.delivered])) };
}

/**
 * Events delivered per second per target between two polls. A target new since the last poll,
 * or whose count went down (the gateway restarted), has no rate yet.
 */
export function deliveryRates(
  before: DeliveredSample | undefined,
  after: DeliveredSample,
): Map<string, number | undefined> {
  const rates = new Map<string, number | undefined>();
  const seconds = before ? (after.at - before.at) / 1000 : 0;
  for (const [name, delivered] of after.delivered) {
    const previous = before?.delivered.get(name);
    rates.set(
      name,
      previous === undefined || seconds <= 0 || delivered < previous
        ? undefined
        : (delivered - previous) / seconds,
    );
  }
  return rates;
}
