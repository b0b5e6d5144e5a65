import type { LegState, ParsedConversation } from './conversation-parse.js';
import { LIMITS, boundedId, boundedName } from './limits.js';

/**
 * Conversation detail events (`v2.detail.events.conversation.{id}.*`, SDK models
 * `AcdStartDetailEventTopicAcdStartEvent`, `AcdEndDetailEventTopicAcdEndEvent`,
 * `UserStartDetailEventTopicUserStartEvent`, `UserEndDetailEventTopicUserEndEvent`,
 * `AcwDetailEventTopicAfterCallWorkEvent`, `CustomerStart…`/`CustomerEnd…`,
 * `OutboundDetailEventTopicOutboundInitEvent`) each say one thing that happened, not what the
 * conversation is now. An org that sends only these (Genesys's analytics detail events
 * EventBridge blueprint) still needs queue tiles and toasts, so each conversation's milestones
 * are kept here, order-independently (EventBridge may reorder), and turned into the same
 * `ParsedConversation` a conversation topic body gives, so one fold counts both families.
 */
export interface DetailView {
  media: string | undefined;
  outbound: boolean;
  caller: string | undefined;
  address: string | undefined;
  customerEnd: number | undefined;
  /** `divisionId` of the events that carry one (all but `acw`, which inherits it). */
  divisionId?: string;
  /**
   * ACD segments, one per visit to a queue: when the conversation entered it and how it left.
   * A conversation transferred on and then back comes to the same queue twice.
   */
  visits: QueueSegment[];
  /** Agent segments by user. */
  users: Map<string, UserSegment>;
}

interface QueueSegment {
  queueId: string;
  start: number | undefined;
  end: number | undefined;
  /** `acdOutcome`: ANSWERED, ABANDON, FLOW_OUT (left to a flow: neither answered nor abandoned). */
  outcome: string;
  answeredBy: string | undefined;
}

interface UserSegment {
  queueId: string | undefined;
  start: number | undefined;
  end: number | undefined;
  /** The `acw` (or `wrapup`) event: sent when wrap-up is over. */
  acwEnd: number | undefined;
  /** The agent's participant, so a `wrapup` event (which names no user) finds its segment. */
  participantId: string | undefined;
}

/** Detail `mediaType` (upper case) → the media names of the conversation topics. */
const MEDIA: Record<string, string> = {
  VOICE: 'voice',
  CALLBACK: 'callback',
  CHAT: 'chat',
  EMAIL: 'email',
  MESSAGE: 'message',
  COBROWSE: 'cobrowse',
  VIDEO: 'video',
  SCREENSHARE: 'screenshare',
};

const MILESTONES = new Set([
  'outbound',
  'customer.start',
  'customer.end',
  'acd.start',
  'acd.end',
  'user.start',
  'user.end',
  'acw',
  'wrapup',
]);

const upper = (v: unknown) => (typeof v === 'string' ? v.toUpperCase() : '');

/** The milestone a detail topic names (`….acd.end` → `acd.end`), or undefined. */
export function detailMilestone(topic: string): string | undefined {
  return /^v2\.detail\.events\.conversation\.[^.]+\.([a-z.]+)$/i.exec(topic)?.[1]?.toLowerCase();
}

export function newDetailView(): DetailView {
  return {
    media: undefined,
    outbound: false,
    caller: undefined,
    address: undefined,
    customerEnd: undefined,
    visits: [],
    users: new Map(),
  };
}

/**
 * Folds one detail event into the conversation's view. Returns false when the event says
 * nothing the view keeps.
 */
