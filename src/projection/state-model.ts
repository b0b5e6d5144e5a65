import type { ToastView } from '../protocol/live-messages.js';
import type { LegState } from './conversation-parse.js';
import type { DetailView } from './detail-events.js';
import { QueueWindow, ZoneDays, type WindowSpec } from './queue-window.js';

export interface AgentRecord {
  id: string;
  name: string | undefined;
  teamId: string | undefined;
  teamName: string | undefined;
  /** The user's division (REST `User.division.id`): division-scoped tokens see by it. */
  divisionId: string | undefined;
  queueIds: Set<string>;
  loggedIn: boolean;
  presence: string | undefined;
  presenceDefinitionId: string | undefined;
  routingStatus: string | undefined;
  label: string;
  since: number | undefined;
  presenceAt: number;
  routingAt: number;
  /**
   * How far along its instant the state at `presenceAt` / `routingAt` is, for events that share
   * that instant (agent-state.ts `snapshotRank`): a topic event is final (3); a guide
   * agentStateChange snapshot may be one taken halfway through a change.
   */
  presenceRank: number;
  routingRank: number;
  /** Conversation legs by conversation id, with when the leg reached its state. */
  legs: Map<
    string,
    {
      media: string;
      state: LegState;
      queueId: string | undefined;
      at: number;
      /** The wrap-up code's id, once the agent picked one. */
      wrapupCode?: string | undefined;
    }
  >;
  offset: number;
  /** What this agent counts as in the tallies of its queues. */
  standing: Standing;
  /**
   * Joined or not, per member queue, with the event time that said so; a queue without an entry
   * is joined. Only joined queues count the agent in their tallies.
   */
  joins: Map<string, { joined: boolean; at: number }>;
  /**
   * Has been a member of a queue or held a conversation leg as `purpose: agent`: an agent, even
   * while in no queue (see `isAgent`).
   */
  routed: boolean;
}

/** An agent as its queues count it: off queue, or on queue and idle / interacting / … */
export type Standing = 'off' | 'idle' | 'interacting' | 'notResponding' | 'onQueue';

/**
 * Members of a queue by standing, kept as agents change and join or leave, so a queue's view
 * costs the same with 20 members or 2,000 (queue views are rebuilt for every batch that
 * touches one of their members).
 */
export interface Tally {
  /** Members joined to the queue, whatever their standing. */
  joined: number;
  onQueue: number;
  idle: number;
  interacting: number;
  notResponding: number;
}

/** `flow`: still going but in no queue and with no agent (an IVR, a flow, voicemail). */
export type Bucket = 'flow' | 'waiting' | 'alerting' | 'interacting' | 'ended';
export const BUCKET_RANK: Record<Bucket, number> = {
  flow: 0,
  waiting: 0,
  alerting: 1,
  interacting: 2,
  ended: 3,
};

export interface ConversationRecord {
  id: string;
  at: number;
  bucket: Bucket;
  queueId: string | undefined;
  queueName: string | undefined;
  media: string;
  caller: string | undefined;
  address: string | undefined;
  queuedAt: number | undefined;
  userIds: Set<string>;
  /** The conversation's divisions, once a body named them (division-scoped tokens see by them). */
  divisionIds?: string[];
  /** Queues where this conversation's answer or abandon was already counted. */
  counted: Set<string>;
  /**
   * Queues where an agent handled this conversation (only queues in `counted`, so as bounded):
   * since the first agent connect there while the handling goes on; null once it ended (counted
   * in `handled`) or the conversation was dropped (uncounted), so it is never counted again.
   */
  handling: Map<string, number | null>;
}

/** A conversation live state has not seen before: nothing known of it but what is given. */
export function newConversation(
  id: string,
  at: number,
  bucket: Bucket,
  media: string,
): ConversationRecord {
  return {
    id,
    at,
    bucket,
    queueId: undefined,
    queueName: undefined,
    media,
    caller: undefined,
    address: undefined,
    queuedAt: undefined,
    userIds: new Set(),
    counted: new Set(),
    handling: new Map(),
  };
}

export interface QueueRecord {
  id: string;
  name: string | undefined;
  /** The queue's division (REST `Queue.division.id`): division-scoped tokens see by it. */
  divisionId: string | undefined;
  mediaType: string | undefined;
  members: Set<string>;
  thresholdSec: number | undefined;
  /** The queue's media (from its mediaSettings) with each one's service-level target. */
  mediaSettings: Map<string, MediaServiceLevel>;
  /** Answers and abandons per media (the `window` counts them all). */
  mediaWindows: Map<string, QueueWindow>;
  /** The org's own figures from observation topics, by media group, metric and qualifier. */
  observations: Map<string, ObservedRow>;
  waiting: Map<string, number>;
  alerting: Set<string>;
  interacting: Set<string>;
  window: QueueWindow;
  offset: number;
  tally: Tally;
}

