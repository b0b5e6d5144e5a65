import {
  noFaults,
  parseFault,
  type FaultName,
  type FaultTarget,
  type FaultWindows,
  type ParsedFault,
  type RateLimitPaths,
} from './fault-registry.js';
import { Rng } from './model/rng.js';
import type { Channel } from './notifications/channel-manager.js';

export { FAULT_NAMES, FaultError, type FaultName } from './fault-registry.js';

const OVERSIZE_BYTES = 270 * 1024; // over EventBridge's 256 KiB

/** What a `rate-limit` storm throttles a request as: the token endpoint or the REST API. */
export type RateLimitKind = Exclude<RateLimitPaths, 'all'>;

/** What the emulator answered under `rate-limit` storms, and how clients kept to it. */
export interface RateLimitStats {
  /** 429s the storms answered, per endpoint. */
  throttled: Record<RateLimitKind, number>;
  /**
   * Requests from a client that arrived while a `Retry-After` the storm had answered that
   * client (on the same endpoint) was still in force: a client honouring it sends none. Those
   * arriving within `RETRY_AFTER_RACE_MS` of the 429 are not counted: they were on their way
   * before the client could have read it.
   */
  early: Record<RateLimitKind, number>;
  /** When the last storm ends (epoch ms on the fault clock; 0: none yet). */
  until: number;
}

/** Clocks and timers are millisecond-grained: a retry this close to the end is on time. */
const RETRY_AFTER_SLACK_MS = 5;
/** A request this soon after a 429 to the same client was sent before the client read it. */
export const RETRY_AFTER_RACE_MS = 200;

/** The parts of the emulator faults act on (the registry's target, minus what this class owns). */
export type FaultParts = Omit<FaultTarget, 'windows' | 'later'>;

/**
 * The fault injector's runtime: applies registry entries (fault-registry.ts) and answers what the
 * emulator asks while delivering — silenced? heartbeats stopped? how slow? — and shapes,
 * duplicates and reorders messages while a fault is in force.
 */
export class Faults {
  readonly #windows: FaultWindows = noFaults();
  readonly #target: FaultTarget;
  readonly #rng = new Rng(0xfa17);
  readonly #timers = new Set<() => void>();
  #held: (() => void)[] = [];
  /** Per `kind client`: when the last 429 went to that client, and until when it holds. */
  readonly #retryAfter = new Map<string, { at: number; until: number }>();
  readonly #rateLimit: RateLimitStats = {
    throttled: { token: 0, api: 0 },
    early: { token: 0, api: 0 },
    until: 0,
  };

  constructor(parts: FaultParts) {
    this.#target = {
      ...parts,
      windows: this.#windows,
      later: (ms, run) => this.#later(ms, run),
    };
  }

  /** Parses through the fault's schema and applies it; throws `FaultError` when refused. */
  apply(name: string, params: Readonly<Record<string, unknown>> = {}): FaultName {
    const fault = parseFault(name, params);
    this.run(fault);
    return fault.name;
  }

  /** Applies a fault already parsed (the CLI parses before the emulator starts). */
  run(fault: ParsedFault): void {
    fault.apply(this.#target);
  }

  silenced(): boolean {
    return this.#now() < this.#windows.silentUntil;
  }

  heartbeatsStopped(): boolean {
    return this.silenced() || this.#now() < this.#windows.heartbeatsStoppedUntil;
  }

  slowMs(): number {
    return this.#now() < this.#windows.slow.until ? this.#windows.slow.ms : 0;
  }

  /**
   * A request from `client` to the token endpoint or the REST API: the `Retry-After` (seconds)
   * to answer 429 with while a `rate-limit` storm covers it, else undefined. Counts the 429s,
   * and the requests that came while an earlier 429's `Retry-After` was still in force.
   */
  throttle(kind: RateLimitKind, client: string): number | undefined {
    const now = this.#now();
    const key = `${kind} ${client}`;
    const last = this.#retryAfter.get(key);
    if (last !== undefined && now >= last.until - RETRY_AFTER_SLACK_MS) {
      this.#retryAfter.delete(key);
    } else if (last !== undefined && now >= last.at + RETRY_AFTER_RACE_MS) {
      this.#rateLimit.early[kind]++;
    }
    const storm = this.#windows.rateLimit;
    if (now >= storm.until || (storm.paths !== 'all' && storm.paths !== kind)) return undefined;
    this.#rateLimit.throttled[kind]++;
    // A request that raced an earlier 429 does not move that 429's window.
    if (last === undefined || now >= last.at + RETRY_AFTER_RACE_MS)
      this.#retryAfter.set(key, { at: now, until: now + storm.retryAfterSeconds * 1000 });
    return storm.retryAfterSeconds;
  }

  /** A snapshot of what `rate-limit` storms answered (tests). */
  get rateLimitStats(): RateLimitStats {
    const r = this.#rateLimit;
    return {
      throttled: { ...r.throttled },
      early: { ...r.early },
      until: this.#windows.rateLimit.until,
    };
  }

  /** Schema drift (added fields, numbers as strings) and oversized payloads, applied to a body. */
  shape(text: string): string {
    const drift = this.#now() < this.#windows.driftUntil;
    if (!drift && this.#windows.oversize === 0) return text;
    const value = JSON.parse(text) as Record<string, unknown>;
    if (drift) {
      value.schemaVersion = '2.1-preview';
      stringifyNumbers(value);
    }
    if (this.#windows.oversize > 0) {
      this.#windows.oversize--;
      value.padding = 'x'.repeat(OVERSIZE_BYTES);
    }
    return JSON.stringify(value);
  }

  /** Sends to a channel's socket, with duplicate and reorder faults applied. */
  send(channel: Channel, text: string): void {
    this.#route(() => channel.socket?.send(text));
  }

  push(dispatcher: { push(body: string): void }, text: string): void {
    this.#route(() => dispatcher.push(text));
  }

  clear(): void {
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
    this.#held = [];
  }

  #now(): number {
    return this.#target.clock.now();
  }

  #route(deliver: () => void): void {
    const now = this.#now();
    const { reorder, duplicates } = this.#windows;
    if (now < reorder.until && this.#rng.chance(reorder.ratio)) {
      // Held back and delivered after the next message: out of order, never lost.
      this.#held.push(deliver);
      return;
    }
    deliver();
    if (now < duplicates.until && this.#rng.chance(duplicates.ratio)) deliver();
    for (const held of this.#held.splice(0)) held();
  }

  #later(ms: number, run: () => void): void {
    const cancel = this.#target.clock.after(ms, () => {
      this.#timers.delete(cancel);
      run();
    });
    this.#timers.add(cancel);
  }
}

function stringifyNumbers(node: unknown): void {
  if (typeof node !== 'object' || node === null) return;
  for (const [k, v] of Object.entries(node)) {
    if (typeof v === 'number') (node as Record<string, unknown>)[k] = String(v);
    else stringifyNumbers(v);
  }
}
