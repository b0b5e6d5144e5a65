/**
 * The seam between the `Simulation` and the collaborators it hands whole concerns to (arrivals,
 * consults, outbound calls). The simulation owns the state, the agenda and the listeners; a
 * collaborator gets only this view of them, and each one names the part it uses with `Pick`, so
 * what a concern can touch is plain from its constructor. Everything here runs synchronously in
 * agenda order: a collaborator draws from the streams it is given at the very points the
 * simulation itself used to, which is what keeps a seed's event sequence unchanged.
 */
import type { Org, Queue } from './org.js';
import type {
  AgentState,
  Conversation,
  ConversationChange,
  DomainEvent,
} from './simulation-types.js';

export interface Floor {
  readonly org: Org;
  readonly agents: ReadonlyMap<string, AgentState>;
  readonly queues: ReadonlyMap<string, Queue>;
  /** Live conversations, by id (a new one is added here before its first event). */
  readonly conversations: Map<string, Conversation>;
  /** Epoch ms the simulation started at (time before it counts in no total). */
  readonly startMs: number;
  /** Virtual now. */
  now(): number;
  /** Schedules an action on the agenda (never before now). */
  at(at: number, run: () => void): void;
  /** Reports an event to the listeners. */
  emit(event: DomainEvent): void;
  /** Records a change in the conversation's history and reports it. */
  emitConversation(
    conv: Conversation,
    agentId: string | undefined,
    change: ConversationChange,
  ): void;
  /** Recomputes the agent's routing status, reporting it if it changed. */
  updateRouting(a: AgentState): void;
  /** The agent finished something: a pending break or logout starts, else more work. */
  afterFree(a: AgentState): void;
  /** The talk of a call ends: a blind transfer, or after-call work. */
  endTalk(conv: Conversation, a: AgentState): void;
  /** The agent just became free: offer it the longest-waiting conversation it can take. */
  offerWork(a: AgentState): void;
  /** Puts the conversation at the back of a queue and routes it. */
  enqueue(conv: Conversation, q: Queue, change: ConversationChange): void;
}
