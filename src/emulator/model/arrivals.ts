/**
 * Customer arrivals: each queue's Poisson stream of new conversations, following the queue's
 * arrival plan through the floor's day (floor-day.ts; sized in org.ts) and any burst ("campaign
 * launch") in force, and what media each arrival brings. It is apart from the `Simulation`
 * because it owns state no other concern reads (the burst, each queue's arrival epoch) and
 * hands the simulation nothing but a new conversation to enqueue. It draws from all three
 * streams it is given, at the same points as before the split.
 */
import { SLOT_MIN, slotAt } from './floor-day.js';
import type { Floor } from './floor.js';
import type { MediaType, Queue } from './org.js';
import type { Rng } from './rng.js';
import { newConversation } from './floor-rules.js';

/** Share of a callback-enabled voice queue's arrivals that ask to be called back instead. */
const CALLBACK_SHARE = 0.04;

type ArrivalFloor = Pick<Floor, 'org' | 'conversations' | 'startMs' | 'now' | 'at' | 'enqueue'>;

/** The simulation's random streams, as arrivals use them. */
export interface ArrivalStreams {
  /** The floor's main stream: arrival times and customer details. */
  floor: Rng;
  /** The join stream: which of a multi-media queue's media an arrival brings. */
  join: Rng;
  /** The consult stream: callback requests. */
  consult: Rng;
}

export class Arrivals {
  readonly #floor: ArrivalFloor;
  readonly #streams: ArrivalStreams;
  /** Bumped on each reschedule, so a queue's superseded arrival does nothing. */
  readonly #arrivalEpoch = new Map<string, number>();
  #burst = { factor: 1, until: 0 };

  constructor(floor: ArrivalFloor, streams: ArrivalStreams) {
    this.#floor = floor;
    this.#streams = streams;
  }

  /** Multiplies every queue's arrival rate for a while ("campaign launch"). */
  burst(factor: number, seconds: number): void {
    this.#burst = { factor, until: this.#floor.now() + seconds * 1000 };
    for (const q of this.#floor.org.queues) this.schedule(q);
  }

  /**
   * Plans the queue's next arrival at the current rate (replacing any planned one). The rate is
   * the arrival plan's for the slot of the day in force (`Queue.arrivalsPerHour`): a draw that
   * lands past the slot's end plans again from there instead, at the next slot's rate, which for
   * a Poisson stream is the same as drawing at the changing rate.
   */
  schedule(q: Queue): void {
    const epoch = (this.#arrivalEpoch.get(q.id) ?? 0) + 1;
    this.#arrivalEpoch.set(q.id, epoch);
    const now = this.#floor.now();
    const at = now + this.#streams.floor.exponential(1 / this.#arrivalRatePerMs(q));
    const boundary = Math.min(this.#nextSlotAt(now), this.#burstEndsAfter(now));
    if (at >= boundary) {
      this.#floor.at(boundary, () => {
        if (this.#arrivalEpoch.get(q.id) === epoch) this.schedule(q);
      });
      return;
    }
    this.#floor.at(at, () => {
      if (this.#arrivalEpoch.get(q.id) !== epoch) return;
      this.#arrive(q);
      this.schedule(q);
    });
  }

  #arrivalRatePerMs(q: Queue): number {
    const now = this.#floor.now();
    const perHour = q.arrivalsPerHour[slotAt(this.#floor.startMs, now)] ?? 0;
    const burst = now < this.#burst.until ? this.#burst.factor : 1;
    return Math.max(perHour * burst, 1e-3) / 3600_000;
  }

  /** When the slot in force ends (the rate changes there). */
  #nextSlotAt(now: number): number {
    const slotMs = SLOT_MIN * 60_000;
    const start = this.#floor.startMs;
    return start + (Math.floor((now - start) / slotMs) + 1) * slotMs;
  }

  /** When a burst in force ends, else never. */
  #burstEndsAfter(now: number): number {
    return now < this.#burst.until ? this.#burst.until : Infinity;
  }

  #arrive(q: Queue): void {
    const rng = this.#streams.floor;
    const now = this.#floor.now();
    const conv = newConversation(rng, now, {
      media: () => this.#mediaOf(q),
      direction: 'inbound',
      queue: q,
      state: 'waiting',
      agentId: undefined,
      answeredAt: undefined,
      epoch: 0,
    });
    this.#floor.conversations.set(conv.id, conv);
    this.#floor.enqueue(conv, q, 'queued');
  }

  /**
   * A quarter of a multi-media queue's arrivals come in its other media; a few callers of a
   * queue that offers callbacks (`mediaSettings.callback`) ask to be called back.
   */
  #mediaOf(q: Queue): MediaType {
    const { join, consult } = this.#streams;
    if (q.serviceLevels.callback && consult.chance(CALLBACK_SHARE)) return 'callback';
    if (q.otherMedia.length === 0 || !join.chance(0.25)) return q.media;
    return join.pick(q.otherMedia);
  }
}
