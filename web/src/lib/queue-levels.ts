import type { QueueView } from '@protocol/live-messages.js';
import { elapsedSince } from './format.js';
import {
  longestWaitLevel,
  mediaRule,
  queueRule,
  serviceLevelLevel,
  worst,
  type Level,
  type ResolvedQueueRule,
  type ThresholdLayers,
} from './thresholds.js';

/** A queue tile judged at one instant: its rules, each figure's level, and the tile's. */
export interface TileJudgement {
  rule: ResolvedQueueRule;
  waitMs: number;
  waitLevel: Level;
  serviceLevel: Level;
  /** Each media's own service level against its own rule (only for queues with several). */
  media: { media: string; rule: ResolvedQueueRule; level: Level }[];
  level: Level;
}

export function judgeQueue(
  queue: QueueView,
  layers: ThresholdLayers,
  serverNow: number,
): TileJudgement {
  const rule = queueRule(queue, layers);
  const waitMs =
    queue.waiting > 0
      ? (elapsedSince(queue.oldestWaitingSince, serverNow) ?? queue.longestWaitMs)
      : 0;
  const waitLevel = queue.waiting > 0 ? longestWaitLevel(waitMs, rule) : 'ok';
  const media =
    queue.byMedia.length < 2
      ? []
      : queue.byMedia.map((f) => {
          const r = mediaRule(queue, f, layers);
          return { media: f.media, rule: r, level: serviceLevelLevel(f.serviceLevel, r) };
        });
  // A queue with several media is judged by each media's own target: an e-mail backlog within
  // its day is fine even when the calls' 20 s would call it late.
  const serviceLevel =
    media.length > 0
      ? worst(...media.map((m) => m.level))
      : serviceLevelLevel(queue.serviceLevel, rule);
  return { rule, waitMs, waitLevel, serviceLevel, media, level: worst(waitLevel, serviceLevel) };
}

const RANK: Record<Level, number> = { alert: 0, warn: 1, ok: 2 };
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/**
 * Tiles for a room: alerts first, then warnings, then the rest; within a level the most
 * waiting first, then by name, so a tile moves only when its level or its queue does.
 */
export function bySeverity(
  a: { queue: QueueView; judgement: TileJudgement },
  b: { queue: QueueView; judgement: TileJudgement },
): number {
  return (
    RANK[a.judgement.level] - RANK[b.judgement.level] ||
    b.queue.waiting - a.queue.waiting ||
    collator.compare(a.queue.name ?? a.queue.id, b.queue.name ?? b.queue.id)
  );
}

export function byName(a: { queue: QueueView }, b: { queue: QueueView }): number {
  return collator.compare(a.queue.name ?? a.queue.id, b.queue.name ?? b.queue.id);
}
