import type { Agent, MediaType, Org, PresenceDefinition, Queue } from './org.js';
import { Rng } from './rng.js';
import { TimerQueue } from './timer-queue.js';

export type RoutingStatus =
  'OFF_QUEUE' | 'IDLE' | 'INTERACTING' | 'NOT_RESPONDING' | 'COMMUNICATING';
export type ConversationState =
  'waiting' | 'alerting' | 'connected' | 'held' | 'acw' | 'ended' | 'abandoned';
type BreakKind = 'break' | 'meal' | 'training' | 'meeting';

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

const ALERT_TIMEOUT_MS = 12_000;
const NOT_RESPONDING_MS = 30_000;
const MISS_PROBABILITY = 0.03;
const BREAK_EVERY_MIN = 110;
const JOIN_TOGGLE_EVERY_MIN = 120;
/** How often an idle on-queue agent places an outbound call of their own. */
const OUTBOUND_EVERY_MIN = 90;
/** Share of answered inbound calls on which the agent consults a colleague. */
const CONSULT_PROBABILITY = 0.05;
/** Share of consults that end with the call handed to the consulted agent. */
const CONSULT_TRANSFER_SHARE = 0.5;
/** Share of a callback-enabled voice queue's arrivals that ask to be called back instead. */
const CALLBACK_SHARE = 0.04;
const CAPACITY: Record<MediaType, number> = { voice: 1, callback: 1, message: 3, email: 2 };

/**
 * The contact-center model: a discrete-event simulation over virtual time. Everything random
 * comes from one seeded stream consumed in agenda order, so a seed fixes the event sequence.
 * `advanceTo` runs the agenda up to a virtual instant and reports each change to listeners.
 */
export class Simulation {
  readonly org: Org;
  readonly agents = new Map<string, AgentState>();
  readonly queues = new Map<string, Queue>();
  /** Live conversations (waiting … acw), by id. */
  readonly conversations = new Map<string, Conversation>();
  readonly #waiting = new Map<string, Conversation[]>();
  readonly #rng: Rng;
  /** Joining and unjoining draw from their own stream, apart from the floor's. */
  readonly #joinRng: Rng;
  /**
   * Consults and callbacks draw from their own stream, so adding them left the floor's
   * sequence as it was.
   */
  readonly #consultRng: Rng;
  readonly #consults: boolean;
  readonly #agenda = new TimerQueue();
  readonly #listeners: ((event: DomainEvent) => void)[] = [];
  readonly #arrivalEpoch = new Map<string, number>();
  #now: number;
  readonly #startMs: number;
  #burst = { factor: 1, until: 0 };
  #eventCount = 0;

  constructor(options: SimulationOptions) {
    this.org = options.org;
    this.#rng = new Rng(options.seed);
    this.#joinRng = new Rng(options.seed ^ 0x701ed);
    this.#consultRng = new Rng(options.seed ^ 0xc0501);
    this.#consults = options.consults ?? false;
    this.#now = options.startMs;
    this.#startMs = options.startMs;
    for (const q of this.org.queues) {
      this.queues.set(q.id, q);
      this.#waiting.set(q.id, []);
    }
    for (const agent of this.org.agents) this.#initAgent(agent);
    for (const q of this.org.queues) this.#scheduleArrival(q);
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
    this.#burst = { factor, until: this.#now + seconds * 1000 };
    for (const q of this.org.queues) this.#scheduleArrival(q);
  }

  /** Conversations waiting in a queue, in routing order (oldest first). */
  waiting(queueId: string): readonly Conversation[] {
    return this.#waiting.get(queueId) ?? [];
  }

  // ── agents ────────────────────────────────────────────────────────────────────────────

