import { memo, useMemo } from 'react';
import type { QueueView } from '@protocol/live-messages.js';
import { elapsedSince, formatDuration, formatPercent } from '../lib/format.js';
import {
  levelText,
  longestWaitLevel,
  serviceLevelLevel,
  worst,
  type Level,
  type QueueThresholds,
} from '../lib/thresholds.js';
import type { LiveStore } from '../live/live-store.js';
import { useStoreVersion } from '../live/use-live.js';
import { useServerNow } from '../live/use-tick.js';

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

function LevelBadge({ level, what }: { level: Level; what: string }) {
  if (level === 'ok') return null;
  return (
    <span className={`badge badge-${level}`}>
      <span aria-hidden="true">{level === 'alert' ? '▲ ' : '● '}</span>
      {levelText(level)}
      <span className="visually-hidden">: {what}</span>
    </span>
  );
}

/**
 * A queue serving several media has a target per media (an e-mail's day is not a call's 20 s):
 * each gets its own service level, so one busy media cannot hide behind another.
 */
function MediaServiceLevels({
  queue,
  thresholds,
}: {
  queue: QueueView;
  thresholds: QueueThresholds;
}) {
  const media = queue.byMedia ?? [];
  if (media.length < 2) return null;
  return (
    <dl className="queue-minor" aria-label="Service level by media" data-testid="queue-sl-by-media">
      {media.map((f) => {
        const level = serviceLevelLevel(f.serviceLevel, thresholds);
        return (
          <div key={f.media} className={`level-${level}`} data-media={f.media}>
            <dt>
              <abbr
                title={`Service level: ${f.media} answered within ${f.serviceLevelThresholdSec} s`}
              >
                {f.media}
              </abbr>
            </dt>
            <dd>
              {formatPercent(f.serviceLevel)}
              <LevelBadge level={level} what={`${f.media} service level`} />
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

interface TileProps {
  queue: QueueView;
  serverNow: number;
  thresholds: QueueThresholds;
  selected: boolean;
  onSelect: ((queueId: string | undefined) => void) | undefined;
}

const QueueTile = memo(function QueueTile({
  queue,
  serverNow,
  thresholds,
  selected,
  onSelect,
}: TileProps) {
  const waitMs =
    queue.waiting > 0
      ? (elapsedSince(queue.oldestWaitingSince, serverNow) ?? queue.longestWaitMs)
      : 0;
  const waitLevel = queue.waiting > 0 ? longestWaitLevel(waitMs, thresholds) : 'ok';
  const slLevel = serviceLevelLevel(queue.serviceLevel, thresholds);
  const level = worst(waitLevel, slLevel);
  const name = queue.name ?? queue.id;
  const headingId = `queue-${queue.id}-name`;
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
            <LevelBadge level={waitLevel} what="longest wait" />
          </dd>
        </div>
        <div className={`metric level-${slLevel}`}>
          <dt>
            <abbr title={`Service level: answered within ${queue.serviceLevelThresholdSec} s`}>
              SL
            </abbr>
            <span className="metric-note"> {queue.serviceLevelThresholdSec} s</span>
          </dt>
          <dd data-testid="queue-service-level">
            {formatPercent(queue.serviceLevel)}
            <LevelBadge level={slLevel} what="service level" />
          </dd>
        </div>
      </dl>
      <MediaServiceLevels queue={queue} thresholds={thresholds} />
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
          <dt>Abandoned</dt>
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
            {queue.onQueue}
            <span className="metric-note">/{queue.members}</span>
          </dd>
        </div>
        <div>
          <dt>Idle</dt>
          <dd>{queue.idle}</dd>
        </div>
        <div>
          <dt>
            <abbr title="On-queue agents interacting">Busy</abbr>
          </dt>
          <dd>{queue.interactingAgents}</dd>
        </div>
        <div className={queue.notResponding > 0 ? 'level-alert' : undefined}>
          <dt>
            <abbr title="Not responding">Not resp.</abbr>
          </dt>
          <dd>{queue.notResponding}</dd>
        </div>
      </dl>
    </li>
  );
});

export interface QueueTilesProps {
  store: LiveStore;
  thresholds: QueueThresholds;
  selectedQueueId?: string | undefined;
  onSelect?: (queueId: string | undefined) => void;
}

/** One tile per queue, longest wait ticking from `oldestWaitingSince` on the shared ticker. */
export function QueueTiles({ store, thresholds, selectedQueueId, onSelect }: QueueTilesProps) {
  const version = useStoreVersion(store, 'queues');
  const queues = useMemo(
    () =>
      [...store.queues.values()].sort((a, b) => collator.compare(a.name ?? a.id, b.name ?? b.id)),
    // The store's maps are mutable: the version is what changes.
    [store, version],
  );
  const serverNow = useServerNow(store);
  const totalWaiting = queues.reduce((n, q) => n + q.waiting, 0);
  return (
    <section className="queues" aria-labelledby="queues-heading">
      <h2 id="queues-heading">
        Queues <span className="count">{queues.length}</span>
        <span className="heading-note">{totalWaiting} waiting</span>
      </h2>
      {queues.length === 0 ? (
        <p className="empty">No queues yet.</p>
      ) : (
        <ul className="queue-grid" data-testid="queue-tiles">
          {queues.map((q) => (
            <QueueTile
              key={q.id}
              queue={q}
              serverNow={serverNow}
              thresholds={thresholds}
              selected={selectedQueueId === q.id}
              onSelect={onSelect}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
