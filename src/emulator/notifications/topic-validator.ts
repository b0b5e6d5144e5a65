import type { Directory } from '../ports.js';

/**
 * Why a channel may not subscribe to a topic (`rejectionReason`, FACTS §1.2), or undefined when
 * it may: an unknown or deleted user or queue is "Entity not found"; a malformed topic is
 * "Invalid topic". Detail-event topics name conversations, which are not checked.
 */
export function topicRejection(topic: string, dir: Directory): string | undefined {
  const user =
    /^v2\.users\.([^.]+)\.(presence|routingStatus|activity|conversations(\.[a-z]+)?)$/.exec(topic);
  if (user)
    return dir.sim.agents.has(user[1]!) && !dir.deletedUsers.has(user[1]!)
      ? undefined
      : 'Entity not found';
  const queue =
    /^v2\.routing\.queues\.([^.]+)\.(?:conversations(?:\.[a-z]+)?|users)$/.exec(topic) ??
    /^v2\.analytics\.queues\.([^.]+)\.observations$/.exec(topic);
  if (queue)
    return dir.sim.queues.has(queue[1]!) && !dir.deletedQueues.has(queue[1]!)
      ? undefined
      : 'Entity not found';
  if (/^v2\.detail\.events\.conversation\.[^.]+\.[a-z.]+$/.test(topic)) return undefined;
  return 'Invalid topic';
}
