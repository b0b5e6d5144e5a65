import { useMemo } from 'react';
import { getJson } from '../api.js';
import { NavBar } from '../components/nav-bar.js';
import { SourcesPanel } from '../components/sources-panel.js';
import { TimeChart, type ChartSeries } from '../components/time-chart.js';
import { formatAge } from '../lib/format.js';
import { parseStatsHistory, toSeries } from '../lib/stats.js';
import { usePoll } from '../live/use-poll.js';
import { useTick } from '../live/use-tick.js';

const POLL_MS = 2_000;
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2'];

const loadStats = async (signal: AbortSignal) =>
  parseStatsHistory(await getJson('/api/v1/stats/history', signal));

function last<T>(values: T[]): T | undefined {
  return values[values.length - 1];
}

function fmt(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined) return '—';
  return `${+value.toFixed(2)}${unit ? ` ${unit}` : ''}`;
}

/** `/health`: the gateway's own recent figures. */
export function HealthPage() {
  const poll = usePoll(loadStats, POLL_MS);
  const tick = useTick();
  const history = poll.status === 'loading' ? undefined : poll.value;
  const series = useMemo(() => (history ? toSeries(history) : undefined), [history]);
  const lagSeries = useMemo<ChartSeries[]>(
    () =>
      series
        ? series.consumers.map((c, i) => ({
            label: c,
            stroke: PALETTE[i % PALETTE.length]!,
            values: series.consumerLag[i] ?? [],
          }))
        : [],
    [series],
  );
  const charts = useMemo(() => {
    if (!series) return [];
    const one = (label: string, values: (number | null)[], color = PALETTE[0]!) => [
      { label, stroke: color, values },
    ];
    return [
      { title: 'Ingest rate', unit: 'events/s', series: one('events/s', series.ingestPerSec) },
      {
        title: 'Ack latency',
        unit: 'ms',
        series: [
          { label: 'p50', stroke: PALETTE[0]!, values: series.ackP50Ms },
          { label: 'p99', stroke: PALETTE[1]!, values: series.ackP99Ms, dash: [6, 3] },
        ],
      },
      {
        title: 'Signature failures',
        unit: 'per s',
        series: one('failures/s', series.signatureFailuresPerSec, PALETTE[1]),
      },
      {
        title: 'Duplicates',
        unit: 'per s',
        series: one('duplicates/s', series.duplicatesPerSec, PALETTE[3]),
      },
      { title: 'Consumer lag', unit: 'events', series: lagSeries },
      { title: 'Live clients', unit: '', series: one('clients', series.liveClients, PALETTE[2]) },
    ];
  }, [series, lagSeries]);

  const latest = history ? last(history.samples) : undefined;
  const updatedAt = poll.status === 'loading' ? undefined : poll.at;
  return (
    <>
      <NavBar route="health" />
      <main className="health" id="main">
        <h1>Gateway health</h1>
        <p className="health-status" data-testid="health-status">
          {poll.status === 'loading' && 'Loading…'}
          {poll.status === 'ok' &&
            `Every ${poll.value.intervalMs / 1000} s, last ${poll.value.samples.length} samples · updated ${formatAge(Math.max(tick, Date.now()) - poll.at)}`}
          {poll.status === 'error' && (
            <span className="error" role="alert">
              Could not load stats: {poll.message}
              {updatedAt !== undefined &&
                ` · showing data from ${formatAge(Math.max(tick, Date.now()) - updatedAt)}`}
            </span>
          )}
        </p>
        {latest && (
          <dl className="health-now" aria-label="Latest sample">
            <div>
              <dt>Ingest</dt>
              <dd>{fmt(latest.ingestPerSec, '/s')}</dd>
            </div>
            <div>
              <dt>Ack p50 / p99</dt>
              <dd>
                {fmt(latest.ackP50Ms, 'ms')} / {fmt(latest.ackP99Ms, 'ms')}
              </dd>
            </div>
            <div>
              <dt>Signature failures</dt>
              <dd>{fmt(latest.signatureFailuresPerSec, '/s')}</dd>
            </div>
            <div>
              <dt>Duplicates</dt>
              <dd>{fmt(latest.duplicatesPerSec, '/s')}</dd>
            </div>
            <div>
              <dt>Consumer lag</dt>
              <dd>
                {Object.entries(latest.consumerLag)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(', ') || '—'}
              </dd>
            </div>
            <div>
              <dt>Live clients</dt>
              <dd>{latest.liveClients}</dd>
            </div>
          </dl>
        )}
        <SourcesPanel />
        {series && (
          <div className="charts" data-testid="charts">
            {charts.map((c) => (
              <TimeChart
                key={c.title}
                title={c.title}
                unit={c.unit}
                x={series.x}
                series={c.series}
              />
            ))}
          </div>
        )}
      </main>
    </>
  );
}
