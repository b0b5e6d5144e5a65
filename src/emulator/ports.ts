/**
 * The parts of the emulator its route modules and fault registry are handed. Each consumer
 * declares the narrow view it uses from these; none imports the emulator itself, so the
 * emulator stays at the top of its own import tree.
 */
import type { Simulation } from './model/simulation.js';

/** Bearer tokens issued by /oauth/token: token → client and expiry (epoch ms). */
export type TokenStore = Map<string, { clientId: string; expiresAt: number }>;

/** The org as the REST API shows it: the model, minus what the delete faults removed. */
export interface Directory {
  readonly sim: Simulation;
  readonly deletedUsers: ReadonlySet<string>;
  readonly deletedQueues: ReadonlySet<string>;
}
