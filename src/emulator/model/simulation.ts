/**
 * The contact-center engine: the `Simulation` class owns the floor's state, the agenda, the
 * random streams and the listeners, and runs what routing decides (waiting lists, offers, misses,
 * talk, holds, transfers, after-call work, routing status). Concerns that need only a narrow view
 * of that state live in their own modules and get a `Floor` (see floor.ts): agents' shifts and
 * breaks, arrivals, consults and outbound calls. The model's types are in simulation-types.ts;
 * this module re-exports them and `liveConsult`, so every importer keeps the path it had.
 */
import { AgentShifts } from './agent-shifts.js';
import { Arrivals } from './arrivals.js';
import { Consults } from './consults.js';
import { addMs, canTake, liveConsult, serves, ALERT_TIMEOUT_MS } from './floor-rules.js';
import type { Floor } from './floor.js';
import type { Org, Queue } from './org.js';
import { OutboundCalls } from './outbound-calls.js';
import { Rng } from './rng.js';
import type {
  AgentState,
  Conversation,
  ConversationChange,
  DomainEvent,
  RoutingStatus,
  SimulationOptions,
} from './simulation-types.js';
import { TimerQueue } from './timer-queue.js';

export type {
  AgentState,
  Consult,
  Conversation,
  ConversationChange,
  ConversationState,
  DomainEvent,
  RoutingStatus,
  SimulationOptions,
} from './simulation-types.js';
export { liveConsult };

const NOT_RESPONDING_MS = 30_000;
const MISS_PROBABILITY = 0.03;

/**
 * The contact-center model: a discrete-event simulation over virtual time. Everything random
 * comes from seeded streams consumed in agenda order (the floor's own, and separate ones for
 * queue joins and consults, so turning those on does not reshuffle the rest), so a seed fixes
 * the event sequence.
 * `advanceTo` runs the agenda up to a virtual instant and reports each change to listeners.
 */
export class Simulation {
  readonly org: Org;
  readonly agents = new Map<string, AgentState>();
  readonly queues = new Map<string, Queue>();
  /** Live conversations (waiting … acw), by id. */
  readonly conversations = new Map<string, Conversation>();
  readonly #waiting = new Map<string, Conversation[]>();
  /** The floor's main stream. */
  readonly #rng: Rng;
  readonly #agenda = new TimerQueue();
  readonly #listeners: ((event: DomainEvent) => void)[] = [];
  readonly #shifts: AgentShifts;
  readonly #arrivals: Arrivals;
  readonly #consultDesk: Consults;
  #now: number;
  readonly #startMs: number;
  #eventCount = 0;