export function foldDetail(
  view: DetailView,
  milestone: string,
  body: Record<string, unknown>,
  at: number,
): boolean {
  // attributes, flow.*, voicemail.*, contact: nothing the live state shows.
  if (!MILESTONES.has(milestone)) return false;
  const mediaType = upper(body.mediaType);
  if (mediaType !== '' && mediaType !== 'UNKNOWN')
    view.media = MEDIA[mediaType] ?? boundedName(mediaType.toLowerCase());
  if (upper(body.direction) === 'OUTBOUND') view.outbound = true;
  view.divisionId = boundedId(body.divisionId) ?? view.divisionId;
  const queueId = boundedId(body.queueId);
  const participantId = boundedId(body.participantId);
  // Wrap-up submitted (`WrapupDetailEventTopicWrapupEvent`) says, like `acw`, that wrap-up is
  // over, but names the agent only by participant. Both come as the leg closes: the code is in
  // the log, never on a live leg.
  const userId =
    milestone === 'wrapup'
      ? [...view.users].find(
          ([, u]) => participantId !== undefined && u.participantId === participantId,
        )?.[0]
      : boundedId(body.userId);
  switch (milestone) {
    case 'outbound':
      // A dialer campaign's call (`outboundCampaignId`): never a queue arrival.
      view.outbound = true;
      return true;
    case 'customer.start':
      view.address ??= boundedName(body.ani);
      view.caller ??= boundedName(body.callbackUserName);
      return true;
    case 'customer.end':
      view.customerEnd = Math.max(view.customerEnd ?? at, at);
      return true;
    case 'acd.start':
    case 'acd.end': {
      if (queueId === undefined) return false;
      const seg =
        milestone === 'acd.start'
          ? visitStarting(view, queueId, at)
          : visitEnding(view, queueId, at);
      if (seg === undefined) return false;
      if (milestone === 'acd.start') seg.start = at;
      else {
        seg.end = at;
        seg.outcome = upper(body.acdOutcome);
        const answeredBy = boundedId(body.answeredUserId);
        seg.answeredBy = answeredBy;
        if (seg.outcome === 'ANSWERED' && answeredBy !== undefined) {
          const u = userSegment(view, answeredBy);
          if (u) u.queueId ??= queueId;
        }
      }
      view.address ??= boundedName(body.ani);
      view.caller ??= boundedName(body.callbackUserName);
      return true;
    }
    case 'user.start':
    case 'user.end':
    case 'acw':
    case 'wrapup': {
      if (userId === undefined) return false;
      const u = userSegment(view, userId);
      if (u === undefined) return false;
      u.queueId = queueId ?? u.queueId;
      u.participantId ??= participantId;
      if (milestone === 'user.start') u.start = at;
      else if (milestone === 'user.end') u.end = at;
      else u.acwEnd = Math.min(u.acwEnd ?? at, at);
      return true;
    }
    default:
      return false;
  }
}

/**
 * The visit an `acd.start` at `at` opens: a new one, unless its `acd.end` came first (EventBridge
 * may reorder), when the visit it ends is waiting for its start.
 */
function visitStarting(view: DetailView, queueId: string, at: number) {
  const early = view.visits.find(
    (v) => v.queueId === queueId && v.start === undefined && (v.end ?? -Infinity) >= at,
  );
  return early ?? newVisit(view, queueId);
}

/** The visit an `acd.end` at `at` closes: the latest still open that began before it. */
function visitEnding(view: DetailView, queueId: string, at: number) {
  let seg: QueueSegment | undefined;
  for (const v of view.visits)
    if (v.queueId === queueId && v.end === undefined && (v.start ?? Infinity) <= at)
      if (!seg || (v.start ?? -Infinity) > (seg.start ?? -Infinity)) seg = v;
  return seg ?? newVisit(view, queueId);
}

function newVisit(view: DetailView, queueId: string): QueueSegment | undefined {
  if (view.visits.length >= LIMITS.queuesPerConversation) return undefined;
  const seg = { queueId, start: undefined, end: undefined, outcome: '', answeredBy: undefined };
  view.visits.push(seg);
  return seg;
}

