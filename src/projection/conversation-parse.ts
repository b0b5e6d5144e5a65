import { getPath, isPlainObject } from '../util/objects.js';
import { timeOf } from '../util/time.js';
import { LIMITS, boundedId, boundedName } from './limits.js';

/**
 * What the live state needs from a conversation topic body. Genesys sends two families (SDK
 * `notificationMappings.json`): the generic topics (`…conversations`,
 * `ConversationEventTopicConversation`), whose participants carry per-media arrays whose items
 * hold `state` / `direction` / `held`, and the media-specific topics (`…conversations.calls`,
 * `.chats`, …, e.g. `QueueConversationCallEventTopicCallConversation`), whose participants hold
 * those fields themselves, name agent and queue as `user{id}` / `queue{id}`, and say nothing of
 * the media: that is known only from the topic's suffix.
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
  /**
   * Placed by the org (agent-initiated or a dialer campaign): never a queue arrival, never in
   * service level, and its agent legs never ring.
   */
  outbound: boolean;
  /** Someone is still on it (an IVR, a flow, voicemail, a queue, an agent or the customer). */
  active: boolean;
  agents: ParsedAgentLeg[];
  /**
   * `divisions[].division.id` (`…ConversationDivisionMembership`): division-scoped tokens see
   * the conversation's toasts by them. Absent when the body names none.
   */
  divisionIds?: string[];
}

export type LegState = 'alerting' | 'connected' | 'held' | 'acw' | 'done';

export interface ParsedAgentLeg {
  userId: string;
  state: LegState;
  queueId: string | undefined;
  connectedAt: number | undefined;
  /** The participant's `wrapup.code`: the id of a `WrapupCode`. */
  wrapupCode?: string | undefined;
}

/** Media array keys of the generic shape, and topic suffixes of the media-specific one. */
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
const SUFFIX_MEDIA = new Map(
  Object.entries(MEDIA_KEYS).map(([key, media]) => [key.toLowerCase(), media]),
);

const ENDED_STATES = new Set(['disconnected', 'terminated', 'none']);

interface Leg {
  media: string | undefined;
  state: string;
  initialState: string;
  direction: string;
  held: boolean;
}

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : '');

/**
 * The participant's current leg: the last item of its first non-empty media array (generic
 * shape), else the participant itself when it carries `state` (media-specific shape).
 */
function legOf(p: Record<string, unknown>, topicMedia: string | undefined): Leg | undefined {
  for (const [key, media] of Object.entries(MEDIA_KEYS)) {
    const items = p[key];
    if (!Array.isArray(items) || items.length === 0) continue;
    const item: unknown = items[items.length - 1];
    if (!isPlainObject(item)) continue;
    return legFields(item, media);
  }
  return typeof p.state === 'string' ? legFields(p, topicMedia) : undefined;
}

function legFields(o: Record<string, unknown>, media: string | undefined): Leg {
  return {
    media,
    state: lower(o.state),
    initialState: lower(o.initialState),
    direction: lower(o.direction),
    held: o.held === true,
  };
}

