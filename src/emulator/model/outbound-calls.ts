/**
 * Agent-initiated calls: now and then an idle on-queue agent phones a customer from their own
 * phone, connected at once and in no queue (Genesys reports such an agent as COMMUNICATING). The
 * concern is apart from the `Simulation` because it never touches routing or waiting lists; it
 * draws from the floor's main stream, which the simulation hands it, at the same points as ever.
 */
import type { Floor } from './floor.js';
import type { Rng } from './rng.js';
import { newConversation } from './floor-rules.js';
import type { AgentState } from './simulation-types.js';

/** How often an idle on-queue agent places an outbound call of their own. */
const OUTBOUND_EVERY_MIN = 90;

type OutboundFloor = Pick<
  Floor,
  | 'org'
  | 'queues'
  | 'conversations'
  | 'now'
  | 'at'
  | 'emitConversation'
  | 'updateRouting'
  | 'endTalk'
>;

export class OutboundCalls {
  readonly #floor: OutboundFloor;
  readonly #rng: Rng;

  /** `rng` is the floor's main stream. */
  constructor(floor: OutboundFloor, rng: Rng) {
    this.#floor = floor;
    this.#rng = rng;
  }

  /** Plans the agent's next call of their own, for as long as this stint logged in lasts. */
  schedule(a: AgentState): void {
    const epoch = a.epoch;
    this.#floor.at(this.#floor.now() + this.#rng.exponential(OUTBOUND_EVERY_MIN * 60_000), () => {
      if (!a.loggedIn || a.epoch !== epoch) return;
      const free =
        a.onQueue && a.routing === 'IDLE' && a.conversations.size === 0 && !a.pendingBreak;
      if (free && !a.pendingLogout) this.#dialOut(a);
      if (!a.pendingLogout) this.schedule(a);
    });
  }

  /** The agent calls a customer back from their phone: connected at once, no queue involved. */
  #dialOut(a: AgentState): void {
    const floor = this.#floor;
    const now = floor.now();
    const queue = floor.queues.get(a.agent.queueIds[0] ?? '') ?? floor.org.queues[0]!;
    const conv = newConversation(this.#rng, now, {
      media: 'voice',
      direction: 'outbound',
      queue,
      state: 'connected',
      agentId: a.agent.id,
      answeredAt: now,
      epoch: 1,
    });
    floor.conversations.set(conv.id, conv);
    a.conversations.add(conv);
    floor.updateRouting(a);
    floor.emitConversation(conv, a.agent.id, 'connected');
    const epoch = conv.epoch;
    floor.at(now + this.#rng.logNormal(queue.talkMedianSec * 1000, 0.6), () => {
      if (conv.epoch === epoch) floor.endTalk(conv, a);
    });
  }
}
