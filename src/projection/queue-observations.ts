import type { QueueObservationView } from '../protocol/live-messages.js';
import { isPlainObject } from '../util/objects.js';
import { boundedCode } from './limits.js';
import { iso, type ObservedRow, type QueueRecord, type StateModel } from './state-model.js';

/**
 * Queue observations (`v2.analytics.queues.{id}.observations`, SDK model
 * `StatEventQueueTopicStatsNotification`): a `group` map (queue, and a media type except for the
 * all-media group) and `data[].metrics[]`, each a metric, an optional qualifier (a routing status
 * for `oOnQueueUsers`, a presence definition id for `oUserPresences`) and an open `stats` map.
 *
 * Each (media group, metric, qualifier) is one row, replaced by the newest observation that names
 * it: a message that lists some metrics leaves the others as they were. The group's media never
 * describes the queue (a multi-media queue sends one group per media; its media come from
 * `mediaSettings`).
 */

/**
 * Rows kept per queue, and stats per row: a real org's metrics × qualifiers × media are a few
 * hundred at most; beyond these a hostile body could make every snapshot large.
 */
const MAX_ROWS = 512;
const MAX_STATS = 16;
/** Metric entries read from one body; the rest are ignored. */
const MAX_ENTRIES = 2048;

export function applyQueueObservation(
  m: StateModel,
  queueId: string,
  body: Record<string, unknown>,
  at: number,
  offset: number,
): void {
  const q = m.queue(queueId, offset);
  const group = isPlainObject(body.group) ? body.group : {};
  const media = boundedCode(group.mediaType)?.toLowerCase();
  let read = 0;
  let changed = false;
  for (const interval of Array.isArray(body.data) ? body.data : []) {
    const metrics = isPlainObject(interval) ? interval.metrics : undefined;
    for (const entry of Array.isArray(metrics) ? metrics : []) {
      if (++read > MAX_ENTRIES) break;
      if (isPlainObject(entry) && applyRow(q, media, entry, at)) changed = true;
    }
  }
  if (changed) m.markQueue(q.id, offset);
}

function applyRow(
  q: QueueRecord,
  media: string | undefined,
  entry: Record<string, unknown>,
  at: number,
): boolean {
  const metric = boundedCode(entry.metric);
  if (metric === undefined || metric === '' || !isPlainObject(entry.stats)) return false;
  const qualifier = boundedCode(entry.qualifier);
  const key = `${media ?? ''}\u0000${metric}\u0000${qualifier ?? ''}`;
  const row = q.observations.get(key);
  // An observation older than the row's (a late delivery) would roll a figure back.
  if (row !== undefined && at < row.at) return false;
  if (row === undefined && q.observations.size >= MAX_ROWS) return false;
  const stats: Record<string, number> = {};
  let n = 0;
  for (const [name, value] of Object.entries(entry.stats)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const stat = boundedCode(name);
    if (stat === undefined || stat === '' || stat === '__proto__') continue;
    stats[stat] = value;
    if (++n >= MAX_STATS) break;
  }
  q.observations.set(key, { media, metric, qualifier, stats, at });
  return true;
}

/** The rows in a fixed order (media, metric, qualifier), so a replay gives the same view. */
export function observationsView(q: QueueRecord): QueueObservationView[] | undefined {
  if (q.observations.size === 0) return undefined;
  return [...q.observations.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]: [string, ObservedRow]) => ({
      media: r.media ?? null,
      metric: r.metric,
      qualifier: r.qualifier ?? null,
      stats: { ...r.stats },
      at: iso(r.at),
    }));
}