/** The visit an agent segment was offered from: the latest of its queue begun by its start. */
function visitOf(view: DetailView, u: UserSegment): QueueSegment | undefined {
  let seg: QueueSegment | undefined;
  for (const v of view.visits) {
    if (v.queueId !== u.queueId) continue;
    const start = v.start ?? v.end ?? -Infinity;
    if (start > (u.start ?? Infinity)) continue;
    if (!seg || start >= (seg.start ?? seg.end ?? -Infinity)) seg = v;
  }
  return seg;
}

function userSegment(view: DetailView, userId: string): UserSegment | undefined {
  let u = view.users.get(userId);
  if (!u && view.users.size < LIMITS.agentsPerConversation) {
    u = {
      queueId: undefined,
      start: undefined,
      end: undefined,
      acwEnd: undefined,
      participantId: undefined,
    };
    view.users.set(userId, u);
  }
  return u;
}

/**
 * The conversation as its milestones so far describe it. There is no "alerting" detail event
 * (`user.end` only reports `alertingDurationMs` afterwards), so ringing is inferred: an inbound
 * agent segment whose queue's ACD segment is still open has been offered but not yet answered
 * (`acd.end ANSWERED` closes it). Detail events say when wrap-up ends, not whether it starts: an
 * ended agent segment shows as wrap-up while the conversation is otherwise still going on.
 */
export function detailConversation(id: string, view: DetailView): ParsedConversation {
  let seg: QueueSegment | undefined;
  let currentStart = -Infinity;
  for (const v of view.visits) {
    const start = v.start ?? v.end ?? -Infinity;
    if (start >= currentStart) {
      seg = v;
      currentStart = start;
    }
  }
  const abandoned = seg?.outcome === 'ABANDON';
  const customerEnded = view.customerEnd !== undefined || abandoned;
  const open = (s: QueueSegment | undefined) =>
    s !== undefined && s.start !== undefined && s.end === undefined;
  const agents: ParsedConversation['agents'] = [];
  for (const [userId, u] of view.users) {
    const q = u.queueId === undefined ? undefined : visitOf(view, u);
    // Offered from a queue whose ACD segment then ended otherwise (abandoned, flowed out,
    // answered by someone else): the offer is over.
    const offerLost =
      q?.end !== undefined &&
      (q.outcome !== 'ANSWERED' || (q.answeredBy !== undefined && q.answeredBy !== userId));
    // Only a connected leg is wrapped up; a missed offer (alerting, then `user.end`) is not.
    const answered =
      view.outbound ||
      q === undefined ||
      (q.end !== undefined && q.outcome === 'ANSWERED' && !offerLost);
    let state: LegState;
    if (u.acwEnd !== undefined) state = 'done';
    else if (u.end !== undefined)
      state = !answered || customerEnded || movedOn(view, u.end, userId) ? 'done' : 'acw';
    else if (!view.outbound && offerLost) state = 'done';
    else if (!view.outbound && open(q)) state = 'alerting';
    else state = 'connected';
    agents.push({ userId, state, queueId: u.queueId, connectedAt: q?.end ?? u.start });
  }
  const waiting = open(seg) && !customerEnded && !view.outbound;
  return {
    id,
    media: view.media ?? 'unknown',
    queueId: view.outbound ? undefined : seg?.queueId,
    queueName: undefined,
    waitingSince: waiting ? seg?.start : undefined,
    queuedAt: view.outbound ? undefined : seg?.start,
    customerName: view.caller,
    customerAddress: view.address,
    customerEnded,
    outbound: view.outbound,
    active: !customerEnded,
    agents,
    ...(view.divisionId !== undefined ? { divisionIds: [view.divisionId] } : {}),
  };
}

/**
 * Whether the conversation moved on (a new queue or another agent) when or after `t`: a blind
 * transfer ends the agent's segment at the instant the next queue's begins.
 */
function movedOn(view: DetailView, t: number, userId: string): boolean {
  for (const s of view.visits) if ((s.start ?? -Infinity) >= t) return true;
  for (const [id, u] of view.users) if (id !== userId && (u.start ?? -Infinity) >= t) return true;
  return false;
}
