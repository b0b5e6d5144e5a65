import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useLayoutEffect, useRef, useState } from 'react';
import type { AgentView } from '@protocol/live-messages.js';
import { stateClass } from '../lib/agents.js';
import { elapsedSince, formatDuration } from '../lib/format.js';
import { levelText, stateLevel, type StateThreshold } from '../lib/thresholds.js';
import type { LiveStore } from '../live/live-store.js';
import { useStoreVersion } from '../live/use-live.js';
import { useServerNow } from '../live/use-tick.js';

/** The name of the agent's first queue (its id when the name is unknown). */
export function firstQueueName(store: LiveStore, agent: AgentView): string | undefined {
  const queueId = agent.queueIds[0];
  return queueId === undefined ? undefined : (store.queues.get(queueId)?.name ?? queueId);
}

interface CellProps {
  agent: AgentView;
  /** A list item of its own (a room's paged grid) rather than a cell of a virtual row. */
  item?: boolean;
  /** The agent's first queue's name (its id when the name is unknown). */
  queueName: string | undefined;
  serverNow: number;
  thresholds: Map<string, StateThreshold>;
}

export const AgentCell = memo(function AgentCell({
  agent,
  item = false,
  queueName,
  serverNow,
  thresholds,
}: CellProps) {
  const elapsed = elapsedSince(agent.since, serverNow);
  const level = stateLevel(thresholds, agent.label, elapsed);
  const name = agent.name ?? agent.id;
  // Team and first queue: what tells two agents of one name apart.
  const more = agent.queueIds.length - 1;
  const detail = [agent.teamName, queueName && (more > 0 ? `${queueName} +${more}` : queueName)]
    .filter(Boolean)
    .join(' · ');
  const Cell = item ? 'li' : 'div';
  return (
    <Cell
      role={item ? undefined : 'listitem'}
      className={`agent-cell ${stateClass(agent.label)} level-${level}${item ? ' tv-agent' : ''}`}
      data-testid="agent-cell"
      data-agent-id={agent.id}
      data-label={agent.label}
      data-level={level}
    >
      <span className="agent-line">
        <span className="agent-name" title={name}>
          {name}
        </span>
        {level !== 'ok' && <span className={`badge badge-${level}`}>{levelText(level)}</span>}
      </span>
      <span className="agent-line">
        <span className="agent-state">{agent.label}</span>
        <span className="agent-timer">{elapsed === undefined ? '' : formatDuration(elapsed)}</span>
      </span>
      <span className="agent-line agent-detail" title={detail} data-testid="agent-detail">
        {detail}
      </span>
    </Cell>
  );
});

export interface AgentGridProps {
  store: LiveStore;
  /** Agent ids in display order (re-sorted now and then; cells show each agent's latest view). */
  ids: string[];
  thresholds: Map<string, StateThreshold>;
  /** Narrowest cell (px); columns are as many as fit. */
  cellWidth?: number;
  rowHeight?: number;
}

/**
 * The agent grid, virtualized by rows of cells: only the rows on screen (plus a few) are in the
 * DOM, so 5,000 agents scroll like 50. Timers tick on the one shared ticker.
 */
export function AgentGrid({
  store,
  ids,
  thresholds,
  cellWidth = 210,
  rowHeight = 60,
}: AgentGridProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const columns = Math.max(1, Math.floor(Math.max(width, 1) / cellWidth));
  const rows = Math.ceil(ids.length / columns);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 4,
  });
  // Cell contents follow every change (once per frame); the order is the caller's.
  useStoreVersion(store, 'agents');
  // Queue names on the cells: a renamed queue, or names arriving after the agents.
  useStoreVersion(store, 'queues');
  const serverNow = useServerNow(store);

  return (
    <div
      ref={scrollRef}
      className="agent-scroll"
      data-testid="agent-grid"
      data-count={ids.length}
      tabIndex={0}
      aria-label={`Agents, ${ids.length} shown`}
    >
      <div role="list" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => {
          const start = row.index * columns;
          const cells = [];
          for (let c = 0; c < columns; c++) {
            const id = ids[start + c];
            const agent = id === undefined ? undefined : store.agents.get(id);
            // Keyed by slot, not by agent: a re-sort updates cells in place instead of
            // tearing them down and building new ones.
            if (agent) {
              cells.push(
                <AgentCell
                  key={c}
                  agent={agent}
                  queueName={firstQueueName(store, agent)}
                  serverNow={serverNow}
                  thresholds={thresholds}
                />,
              );
            }
          }
          return (
            <div
              key={row.key}
              role="presentation"
              className="agent-row"
              style={{
                position: 'absolute',
                top: 0,
                left: 0,
                right: 0,
                height: rowHeight,
                transform: `translateY(${row.start}px)`,
                gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
              }}
            >
              {cells}
            </div>
          );
        })}
      </div>
    </div>
  );
}
