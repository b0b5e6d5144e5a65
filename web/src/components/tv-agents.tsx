import { useMemo } from 'react';
import type { AgentView } from '@protocol/live-messages.js';
import { stateToken } from '../lib/agents.js';
import { elapsedSince } from '../lib/format.js';
import { stateLevel, type StateThreshold } from '../lib/thresholds.js';
import type { LiveStore } from '../live/live-store.js';
import { useServerNow } from '../live/use-tick.js';
import { AgentCell, firstQueueName } from './agent-grid.js';
import { PagedGrid } from './paged-grid.js';

/** An agent worth a supervisor's look across the room: ringing, not responding, over a threshold. */
export function isException(
  agent: AgentView,
  index: Map<string, StateThreshold>,
  serverNow: number,
): boolean {
  const token = stateToken(agent.label);
  if (token === 'alerting' || token === 'notresponding') return true;
  return stateLevel(index, agent.label, elapsedSince(agent.since, serverNow)) !== 'ok';
}

/**
 * The agents of a room's board: every agent a page at a time (`all`), or only the exceptions,
 * re-judged every second.
 */
export function TvAgents({
  store,
  ids,
  index,
  mode,
  pageSeconds,
  paused,
}: {
  store: LiveStore;
  ids: string[];
  index: Map<string, StateThreshold>;
  mode: 'all' | 'exceptions';
  pageSeconds: number;
  paused: boolean;
}) {
  const serverNow = useServerNow(store);
  const agents = useMemo(() => {
    const out: AgentView[] = [];
    for (const id of ids) {
      const a = store.agents.get(id);
      if (a && (mode === 'all' || isException(a, index, serverNow))) out.push(a);
    }
    return out;
  }, [store, ids, index, mode, serverNow]);
  if (mode === 'exceptions' && agents.length === 0) {
    return (
      <p className="empty tv-calm" data-testid="tv-no-exceptions">
        No agent needs attention: nobody ringing, not responding or over a threshold.
      </p>
    );
  }
  return (
    <PagedGrid
      items={agents}
      keyOf={(a) => a.id}
      render={(a) => (
        <AgentCell
          item
          agent={a}
          queueName={firstQueueName(store, a)}
          serverNow={serverNow}
          thresholds={index}
        />
      )}
      pageSeconds={pageSeconds}
      paused={paused}
      label={mode === 'exceptions' ? 'Agents needing attention' : 'Agents'}
      className="tv-agent-grid"
      testId="agent-pages"
    />
  );
}
