import type { Emulator } from './emulator.js';
import type { Channel } from './notifications/channel-manager.js';
import type { PushDispatcher } from './push/push-dispatcher.js';
import { Rng } from './model/rng.js';

export const FAULT_NAMES = [
  'maintenance',
  'drop-sockets',
  'socket-closing',
  'expire-channels',
  'stop-heartbeats',
  'revoke-tokens',
  'duplicates',
  'reorder',
  'schema-drift',
  'oversize',
  'rotate-secret',
  'slow',
  'delete-user',
  'delete-queue',
  'burst',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export class FaultError extends Error {}

const OVERSIZE_BYTES = 270 * 1024; // over EventBridge's 256 KiB

/**
 * The fault injector: what goes wrong on the real platform, on demand (CONTRACT: emulator
 * faults). Transport faults act in real time; `burst` acts on the simulation.
 */
export class Faults {
  readonly #emu: Emulator;
  readonly #rng = new Rng(0xfa17);
  #silentUntil = 0;
  #heartbeatsStoppedUntil = 0;
  #duplicates = { ratio: 0, until: 0 };
  #reorder = { ratio: 0, until: 0 };
  #driftUntil = 0;
  #oversize = 0;
  #slow = { ms: 0, until: 0 };
  readonly #timers = new Set<NodeJS.Timeout>();
  #held: (() => void)[] = [];

  constructor(emu: Emulator) {
    this.#emu = emu;
  }

  apply(name: string, p: Record<string, unknown>): void {
    const now = Date.now();
    const num = (key: string, fallback: number, min = 0, max = Infinity) => {
      const v = p[key] ?? fallback;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
        throw new FaultError(`${name}: "${key}" must be a number from ${min} to ${max}`);
      }
      return v;
    };
    switch (name as FaultName) {
      case 'maintenance':
        this.#silentUntil = now + num('seconds', 30, 0) * 1000;
        return;
      case 'drop-sockets': {
        const code = num('code', 1006);
        if (![1006, 1001, 4001].includes(code))
          throw new FaultError('drop-sockets: "code" must be 1006, 1001 or 4001');
        for (const ch of this.#emu.channels.channels.values()) {
          if (!ch.socket) continue;
          if (code === 1006)
            ch.socket.terminate(); // no close frame: the client sees 1006
          else ch.socket.close(code, code === 1001 ? 'going away' : 'socket dropped');
        }
        return;
      }
      case 'socket-closing': {
        const grace = num('seconds', 5, 0, 120);
        for (const ch of this.#emu.channels.channels.values()) {
          const ws = ch.socket;
          if (!ws) continue;
          ws.send(
            JSON.stringify({
              topicName: 'v2.system.socket_closing',
              version: '2',
              eventBody: { message: 'Socket is closing for planned maintenance', channelId: ch.id },
              metadata: { CorrelationId: this.#emu.newCorrelationId() },
            }),
          );
          this.#later(grace * 1000, () => ws.close(1001, 'planned close'));
        }
        return;
      }
      case 'expire-channels':
        for (const ch of [...this.#emu.channels.channels.values()])
          this.#emu.channels.remove(ch.id);
        return;
      case 'stop-heartbeats':
        this.#heartbeatsStoppedUntil = now + num('seconds', 60, 0) * 1000;
        return;
      case 'revoke-tokens':
        this.#emu.tokens.clear();
        for (const ch of this.#emu.channels.channels.values()) {
          ch.socket?.send(
            JSON.stringify({
              topicName: 'v2.system.token_revoked',
              version: '2',
              eventBody: {
                channelId: ch.id,
                systemTopicType: 'token_revoked',
                reason: 'user_tokens_revoked',
              },
            }),
          );
        }
        return;
      case 'duplicates':
        this.#duplicates = {
          ratio: num('ratio', 0.5, 0, 1),
          until: now + num('seconds', 30, 0) * 1000,
        };
        return;
      case 'reorder':
        this.#reorder = {
          ratio: num('ratio', 0.3, 0, 1),
          until: now + num('seconds', 30, 0) * 1000,
        };
        return;
      case 'schema-drift':
        this.#driftUntil = now + num('seconds', 30, 0) * 1000;
        return;
      case 'oversize':
        this.#oversize += num('count', 1, 1, 1000);
        return;
      case 'rotate-secret': {
        const secret = p.secret;
        if (typeof secret !== 'string' || secret === '')
          throw new FaultError('rotate-secret: "secret" is required');
        for (const sub of this.#emu.webhooks.values()) sub.secret = secret;
        return;
      }
      case 'slow':
        this.#slow = { ms: num('ms', 2000, 0, 60_000), until: now + num('seconds', 30, 0) * 1000 };
        return;
      case 'delete-user': {
        const id = p.id;
        if (typeof id !== 'string' || !this.#emu.sim.agents.has(id))
          throw new FaultError('delete-user: "id" must be a user id');
        this.#emu.deletedUsers.add(id);
        this.#emu.sim.removeAgent(id);
        return;
      }
      case 'delete-queue': {
        const id = p.id;
        if (typeof id !== 'string' || !this.#emu.sim.queues.has(id))
          throw new FaultError('delete-queue: "id" must be a queue id');
        // Gone from the API; channels that already list its topics keep them (and hear nothing new).
        this.#emu.deletedQueues.add(id);
        return;
      }
      case 'burst':
        this.#emu.sim.burst(num('factor', 5, 1, 100), num('seconds', 60, 1));
        return;
      default:
        throw new FaultError(`unknown fault "${name}"; known: ${FAULT_NAMES.join(', ')}`);
    }
  }

  silenced(): boolean {
    return Date.now() < this.#silentUntil;
  }

  heartbeatsStopped(): boolean {
    return this.silenced() || Date.now() < this.#heartbeatsStoppedUntil;
  }

  slowMs(): number {
    return Date.now() < this.#slow.until ? this.#slow.ms : 0;
  }

  /** Schema drift (added fields, numbers as strings) and oversized payloads, applied to a body. */
  shape(text: string): string {
    const drift = Date.now() < this.#driftUntil;
    if (!drift && this.#oversize === 0) return text;
    const value = JSON.parse(text) as Record<string, unknown>;
    if (drift) {
      value.schemaVersion = '2.1-preview';
      stringifyNumbers(value);
    }
    if (this.#oversize > 0) {
      this.#oversize--;
      value.padding = 'x'.repeat(OVERSIZE_BYTES);
    }
    return JSON.stringify(value);
  }

  /** Sends to a channel's socket, with duplicate and reorder faults applied. */
  send(channel: Channel, text: string): void {
    this.#route(() => channel.socket?.send(text));
  }

  push(dispatcher: PushDispatcher, text: string): void {
    this.#route(() => dispatcher.push(text));
  }

  clear(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#held = [];
  }

  #route(deliver: () => void): void {
    const now = Date.now();
    if (now < this.#reorder.until && this.#rng.chance(this.#reorder.ratio)) {
      // Held back and delivered after the next message: out of order, never lost.
      this.#held.push(deliver);
      return;
    }
    deliver();
    if (now < this.#duplicates.until && this.#rng.chance(this.#duplicates.ratio)) deliver();
    for (const held of this.#held.splice(0)) held();
  }

  #later(ms: number, run: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      run();
    }, ms);
    this.#timers.add(t);
  }
}

function stringifyNumbers(node: unknown): void {
  if (typeof node !== 'object' || node === null) return;
  for (const [k, v] of Object.entries(node)) {
    if (typeof v === 'number') (node as Record<string, unknown>)[k] = String(v);
    else stringifyNumbers(v);
  }
}
