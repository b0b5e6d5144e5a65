/**
 * The soak's contact center: the project's Genesys Cloud emulator, in the driver process, with
 * its clock stopped. Its REST API is what the gateway reconciles from at start (agents, teams,
 * queue memberships, presences), and its simulation, moved forward only when the soak needs
 * more events, renders the Notification API envelopes the soak signs and posts. So the ingest
 * rate is the soak's to set, and the events are the real mix: presence, routing status,
 * conversations on user and queue topics, detail events, queue observations — toasts that ring
 * and end, conversations that start and finish.
 */
import { Emulator } from '../../src/emulator/emulator.js';

export interface FloorOrg {
  agentIds: string[];
  teamIds: string[];
  queueIds: string[];
}

export class Floor {
  readonly emulator: Emulator;
  readonly org: FloorOrg;
  readonly #queue: string[];
  #head = 0;
  #virtualMs = 0;

  private constructor(emulator: Emulator, queue: string[]) {
    this.emulator = emulator;
    this.#queue = queue;
    const { agents, teams, queues } = emulator.sim.org;
    this.org = {
      agentIds: agents.map((a) => a.id),
      teamIds: teams.map((t) => t.id),
      queueIds: queues.map((q) => q.id),
    };
  }

  static async start(options: { agents: number; queues: number; seed: number }): Promise<Floor> {
    const queue: string[] = [];
    const emulator = new Emulator({
      host: '127.0.0.1',
      port: 0,
      agents: options.agents,
      queues: options.queues,
      seed: options.seed,
      // Time moves only when `next` needs more events: the ingest rate is the soak's.
      realtime: false,
      sink: (text) => queue.push(text),
    });
    const floor = new Floor(emulator, queue);
    await emulator.start();
    return floor;
  }

  /** The next Notification API envelope, as Genesys would send it. */
  next(): string {
    // A quiet virtual second is possible (night shift): keep moving until something happens.
    while (this.#head >= this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
      this.emulator.advance(1000);
      this.#virtualMs += 1000;
    }
    return this.#queue[this.#head++]!;
  }

  /** Simulated time played so far (how many times faster than real time the floor runs). */
  get virtualMs(): number {
    return this.#virtualMs;
  }

  get url(): string {
    return this.emulator.url;
  }

  stop(): Promise<void> {
    return this.emulator.stop();
  }
}
