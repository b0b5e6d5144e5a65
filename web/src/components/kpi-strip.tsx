import { useMemo } from 'react';
import { formatDuration, formatPercent } from '../lib/format.js';
import { centreKpis, type Measured } from '../lib/kpis.js';
import type { LiveStore } from '../live/live-store.js';
import { useStoreVersion, useThrottledVersion } from '../live/use-live.js';
import { useServerNow } from '../live/use-tick.js';

function Figure({
  label,
  title,
  value,
  testId,
}: {
  label: string;
  title?: string;
  value: { text: string; reason?: string | undefined };
  testId: string;
}) {
  return (
    <div className="kpi" data-testid={testId}>
      <dt>{title ? <abbr title={title}>{label}</abbr> : label}</dt>
      <dd title={value.reason} data-known={value.reason === undefined ? 'true' : 'false'}>
        {value.text}
        {value.reason !== undefined && <span className="visually-hidden"> ({value.reason})</span>}
      </dd>
    </div>
  );
}

function shown(m: Measured, format: (v: number) => string): { text: string; reason?: string } {
  return m.value === null ? { text: '—', reason: m.reason } : { text: format(m.value) };
}

/**
 * The centre at a glance: waiting, longest wait, service level, ASA, AHT, abandon rate and
 * occupancy over the screen's queues, agents by state, and the window the counts cover.
 */
export function KpiStrip({ store }: { store: LiveStore }) {
  const queuesVersion = useStoreVersion(store, 'queues');
  const agentsVersion = useThrottledVersion(store, 'agents', 500);
  const serverNow = useServerNow(store);
  const k = useMemo(
    () => centreKpis(store.queues.values(), store.agents.values(), serverNow),
    [store, queuesVersion, agentsVersion, serverNow],
  );
  return (
    <section className="kpis" aria-labelledby="kpis-heading" data-testid="kpi-strip">
      <h2 id="kpis-heading" className="kpis-heading">
        Centre{' '}
        <span className="heading-note" data-testid="kpi-window">
          {k.window}
        </span>
      </h2>
      <dl className="kpi-figures">
        <Figure label="Waiting" testId="kpi-waiting" value={{ text: String(k.waiting) }} />
        <Figure
          label="Longest wait"
          testId="kpi-longest-wait"
          value={
            k.longestWaitMs === null
              ? { text: '—', reason: 'Nobody waiting' }
              : { text: formatDuration(k.longestWaitMs) }
          }
        />
        <Figure
          label="SL"
          title="Service level: answered within each queue's threshold, of answered and abandoned"
          testId="kpi-service-level"
          value={shown(k.serviceLevel, formatPercent)}
        />
        <Figure
          label="ASA"
          title="Average speed of answer"
          testId="kpi-asa"
          value={shown(k.asaMs, formatDuration)}
        />
        <Figure
          label="AHT"
          title="Average handle time (talk, hold and wrap-up)"
          testId="kpi-aht"
          value={shown(k.ahtMs, formatDuration)}
        />
        <Figure
          label="Abandon"
          title="Abandoned, of answered and abandoned"
          testId="kpi-abandon"
          value={shown(k.abandonRate, formatPercent)}
        />
        <Figure
          label="Occupancy"
          title="On-queue agents interacting, now"
          testId="kpi-occupancy"
          value={shown(k.occupancy, formatPercent)}
        />
      </dl>
      <ul className="kpi-agents" aria-label="Logged-in agents by state" data-testid="kpi-agents">
        {k.agents.map((g) => (
          <li key={g.token} className={`kpi-agent kpi-agent-${g.token}`}>
            <span className="kpi-agent-count">{g.count}</span> {g.label}
          </li>
        ))}
      </ul>
    </section>
  );
}
