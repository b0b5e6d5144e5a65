/**
 * Consults: on some answered inbound calls the agent holds the customer, rings a free colleague
 * of the queue, talks to them, and then either takes the customer back or leaves the call to the
 * colleague (a consult transfer). The concern lives apart from the `Simulation` because it is
 * the one flow with two agents on a conversation, and it draws from its own random stream (the
 * consult stream) so that adding consults left the floor's sequence as it was.
 */
import { ALERT_TIMEOUT_MS, canTake } from './floor-rules.js';
import type { Floor } from './floor.js';
import type { Rng } from './rng.js';
import type { AgentState, Consult, Conversation } from './simulation-types.js';

/** Share of answered inbound calls on which the agent consults a colleague. */
const CONSULT_PROBABILITY = 0.05;
/** Share of consults that end with the call handed to the consulted agent. */
const CONSULT_TRANSFER_SHARE = 0.5;

type ConsultFloor = Pick<
  Floor,
  'agents' | 'now' | 'at' | 'emitConversation' | 'updateRouting' | 'afterFree' | 'endTalk'
>;

export class Consults {
  readonly #floor: ConsultFloor;
  readonly #rng: Rng;
  readonly #enabled: boolean;

  /** `rng` is the consult stream; `enabled` is the simulation's `consults` option. */
  constructor(floor: ConsultFloor, rng: Rng, enabled: boolean) {
    this.#floor = floor;
    this.#rng = rng;
    this.#enabled = enabled;
  }

  /**
   * A call was just answered: perhaps plan a consult part way through its `talk`. True when one
   * is planned, in which case the call gets no hold of its own.
   */
  plan(conv: Conversation, a: AgentState, talk: number): boolean {
    if (
      conv.media !== 'voice' ||
      conv.direction !== 'inbound' ||
      !this.#enabled ||
      !this.#rng.chance(CONSULT_PROBABILITY)
    ) {
      return false;
    }
    const epoch = conv.epoch;
    this.#floor.at(this.#floor.now() + talk * (0.2 + 0.4 * this.#rng.next()), () => {
      if (conv.epoch === epoch && conv.state === 'connected') this.#start(conv, a);
    });
    return true;
  }

  /**
   * The agent holds the customer and rings a free colleague of the same queue (the longest
   * idle); with nobody free, the call simply goes on.
   */
  #start(conv: Conversation, a: AgentState): void {
    const floor = this.#floor;
    let to: AgentState | undefined;
    for (const id of conv.queue.memberIds) {
      const b = floor.agents.get(id)!;
      if (b === a || b.unjoined.has(conv.queue.id) || b.conversations.size > 0) continue;
      if (!canTake(b, 'voice') || b.routing !== 'IDLE') continue;
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
    floor.updateRouting(to);
    floor.emitConversation(conv, a.agent.id, 'consult');
    const ring = Math.min(ALERT_TIMEOUT_MS - 500, this.#rng.logNormal(3000, 0.5));
    floor.at(floor.now() + ring, () => {
      if (conv.consult !== consult || consult.state !== 'alerting') return;
      consult.state = 'connected';
      floor.emitConversation(conv, a.agent.id, 'consultConnected');
      const transfer = this.#rng.chance(CONSULT_TRANSFER_SHARE);
      floor.at(floor.now() + this.#rng.logNormal(40_000, 0.5), () => {
        if (conv.consult !== consult || consult.state !== 'connected') return;
        this.close(conv, consult, transfer);
      });
    });
  }

  /** The call goes on with its one agent until it ends (the consult took the rest of its talk). */
  #resumeTalk(conv: Conversation, owner: AgentState): void {
    const epoch = conv.epoch;
    const floor = this.#floor;
    floor.at(floor.now() + this.#rng.logNormal(conv.queue.talkMedianSec * 500, 0.5), () => {
      if (conv.epoch === epoch) floor.endTalk(conv, owner);
    });
  }

  /**
   * A consult closes: the consulted agent hangs up and the first agent takes the customer off
   * hold, or (`transferred`) the first agent leaves the call to the consulted one.
   */
  close(conv: Conversation, consult: Consult, transferred: boolean): void {
    const floor = this.#floor;
    const stays = floor.agents.get(transferred ? consult.to : consult.from)!;
    const leaves = floor.agents.get(transferred ? consult.from : consult.to)!;
    consult.state = transferred ? 'transferred' : 'ended';
    consult.endedAt = floor.now();
    leaves.conversations.delete(conv);
    if (transferred) conv.agentId = consult.to;
    conv.held = false;
    conv.state = 'connected';
    conv.epoch++;
    floor.emitConversation(conv, consult.from, transferred ? 'consultTransferred' : 'consultEnded');
    this.#resumeTalk(conv, stays);
    floor.updateRouting(leaves);
    // A removed agent (the delete-user fault) takes no more work.
    if (!leaves.removed) floor.afterFree(leaves);
  }
}
