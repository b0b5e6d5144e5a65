import { memo, useMemo } from 'react';
import type { QueueView } from '@protocol/live-messages.js';
import { formatDuration, formatPercent } from '../lib/format.js';
import { byName, bySeverity, judgeQueue, type TileJudgement } from '../lib/queue-levels.js';
import {
  formatSec,
  levelText,
  serviceLevelRuleText,
  sourceText,
  waitRuleText,
  type Level,
  type ThresholdLayers,
} from '../lib/thresholds.js';
import type { LiveStore } from '../live/live-store.js';
import { PagedGrid } from './paged-grid.js';
import { useStoreVersion } from '../live/use-live.js';
import { useServerNow } from '../live/use-tick.js';

function LevelBadge({ level, what, tile }: { level: Level; what: string; tile?: boolean }) {
  if (level === 'ok') return null;
  return (
    <span className={`badge badge-${level}${tile ? ' badge-tile' : ''}`}>
      <span aria-hidden="true">{level === 'alert' ? '▲ ' : '● '}</span>
      {levelText(level)}
      <span className="visually-hidden">: {what}</span>
    </span>
  );
}

/** A figure's level as a mark beside it (the words for screen readers): the tile says it aloud. */
function LevelMark({ level }: { level: Level }) {
  if (level === 'ok') return null;
  return (
    <span className={`level-mark level-mark-${level}`}>
      <span aria-hidden="true">{level === 'alert' ? ' ▲' : ' ●'}</span>
      <span className="visually-hidden"> ({levelText(level)})</span>
    </span>
  );
}

/** The rule a figure is judged by, in words, with where it came from. */
function RuleNote({ text, source }: { text: string; source: string }) {
  return (
    <dd className="metric-rule" title={`Threshold from the ${source}`}>
      {text}
      <span className="visually-hidden"> ({source})</span>
    </dd>
  );
}

/**
 * A queue serving several media has a target per media (an e-mail's day is not a call's 20 s):
 * each gets its own service level and rule, so one busy media cannot hide behind another.
 */
