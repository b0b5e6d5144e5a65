import type { LiveClient } from './hub-groups.js';
import { deltaText, type Item } from './hub-items.js';
import { Payload } from './live-payload.js';

/** Why a client was disconnected by the hub rather than by itself. */
export type EvictReason = 'behind' | 'pending' | 'budget' | 'flood';

export interface DeliveryOptions {
  highWaterBytes: number;
  /** The outbound budget: most unsent bytes a client may hold, whatever they are. */
  maxBufferedBytes: number;
  slowClientTimeoutMs: number;
  maxPendingChanges: number;
  now: () => number;
  /** Takes the client out of the hub and closes it (4408): it did not keep up. */
  evict: (client: LiveClient, reason: EvictReason, message: string) => void;
  metrics?: {
    messages(type: string, n: number): void;
    coalesced(): void;
  };
}

/**
 * Per-client back-pressure. Everything written to a client — snapshot, resumed and live deltas,
 * heartbeats, pongs — counts against one outbound budget, measured as the socket's own unsent
 * bytes: a write that would pass it evicts the client instead. A client whose unsent bytes pass
 * the high-water mark stops receiving deltas and has its changes merged per entity; once the
 * socket drains to half the mark it gets them as one coalesced delta. A client behind for too
 * long, or with too many changes piled up, is evicted; a sweep on a timer looks at every client,
 * so one that never reads is evicted on a quiet floor too, not only when deltas flow.
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

  /**
   * Writes one message within the client's outbound budget, or evicts the client. A client
   * that has nothing unsent always gets the message: its opening snapshot may be larger than
   * the budget on a big floor, and refusing it would refuse the client for good.
   */
  send(c: LiveClient, payload: Payload, buffered = c.transport.bufferedBytes()): boolean {
    if (c.closed) return false;
    if (buffered > 0 && buffered + payload.bytes.length > this.#o.maxBufferedBytes) {
      this.#o.evict(
        c,
        'budget',
        `the client did not keep up: over ${this.#o.maxBufferedBytes} unsent bytes`,
      );
      return false;
    }
    c.transport.send(payload);
    return true;
  }

  /** Sends now, or coalesces when the client's socket is backed up. True when written. */
  deliver(c: LiveClient, payload: Payload, items: Item[], now: number): boolean {
    if (!c.blocked) {
      const buffered = c.transport.bufferedBytes();
      if (buffered <= this.#o.highWaterBytes) {
        if (!this.send(c, payload, buffered)) return false;
        c.lastSentAt = now;
        return true;
      }
      c.blocked = true;
      c.behindSince ??= now;
      this.#blocked.add(c);
      this.#drainTimer ??= setInterval(() => this.#drain(), 25);
    }
    for (const it of items) c.pending.set(`${it.kind}:${it.id}`, it);
    c.pendingOffset = payload.offset ?? c.pendingOffset;
    if (c.pending.size > this.#o.maxPendingChanges) {
      this.#o.evict(
        c,
        'pending',
        `the client did not keep up: more than ${this.#o.maxPendingChanges} changes pending`,
      );
    }
    return false;
  }

  /**
   * Looks at every client: one that has been behind for longer than the timeout is evicted.
   * Returns the unsent bytes of all of them.
   */
  sweep(clients: Iterable<LiveClient>): number {
    const now = this.#o.now();
    let total = 0;
    for (const c of clients) {
      const buffered = c.transport.bufferedBytes();
      total += buffered;
      if (!c.blocked && buffered <= this.#o.highWaterBytes) {
        c.behindSince = undefined;
      } else if (c.behindSince === undefined) {
        c.behindSince = now;
      } else if (now - c.behindSince > this.#o.slowClientTimeoutMs) {
        this.#o.evict(
          c,
          'behind',
          `the client did not keep up: behind for more than ${this.#o.slowClientTimeoutMs} ms`,
        );
      }
    }
    return total;
  }

  /** The client is gone: stop draining it. */
  forget(c: LiveClient): void {
    this.#blocked.delete(c);
  }

  stop(): void {
    clearInterval(this.#drainTimer);
    this.#drainTimer = undefined;
  }

  #drain(): void {
    const now = this.#o.now();
    for (const c of this.#blocked) {
      if (c.closed) {
        this.#blocked.delete(c);
        continue;
      }
      const buffered = c.transport.bufferedBytes();
      if (buffered > this.#o.highWaterBytes / 2) continue;
      // Merged changes skip states the client never saw: full views, never patches.
      const text = deltaText(
        c.pendingOffset,
        new Date(now).toISOString(),
        [...c.pending.values()],
        true,
      );
      c.pending.clear();
      c.blocked = false;
      // It drained: if the merged delta puts it behind again, that is a new episode.
      c.behindSince = undefined;
      this.#blocked.delete(c);
      if (this.send(c, new Payload(text, 'delta', c.pendingOffset), buffered)) {
        c.lastSentAt = now;
        this.#o.metrics?.messages('delta', 1);
        this.#o.metrics?.coalesced();
      }
    }
    if (this.#blocked.size === 0) this.stop();
  }
}