  #initAgent(agent: Agent): void {
    const offline = this.org.primaryPresence.OFFLINE;
    const state: AgentState = {
      agent,
      loggedIn: false,
      onQueue: false,
      presence: offline,
      presenceSince: this.#now - this.#rng.int(8 * 3600_000),
      routing: 'OFF_QUEUE',
      routingSince: this.#now - this.#rng.int(8 * 3600_000),
      conversations: new Set(),
      idleSince: this.#now,
      notRespondingUntil: 0,
      pendingBreak: undefined,
      pendingLogout: false,
      removed: false,
      unjoined: new Set(agent.unjoinedQueueIds),
      joinedSince: this.#now - 86_400_000,
      epoch: 0,
      totals: { presence: new Map(), definition: new Map(), routing: new Map() },
    };
    this.agents.set(agent.id, state);
    this.#scheduleJoinToggle(state);
    const startMs = this.#now + agent.shiftStartMin * 60_000;
    if (startMs <= this.#now) {
      // Already on shift at the start: the initial state, reported by REST, not as an event.
      const since = Math.max(startMs, this.#now - this.#rng.int(20 * 60_000));
      state.loggedIn = true;
      state.onQueue = true;
      state.presence = this.org.primaryPresence.ON_QUEUE;
      state.presenceSince = since;
      state.routing = 'IDLE';
      state.routingSince = since;
      state.idleSince = since;
      this.#at(startMs + agent.shiftLengthMin * 60_000, () => this.#shiftEnd(state));
      this.#scheduleBreak(state);
      this.#scheduleOutbound(state);
    } else {
      this.#at(startMs, () => this.#shiftStart(state));
    }
  }

