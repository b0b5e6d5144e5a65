import {
  noFaults,
  parseFault,
  type FaultName,
  type FaultTarget,
  type FaultWindows,
  type ParsedFault,
} from './fault-registry.js';
import { Rng } from './model/rng.js';
import type { Channel } from './notifications/channel-manager.js';

export { FAULT_NAMES, FaultError, type FaultName } from './fault-registry.js';

const OVERSIZE_BYTES = 270 * 1024; // over EventBridge's 256 KiB

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
