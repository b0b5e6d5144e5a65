/**
 * `GET /api/v1/stats/history`: the health page's data. The dashboard imports these types, so
 * the server and the page share one definition.
 */

/** One point of the health page's charts: rates over the interval that ended at `at`. */
export interface StatsSample {
  at: string;
  ingestPerSec: number;
  ackP50Ms: number | null;
  ackP99Ms: number | null;
  signatureFailuresPerSec: number;
  duplicatesPerSec: number;
  consumerLag: Record<string, number>;
  liveClients: number;
}

export interface StatsHistoryResponse {
  intervalMs: number;
  samples: StatsSample[];
}
