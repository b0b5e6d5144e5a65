import { formatAge } from '../lib/format.js';
import { countList, parseReadiness } from '../lib/sources.js';
import { usePoll } from '../live/use-poll.js';
import { useTick } from '../live/use-tick.js';

const POLL_MS = 2_000;

/** `/readyz` is open to every client (like an orchestrator's probe); a 503 still has sources. */
const loadReadiness = async (signal: AbortSignal) => {
  const res = await fetch('/readyz', { cache: 'no-store', signal });
  const body: unknown = await res.json().catch(() => undefined);
  return parseReadiness(res.status, body);
};

/**
 * Where the events come from, and whether each source is keeping up: the stream's channels,
 * topics, reconnects and handovers, the age of its last message, the reconciler's runs and
 * activations, and why anything is degraded.
 */
export function SourcesPanel() {
  const poll = usePoll(loadReadiness, POLL_MS);
  const tick = useTick();
  const now = Math.max(tick, Date.now());
  return (
    <section className="sources" aria-labelledby="sources-title" data-testid="sources">
      <h2 id="sources-title">Sources</h2>
      {poll.status === 'loading' && <p className="health-status">Loading…</p>}
      {poll.status === 'error' && (
        <p className="error" role="alert">
          Could not read /readyz: {poll.message}
        </p>
      )}
      {poll.status === 'ok' && (
        <>
          {!poll.value.ready && (
            <p className="error" role="alert">
              Not ready: the gateway cannot take events right now.
            </p>
          )}
          {poll.value.degraded.length > 0 && (
            <ul className="sources-degraded" aria-label="Degraded">
              {poll.value.degraded.map((d) => (
                <li key={d}>{d}</li>
              ))}
            </ul>
          )}
          <table className="sources-table">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">State</th>
                <th scope="col">Last event</th>
                <th scope="col">Figures</th>
              </tr>
            </thead>
            <tbody>
              {poll.value.sources.map((s) => (
                <tr key={s.name} data-source={s.name}>
                  <th scope="row">{s.name}</th>
                  <td>
                    <span className={`source-state source-${s.state}`}>{s.state}</span>
                    {s.detail !== undefined && <div className="source-detail">{s.detail}</div>}
                  </td>
                  <td>
                    {s.lastEventAt === null
                      ? '—'
                      : `${formatAge(Math.max(0, now - Date.parse(s.lastEventAt)))} ago`}
                    {s.counts.lastDeliveryAgeMs !== undefined && (
                      <div className="source-detail">
                        heartbeat or event {formatAge(s.counts.lastDeliveryAgeMs)} ago
                      </div>
                    )}
                  </td>
                  <td>
                    <ul className="source-counts">
                      {countList(s.counts).map(([label, value]) => (
                        <li key={label}>
                          <span>{label}</span> <b>{value}</b>
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
