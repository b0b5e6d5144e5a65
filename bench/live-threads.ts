import type { Mix } from './live-org.js';
/**
 * What the threads of the live-bench client process share: the clock, the shapes of their
 * messages and shared memory, and how a TypeScript worker is started.
 */
import { Worker } from 'node:worker_threads';

/** Events per ingest request (an EventBridge-style batch). */
export const BATCH = 10;

/** Milliseconds on the monotonic clock that every thread and process of the machine shares. */
export function nowMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1000 + ns / 1e6;
}

/** Starts a TypeScript module as a worker: Node 20 does not register tsx's hooks in workers. */
export function tsWorker(module: URL, workerData: unknown): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(
    `import(${JSON.stringify(tsx)})` +
      `.then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })`,
    { eval: true, workerData },
  );
}

export interface Spec {
  system: 'switchboard' | 'socketio';
  /** Who the clients are (bench/live-org.ts `MIXES`). */
  mix: Mix;
  url: string;
  /** The server process's stats port (bench/live-server-stats.ts). */
  statsUrl: string;
  serverPid: number;
  clients: number;
  rate: number;
  warmupSec: number;
  latencySec: number;
  saturationSec: number;
  runId: string;
}

/** Slots of the shared Float64Array each client thread counts into (one row per thread). */
export const COUNTERS = {
  messages: 0,
  agentUpdates: 1,
  queueUpdates: 2,
  /** Agent views of events at or after `control[MEASURE_FROM]`. */
  measured: 3,
  /** Clients whose snapshot arrived / that failed to connect. */
  ready: 4,
  failed: 5,
} as const;
export const COUNTER_SLOTS = 6;

/** Slots of the shared Int32Array the coordinator steers the client threads with. */
export const RECORDING = 0;
export const MEASURE_FROM = 1;

export interface ClientThreadData {
  spec: Spec;
  /** This thread's clients: the indexes k into the filter mix with k % threads === row. */
  threads: number;
  row: number;
  counters: SharedArrayBuffer;
  control: SharedArrayBuffer;
  /** Int32Array: highest event seq each client has seen. */
  maxSeq: SharedArrayBuffer;
}

export interface GeneratorData {
  url: string;
  runId: string;
  /** Float64Arrays indexed by event seq: when each was due and when its 200 arrived. */
  dueAt: SharedArrayBuffer;
  ackAt: SharedArrayBuffer;
  /** Int32Array: highest seq each client has seen; `walls` index the wallboards. */
  maxSeq: SharedArrayBuffer;
  walls: number[];
}

export type GeneratorCommand =
  | { cmd: 'paced'; rate: number; events: number; graceSec: number }
  | { cmd: 'closed'; sec: number }
  | { cmd: 'report' };

export interface GeneratorReport {
  sent: number;
  acked: number;
  non2xx: number;
}

/** A client thread's answer to `'recorded'`: every (event seq, receive time) of the window. */
export interface Recorded {
  seq: Int32Array;
  at: Float64Array;
}

/** Messages from the coordinator to a client thread; each is answered once. */
export type ClientThreadCommand = 'connect' | 'elu' | 'recorded' | 'close';