  #shiftStart(a: AgentState): void {
    if (a.removed) return;
    a.loggedIn = true;
    a.pendingLogout = false;
    this.#setPresence(a, this.org.primaryPresence.AVAILABLE);
    const shiftEnd = this.#now + a.agent.shiftLengthMin * 60_000;
    this.#at(shiftEnd, () => this.#shiftEnd(a));
    // A minute or so to settle in before going on queue.
    this.#at(this.#now + 20_000 + this.#rng.int(70_000), () => {
      if (!a.loggedIn || a.pendingLogout) return;
      this.#goOnQueue(a);
    });
    this.#scheduleBreak(a);
    this.#scheduleOutbound(a);
  }

  #shiftEnd(a: AgentState): void {
    a.pendingLogout = true;
    if (a.conversations.size === 0) this.#logout(a);
  }

  /**
   * The user is deleted from the org: logged out at once (an open conversation goes back to its
   * queue) and never back.
   */
  removeAgent(id: string): void {
    const a = this.agents.get(id);
    if (!a || a.removed) return;
    a.removed = true;
    for (const conv of [...a.conversations]) {
      const consult = liveConsult(conv);
      if (consult?.to === id) {
        this.#closeConsult(conv, consult, false);
        continue;
      }
      if (consult?.from === id) {
        this.#closeConsult(conv, consult, true);
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
    this.#logout(a);
  }

  #logout(a: AgentState): void {
    a.pendingLogout = false;
    a.pendingBreak = undefined;
    a.loggedIn = false;
    a.onQueue = false;
    a.epoch++;
    this.#setPresence(a, this.org.primaryPresence.OFFLINE);
    this.#updateRouting(a);
    this.#at(this.#now + (24 * 60 - a.agent.shiftLengthMin) * 60_000, () => this.#shiftStart(a));
  }

  #goOnQueue(a: AgentState): void {
    // A break that came due while the agent was off queue starts now, instead of blocking work.
    if (a.pendingBreak && a.conversations.size === 0) return this.#startBreak(a, a.pendingBreak);
    a.onQueue = true;
    this.#setPresence(a, this.org.primaryPresence.ON_QUEUE);
    a.idleSince = this.#now;
    this.#updateRouting(a);
    this.#offerWork(a);
  }

  #scheduleBreak(a: AgentState): void {
    const epoch = a.epoch;
    this.#at(this.#now + this.#rng.exponential(BREAK_EVERY_MIN * 60_000), () => {
      if (!a.loggedIn || a.epoch !== epoch) return;
      const r = this.#rng.next();
      const kind: BreakKind =
        r < 0.6 ? 'break' : r < 0.8 ? 'meal' : r < 0.9 ? 'training' : 'meeting';
      if (a.conversations.size > 0 || !a.onQueue) a.pendingBreak = kind;
      else this.#startBreak(a, kind);
    });
  }

  #startBreak(a: AgentState, kind: BreakKind): void {
    a.pendingBreak = undefined;
    a.onQueue = false;
    const minutes = { break: 15, meal: 30, training: 45, meeting: 30 }[kind];
    this.#setPresence(a, this.#rng.pick(this.org.secondary[kind]));
    this.#updateRouting(a);
    const epoch = a.epoch;
    this.#at(this.#now + this.#rng.logNormal(minutes * 60_000, 0.25), () => {
      if (!a.loggedIn || a.epoch !== epoch) return;
      this.#goOnQueue(a);
      this.#scheduleBreak(a);
    });
  }

  #setPresence(a: AgentState, def: PresenceDefinition): void {
    if (a.presence === def) return;
    const spent = this.#now - Math.max(a.presenceSince, this.#startMs);
    add(a.totals.presence, a.presence.systemPresence, spent);
    add(a.totals.definition, a.presence.id, spent);
    a.presence = def;
    a.presenceSince = this.#now;
    this.#emit({ type: 'presence', at: this.#now, agent: a });
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
    add(a.totals.routing, a.routing, this.#now - Math.max(a.routingSince, this.#startMs));
    a.routing = status;
    a.routingSince = this.#now;
    if (status === 'IDLE') a.idleSince = this.#now;
    this.#emit({ type: 'routing', at: this.#now, agent: a });
  }

  #canTake(a: AgentState, media: MediaType): boolean {
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

  /** An agent just became free: give it the longest-waiting conversation it can take. */
  #offerWork(a: AgentState): void {
    for (;;) {
      let best: Conversation | undefined;
      for (const qid of a.agent.queueIds) {
        if (a.unjoined.has(qid)) continue;
        for (const c of this.#waiting.get(qid) ?? []) {
          if (c.missedBy.has(a.agent.id)) continue;
          if (!this.#canTake(a, c.media)) break;
          if (!best || c.queuedAt < best.queuedAt) best = c;
          break;
        }
      }
      if (!best) return;
      this.#alert(best, a);
    }
  }

  // ── conversations ─────────────────────────────────────────────────────────────────────

  #arrivalRatePerMs(q: Queue): number {
    // A gentle daily shape around the simulation start, plus any burst in force.
    const hours = (this.#now - this.#startOfDay()) / 3600_000;
    const shape = 0.8 + 0.2 * Math.cos((2 * Math.PI * (hours - 1)) / 24);
    const burst = this.#now < this.#burst.until ? this.#burst.factor : 1;
    return (q.peakPerHour * shape * burst) / 3600_000;
  }

  #startOfDay(): number {
    return this.#now - (this.#now % 86_400_000);
  }

  #scheduleArrival(q: Queue): void {
    const epoch = (this.#arrivalEpoch.get(q.id) ?? 0) + 1;
    this.#arrivalEpoch.set(q.id, epoch);
    const rate = this.#arrivalRatePerMs(q);
    this.#at(this.#now + this.#rng.exponential(1 / rate), () => {
      if (this.#arrivalEpoch.get(q.id) !== epoch) return;
      this.#arrive(q);
      this.#scheduleArrival(q);
    });
  }

  #arrive(q: Queue): void {
    const conv: Conversation = {
      id: this.#rng.uuid(),
      media: this.#mediaOf(q),
      direction: 'inbound',
      customerName: `Customer ${1000 + this.#rng.int(9000)}`,
      ani: `tel:+1555${String(1000000 + this.#rng.int(9000000))}`,
      arrivedAt: this.#now,
      queue: q,
      queuedAt: this.#now,
      state: 'waiting',
      agentId: undefined,
      alertingSince: undefined,
      answeredAt: undefined,
      acwSince: undefined,
      endedAt: undefined,
      held: false,
      missedBy: new Set(),
      transfers: 0,
      consult: undefined,
      epoch: 0,
      history: [],
    };
    this.conversations.set(conv.id, conv);
    this.#enqueue(conv, q, 'queued');
  }

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
        if (!this.#canTake(a, conv.media)) continue;
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
    if (
      conv.media === 'voice' &&
      conv.direction === 'inbound' &&
      this.#consults &&
      this.#consultRng.chance(CONSULT_PROBABILITY)
    ) {
      this.#at(this.#now + talk * (0.2 + 0.4 * this.#consultRng.next()), () => {
        if (conv.epoch === epoch && conv.state === 'connected') this.#startConsult(conv, a);
      });
    } else if (conv.media === 'voice' && this.#rng.chance(0.2)) {
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

  // ── consults ──────────────────────────────────────────────────────────────────────────

  /**
   * The agent holds the customer and rings a free colleague of the same queue (the longest
   * idle); with nobody free, the call simply goes on.
   */
  #startConsult(conv: Conversation, a: AgentState): void {
    let to: AgentState | undefined;
    for (const id of conv.queue.memberIds) {
      const b = this.agents.get(id)!;
      if (b === a || b.unjoined.has(conv.queue.id) || b.conversations.size > 0) continue;
      if (!this.#canTake(b, 'voice') || b.routing !== 'IDLE') continue;
      if (!to || b.idleSince < to.idleSince) to = b;
    }
    // Nobody free: no consult, and the call's own end (still scheduled) stands.
    if (!to) return;
    const consult: Consult = { from: a.agent.id, to: to.agent.id, state: 'alerting' };
    conv.consult = consult;
    conv.held = true;
    conv.state = 'held';
    conv.epoch++;
    to.conversations.add(conv);
    this.#updateRouting(to);
    this.#emitConversation(conv, a.agent.id, 'consult');
    const ring = Math.min(ALERT_TIMEOUT_MS - 500, this.#consultRng.logNormal(3000, 0.5));
    this.#at(this.#now + ring, () => {
      if (conv.consult !== consult || consult.state !== 'alerting') return;
      consult.state = 'connected';
      this.#emitConversation(conv, a.agent.id, 'consultConnected');
      const transfer = this.#consultRng.chance(CONSULT_TRANSFER_SHARE);
      this.#at(this.#now + this.#consultRng.logNormal(40_000, 0.5), () => {
        if (conv.consult !== consult || consult.state !== 'connected') return;
        this.#closeConsult(conv, consult, transfer);
      });
    });
  }

  /** The call goes on with its one agent until it ends (the consult took the rest of its talk). */
  #resumeTalk(conv: Conversation, owner: AgentState): void {
    const epoch = conv.epoch;
    this.#at(this.#now + this.#consultRng.logNormal(conv.queue.talkMedianSec * 500, 0.5), () => {
      if (conv.epoch === epoch) this.#endTalk(conv, owner);
    });
  }

  /**
   * A consult closes: the consulted agent hangs up and the first agent takes the customer off
   * hold, or (`transfer.consult`) the first agent leaves the call to the consulted one.
   */
  #closeConsult(conv: Conversation, consult: Consult, transferred: boolean): void {
    const stays = this.agents.get(transferred ? consult.to : consult.from)!;
    const leaves = this.agents.get(transferred ? consult.from : consult.to)!;
    consult.state = transferred ? 'transferred' : 'ended';
    consult.endedAt = this.#now;
    leaves.conversations.delete(conv);
    if (transferred) conv.agentId = consult.to;
    conv.held = false;
    conv.state = 'connected';
    conv.epoch++;
    this.#emitConversation(conv, consult.from, transferred ? 'consultTransferred' : 'consultEnded');
    this.#resumeTalk(conv, stays);
    this.#updateRouting(leaves);
    // A removed agent (the delete-user fault) takes no more work.
    if (!leaves.removed) this.#afterFree(leaves);
  }

  #scheduleOutbound(a: AgentState): void {
    const epoch = a.epoch;
    this.#at(this.#now + this.#rng.exponential(OUTBOUND_EVERY_MIN * 60_000), () => {
      if (!a.loggedIn || a.epoch !== epoch) return;
      const free =
        a.onQueue && a.routing === 'IDLE' && a.conversations.size === 0 && !a.pendingBreak;
      if (free && !a.pendingLogout) this.#dialOut(a);
      if (!a.pendingLogout) this.#scheduleOutbound(a);
    });
  }

  /** The agent calls a customer back from their phone: connected at once, no queue involved. */
  #dialOut(a: AgentState): void {
    const queue = this.queues.get(a.agent.queueIds[0] ?? '') ?? this.org.queues[0]!;
    const conv: Conversation = {
      id: this.#rng.uuid(),
      media: 'voice',
      direction: 'outbound',
      customerName: `Customer ${1000 + this.#rng.int(9000)}`,
      ani: `tel:+1555${String(1000000 + this.#rng.int(9000000))}`,
      arrivedAt: this.#now,
      queue,
      queuedAt: this.#now,
      state: 'connected',
      agentId: a.agent.id,
      alertingSince: undefined,
      answeredAt: this.#now,
      acwSince: undefined,
      endedAt: undefined,
      held: false,
      missedBy: new Set(),
      transfers: 0,
      consult: undefined,
      epoch: 1,
      history: [],
    };
    this.conversations.set(conv.id, conv);
    a.conversations.add(conv);
    this.#updateRouting(a);
    this.#emitConversation(conv, a.agent.id, 'connected');
    const epoch = conv.epoch;
    this.#at(this.#now + this.#rng.logNormal(queue.talkMedianSec * 1000, 0.6), () => {
      if (conv.epoch === epoch) this.#endTalk(conv, a);
    });
  }

  /**
   * A quarter of a multi-media queue's arrivals come in its other media; a few callers of a
   * queue that offers callbacks (`mediaSettings.callback`) ask to be called back.
   */
  #mediaOf(q: Queue): MediaType {
    if (q.serviceLevels.callback && this.#consultRng.chance(CALLBACK_SHARE)) return 'callback';
    if (q.otherMedia.length === 0 || !this.#joinRng.chance(0.25)) return q.media;
    return this.#joinRng.pick(q.otherMedia);
  }

  /** Now and then an agent (or a supervisor for them) joins or unjoins one of its other queues. */
  #scheduleJoinToggle(a: AgentState): void {
    const others = a.agent.queueIds.slice(1);
    if (others.length === 0) return;
    this.#at(this.#now + this.#joinRng.exponential(JOIN_TOGGLE_EVERY_MIN * 60_000), () => {
      if (a.removed) return;
      const q = this.queues.get(this.#joinRng.pick(others))!;
      const joined = a.unjoined.has(q.id);
      if (joined) a.unjoined.delete(q.id);
      else a.unjoined.add(q.id);
      a.joinedSince = this.#now;
      this.#emit({ type: 'membership', at: this.#now, agent: a, queue: q, joined });
      if (joined && a.conversations.size === 0) this.#offerWork(a);
      this.#scheduleJoinToggle(a);
    });
  }

  /** The agent finished something: start a pending break or logout, else take more work. */
  #afterFree(a: AgentState): void {
    if (a.conversations.size > 0) {
      if (!a.pendingBreak && !a.pendingLogout) this.#offerWork(a);
      return;
    }
    if (a.pendingLogout) return this.#logout(a);
    if (a.pendingBreak) return this.#startBreak(a, a.pendingBreak);
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
    conv.history.push({ change, at: this.#now, agentId, queueId: conv.queue.id });
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

/** The consult of a conversation while both agents are on it. */
export function liveConsult(conv: Conversation): Consult | undefined {
  const c = conv.consult;
  return c && (c.state === 'alerting' || c.state === 'connected') ? c : undefined;
}

function serves(q: Queue, media: MediaType): boolean {
  return (
    q.media === media ||
    q.otherMedia.includes(media) ||
    (media === 'callback' && q.serviceLevels.callback !== undefined)
  );
}

const onPhone = (media: MediaType) => media === 'voice' || media === 'callback';

function add(map: Map<string, number>, key: string, ms: number): void {
  if (ms > 0) map.set(key, (map.get(key) ?? 0) + ms);
}
