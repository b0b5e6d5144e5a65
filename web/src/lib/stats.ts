import type { StatsHistoryResponse, StatsSample } from '@protocol/stats.js';

export type { StatsSample };
export type StatsHistory = StatsHistoryResponse;

/** Column-oriented series as uPlot takes them: x in Unix seconds, gaps as null. */
export interface StatsSeries {
  x: number[];
  ingestPerSec: number[];
  ackP50Ms: (number | null)[];
  ackP99Ms: (number | null)[];
  signatureFailuresPerSec: number[];
  duplicatesPerSec: number[];
  /** Consumer names, sorted, and one series each. */
  consumers: string[];
  consumerLag: (number | null)[][];
  liveClients: number[];
}

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Validates loosely: a malformed sample is skipped, not fatal. Samples end up oldest first. */
export function parseStatsHistory(raw: unknown): StatsHistory {
  if (typeof raw !== 'object' || raw === null) throw new Error('stats history is not an object');
  const r = raw as { intervalMs?: unknown; samples?: unknown };
  const samples: StatsSample[] = [];
  for (const s of Array.isArray(r.samples) ? (r.samples as unknown[]) : []) {
    if (typeof s !== 'object' || s === null) continue;
    const o = s as Record<string, unknown>;
    if (typeof o.at !== 'string' || !Number.isFinite(Date.parse(o.at))) continue;
    const lag: Record<string, number> = {};
    if (typeof o.consumerLag === 'object' && o.consumerLag !== null) {
      for (const [k, v] of Object.entries(o.consumerLag)) {
        const n = finite(v);
        if (n !== null) lag[k] = n;
      }
    }
    samples.push({
      at: o.at,
      ingestPerSec: finite(o.ingestPerSec) ?? 0,
      ackP50Ms: finite(o.ackP50Ms),
      ackP99Ms: finite(o.ackP99Ms),
      signatureFailuresPerSec: finite(o.signatureFailuresPerSec) ?? 0,
      duplicatesPerSec: finite(o.duplicatesPerSec) ?? 0,
      consumerLag: lag,
      liveClients: finite(o.liveClients) ?? 0,
    });
  }
  samples.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return { intervalMs: finite(r.intervalMs) ?? 2000, samples };
}

export function toSeries(history: StatsHistory): StatsSeries {
  const s = history.samples;
  const consumers = [...new Set(s.flatMap((x) => Object.keys(x.consumerLag)))].sort();
  return {
    x: s.map((x) => Date.parse(x.at) / 1000),
    ingestPerSec: s.map((x) => x.ingestPerSec),
    ackP50Ms: s.map((x) => x.ackP50Ms),
    ackP99Ms: s.map((x) => x.ackP99Ms),
    signatureFailuresPerSec: s.map((x) => x.signatureFailuresPerSec),
    duplicatesPerSec: s.map((x) => x.duplicatesPerSec),
    consumers,
    consumerLag: consumers.map((c) => s.map((x) => x.consumerLag[c] ?? null)),
    liveClients: s.map((x) => x.liveClients),
  };
}
