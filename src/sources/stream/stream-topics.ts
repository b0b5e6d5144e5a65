import { getPath, isPlainObject } from '../../util/objects.js';
import type { ReconcileSnapshot } from '../reconcile/reconcile-events.js';

/**
 * Which topics the stream follows, from the config's selection and the org as REST lists it.
 * The Notification API has no wildcards (FACTS §1.6): every topic names one user or one queue,
 * so the selection (queues; users by membership of those queues, by team, by division, or by
 * id) is resolved against the directory first. Ids the config names that the org does not have
 * (a deleted user, a mistyped queue) are pruned and reported, not subscribed: Genesys would
 * reject them one by one, and a subscription of only rejected topics looks like a quiet floor.
 */

export type UserTopic = 'activity' | 'presence' | 'routingStatus' | 'conversations';
export type QueueTopic = 'conversations' | 'users' | 'observations';

export interface StreamSelection {
  /** Queue ids to follow; undefined: every queue of the org. */
  queues?: readonly string[] | undefined;
  /** Follow the members of the followed queues. */
  queueMembers: boolean;
  teams: readonly string[];
  divisions: readonly string[];
  users: readonly string[];
  userTopics: readonly UserTopic[];
  queueTopics: readonly QueueTopic[];
}

export interface PrunedId {
  kind: 'queue' | 'user' | 'team' | 'division';
  id: string;
  reason: string;
}

export interface TopicPlan {
  topics: string[];
  queueIds: string[];
  userIds: string[];
  pruned: PrunedId[];
}

const USER_TOPIC: Record<UserTopic, (id: string) => string> = {
  activity: (id) => `v2.users.${id}.activity`,
  presence: (id) => `v2.users.${id}.presence`,
  routingStatus: (id) => `v2.users.${id}.routingStatus`,
  conversations: (id) => `v2.users.${id}.conversations`,
};

const QUEUE_TOPIC: Record<QueueTopic, (id: string) => string> = {
  conversations: (id) => `v2.routing.queues.${id}.conversations`,
  users: (id) => `v2.routing.queues.${id}.users`,
  observations: (id) => `v2.analytics.queues.${id}.observations`,
};

/** Ids safe to put into a topic name: a hostile directory cannot inject dots or wildcards. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,100}$/;

export function planTopics(
  snapshot: Pick<ReconcileSnapshot, 'queues' | 'users'>,
  selection: StreamSelection,
): TopicPlan {
  const pruned: PrunedId[] = [];
  const known = new Map(snapshot.queues.map((q) => [q.id, q]));
  const queueIds: string[] = [];
  if (selection.queues === undefined) {
    queueIds.push(...snapshot.queues.map((q) => q.id));
  } else {
    for (const id of new Set(selection.queues)) {
      if (known.has(id)) queueIds.push(id);
      else pruned.push({ kind: 'queue', id, reason: 'no such queue in the org' });
    }
  }

  const users = new Map(snapshot.users.map((u) => [u.id, u.entity]));
  const active = (id: string) => {
    const u = users.get(id);
    return u !== undefined && (u.state === undefined || u.state === 'active');
  };
  const userIds = new Set<string>();
  if (selection.queueMembers) {
    for (const id of queueIds) {
      for (const m of known.get(id)?.members ?? []) {
        const userId = isPlainObject(m) ? (getPath(m, 'user.id') ?? m.id) : undefined;
        if (typeof userId === 'string' && active(userId)) userIds.add(userId);
      }
    }
  }
  const byRef = (kind: 'team' | 'division', ids: readonly string[]) => {
    for (const ref of new Set(ids)) {
      let found = 0;
      for (const [id, entity] of users) {
        if (getPath(entity, `${kind}.id`) !== ref || !active(id)) continue;
        userIds.add(id);
        found++;
      }
      if (found === 0) pruned.push({ kind, id: ref, reason: `no active user in this ${kind}` });
    }
  };
  byRef('team', selection.teams);
  byRef('division', selection.divisions);
  for (const id of new Set(selection.users)) {
    if (active(id)) userIds.add(id);
    else
      pruned.push({
        kind: 'user',
        id,
        reason: users.has(id) ? 'the user is not active' : 'no such user in the org',
      });
  }

  const topics: string[] = [];
  const safe = (kind: 'queue' | 'user', id: string) => {
    if (SAFE_ID.test(id)) return true;
    pruned.push({ kind, id: id.slice(0, 100), reason: 'not a usable id' });
    return false;
  };
  const keptQueues = queueIds.filter((id) => safe('queue', id));
  const keptUsers = [...userIds].filter((id) => safe('user', id));
  for (const id of keptQueues)
    for (const t of selection.queueTopics) topics.push(QUEUE_TOPIC[t](id));
  for (const id of keptUsers) for (const t of selection.userTopics) topics.push(USER_TOPIC[t](id));
  return { topics, queueIds: keptQueues, userIds: keptUsers, pruned };
}