/** The media a media-specific topic is about (`v2.users.{id}.conversations.calls` → voice). */
export function topicMedia(topic: string | undefined): string | undefined {
  const suffix = topic === undefined ? undefined : /\.conversations\.([a-z]+)$/i.exec(topic)?.[1];
  return suffix === undefined ? undefined : SUFFIX_MEDIA.get(suffix.toLowerCase());
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const name = (v: unknown) => str(boundedName(v));
/** `user{id}` / `queue{id}` (media-specific) or `userId` / `queueId` (generic). */
const refId = (p: Record<string, unknown>, ref: 'user' | 'queue') =>
  boundedId(getPath(p, `${ref}.id`)) ?? boundedId(p[`${ref}Id`]);

export function parseConversation(
  body: Record<string, unknown>,
  topic?: string,
): ParsedConversation | undefined {
  const id = boundedId(body.id);
  if (id === undefined || !Array.isArray(body.participants)) return undefined;
  const fromTopic = topicMedia(topic);
  let media: string | undefined;
  let acd: Record<string, unknown> | undefined;
  let acdLeg: Leg | undefined;
  let customer: Record<string, unknown> | undefined;
  let customerLeg: Leg | undefined;
  let dialer = false;
  let active = false;
  const agents: ParsedAgentLeg[] = [];
  for (const p of body.participants as unknown[]) {
    if (!isPlainObject(p)) continue;
    const leg = legOf(p, fromTopic);
    media ??= leg?.media;
    if (!participantEnded(p) && (leg === undefined || !ENDED_STATES.has(leg.state))) active = true;
    const purpose = lower(p.purpose);
    if (purpose === 'acd') {
      acd = p;
      acdLeg = leg;
    } else if (purpose === 'customer' || purpose === 'external') {
      customer ??= p;
      customerLeg ??= leg;
    } else if (purpose === 'agent' || purpose === 'user') {
      const userId = refId(p, 'user');
      if (userId === undefined || agents.length >= LIMITS.agentsPerConversation) continue;
      // A supervisor monitoring, coaching or barging in is not working the conversation.
      if (str(p.monitoredParticipantId) ?? str(p.coachedParticipantId)) continue;
      agents.push({
        userId,
        state: agentLegState(p, leg),
        queueId: refId(p, 'queue'),
        connectedAt: timeOf(p.connectedTime),
        wrapupCode: boundedId(getPath(p, 'wrapup.code')),
      });
    } else if (purpose === 'dialer.system') {
      dialer = true;
    }
    // Other purposes (ivr, workflow, voicemail, …) are the org's systems: they keep the
    // conversation going (`active`) but are nobody's work and no queue's.
  }
  const customerEnded =
    customer !== undefined &&
    (participantEnded(customer) ||
      (customerLeg !== undefined && ENDED_STATES.has(customerLeg.state)));
  const outbound = dialer || customerLeg?.direction === 'outbound';
  const acdActive =
    acd !== undefined &&
    !participantEnded(acd) &&
    (acdLeg === undefined || !ENDED_STATES.has(acdLeg.state));
  const queuedAt = acd && !outbound ? timeOf(acd.connectedTime) : undefined;
  return {
    id,
    media: fromTopic ?? media ?? 'unknown',
    queueId: acd ? refId(acd, 'queue') : undefined,
    queueName: acd ? (name(getPath(acd, 'queue.name')) ?? name(acd.name)) : undefined,
    waitingSince: acdActive && !customerEnded ? queuedAt : undefined,
    queuedAt,
    customerName: customer ? customerName(customer) : undefined,
    customerAddress: customer ? customerAddress(customer) : undefined,
    customerEnded,
    outbound,
    active: active && !customerEnded,
    agents,
    ...divisionsOf(body),
  };
}

function divisionsOf(body: Record<string, unknown>): { divisionIds?: string[] } {
  if (!Array.isArray(body.divisions)) return {};
  const ids = new Set<string>();
  // Bounded by what is kept, not by what is sent: a hostile list costs one pass, not memory.
  for (const d of body.divisions as unknown[]) {
    if (ids.size >= LIMITS.divisionsPerConversation) break;
    const id = isPlainObject(d) ? boundedId(getPath(d, 'division.id')) : undefined;
    if (id !== undefined) ids.add(id);
  }
  return ids.size > 0 ? { divisionIds: [...ids] } : {};
}

/**
 * A callback names its customer by the numbers to call back and the name they left: on the
 * participant itself in the media-specific family (`…CallbackMediaParticipant`), on the items
 * of its `callbacks[]` in the generic one (`ConversationEventTopicCallback`).
 */
function callbackOf(p: Record<string, unknown>): Record<string, unknown> | undefined {
  const items = p.callbacks;
  const item: unknown = Array.isArray(items) ? items[items.length - 1] : undefined;
  return isPlainObject(item) ? item : undefined;
}

const firstNumber = (numbers: unknown) => (Array.isArray(numbers) ? name(numbers[0]) : undefined);

function customerName(p: Record<string, unknown>): string | undefined {
  return name(p.name) ?? name(p.callbackUserName) ?? name(callbackOf(p)?.callbackUserName);
}

function customerAddress(p: Record<string, unknown>): string | undefined {
  return (
    name(p.address) ??
    name(p.ani) ??
    firstNumber(p.callbackNumbers) ??
    firstNumber(callbackOf(p)?.callbackNumbers)
  );
}

function participantEnded(p: Record<string, unknown>): boolean {
  return str(p.endTime) !== undefined;
}

function agentLegState(p: Record<string, unknown>, leg: Leg | undefined): LegState {
  const state = leg?.state ?? '';
  // An outbound leg (the agent dialing out, or a dialer's call placed for the agent) does not
  // ring the agent: while it dials or is contacted the agent is already busy on it.
  const placed =
    leg !== undefined &&
    (leg.direction === 'outbound' ||
      leg.initialState === 'dialing' ||
      leg.initialState === 'contacting');
  if (state === 'alerting' || state === 'offering' || state === 'contacting')
    return placed ? 'connected' : 'alerting';
  if (state === 'dialing') return 'connected';
  if (state === 'connected') return leg?.held ? 'held' : 'connected';
  // After the leg ends the agent may still be wrapping up: started ACW that has not ended.
  if (str(p.startAcwTime) !== undefined && str(p.endAcwTime) === undefined) return 'acw';
  return 'done';
}
