import type { LiveClient } from './hub-groups.js';
import { deltaText, type Item } from './hub-items.js';
import { Payload } from './live-payload.js';

export interface DeliveryOptions {
  highWaterBytes: number;
  slowClientTimeoutMs: number;
  maxPendingChanges: number;
  now: () => number;
  /** Takes an evicted client out of the hub (before its transport is closed with 4408). */
  disconnect: (client: LiveClient) => void;
  metrics?: {
    messages(type: string, n: number): void;
    coalesced(): void;
    evicted(): void;
  };
}

/**
 * Per-client back-pressure. A client whose socket's unsent bytes pass the high-water mark stops
 * receiving and has its changes merged per entity; once the socket drains to half the mark it
 * gets them as one coalesced delta. One that stays behind too long, or piles up too many
 * changes, is evicted with 4408.
 */
export class ClientDelivery {
  readonly #o: DeliveryOptions;
  readonly #blocked = new Set<LiveClient>();
  #drainTimer: NodeJS.Timeout | undefined;

  constructor(options: DeliveryOptions) {
    this.#o = options;
  }

  /** Clients whose deltas are being coalesced because their sockets are backed up. */
  get blockedCount(): number {
    return this.#blocked.size;
  }

  /** Sends now, or coalesces when the client's socket is backed up. True when written. */
  deliver(c: LiveClient, payload: Payload, items: Item[], now: number): boolean {
    if (!c.blocked && c.transport.bufferedBytes() <= this.#o.highWaterBytes) {
      c.transport.send(payload);
      c.lastSentAt = now;
      return true;
    }
    if (!c.blocked) {
      c.blocked = true;
      c.blockedSince = now;
      this.#blocked.add(c);
      this.#drainTimer ??= setInterval(() => this.#drain(), 25);
    }
    for (const it of items) c.pending.set(`${it.kind}:${it.id}`, it);
    c.pendingOffset = payload.offset ?? c.pendingOffset;
    if (c.pending.size > this.#o.maxPendingChanges) this.#evict(c, 'too many pending changes');
    return false;
  }

  /** The client is gone: stop draining it. */
  forget(c: LiveClient): void {
    this.#blocked.delete(c);
  }

  stop(): void {
    clearInterval(this.#drainTimer);
  }

  #drain(): void {
    const now = this.#o.now();
    for (const c of this.#blocked) {
      if (c.closed) {
        this.#blocked.delete(c);
        continue;
      }
      if (c.transport.bufferedBytes() <= this.#o.highWaterBytes / 2) {
        // Merged changes skip states the client never saw: full views, never patches.
        const text = deltaText(
          c.pendingOffset,
          new Date(now).toISOString(),
          [...c.pending.values()],
          true,
        );
        c.pending.clear();
        c.blocked = false;
        this.#blocked.delete(c);
        c.transport.send(new Payload(text, 'delta', c.pendingOffset));
        c.lastSentAt = now;
        this.#o.metrics?.messages('delta', 1);
        this.#o.metrics?.coalesced();
      } else if (now - c.blockedSince > this.#o.slowClientTimeoutMs) {
        this.#evict(c, `behind for more than ${this.#o.slowClientTimeoutMs} ms`);
      }
    }
    if (this.#blocked.size === 0) {
      clearInterval(this.#drainTimer);
      this.#drainTimer = undefined;
    }
  }

  #evict(c: LiveClient, why: string): void {
    this.#o.disconnect(c);
    this.#o.metrics?.evicted();
    c.transport.close(4408, 'SB_LIVE_SLOW_CONSUMER', `the client did not keep up: ${why}`);
  }
}
