/**
 * The floor's fixed rules, as pure functions of state: what an agent can take on, which queues
 * serve which media, and when a consult is live. They read state and change nothing (apart from
 * `addMs` on the totals map it is given), so the simulation and its collaborators (consults,
 * truth) apply the same rule without sharing the engine that owns the state.
 */
import type { MediaType, Queue } from './org.js';
import type { Rng } from './rng.js';
import type { AgentState, Consult, Conversation } from './simulation-types.js';

/** How long an offer rings before it counts as missed (consult rings stay below it too). */
export const ALERT_TIMEOUT_MS = 12_000;
const CAPACITY: Record<MediaType, number> = { voice: 1, callback: 1, message: 3, email: 2 };

/** Whether routing may offer the agent a conversation of this media now. */
export function canTake(a: AgentState, media: MediaType): boolean {
  if (!a.loggedIn || !a.onQueue || a.pendingBreak || a.pendingLogout) return false;
  if (a.routing !== 'IDLE' && a.routing !== 'INTERACTING') return false;
  let same = 0;
  for (const c of a.conversations) {
    // A callback is a phone call the agent places: it takes the phone like a call.
    if (onPhone(c.media) || onPhone(media)) return false;
    if (c.state === 'alerting') return false; // one offer at a time
    if (c.media === media) same++;
  }
  return same < CAPACITY[media] && a.conversations.size < 3;
}

/** The consult of a conversation while both agents are on it. */
export function liveConsult(conv: Conversation): Consult | undefined {
  const c = conv.consult;
  return c && (c.state === 'alerting' || c.state === 'connected') ? c : undefined;
}

export function serves(q: Queue, media: MediaType): boolean {
  return (
    q.media === media ||
    q.otherMedia.includes(media) ||
    (media === 'callback' && q.serviceLevels.callback !== undefined)
  );
}

const onPhone = (media: MediaType) => media === 'voice' || media === 'callback';

/** Adds time spent to a per-key total (presence, definition or routing status). */
export function addMs(map: Map<string, number>, key: string, ms: number): void {
  if (ms > 0) map.set(key, (map.get(key) ?? 0) + ms);
}

/**
 * A new conversation with a made-up customer. The id, the media (when drawn) and the customer
 * are drawn from `rng` in that order, the order the floor has always drawn them in, so a seed
 * keeps giving the same floor.
 */
export function newConversation(
  rng: Rng,
  at: number,
  fields: Pick<
    Conversation,
    'direction' | 'queue' | 'state' | 'agentId' | 'answeredAt' | 'epoch'
  > & {
    media: MediaType | (() => MediaType);
  },
): Conversation {
  const id = rng.uuid();
  const media = typeof fields.media === 'function' ? fields.media() : fields.media;
  const customerName = `Customer ${1000 + rng.int(9000)}`;
  const ani = `tel:+1555${String(1000000 + rng.int(9000000))}`;
  return {
    ...fields,
    id,
    media,
    customerName,
    ani,
    arrivedAt: at,
    queuedAt: at,
    alertingSince: undefined,
    acwSince: undefined,
    endedAt: undefined,
    held: false,
    missedBy: new Set(),
    transfers: 0,
    consult: undefined,
    history: [],
  };
}
