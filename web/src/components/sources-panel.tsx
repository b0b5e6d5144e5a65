import type { ReactNode } from 'react';
import { formatAge } from '../lib/format.js';
import {
  byCause,
  countList,
  lastMessageAge,
  parseReadiness,
  prunedSummary,
  type SourceRow,
} from '../lib/sources.js';
import { usePoll } from '../live/use-poll.js';
import { useTick } from '../live/use-tick.js';

const POLL_MS = 2_000;

/** `/readyz` is open to every client (like an orchestrator's probe); a 503 still has sources. */
const loadReadiness = async (signal: AbortSignal) => {
  const res = await fetch('/readyz', { cache: 'no-store', signal });
  const body: unknown = await res.json().catch(() => undefined);
  return parseReadiness(res.status, body);
};

/** Label/value pairs by cause, or "none". */
function CauseList({ label, record }: { label: string; record: Record<string, number> }) {
  const entries = byCause(record);
  if (entries.length === 0) return <>none</>;
  return (
    <ul className="source-counts" aria-label={label}>
      {entries.map(([cause, n]) => (
        <li key={cause} data-cause={cause}>
          <span>{cause}</span> <b>{n}</b>
        </li>
      ))}
    </ul>
  );
}

function Figure({ name, term, children }: { name: string; term: string; children: ReactNode }) {
  return (
    <div data-figure={name}>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The stream's channels, topics, reconnects by cause, last message, handovers, pruned ids. */
function StreamFigures({ s, polledAt, now }: { s: SourceRow; polledAt: number; now: number }) {
  const c = s.counts;
  const age = lastMessageAge(s, polledAt, now);
  const prunedTotal =
    (c.prunedUsers ?? 0) + (c.prunedQueues ?? 0) + (c.prunedTeams ?? 0) + (c.prunedDivisions ?? 0);
  return (
    <>
      <Figure name="channels" term="Channels">
        {c.channelsOpen ?? 0} open of {c.channels ?? 0}
      </Figure>
      <Figure name="topics" term="Topics">
        {c.topics ?? 0}
        {(c.rejectedTopics ?? 0) > 0 && ` (${c.rejectedTopics} rejected)`}
      </Figure>
      <Figure name="reconnects" term="Reconnects by cause">
        <CauseList label="Reconnects by cause" record={s.reconnectsByCause} />
      </Figure>
      <Figure name="last-message" term="Last message">
        {'ms' in age ? formatAge(age.ms) : `— (${age.none})`}
      </Figure>
      <Figure name="handovers" term="Handovers">
        {c.handovers ?? 0}
      </Figure>
      <Figure name="pruned" term="Pruned (not in the org)">
        {prunedSummary(c)}
        {s.pruned.length > 0 && (
          <ul className="source-pruned" aria-label="Pruned ids">
            {s.pruned.map((p) => (
              <li key={`${p.kind}:${p.id}`} data-pruned={p.id}>
                {p.kind} <code>{p.id}</code>
                {p.reason && <span className="source-detail"> ({p.reason})</span>}
              </li>
            ))}
            {prunedTotal > s.pruned.length && <li>and {prunedTotal - s.pruned.length} more</li>}
          </ul>
        )}
      </Figure>
    </>
  );
}

/** The reconciler's activations in the last hour against the limit, and by cause. */
function ReconcileFigures({ s }: { s: SourceRow }) {
  const c = s.counts;
  const over = (c.activationAlert ?? 0) > 0;
  return (
    <>
      <Figure name="activations" term="Activations (last hour)">
        <span className={over ? 'source-degraded' : undefined}>
          {c.activationsLastHour ?? 0}
          {c.maxActivationsPerHour !== undefined && ` (limit ${c.maxActivationsPerHour})`}
          {over && ': over the limit, degraded'}
        </span>
        {c.activations !== undefined && (
          <div className="source-detail">{c.activations} since start</div>
        )}
      </Figure>
      <Figure name="activations-by-cause" term="Activations by cause (last hour)">
        <CauseList label="Activations by cause" record={s.activationsByCause} />
      </Figure>
    </>
  );
}

/**
 * Where the events come from, and whether each source is keeping up: the stream's channels,
 * topics, reconnects by cause, handovers, the age of its last message and the ids it pruned,
 * the reconciler's runs and activations against their limit, and why anything is degraded.
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
              {poll.value.sources.map((s) => {
                const stream = s.counts.channels !== undefined;
                const reconcile = s.counts.activationsLastHour !== undefined;
                const others = countList(s.counts);
                return (
                  <tr key={s.name} data-source={s.name}>
                    <th scope="row">{s.name}</th>
                    <td>
                      <span className={`source-state source-${s.state}`}>{s.state}</span>
                      {s.detail !== undefined && <div className="source-detail">{s.detail}</div>}
                    </td>
                    <td>
                      {s.lastEventAt === null
                        ? '—'
                        : formatAge(Math.max(0, now - Date.parse(s.lastEventAt)))}
                    </td>
                    <td>
                      {(stream || reconcile) && (
                        <dl className="source-figures" aria-label={`${s.name} figures`}>
                          {stream && <StreamFigures s={s} polledAt={poll.at} now={now} />}
                          {reconcile && <ReconcileFigures s={s} />}
                        </dl>
                      )}
                      {others.length > 0 && (
                        <ul className="source-counts" aria-label={`${s.name} counts`}>
                          {others.map(([label, value]) => (
                            <li key={label}>
                              <span>{label}</span> <b>{value}</b>
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