export interface MediaServiceLevel {
  thresholdSec: number | undefined;
  /** Target share answered within the threshold (0..1). */
  target: number | undefined;
}

/** One observed metric of a queue (see queue-observations.ts). */
export interface ObservedRow {
  media: string | undefined;
  metric: string;
  qualifier: string | undefined;
  stats: Record<string, number>;
  at: number;
}

export const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Everything the fold keeps, shared by the modules that fold one concern each (agents, queues,
 * conversations, reconciliation). It holds no clock but event time: the projection is a pure
 * function of the log.
 */
export class StateModel {
  readonly agents = new Map<string, AgentRecord>();
  readonly queues = new Map<string, QueueRecord>();
  readonly conversations = new Map<string, ConversationRecord>();
  /**
   * Milestones of conversations known from detail events, forgotten with the conversation;
   * `null` once a conversation topic body named it: its full snapshots outrank the deltas.
   */
  readonly details = new Map<string, DetailView | null>();
  /**
   * Conversations a reconcile run's queue snapshot no longer lists, by id, with the run's start:
   * dropped at the run's `reconcile.complete` unless another queue's snapshot of the run (a
   * transfer in the gap) or a newer event has them by then.
   */
  readonly pendingDrops = new Map<string, number>();
  readonly toasts = new Map<string, ToastView>();
  /** Labels of presence definitions (the org's secondary presences), by definition id. */
  readonly definitions = new Map<string, string>();
  /** Names of the org's wrap-up codes, by id (`reconcile.wrapup-codes`). */
  readonly wrapupCodes = new Map<string, string>();
  /** Entities changed since the last `drainChanges()`. */
  readonly dirty = {
    agents: new Set<string>(),
    queues: new Set<string>(),
    toasts: new Set<string>(),
  };
  /** Latest event time seen: the clock windows are measured on (replay gives the same figures). */
  clock = 0;
  /** The zone's days, for a `today` window. */
  readonly #days: ZoneDays | undefined;

  constructor(
    /** Default service-level threshold when a queue's own is not known (seconds). */
    readonly thresholdSec: number,
    /**
     * The window of answered / abandoned / handled / service level, on event time: the last
     * minutes, or since midnight in a time zone (a RangeError when Intl does not know the zone).
     */
    readonly window: WindowSpec,
  ) {
    this.#days = window.kind === 'today' ? new ZoneDays(window.timeZone) : undefined;
    // The zone as Intl names it (`america/new_york` → `America/New_York`).
    if (this.#days) this.window = { kind: 'today', timeZone: this.#days.timeZone };
  }

  /**
   * Where the windows start as of the event clock: `clock` less the window's minutes, or the
   * start of the clock's day in the zone. It never goes back, as the clock does not.
   */
  windowStart(): number {
    return this.#days
      ? this.#days.startOf(this.clock)
      : this.clock - (this.window.kind === 'rolling' ? this.window.minutes * 60_000 : 0);
  }

  /** The agent's record, made (offline, in no queue) the first time it is named. */
  agent(id: string): AgentRecord {
    let a = this.agents.get(id);
    if (!a) {
      a = {
        id,
        name: undefined,
        teamId: undefined,
        teamName: undefined,
        divisionId: undefined,
        queueIds: new Set(),
        loggedIn: false,
        presence: undefined,
        presenceDefinitionId: undefined,
        routingStatus: undefined,
        label: 'Offline',
        since: undefined,
        presenceAt: -Infinity,
        routingAt: -Infinity,
        presenceRank: 0,
        routingRank: 0,
        legs: new Map(),
        offset: 0,
        standing: 'off',
        joins: new Map(),
        routed: false,
      };
      this.agents.set(id, a);
    }
    return a;
  }

  /** The queue's record, made (and marked changed) the first time it is named. */
  queue(id: string, offset: number): QueueRecord {
    let q = this.queues.get(id);
    if (!q) {
      q = {
        id,
        name: undefined,
        divisionId: undefined,
        mediaType: undefined,
        members: new Set(),
        thresholdSec: undefined,
        mediaSettings: new Map(),
        mediaWindows: new Map(),
        observations: new Map(),
        waiting: new Map(),
        alerting: new Set(),
        interacting: new Set(),
        window: new QueueWindow(),
        offset,
        tally: { joined: 0, onQueue: 0, idle: 0, interacting: 0, notResponding: 0 },
      };
      this.queues.set(id, q);
      this.dirty.queues.add(id);
    }
    return q;
  }

  markQueue(id: string, offset: number): void {
    const q = this.queues.get(id);
    if (!q) return;
    q.offset = offset;
    this.dirty.queues.add(id);
  }
}
