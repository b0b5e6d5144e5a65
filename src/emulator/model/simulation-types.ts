/**
 * The shapes the contact-center model holds and reports: agent and conversation state, the domain
 * events the emulator renders as Genesys topics, and the simulation's options. They live apart
 * from the `Simulation` class so its collaborators (arrivals, consults, outbound calls) and the
 * readers of its state (truth, renderers, HTTP routes) share them without importing the engine;
 * `simulation.ts` re-exports them, so importers keep one path.
 */
import type { Agent, MediaType, Org, PresenceDefinition, Queue } from './org.js';

export type RoutingStatus =
  'OFF_QUEUE' | 'IDLE' | 'INTERACTING' | 'NOT_RESPONDING' | 'COMMUNICATING';
export type ConversationState =
  'waiting' | 'alerting' | 'connected' | 'held' | 'acw' | 'ended' | 'abandoned';
export type BreakKind = 'break' | 'meal' | 'training' | 'meeting';

export interface AgentState {
  readonly agent: Agent;
  loggedIn: boolean;
  onQueue: boolean;
  presence: PresenceDefinition;
  presenceSince: number;
  routing: RoutingStatus;
  routingSince: number;
  /** Conversations alerting, connected, held or in after-call work for this agent. */
  conversations: Set<Conversation>;
  /** When the agent last became free (longest-idle routing). */
  idleSince: number;
  notRespondingUntil: number;
  pendingBreak: BreakKind | undefined;
  pendingLogout: boolean;
  /** Removed from the org (the delete-user fault): logged out for good. */
  removed: boolean;
  /**
   * Member queues the agent is not joined to: still a member, but offered nothing from them.
   * Joining is apart from going on queue (Genesys: PATCH …/members joins or unjoins).
   */
  unjoined: Set<string>;
  /** When the set of joined queues last changed (`dateActiveQueuesChanged`). */
  joinedSince: number;
  epoch: number;
  /** Milliseconds spent per system presence, per presence definition and per routing status. */
  totals: {
    presence: Map<string, number>;
    definition: Map<string, number>;
    routing: Map<string, number>;
  };
}

export interface Conversation {
  readonly id: string;
  readonly media: MediaType;
  /** `outbound`: an agent-initiated call, placed without any queue (never waits or rings). */
  readonly direction: 'inbound' | 'outbound';
  readonly customerName: string;
  readonly ani: string;
  readonly arrivedAt: number;
  queue: Queue;
  queuedAt: number;
  state: ConversationState;
  agentId: string | undefined;
  alertingSince: number | undefined;
  answeredAt: number | undefined;
  acwSince: number | undefined;
  endedAt: number | undefined;
  held: boolean;
  /** Agents that let it ring out, so it is offered to someone else next. */
  missedBy: Set<string>;
  transfers: number;
  /**
   * A consult: the agent on the call (`from`) holds the customer and rings another agent (`to`);
   * it ends with `to` leaving, or with `from` leaving the call to `to` (a consult transfer).
   */
  consult: Consult | undefined;
  epoch: number;
  /** Every change, in order (analytics conversation details are built from it). */
  history: {
    change: ConversationChange;
    at: number;
    agentId: string | undefined;
    queueId: string;
    /** For the consult changes: the consulted agent (`agentId` is the one who consulted). */
    consultee?: string;
  }[];
}

/** What the model reports; the emulator renders these as Genesys topics and webhook payloads. */
export type DomainEvent =
  | { type: 'presence'; at: number; agent: AgentState }
  | { type: 'routing'; at: number; agent: AgentState }
  | {
      type: 'conversation';
      at: number;
      conversation: Conversation;
      agentId: string | undefined;
      change: ConversationChange;
    }
  | { type: 'queue'; at: number; queue: Queue }
  | { type: 'membership'; at: number; agent: AgentState; queue: Queue; joined: boolean };

export type ConversationChange =
  | 'queued'
  | 'alerting'
  | 'missed'
  | 'connected'
  | 'held'
  | 'resumed'
  | 'acw'
  | 'transferred'
  | 'consult'
  | 'consultConnected'
  | 'consultEnded'
  | 'consultTransferred'
  | 'ended'
  | 'abandoned';

export interface Consult {
  from: string;
  to: string;
  state: 'alerting' | 'connected' | 'ended' | 'transferred';
  /** When the leaver's leg ended (its participant keeps that end time). */
  endedAt?: number;
}

export interface SimulationOptions {
  org: Org;
  seed: number;
  /** Epoch ms of the simulation's start (virtual time starts here). */
  startMs: number;
  /**
   * Agents consult colleagues on some answered calls. Off in the emulator's floor for now: the
   * gateway can keep a consulted colleague's ended leg where the truth has none (see the open
   * issue), which a replay compared against the truth would report.
   */
  consults?: boolean;
}
