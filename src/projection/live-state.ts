import type { StoredEvent } from '../log/event-log.js';
import type { AgentView, LiveChanges, QueueView, ToastView } from '../protocol/live-messages.js';
import { getPath, isPlainObject } from '../util/objects.js';
import { timeOf } from '../util/time.js';
import { agentView, applyGuideState, applyPresence, applyRouting, isAgent } from './agent-state.js';
import { parseConversation } from './conversation-parse.js';
import { boundedId } from './limits.js';
import { applyConversationBody, applyDetail, sweepConversations } from './conversation-state.js';
import { detailMilestone } from './detail-events.js';
import { applyGuideConversation } from './guide-conversation.js';
import { applyActiveQueues, applyQueueMember, queueView } from './queue-state.js';
import { applyQueueObservation } from './queue-observations.js';
import {
  reconcileChanges,
  reconcileComplete,
  reconcileDefinitions,
  reconcileWrapupCodes,
  reconcileQueue,
  reconcileUser,
  reconcileQueueConversations,
  reconcileGapConversations,
} from './reconcile-seed.js';
import { StateModel, type AgentRecord } from './state-model.js';
import { applySweep, findImpossible, type ImpossibleState } from './sweep.js';

export type { AgentView, QueueView, ToastView } from '../protocol/live-messages.js';

export interface LiveStateOptions {
  /** Default service-level threshold when a queue's own is not known (seconds). */
  serviceLevelThresholdSec?: number;
  /** Rolling window for answered / abandoned / handled / service level (minutes of event time). */
  windowMinutes?: number;
  /**
   * The windowed figures' window: `rolling` (the last `windowMinutes`, the default) or `today`
   * (since midnight in `timeZone`, on event time; it starts over at the zone's midnight).
   */
  window?: 'rolling' | 'today';
  /**
   * The org's IANA time zone, where a `today` window's day begins (default: this machine's).
   * A zone Intl does not know is a RangeError.
   */
  timeZone?: string;
  /**
   * The clock that view-time figures (a queue's longest wait "as of now") are measured on when
   * the caller names no time: the gateway injects the wall clock. The fold never reads it.
   * Without it, views are as of the latest event time.
   */
  now?: () => number;
  /**
   * Show users that are not agents (in no queue, never on a conversation as an agent: admins,
   * supervisors) as agents too. Default true here, so a bare fold shows every user it is told
   * of; the gateway passes `live.showNonAgents` (default false).
   */
  showNonAgents?: boolean;
}

/**
 * The live state folded from the log: a pure function of the events in offset order. Agents,
 * queues, conversations and ringing toasts; an event older than the state it would change is
 * ignored, so redelivered or reordered events never make anything go back in time. Every change
 * marks the entities it touched; `drainChanges()` hands them to the live hub. Each concern folds
 * in its own module (agent-state, queue-state, conversation-state, reconcile-seed) over one
 * shared StateModel; time inside the fold is event time only.
 */
export class LiveState {
  readonly #m: StateModel;
  readonly #now: (() => number) | undefined;
  readonly #showNonAgents: boolean;
  #applied = 0;

