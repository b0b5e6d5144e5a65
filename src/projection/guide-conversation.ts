import { getPath, isPlainObject } from '../util/objects.js';
import type { ParsedAgentLeg, ParsedConversation } from './conversation-parse.js';
import { applyConversation } from './conversation-state.js';
import { boundedCode, boundedId, boundedName } from './limits.js';
import type { StateModel } from './state-model.js';

/**
 * The guides' pushed routing event (SEED-FORMATS §D, schema
 * src/router/schemas/routing.conversation.v1.json): `conversation {id, state, mediaType, queueId,
 * direction}` and `participants [{role, id, name}]`. No real org sends it, but relays and the
 * emulator's signed webhooks do; it folds into the same conversation record, queue buckets,
 * agent legs and toasts as a `v2.routing.queues.{id}.conversations` body (applyConversation),
 * so a push-only floor shows the same queue figures.
 *
 * What the guide event lacks, and how it is approximated:
 * - It is a delta naming the one agent it is about, not a snapshot of every participant: an
 *   agent on the conversation is the participant with role `agent`, and a `queued` event's agent
 *   is the one leaving it (a missed offer or a blind transfer), so it holds no leg.
 * - Its states are queued / alerting (ringing) / connected / abandoned / disconnected: held,
 *   after-call work and consults all read `connected` (the agent's leg shows connected; the
 *   queue counts it interacting either way, as the real topics do).
 * - No queue entry time: a conversation waits from the event's time, or from when it first
 *   waited in the same queue when an offer rang out (Genesys keeps its place at the head).
 * - An alerting or connected event with no agent participant id (the guide's bare
 *   `[{role, name}]`) names no one to ring or hold the conversation, so it keeps the
 *   conversation waiting in its queue and raises no toast.
 */

type GuideState = 'queued' | 'alerting' | 'connected' | 'ended';

const STATES: Record<string, GuideState> = {
  queued: 'queued',
  alerting: 'alerting',
  ringing: 'alerting',
  connected: 'connected',
  abandoned: 'ended',
  disconnected: 'ended',
};

/** The guides' media words → the media live state uses (`voice`, `chat`, `email`, …). */
const MEDIA: Record<string, string> = {
  voice: 'voice',
  call: 'voice',
  callback: 'callback',
  chat: 'chat',
  email: 'email',
  message: 'message',
};

export function applyGuideConversation(
  m: StateModel,
  payload: Record<string, unknown>,
  at: number,
  offset: number,
): void {
  const c = payload.conversation;
  if (!isPlainObject(c)) return;
  const id = boundedId(c.id);
  const state = STATES[boundedCode(c.state)?.toLowerCase() ?? ''];
  if (id === undefined || state === undefined) return;
  // Once a conversation topic body named the conversation, its full snapshots (every
  // participant, held, wrap-up) outrank this event's one agent and four states.
  if (m.details.get(id) === null) return;
  const queueId = boundedId(c.queueId);
  let agentId: string | undefined;
  let customerName: string | undefined;
  if (Array.isArray(payload.participants)) {
    for (const p of payload.participants as unknown[]) {
      if (!isPlainObject(p)) continue;
      const role = typeof p.role === 'string' ? p.role.toLowerCase() : '';
      if (role === 'agent' || role === 'user') agentId ??= boundedId(p.id);
      else if (role === 'customer' || role === 'external') {
        const name = boundedName(p.name);
        if (name !== undefined && name !== '') customerName ??= name;
      }
    }
  }
  const rec = m.conversations.get(id);
  // Order within one instant. The events of one change share its time, and a push sender
  // delivers them concurrently, so they may be stored in any order. A `queued` event naming an
  // agent (the offer rang out, or the agent transferred it away) is always the first of its
  // instant: the next queue's `queued` and the next agent's `alerting` follow it. The fold's
  // bucket rank already keeps `alerting` over it; a `queued` at the same instant with no agent
  // (the queue a blind transfer sent it to) must win as well.
  if (
    rec !== undefined &&
    at === rec.at &&
    state === 'queued' &&
    agentId !== undefined &&
    rec.bucket === 'waiting'
  )
    return;
  const sameQueueWait =
    rec !== undefined &&
    rec.queueId === queueId &&
    (rec.bucket === 'waiting' || rec.bucket === 'alerting')
      ? rec.queuedAt
      : undefined;
  const ended = state === 'ended';
  const waiting = state === 'queued' || (!ended && agentId === undefined);
  const agents: ParsedAgentLeg[] =
    agentId !== undefined && (state === 'alerting' || state === 'connected')
      ? [
          {
            userId: agentId,
            state: state === 'alerting' ? 'alerting' : 'connected',
            queueId,
            // The first connected event is the answer: its time is when it was answered.
            connectedAt: state === 'connected' ? at : undefined,
          },
        ]
      : [];
  const outbound = boundedCode(getPath(c, 'direction'))?.toLowerCase() === 'outbound';
  const queuedAt = outbound ? undefined : (sameQueueWait ?? (waiting ? at : undefined));
  const conv: ParsedConversation = {
    id,
    media: MEDIA[boundedCode(c.mediaType)?.toLowerCase() ?? ''] ?? 'unknown',
    queueId,
    queueName: undefined,
    waitingSince: waiting && !outbound && queueId !== undefined ? queuedAt : undefined,
    queuedAt,
    customerName,
    customerAddress: undefined,
    customerEnded: ended,
    outbound,
    active: !ended,
    agents,
  };
  applyConversation(m, conv, at, offset);
}
