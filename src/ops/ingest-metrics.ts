import { labelled, type Metrics } from './metrics.js';

/** Request-level ingest metrics (ack latency, outcome), with label children bound once. */
export function createIngestMetrics(metrics: Metrics) {
  const latency = labelled((source, status) => metrics.ackLatency.labels({ source, status }));
  const requests = labelled((source, outcome) =>
    metrics.ingestRequests.labels({ source, outcome }),
  );
  return {
    /** Records one answered ingest request; `startedAt` is `performance.now()` at arrival. */
    answered(source: string, status: number, startedAt: number): void {
      latency(source, String(status)).observe((performance.now() - startedAt) / 1000);
      requests(source, outcomeOf(status)).inc();
    },
  };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;

function outcomeOf(status: number): string {
  if (status === 200) return 'accepted';
  if (status === 202) return 'quarantined';
  if (status === 401 || status === 403) return 'rejected_auth';
  if (status === 429) return 'shed';
  if (status >= 500) return 'error';
  return 'rejected_input';
}