  constructor(options: LiveStateOptions = {}) {
    this.#m = new StateModel(
      options.serviceLevelThresholdSec ?? 20,
      options.window === 'today'
        ? {
            kind: 'today',
            timeZone: options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
          }
        : { kind: 'rolling', minutes: options.windowMinutes ?? 30 },
    );
    this.#now = options.now;
    this.#showNonAgents = options.showNonAgents ?? true;
  }

  /** Latest event time folded in (ms). */
  get clock(): number {
    return this.#m.clock;
  }

  /** Whether any agent is logged in (the staleness watchdog's "someone should be sending"). */
  anyLoggedIn(): boolean {
    for (const a of this.#m.agents.values()) if (a.loggedIn && this.#shows(a)) return true;
    return false;
  }

  /**
   * Whether a reconcile event (its kind, its body as parsed, its run's start `at`) would change
   * live state if folded now: a run appends only those (docs/reconcile.md).
   */
  reconcileChanges(kind: string, body: Record<string, unknown>, at: number): boolean {
    return reconcileChanges(this.#m, kind, body, at);
  }

  agents(): AgentView[] {
    return [...this.#m.agents.values()]
      .filter((a) => this.#shows(a))
      .map((a) => agentView(this.#m, a));
  }

  agent(id: string): AgentView | undefined {
    const a = this.#m.agents.get(id);
    return a && this.#shows(a) ? agentView(this.#m, a) : undefined;
  }

  /** `now`: the time longest waits are measured to (default: the injected clock). */
  queues(now = this.#viewTime()): QueueView[] {
    return [...this.#m.queues.values()].map((q) => queueView(this.#m, q, now));
  }

  queue(id: string, now = this.#viewTime()): QueueView | undefined {
    const q = this.#m.queues.get(id);
    return q && queueView(this.#m, q, now);
  }

  toasts(): ToastView[] {
    return [...this.#m.toasts.values()];
  }

  /**
   * States that cannot be true at `now` (the events' clock): rings older than `maxRingMs`
   * (Genesys times an unanswered offer out within seconds) and conversations in progress with
   * no event for `maxSilentMs`. Their end was lost (projection/sweep.ts).
   */
  impossible(now: number, maxRingMs: number, maxSilentMs: number): ImpossibleState[] {
    return findImpossible(this.#m, now, maxRingMs, maxSilentMs);
  }

  /** Team, division and queue memberships of an agent (for filtering), without its view. */
  membership(
    id: string,
  ):
    | { teamId: string | undefined; divisionId: string | undefined; queueIds: ReadonlySet<string> }
    | undefined {
    const a = this.#m.agents.get(id);
    return a && { teamId: a.teamId, divisionId: a.divisionId, queueIds: a.queueIds };
  }

  /** A queue's division (for division-scoped tokens), without building its view. */
  queueDivision(id: string): string | undefined {
    return this.#m.queues.get(id)?.divisionId;
  }

  /** A conversation's divisions while it is kept (for division-scoped tokens). */
  conversationDivisions(id: string): readonly string[] | undefined {
    return this.#m.conversations.get(id)?.divisionIds;
  }

  /**
   * Entities changed since the last call: current views, and ids that are gone. `now`: the time
   * longest waits are measured to (default: the injected clock).
   */
  drainChanges(now = this.#viewTime()): LiveChanges {
    const m = this.#m;
    const out: LiveChanges = {
      agents: [],
      queues: [],
      toasts: [],
      removed: { agents: [], queues: [], toasts: [] },
    };
    for (const id of m.dirty.agents) {
      const a = m.agents.get(id);
      // Never shown, a non-agent is never removed either: `isAgent` does not go back.
      if (a && this.#shows(a)) out.agents.push(agentView(m, a));
      else if (!a) out.removed.agents.push(id);
    }
    for (const id of m.dirty.queues) {
      const q = m.queues.get(id);
      if (q) out.queues.push(queueView(m, q, now));
      else out.removed.queues.push(id);
    }
    for (const id of m.dirty.toasts) {
      const t = m.toasts.get(id);
      if (t) out.toasts.push(t);
      else out.removed.toasts.push(id);
    }
    m.dirty.agents.clear();
    m.dirty.queues.clear();
    m.dirty.toasts.clear();
    return out;
  }

  /** Applies one event; its changes accumulate until `drainChanges()`. */
  apply(event: StoredEvent): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(
        Buffer.from(event.body.buffer, event.body.byteOffset, event.body.byteLength).toString(
          'utf8',
        ),
      );
    } catch {
      return;
    }
    if (!isPlainObject(parsed)) return;
    const m = this.#m;
    const body = envelopeBody(parsed);
    const at = timeOf(event.occurredAt) ?? timeOf(event.receivedAt) ?? 0;
    if (at > m.clock) m.clock = at;
    if (++this.#applied % 5000 === 0) sweepConversations(m);
    const userId = boundedId(event.subject.userId);
    const queueId = boundedId(event.subject.queueId);
    const offset = event.offset;
    switch (event.kind) {
      case 'user.presence':
        if (userId === undefined) return;
        return presenceOf(m, userId, body, at, offset);
      case 'user.routing':
        if (userId === undefined) return;
        return routingOf(m, userId, body, at, offset);
      case 'user.activity':
        // One body with both: the presence under `presence`, the routing status as usual.
        if (userId === undefined) return;
        presenceOf(m, userId, getPath(body, 'presence'), at, offset);
        routingOf(m, userId, body, at, offset);
        return applyActiveQueues(
          m,
          userId,
          body.activeQueueIds,
          timeOf(body.dateActiveQueuesChanged) ?? at,
          offset,
        );
      case 'agent.state':
        if (userId === undefined) return;
        return applyGuideState(m, userId, parsed, at, offset);
      case 'routing.conversation':
        // The guides' pushed routing event (SEED-FORMATS §D): the whole body, no envelope.
        return applyGuideConversation(m, parsed, at, offset);
      case 'queue.conversation':
      case 'user.conversation': {
        // The topic names the media of the media-specific family (`…conversations.calls`).
        const conv = parseConversation(body, event.topic);
        if (conv) applyConversationBody(m, conv, at, offset);
        return;
      }
      case 'conversation.detail': {
        const conversationId = boundedId(event.subject.conversationId);
        const milestone = detailMilestone(event.topic);
        if (conversationId === undefined || milestone === undefined) return;
        return applyDetail(m, conversationId, milestone, body, at, offset);
      }
      case 'queue.member': {
        const member = boundedId(getPath(body, 'user.id') ?? body.id);
        if (queueId !== undefined && member !== undefined) {
          const joined = typeof body.joined === 'boolean' ? body.joined : undefined;
          applyQueueMember(m, queueId, member, joined, at, offset);
        }
        return;
      }
      case 'queue.observation':
        if (queueId === undefined) return;
        return applyQueueObservation(m, queueId, body, at, offset);
      case 'reconcile.presence-definitions':
        return reconcileDefinitions(m, body, offset);
      case 'reconcile.wrapup-codes':
        return reconcileWrapupCodes(m, body, offset);
      case 'reconcile.queue':
        return reconcileQueue(m, body, at, offset);
      case 'reconcile.user':
        return reconcileUser(m, body, at, offset);
      case 'reconcile.queue-conversations':
        return reconcileQueueConversations(m, body, at, offset);
      case 'reconcile.gap-conversations':
        return reconcileGapConversations(m, body, at, offset);
      case 'reconcile.complete':
        return reconcileComplete(m, body, offset);
      case 'reconcile.sweep':
        return applySweep(m, body, at, offset);
      default:
        return;
    }
  }

  #shows(a: AgentRecord): boolean {
    return this.#showNonAgents || isAgent(a);
  }

  /** View time: the injected clock, never behind the events already folded. */
  #viewTime(): number {
    return this.#now === undefined ? this.#m.clock : Math.max(this.#now(), this.#m.clock);
  }
}

/** The topic body, whether the event came as a Notification envelope or inside EventBridge. */
function envelopeBody(parsed: Record<string, unknown>): Record<string, unknown> {
  const inner = isPlainObject(parsed.detail) ? parsed.detail : parsed;
  return isPlainObject(inner.eventBody) ? inner.eventBody : inner;
}

/** Applies a presence node (`presenceDefinition`, `modifiedDate`); its time defaults to `at`. */
function presenceOf(m: StateModel, userId: string, node: unknown, at: number, offset: number) {
  applyPresence(
    m,
    userId,
    getPath(node, 'presenceDefinition'),
    timeOf(getPath(node, 'modifiedDate')) ?? at,
    offset,
  );
}

/** Applies a body's `routingStatus` (`status`, `startTime`); its time defaults to `at`. */
function routingOf(m: StateModel, userId: string, body: unknown, at: number, offset: number) {
  applyRouting(
    m,
    userId,
    getPath(body, 'routingStatus.status'),
    timeOf(getPath(body, 'routingStatus.startTime')) ?? at,
    offset,
  );
}
