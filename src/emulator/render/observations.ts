import type { MediaType } from '../model/org.js';
import type { Simulation } from '../model/simulation.js';
import type { QueueTruth } from '../model/truth.js';
import type { TopicMessage } from './topics.js';

const iso = (ms: number) => new Date(ms).toISOString();

type Metric = { metric: string; qualifier?: string; stats: Record<string, number> };

/**
 * One queue's `v2.analytics.queues.{id}.observations` messages, shaped as the SDK model
 * `StatEventQueueTopicStatsNotification` (MyPureCloud/platform-client-sdk-javascript
 * build/index.d.ts): one message per group. The all-media group (no `mediaType`) carries the
 * user metrics with their qualifiers (`oOnQueueUsers` by routing status, `oUserPresences` by
 * presence definition id) and the conversation counts; each media the queue serves gets a group
 * of its own with only the conversation metrics, so a reader meets partial metric lists and
 * several media for one queue.
 */
export function observationMessages(
  sim: Simulation,
  q: QueueTruth,
  media: readonly MediaType[],
  at: number,
): TopicMessage[] {
  const topicName = `v2.analytics.queues.${q.id}.observations`;
  const interval = `${iso(at)}/${iso(at)}`;
  const message = (group: Record<string, string>, metrics: Metric[]): TopicMessage => ({
    topicName,
    eventBody: { group, data: [{ interval, metrics }] },
    at,
  });
  const count = (metric: string, n: number, qualifier?: string): Metric => ({
    metric,
    ...(qualifier !== undefined ? { qualifier } : {}),
    stats: { count: n },
  });
  const conversations = (c: { waiting: number; alerting: number; interacting: number }) => [
    count('oWaiting', c.waiting),
    count('oAlerting', c.alerting),
    count('oInteracting', c.interacting),
  ];
  const byMedia = conversationsByMedia(sim, q.id);
  const all = [
    ...conversations(q),
    count('oOnQueueUsers', q.idle, 'IDLE'),
    count('oOnQueueUsers', q.interactingAgents, 'INTERACTING'),
    count('oOnQueueUsers', q.notResponding, 'NOT_RESPONDING'),
    ...[...presencesOf(sim, q.id)].map(([id, n]) => count('oUserPresences', n, id)),
  ];
  const zero = { waiting: 0, alerting: 0, interacting: 0 };
  return [
    message({ queueId: q.id }, all),
    ...media.map((m) =>
      message({ queueId: q.id, mediaType: m }, conversations(byMedia.get(m) ?? zero)),
    ),
  ];
}

function conversationsByMedia(sim: Simulation, queueId: string) {
  const out = new Map<MediaType, { waiting: number; alerting: number; interacting: number }>();
  for (const c of sim.conversations.values()) {
    if (c.queue.id !== queueId || c.direction === 'outbound') continue;
    const n = out.get(c.media) ?? { waiting: 0, alerting: 0, interacting: 0 };
    if (c.state === 'waiting') n.waiting++;
    else if (c.state === 'alerting') n.alerting++;
    else if (c.state === 'connected' || c.state === 'held' || c.state === 'acw') n.interacting++;
    out.set(c.media, n);
  }
  return out;
}

/** Logged-in members of the queue by presence definition id, in a fixed order. */
function presencesOf(sim: Simulation, queueId: string): Map<string, number> {
  const queue = sim.org.queues.find((x) => x.id === queueId);
  const out = new Map<string, number>();
  for (const id of queue?.memberIds ?? []) {
    const a = sim.agents.get(id);
    if (!a || a.removed || !a.loggedIn) continue;
    out.set(a.presence.id, (out.get(a.presence.id) ?? 0) + 1);
  }
  return out;
}
