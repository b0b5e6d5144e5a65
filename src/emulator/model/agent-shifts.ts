/**
 * An agent's day apart from the conversations they handle: shifts (log in, settle, go on queue,
 * log out at the end once free), breaks and their presences, the time spent per presence, and
 * now and then joining or unjoining one of their queues. It is apart from the `Simulation`
 * because none of it routes or handles a conversation: it changes presence and on-queue state,
 * then asks the simulation (through the `Floor`) to recompute routing or offer work. It draws
 * from the floor's main stream and the join stream, at the same points as before the split.
 */
import { addMs } from './floor-rules.js';
import type { Floor } from './floor.js';
import type { Agent, PresenceDefinition } from './org.js';
import type { OutboundCalls } from './outbound-calls.js';
import type { Rng } from './rng.js';
import type { AgentState, BreakKind, DomainEvent } from './simulation-types.js';

const BREAK_EVERY_MIN = 110;
const JOIN_TOGGLE_EVERY_MIN = 120;

type ShiftFloor = Pick<
  Floor,
  'org' | 'queues' | 'startMs' | 'now' | 'at' | 'emit' | 'updateRouting' | 'offerWork'
>;

export class AgentShifts {
  readonly #floor: ShiftFloor;
  /** The simulation's agents, which `init` adds to. */
  readonly #roster: Map<string, AgentState>;
  /** The floor's main stream. */
  readonly #rng: Rng;
  /** Joining and unjoining draw from their own stream, apart from the floor's. */
  readonly #joinRng: Rng;
  /** Each stint logged in plans the agent's own outbound calls. */
  readonly #outbound: OutboundCalls;

  constructor(
    floor: ShiftFloor,
    roster: Map<string, AgentState>,
    streams: { floor: Rng; join: Rng },
    outbound: OutboundCalls,
  ) {
    this.#floor = floor;
    this.#roster = roster;
    this.#rng = streams.floor;
    this.#joinRng = streams.join;
    this.#outbound = outbound;
  }

