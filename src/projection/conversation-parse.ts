import { isPlainObject } from '../util/objects.js';
import { timeOf } from '../util/time.js';
import { LIMITS, boundedId, boundedName } from './limits.js';

/**
 * What the live state needs from a conversation topic body (FACTS §2.4): participants carry
 * per-media arrays whose items say alerting / connected / disconnected; there is no top-level
 * media type or state, so both are read off the participants.
 */
export interface ParsedConversation {
  id: string;
  media: string;
  /** The last ACD (queue) participant's queue. */
  queueId: string | undefined;
  queueName: string | undefined;
  /** When the conversation entered that queue, while it still waits there. */
  waitingSince: number | undefined;
  queuedAt: number | undefined;
  customerName: string | undefined;
  customerAddress: string | undefined;
  customerEnded: boolean;
  agents: ParsedAgentLeg[];
}

export type LegState = 'alerting' | 'connected' | 'held' | 'acw' | 'done';

export interface ParsedAgentLeg {
  userId: string;
  state: LegState;
  queueId: string | undefined;
  connectedAt: number | undefined;
}

const MEDIA_KEYS: Record<string, string> = {
  calls: 'voice',
  callbacks: 'callback',
  chats: 'chat',
  cobrowsesessions: 'cobrowse',
  emails: 'email',
  messages: 'message',
  screenshares: 'screenshare',
  socialExpressions: 'social',
  videos: 'video',
};

const ENDED_STATES = new Set(['disconnected', 'terminated', 'none']);

interface Leg {
  media: string;
  state: string;
  held: boolean;
}

/** The participant's current media item (the last item of the first non-empty media array). */
function legOf(p: Record<string, unknown>): Leg | undefined {
  for (const [key, media] of Object.entries(MEDIA_KEYS)) {
    const items = p[key];
    if (!Array.isArray(items) || items.length === 0) continue;
    const item: unknown = items[items.length - 1];
    if (!isPlainObject(item)) continue;
    const state = typeof item.state === 'string' ? item.state.toLowerCase() : '';
    return { media, state, held: item.held === true };
  }
  return undefined;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const name = (v: unknown) => str(boundedName(v));

export function parseConversation(body: Record<string, unknown>): ParsedConversation | undefined {
  const id = boundedId(body.id);
  if (id === undefined || !Array.isArray(body.participants)) return undefined;
  let media: string | undefined;
  let acd: Record<string, unknown> | undefined;
  let acdLeg: Leg | undefined;
  let customer: Record<string, unknown> | undefined;
  let customerLeg: Leg | undefined;
  const agents: ParsedAgentLeg[] = [];
  for (const p of body.participants as unknown[]) {
    if (!isPlainObject(p)) continue;
    const leg = legOf(p);
    media ??= leg?.media;
    const purpose = typeof p.purpose === 'string' ? p.purpose.toLowerCase() : '';
    if (purpose === 'acd') {
      acd = p;
      acdLeg = leg;
    } else if (purpose === 'customer' || purpose === 'external') {
      customer ??= p;
      customerLeg ??= leg;
    } else if (purpose === 'agent' || purpose === 'user') {
      const userId = boundedId(p.userId);
      if (userId === undefined || agents.length >= LIMITS.agentsPerConversation) continue;
      agents.push({
        userId,
        state: agentLegState(p, leg),
        queueId: boundedId(p.queueId),
        connectedAt: timeOf(p.connectedTime),
      });
    }
  }
  const customerEnded =
    customer !== undefined &&
    (participantEnded(customer) ||
      (customerLeg !== undefined && ENDED_STATES.has(customerLeg.state)));
  const acdActive =
    acd !== undefined &&
    !participantEnded(acd) &&
    (acdLeg === undefined || !ENDED_STATES.has(acdLeg.state));
  const queuedAt = acd ? timeOf(acd.connectedTime) : undefined;
  return {
    id,
    media: media ?? 'unknown',
    queueId: acd ? boundedId(acd.queueId) : agents.find((a) => a.queueId)?.queueId,
    queueName: acd ? name(acd.name) : undefined,
    waitingSince: acdActive && !customerEnded ? queuedAt : undefined,
    queuedAt,
    customerName: customer ? name(customer.name) : undefined,
    customerAddress: customer ? (name(customer.address) ?? name(customer.ani)) : undefined,
    customerEnded,
    agents,
  };
}

function participantEnded(p: Record<string, unknown>): boolean {
  return str(p.endTime) !== undefined;
}

function agentLegState(p: Record<string, unknown>, leg: Leg | undefined): LegState {
  const state = leg?.state ?? '';
  if (state === 'alerting' || state === 'offering' || state === 'contacting') return 'alerting';
  if (state === 'connected' || state === 'dialing') return leg?.held ? 'held' : 'connected';
  // After the leg ends the agent may still be wrapping up: started ACW that has not ended.
  if (str(p.startAcwTime) !== undefined && str(p.endAcwTime) === undefined) return 'acw';
  return 'done';
}