  constructor(options: SimulationOptions) {
    this.org = options.org;
    this.#rng = new Rng(options.seed);
    // Joining and unjoining draw from their own stream, apart from the floor's.
    const joinRng = new Rng(options.seed ^ 0x701ed);
    // Consults and callbacks draw from their own stream, so adding them left the floor's
    // sequence as it was.
    const consultRng = new Rng(options.seed ^ 0xc0501);
    this.#now = options.startMs;
    this.#startMs = options.startMs;
    const floor: Floor = {
      org: this.org,
      agents: this.agents,
      queues: this.queues,
      conversations: this.conversations,
      startMs: this.#startMs,
      now: () => this.#now,
      at: (at, run) => this.#at(at, run),
      emit: (event) => this.#emit(event),
      emitConversation: (conv, agentId, change) => this.#emitConversation(conv, agentId, change),
      updateRouting: (a) => this.#updateRouting(a),
      afterFree: (a) => this.#afterFree(a),
      endTalk: (conv, a) => this.#endTalk(conv, a),
      enqueue: (conv, q, change) => this.#enqueue(conv, q, change),
      offerWork: (a) => this.#offerWork(a),
    };
    const outbound = new OutboundCalls(floor, this.#rng);
    this.#shifts = new AgentShifts(
      floor,
      this.agents,
      { floor: this.#rng, join: joinRng },
      outbound,
    );
    this.#arrivals = new Arrivals(floor, { floor: this.#rng, join: joinRng, consult: consultRng });
    this.#consultDesk = new Consults(floor, consultRng, options.consults ?? false);
    for (const q of this.org.queues) {
      this.queues.set(q.id, q);
      this.#waiting.set(q.id, []);
    }
    for (const agent of this.org.agents) this.#shifts.init(agent);
    for (const q of this.org.queues) this.#arrivals.schedule(q);
  }

  get now(): number {
    return this.#now;
  }

  get startMs(): number {
    return this.#startMs;
  }

  /** Domain events emitted so far. */
  get eventCount(): number {
    return this.#eventCount;
  }

  onEvent(listener: (event: DomainEvent) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  /** Runs every scheduled action up to `ms` (virtual), in order. */
  advanceTo(ms: number): void {
    while (this.#agenda.peekTime() <= ms) {
      const entry = this.#agenda.pop()!;
      this.#now = entry.at;
      entry.run();
    }
    if (ms > this.#now) this.#now = ms;
  }

  /** Multiplies every queue's arrival rate for a while ("campaign launch"). */
  burst(factor: number, seconds: number): void {
    this.#arrivals.burst(factor, seconds);
  }

  /** Conversations waiting in a queue, in routing order (oldest first). */
  waiting(queueId: string): readonly Conversation[] {
    return this.#waiting.get(queueId) ?? [];
  }

  // ── agents ────────────────────────────────────────────────────────────────────────────

  /**
   * The user is deleted from the org: logged out at once (an open conversation goes back to its
   * queue) and never back.
   */
  /**
   * Adds a user to a queue as a joined member (RoutingApi `postRoutingQueueMembers`): the queue's
   * users topic says so, and the agent takes the queue's work from now. False when either is
   * unknown or the user is a member already.
   */
  addMember(queueId: string, userId: string): boolean {
    const q = this.queues.get(queueId);
    const a = this.agents.get(userId);
    if (!q || !a || a.removed || q.memberIds.includes(userId)) return false;
    q.memberIds.push(userId);
    a.agent.queueIds.push(queueId);
    this.#emit({ type: 'membership', at: this.#now, agent: a, queue: q, joined: true });
    if (a.conversations.size === 0) this.#offerWork(a);
    return true;
  }

  /**
   * Removes a user from a queue's members (RoutingApi `deleteRoutingQueueMember`): the queue's
   * member listing and the user's queues no longer have it, and it takes no more of the queue's
   * work (what it is handling stays with it). No topic message is sent: the SDK documents none
   * for a removal, so a follower learns it from the directory. False when either is unknown or
   * the user is not a member.
   */
  removeMember(queueId: string, userId: string): boolean {
    const q = this.queues.get(queueId);
    const a = this.agents.get(userId);
    if (!q || !a || !q.memberIds.includes(userId)) return false;
    q.memberIds.splice(q.memberIds.indexOf(userId), 1);
    const i = a.agent.queueIds.indexOf(queueId);
    if (i >= 0) a.agent.queueIds.splice(i, 1);
    a.unjoined.delete(queueId);
    return true;
  }

  removeAgent(id: string): void {
    const a = this.agents.get(id);
    if (!a || a.removed) return;
    a.removed = true;
    for (const conv of [...a.conversations]) {
      const consult = liveConsult(conv);
      if (consult?.to === id) {
        this.#consultDesk.close(conv, consult, false);
        continue;
      }
      if (consult?.from === id) {
        this.#consultDesk.close(conv, consult, true);
        continue;
      }
      a.conversations.delete(conv);
      if (conv.state === 'acw' || conv.direction === 'outbound') {
        conv.state = 'ended';
        conv.endedAt = this.#now;
        this.conversations.delete(conv.id);
        this.#emitConversation(conv, id, 'ended');
      } else {
        conv.epoch++;
        conv.missedBy.add(id);
        this.#enqueue(conv, conv.queue, 'queued');
      }
    }
    this.#shifts.logout(a);
  }

  #updateRouting(a: AgentState): void {
    let status: RoutingStatus;
    const acd = [...a.conversations].some((c) => c.direction === 'inbound');
    if (!a.loggedIn || !a.onQueue) status = a.conversations.size > 0 ? 'INTERACTING' : 'OFF_QUEUE';
    else if (this.#now < a.notRespondingUntil) status = 'NOT_RESPONDING';
    // On a call of their own (no ACD work): Genesys's COMMUNICATING.
    else if (a.conversations.size > 0) status = acd ? 'INTERACTING' : 'COMMUNICATING';
    else status = 'IDLE';
    if (status === a.routing) return;
    addMs(a.totals.routing, a.routing, this.#now - Math.max(a.routingSince, this.#startMs));
    a.routing = status;
    a.routingSince = this.#now;
    if (status === 'IDLE') a.idleSince = this.#now;
    this.#emit({ type: 'routing', at: this.#now, agent: a });
  }

  /** An agent just became free: give it the longest-waiting conversation it can take. */
  #offerWork(a: AgentState): void {
    for (;;) {
      let best: Conversation | undefined;
      for (const qid of a.agent.queueIds) {
        if (a.unjoined.has(qid)) continue;
        for (const c of this.#waiting.get(qid) ?? []) {
          if (c.missedBy.has(a.agent.id)) continue;
          if (!canTake(a, c.media)) break;
          if (!best || c.queuedAt < best.queuedAt) best = c;
          break;
        }
      }
      if (!best) return;
      this.#alert(best, a);
    }
  }

  // ── conversations ─────────────────────────────────────────────────────────────────────

  #enqueue(conv: Conversation, q: Queue, change: ConversationChange): void {
    conv.queue = q;
    conv.queuedAt = this.#now;
    conv.state = 'waiting';
    conv.agentId = undefined;
    conv.epoch++;
    this.#waiting.get(q.id)!.push(conv);
    this.#emitConversation(conv, undefined, change);
    this.#queueChanged(q);
    this.#startPatience(conv);
    this.#route(q);
  }

  /** The customer's patience runs from each time they (re)join a queue. */
  #startPatience(conv: Conversation): void {
    const epoch = conv.epoch;
    this.#at(this.#now + this.#rng.exponential(conv.queue.patienceMeanSec * 1000), () => {
      if (conv.state === 'waiting' && conv.epoch === epoch) this.#abandon(conv);
    });
  }

  /** Offers waiting conversations to the longest-idle members who can take them. */
  #route(q: Queue): void {
    const list = this.#waiting.get(q.id)!;
    for (const conv of [...list]) {
      let best: AgentState | undefined;
      let anyFree = false;
      for (const id of q.memberIds) {
        const a = this.agents.get(id)!;
        if (a.unjoined.has(q.id)) continue;
        if (!canTake(a, conv.media)) continue;
        anyFree = true;
        if (conv.missedBy.has(id)) continue;
        if (!best || a.idleSince < best.idleSince) best = a;
      }
      // Nobody free at all: nobody for the rest of the queue either. Free agents who all let
      // this one ring out may still take the conversations behind it.
      if (!anyFree) return;
      if (best) this.#alert(conv, best);
    }
  }

  #alert(conv: Conversation, a: AgentState): void {
    this.#unqueue(conv);
    conv.state = 'alerting';
    conv.agentId = a.agent.id;
    conv.alertingSince = this.#now;
    conv.epoch++;
    a.conversations.add(conv);
    this.#updateRouting(a);
    this.#emitConversation(conv, a.agent.id, 'alerting');
    this.#queueChanged(conv.queue);
    const epoch = conv.epoch;
    if (this.#rng.chance(MISS_PROBABILITY)) {
      this.#at(this.#now + ALERT_TIMEOUT_MS, () => {
        if (conv.epoch === epoch) this.#missed(conv, a);
      });
    } else {
      const ring = Math.min(
        ALERT_TIMEOUT_MS - 500,
        this.#rng.logNormal(conv.media === 'voice' ? 3000 : 6000, 0.5),
      );
      this.#at(this.#now + ring, () => {
        if (conv.epoch === epoch) this.#connect(conv, a);
      });
    }
  }

  #missed(conv: Conversation, a: AgentState): void {
    a.conversations.delete(conv);
    a.notRespondingUntil = this.#now + NOT_RESPONDING_MS;
    this.#updateRouting(a);
    conv.missedBy.add(a.agent.id);
    conv.epoch++;
    // Back to the head of its queue, as Genesys does with a conversation nobody answered; the
    // event shows the agent's leg disconnected.
    conv.state = 'waiting';
    conv.agentId = undefined;
    conv.alertingSince = undefined;
    this.#emitConversation(conv, a.agent.id, 'missed');
    this.#waiting.get(conv.queue.id)!.unshift(conv);
    this.#startPatience(conv);
    this.#queueChanged(conv.queue);
    const epoch = a.epoch;
    this.#at(a.notRespondingUntil, () => {
      if (a.epoch !== epoch) return;
      this.#updateRouting(a);
      this.#afterFree(a);
    });
    this.#route(conv.queue);
  }

  #connect(conv: Conversation, a: AgentState): void {
    conv.state = 'connected';
    conv.answeredAt ??= this.#now;
    conv.epoch++;
    this.#emitConversation(conv, a.agent.id, 'connected');
    this.#queueChanged(conv.queue);
    const q = conv.queue;
    const talk = this.#rng.logNormal(q.talkMedianSec * 1000, 0.6);
    const epoch = conv.epoch;
    // A call with a consult planned gets no hold of its own (the consult holds the customer).
    if (!this.#consultDesk.plan(conv, a, talk) && conv.media === 'voice' && this.#rng.chance(0.2)) {
      const holdAt = this.#now + talk * (0.2 + 0.5 * this.#rng.next());
      const holdFor = this.#rng.logNormal(30_000, 0.5);
      this.#at(holdAt, () => {
        if (conv.epoch !== epoch) return;
        conv.held = true;
        conv.state = 'held';
        this.#emitConversation(conv, a.agent.id, 'held');
        this.#at(this.#now + holdFor, () => {
          if (conv.epoch !== epoch) return;
          conv.held = false;
          conv.state = 'connected';
          this.#emitConversation(conv, a.agent.id, 'resumed');
        });
      });
    }
    this.#at(this.#now + talk, () => {
      if (conv.epoch !== epoch) return;
      this.#endTalk(conv, a);
    });
  }

  #endTalk(conv: Conversation, a: AgentState): void {
    conv.held = false;
    conv.epoch++;
    const sameMedia = this.org.queues.filter((q) => serves(q, conv.media) && q !== conv.queue);
    if (
      conv.direction === 'inbound' &&
      conv.transfers < 2 &&
      sameMedia.length > 0 &&
      this.#rng.chance(0.04)
    ) {
      // Blind transfer: the agent leaves at once and the customer waits in another queue.
      conv.transfers++;
      a.conversations.delete(conv);
      conv.state = 'waiting';
      this.#emitConversation(conv, a.agent.id, 'transferred');
      // Not back to the agent who just transferred it.
      conv.missedBy.clear();
      conv.missedBy.add(a.agent.id);
      this.#enqueue(conv, this.#rng.pick(sameMedia), 'queued');
      this.#updateRouting(a);
      this.#afterFree(a);
      return;
    }
    conv.state = 'acw';
    conv.acwSince = this.#now;
    this.#emitConversation(conv, a.agent.id, 'acw');
    const epoch = conv.epoch;
    this.#at(this.#now + this.#rng.logNormal(conv.queue.acwMedianSec * 1000, 0.5), () => {
      if (conv.epoch !== epoch) return;
      a.conversations.delete(conv);
      conv.state = 'ended';
      conv.endedAt = this.#now;
      this.conversations.delete(conv.id);
      this.#emitConversation(conv, a.agent.id, 'ended');
      this.#queueChanged(conv.queue);
      this.#updateRouting(a);
      this.#afterFree(a);
    });
  }

  /** The agent finished something: start a pending break or logout, else take more work. */
  #afterFree(a: AgentState): void {
    if (a.conversations.size > 0) {
      if (!a.pendingBreak && !a.pendingLogout) this.#offerWork(a);
      return;
    }
    if (a.pendingLogout) return this.#shifts.logout(a);
    if (a.pendingBreak) return this.#shifts.startBreak(a, a.pendingBreak);
    this.#offerWork(a);
  }

  #abandon(conv: Conversation): void {
    this.#unqueue(conv);
    conv.state = 'abandoned';
    conv.endedAt = this.#now;
    conv.epoch++;
    this.conversations.delete(conv.id);
    this.#emitConversation(conv, undefined, 'abandoned');
    this.#queueChanged(conv.queue);
  }

  // ── plumbing ──────────────────────────────────────────────────────────────────────────

  #unqueue(conv: Conversation): void {
    const list = this.#waiting.get(conv.queue.id)!;
    const i = list.indexOf(conv);
    if (i >= 0) list.splice(i, 1);
  }

  #queueChanged(q: Queue): void {
    this.#emit({ type: 'queue', at: this.#now, queue: q });
  }

  #emitConversation(
    conv: Conversation,
    agentId: string | undefined,
    change: ConversationChange,
  ): void {
    const consultee = change.startsWith('consult') ? conv.consult?.to : undefined;
    conv.history.push({
      change,
      at: this.#now,
      agentId,
      queueId: conv.queue.id,
      ...(consultee !== undefined ? { consultee } : {}),
    });
    this.#emit({ type: 'conversation', at: this.#now, conversation: conv, agentId, change });
  }

  #emit(event: DomainEvent): void {
    this.#eventCount++;
    for (const listener of this.#listeners) listener(event);
  }

  #at(at: number, run: () => void): void {
    this.#agenda.schedule(Math.max(at, this.#now), run);
  }
}