  get #now(): number {
    return this.#floor.now();
  }

  #at(at: number, run: () => void): void {
    this.#floor.at(at, run);
  }

  #emit(event: DomainEvent): void {
    this.#floor.emit(event);
  }

  /** Adds the agent to the roster, in the state the simulation starts with, and plans its day. */
  init(agent: Agent): void {
    const offline = this.#floor.org.primaryPresence.OFFLINE;
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
    this.#roster.set(agent.id, state);
    this.#scheduleJoinToggle(state);
    const startMs = this.#now + agent.shiftStartMin * 60_000;
    if (startMs <= this.#now) {
      // Already on shift at the start: the initial state, reported by REST, not as an event.
      const since = Math.max(startMs, this.#now - this.#rng.int(20 * 60_000));
      state.loggedIn = true;
      state.onQueue = true;
      state.presence = this.#floor.org.primaryPresence.ON_QUEUE;
      state.presenceSince = since;
      state.routing = 'IDLE';
      state.routingSince = since;
      state.idleSince = since;
      this.#at(startMs + agent.shiftLengthMin * 60_000, () => this.#shiftEnd(state));
      this.#scheduleBreak(state);
      this.#outbound.schedule(state);
    } else {
      this.#at(startMs, () => this.#shiftStart(state));
    }
  }

  #shiftStart(a: AgentState): void {
    if (a.removed) return;
    a.loggedIn = true;
    a.pendingLogout = false;
    this.#setPresence(a, this.#floor.org.primaryPresence.AVAILABLE);
    const shiftEnd = this.#now + a.agent.shiftLengthMin * 60_000;
    this.#at(shiftEnd, () => this.#shiftEnd(a));
    // A minute or so to settle in before going on queue.
    this.#at(this.#now + 20_000 + this.#rng.int(70_000), () => {
      if (!a.loggedIn || a.pendingLogout) return;
      this.#goOnQueue(a);
    });
    this.#scheduleBreak(a);
    this.#outbound.schedule(a);
  }

  #shiftEnd(a: AgentState): void {
    a.pendingLogout = true;
    if (a.conversations.size === 0) this.logout(a);
  }

  /** Logs the agent out now and plans the next shift's start, a day after this one's. */
  logout(a: AgentState): void {
    a.pendingLogout = false;
    a.pendingBreak = undefined;
    a.loggedIn = false;
    a.onQueue = false;
    a.epoch++;
    this.#setPresence(a, this.#floor.org.primaryPresence.OFFLINE);
    this.#floor.updateRouting(a);
    this.#at(this.#now + (24 * 60 - a.agent.shiftLengthMin) * 60_000, () => this.#shiftStart(a));
  }

  #goOnQueue(a: AgentState): void {
    // A break that came due while the agent was off queue starts now, instead of blocking work.
    if (a.pendingBreak && a.conversations.size === 0) return this.startBreak(a, a.pendingBreak);
    a.onQueue = true;
    this.#setPresence(a, this.#floor.org.primaryPresence.ON_QUEUE);
    a.idleSince = this.#now;
    this.#floor.updateRouting(a);
    this.#floor.offerWork(a);
  }

  #scheduleBreak(a: AgentState): void {
    const epoch = a.epoch;
    this.#at(this.#now + this.#rng.exponential(BREAK_EVERY_MIN * 60_000), () => {
      if (!a.loggedIn || a.epoch !== epoch) return;
      const r = this.#rng.next();
      const kind: BreakKind =
        r < 0.6 ? 'break' : r < 0.8 ? 'meal' : r < 0.9 ? 'training' : 'meeting';
      if (a.conversations.size > 0 || !a.onQueue) a.pendingBreak = kind;
      else this.startBreak(a, kind);
    });
  }

  /** The agent goes off queue in the break's presence, and back on queue when it is over. */
  startBreak(a: AgentState, kind: BreakKind): void {
    a.pendingBreak = undefined;
    a.onQueue = false;
    const minutes = { break: 15, meal: 30, training: 45, meeting: 30 }[kind];
    this.#setPresence(a, this.#rng.pick(this.#floor.org.secondary[kind]));
    this.#floor.updateRouting(a);
    const epoch = a.epoch;
    this.#at(this.#now + this.#rng.logNormal(minutes * 60_000, 0.25), () => {
      if (!a.loggedIn || a.epoch !== epoch) return;
      this.#goOnQueue(a);
      this.#scheduleBreak(a);
    });
  }

  #setPresence(a: AgentState, def: PresenceDefinition): void {
    if (a.presence === def) return;
    const spent = this.#now - Math.max(a.presenceSince, this.#floor.startMs);
    addMs(a.totals.presence, a.presence.systemPresence, spent);
    addMs(a.totals.definition, a.presence.id, spent);
    a.presence = def;
    a.presenceSince = this.#now;
    this.#emit({ type: 'presence', at: this.#now, agent: a });
  }

  /** Now and then an agent (or a supervisor for them) joins or unjoins one of its other queues. */
  #scheduleJoinToggle(a: AgentState): void {
    const others = a.agent.queueIds.slice(1);
    if (others.length === 0) return;
    this.#at(this.#now + this.#joinRng.exponential(JOIN_TOGGLE_EVERY_MIN * 60_000), () => {
      if (a.removed) return;
      const q = this.#floor.queues.get(this.#joinRng.pick(others))!;
      const joined = a.unjoined.has(q.id);
      if (joined) a.unjoined.delete(q.id);
      else a.unjoined.add(q.id);
      a.joinedSince = this.#now;
      this.#emit({ type: 'membership', at: this.#now, agent: a, queue: q, joined });
      if (joined && a.conversations.size === 0) this.#floor.offerWork(a);
      this.#scheduleJoinToggle(a);
    });
  }
}