function MediaServiceLevels({ queue, judgement }: { queue: QueueView; judgement: TileJudgement }) {
  if (judgement.media.length === 0) return null;
  return (
    <dl className="queue-minor" aria-label="Service level by media" data-testid="queue-sl-by-media">
      {queue.byMedia.map((f, i) => {
        const judged = judgement.media[i]!;
        return (
          <div key={f.media} className={`level-${judged.level}`} data-media={f.media}>
            <dt>
              <abbr
                title={`Service level: ${f.media} answered within ${f.serviceLevelThresholdSec} s; ${serviceLevelRuleText(judged.rule)} (${sourceText(judged.rule.source.serviceLevel)})`}
              >
                {f.media}
              </abbr>
            </dt>
            <dd>
              {formatPercent(f.serviceLevel)}
              <LevelMark level={judged.level} />
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

/** A count the gateway may not know (no member list yet): "—" with the reason, never 0. */
function AgentCount({ value, known }: { value: number; known: boolean }) {
  if (known) return <>{value}</>;
  return (
    <span title="Unknown: no member list for this queue yet (reconciliation reads it from Genesys)">
      —<span className="visually-hidden"> (unknown: no member list for this queue yet)</span>
    </span>
  );
}

interface TileProps {
  queue: QueueView;
  judgement: TileJudgement;
  selected: boolean;
  onSelect: ((queueId: string | undefined) => void) | undefined;
}

const QueueTile = memo(function QueueTile({ queue, judgement, selected, onSelect }: TileProps) {
  const { rule, waitMs, waitLevel, serviceLevel: slLevel, level } = judgement;
  const name = queue.name ?? queue.id;
  const headingId = `queue-${queue.id}-name`;
  const membersKnown = queue.members > 0;
  return (
    <li
      className={`queue-tile level-${level}${selected ? ' selected' : ''}`}
      data-testid="queue-tile"
      data-queue-id={queue.id}
      data-waiting={queue.waiting}
      data-level={level}
      aria-labelledby={headingId}
    >
      <div className="queue-head">
        <h3 id={headingId}>{name}</h3>
        {queue.mediaType && <span className="queue-media">{queue.mediaType}</span>}
        <LevelBadge level={level} what={`${name}`} tile />
        {onSelect && (
          <button
            type="button"
            className="queue-filter"
            aria-pressed={selected}
            onClick={() => onSelect(selected ? undefined : queue.id)}
            title={selected ? 'Show all agents' : `Show only agents in ${name}`}
          >
            {selected ? 'Filtered' : 'Filter'}
            <span className="visually-hidden"> agents by {name}</span>
          </button>
        )}
      </div>
      <dl className="queue-main">
        <div className="metric">
          <dt>Waiting</dt>
          <dd data-testid="queue-waiting">{queue.waiting}</dd>
        </div>
        <div className={`metric level-${waitLevel}`}>
          <dt>Longest wait</dt>
          <dd data-testid="queue-longest-wait">
            {queue.waiting > 0 ? formatDuration(waitMs) : '—'}
            {queue.waiting === 0 && <span className="visually-hidden"> (nobody waiting)</span>}
            <LevelMark level={waitLevel} />
          </dd>
          <RuleNote text={waitRuleText(rule)} source={sourceText(rule.source.longestWait)} />
        </div>
        <div className={`metric level-${slLevel}`}>
          <dt>
            <abbr title={`Service level: answered within ${queue.serviceLevelThresholdSec} s`}>
              SL
            </abbr>
            <span className="metric-note"> {formatSec(queue.serviceLevelThresholdSec)}</span>
          </dt>
          <dd
            data-testid="queue-service-level"
            title={
              queue.serviceLevel === null
                ? 'Nothing answered or abandoned in the window'
                : undefined
            }
          >
            {formatPercent(queue.serviceLevel)}
            {queue.serviceLevel === null && (
              <span className="visually-hidden"> (nothing offered in the window)</span>
            )}
            <LevelMark level={slLevel} />
          </dd>
          <RuleNote
            text={serviceLevelRuleText(rule)}
            source={sourceText(rule.source.serviceLevel)}
          />
        </div>
      </dl>
      <MediaServiceLevels queue={queue} judgement={judgement} />
      <dl className="queue-minor" aria-label="Conversations">
        <div>
          <dt>Alerting</dt>
          <dd>{queue.alerting}</dd>
        </div>
        <div>
          <dt>
            <abbr title="Conversations connected, on hold or in wrap-up">Active</abbr>
          </dt>
          <dd>{queue.interacting}</dd>
        </div>
        <div>
          <dt>
            <abbr title="Abandoned">Aband.</abbr>
          </dt>
          <dd>{queue.abandoned}</dd>
        </div>
        <div>
          <dt>Answered</dt>
          <dd>{queue.answered}</dd>
        </div>
      </dl>
      <dl className="queue-minor" aria-label="Agents">
        <div>
          <dt>On queue</dt>
          <dd>
            <AgentCount value={queue.onQueue} known={membersKnown} />
            {membersKnown && <span className="metric-note"> of {queue.members}</span>}
          </dd>
        </div>
        <div>
          <dt>Idle</dt>
          <dd>
            <AgentCount value={queue.idle} known={membersKnown} />
          </dd>
        </div>
        <div>
          <dt>
            <abbr title="On-queue agents interacting">Busy</abbr>
          </dt>
          <dd>
            <AgentCount value={queue.interactingAgents} known={membersKnown} />
          </dd>
        </div>
        <div className={queue.notResponding > 0 ? 'level-alert' : undefined}>
          <dt>
            <abbr title="Not responding">Not resp.</abbr>
          </dt>
          <dd>
            <AgentCount value={queue.notResponding} known={membersKnown} />
          </dd>
        </div>
      </dl>
    </li>
  );
});

export interface QueueTilesProps {
  store: LiveStore;
  layers: ThresholdLayers;
  /** `severity` (a room: alerts first) or `name` (a desk: tiles stay put). */
  order: 'severity' | 'name';
  selectedQueueId?: string | undefined;
  onSelect?: (queueId: string | undefined) => void;
  /** A room: as many tiles as fit, a page at a time. */
  paging?: { pageSeconds: number; paused: boolean } | undefined;
}

/** One tile per queue, longest wait ticking from `oldestWaitingSince` on the shared ticker. */
export function QueueTiles({
  store,
  layers,
  order,
  selectedQueueId,
  onSelect,
  paging,
}: QueueTilesProps) {
  const version = useStoreVersion(store, 'queues');
  const serverNow = useServerNow(store);
  const tiles = useMemo(
    () =>
      [...store.queues.values()]
        .map((queue) => ({ queue, judgement: judgeQueue(queue, layers, serverNow) }))
        .sort(order === 'severity' ? bySeverity : byName),
    // The store's maps are mutable: the version is what changes.
    [store, version, layers, serverNow, order],
  );
  const totalWaiting = tiles.reduce((n, t) => n + t.queue.waiting, 0);
  return (
    <section className="queues" aria-labelledby="queues-heading">
      <h2 id="queues-heading">
        Queues <span className="count">{tiles.length}</span>
        <span className="heading-note">{totalWaiting} waiting</span>
      </h2>
      {tiles.length === 0 ? (
        <p className="empty">No queues yet.</p>
      ) : paging ? (
        <PagedGrid
          items={tiles}
          keyOf={(t) => t.queue.id}
          render={({ queue, judgement }) => (
            <QueueTile
              queue={queue}
              judgement={judgement}
              selected={selectedQueueId === queue.id}
              onSelect={undefined}
            />
          )}
          pageSeconds={paging.pageSeconds}
          paused={paging.paused}
          label="Queues"
          className="queue-grid"
          testId="queue-pages"
        />
      ) : (
        <ul className="queue-grid" data-testid="queue-tiles">
          {tiles.map(({ queue, judgement }) => (
            <QueueTile
              key={queue.id}
              queue={queue}
              judgement={judgement}
              selected={selectedQueueId === queue.id}
              onSelect={onSelect}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
