import type { LiveChanges } from '../protocol/live-messages.js';
import { ClientDelivery } from './client-delivery.js';
import { CurrentViews, type Membership } from './current-views.js';
import { GroupIndex, LiveClient } from './hub-groups.js';
import { deltaText } from './hub-items.js';
import type { LiveFilter } from './live-filter.js';
import { Payload, type LiveTransport } from './live-payload.js';
import { ResumeHistory } from './resume-history.js';

export { LiveClient } from './hub-groups.js';
export { Payload, type LiveTransport } from './live-payload.js';

export interface LiveHubOptions {
  /** Memberships of an agent (teams, queues), to route its toasts. */
  membership: Membership;
  maxClients: number;
  heartbeatMs: number;
  highWaterBytes: number;
  slowClientTimeoutMs: number;
  maxPendingChanges: number;
  historyChanges: number;
  now?: () => number;
  metrics?: LiveHubMetrics;
}

export interface LiveHubMetrics {
  messages(type: string, n: number): void;
  coalesced(): void;
  evicted(): void;
  resumed(result: 'resumed' | 'snapshot'): void;
  clients(n: number): void;
}

export class LiveClientLimitError extends Error {}

/**
 * Fans projected changes out to live clients. Each distinct filter is a group; a change is
 * serialized once, routed to the groups whose filters it matches through indexes by user, team
 * and queue, and one message per group is written to every client in it. A client whose socket
 * backs up gets its changes coalesced to the latest per entity, and is disconnected if it stays
 * behind. Recent changes are kept so a reconnecting client can resume from its last offset.
 * The parts live in their own modules: groups and indexes (hub-groups), current views and
 * snapshots (current-views), the resume window (resume-history), back-pressure
 * (client-delivery); the hub holds the clients, the offset and the heartbeats.
 */
export class LiveHub {
  readonly #o: LiveHubOptions;
  readonly #now: () => number;
  #offset = 0;
  readonly #views: CurrentViews;
  readonly #history: ResumeHistory;
  readonly #groups = new GroupIndex();
  readonly #delivery: ClientDelivery;
  readonly #clients = new Set<LiveClient>();
  #heartbeat: NodeJS.Timeout | undefined;
  #beatEveryMs: number;
  #closed = false;

  constructor(options: LiveHubOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#views = new CurrentViews(options.membership);
    this.#history = new ResumeHistory(options.historyChanges);
    this.#delivery = new ClientDelivery({
      highWaterBytes: options.highWaterBytes,
      slowClientTimeoutMs: options.slowClientTimeoutMs,
      maxPendingChanges: options.maxPendingChanges,
      now: this.#now,
      disconnect: (c) => this.disconnect(c),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    this.#beatEveryMs = Math.max(10, Math.min(250, Math.floor(options.heartbeatMs / 4)));
    this.#heartbeat = setInterval(() => this.#beat(), this.#beatEveryMs);
    this.#heartbeat.unref();
  }

  get offset(): number {
    return this.#offset;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Clients whose deltas are being coalesced because their sockets are backed up. */
  get blockedCount(): number {
    return this.#delivery.blockedCount;
  }

  get full(): boolean {
    return this.#clients.size >= this.#o.maxClients;
  }

  /**
   * Folds a run of changes (everything up to `offset`) into the hub and sends it out.
   * `replayed`: the start-up replay folded into one run; it is not a delta any client missed, so
   * the resume window starts after it.
   */
  publish(offset: number, changes: LiveChanges, replayed = false): void {
    const items = this.#views.itemsOf(changes);
    this.#offset = Math.max(this.#offset, offset);
    if (items.length === 0) return;
    this.#views.update(items);
    if (replayed) this.#history.startAfter(offset);
    else this.#history.remember(offset, items);
    if (this.#clients.size === 0) return;

    const perGroup = this.#groups.route(items);
    const delivery = this.#delivery;
    const nowMs = this.#now();
    const now = new Date(nowMs).toISOString();
    let sent = 0;
    for (const [g, list] of perGroup) {
      if (g.clients.size === 0) continue;
      const payload = new Payload(deltaText(offset, now, list, false), 'delta', offset);
      for (const c of g.clients) {
        if (delivery.deliver(c, payload, list, nowMs)) sent++;
      }
    }
    this.#o.metrics?.messages('delta', sent);
  }

  /**
   * Adds a client: it receives a snapshot (or, with `since` inside the history window, the
   * missed deltas) and from then on every matching delta. Throws LiveClientLimitError when full.
   */
  connect(transport: LiveTransport, filter: LiveFilter, since: number | undefined): LiveClient {
    if (this.#closed || this.full) throw new LiveClientLimitError('live client limit reached');
    const group = this.#groups.group(filter);
    const client = new LiveClient(transport, group);
    client.lastSentAt = this.#now();
    const now = new Date(client.lastSentAt).toISOString();
    if (since !== undefined && since >= this.#history.base && since <= this.#offset) {
      transport.send(
        new Payload(
          JSON.stringify({ type: 'resumed', from: since, offset: this.#offset, now }),
          'resumed',
          since,
        ),
      );
      let n = 0;
      this.#history.forEachAfter(since, (entry) => {
        const list = entry.items.flatMap((it) => group.route(it) ?? []);
        if (list.length === 0) return;
        transport.send(
          new Payload(deltaText(entry.offset, now, list, false), 'delta', entry.offset),
        );
        n++;
      });
      this.#o.metrics?.messages('delta', n);
      this.#o.metrics?.resumed('resumed');
    } else {
      const reason =
        since === undefined
          ? undefined
          : since > this.#offset
            ? 'resume-ahead'
            : 'resume-out-of-window';
      transport.send(
        new Payload(
          this.#views.snapshotText(group, this.#offset, now, reason),
          'snapshot',
          this.#offset,
        ),
      );
      this.#o.metrics?.messages('snapshot', 1);
      if (since !== undefined) this.#o.metrics?.resumed('snapshot');
    }
    group.clients.add(client);
    this.#clients.add(client);
    this.#o.metrics?.clients(this.#clients.size);
    return client;
  }

  disconnect(client: LiveClient): void {
    if (client.closed) return;
    client.closed = true;
    this.#clients.delete(client);
    this.#o.metrics?.clients(this.#clients.size);
    this.#delivery.forget(client);
    const g = client.group;
    g.clients.delete(client);
    if (g.clients.size === 0) this.#groups.drop(g);
  }

  /** Closes every client (1001, going away) and stops the timers. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#delivery.stop();
    for (const c of [...this.#clients]) {
      this.disconnect(c);
      c.transport.close(1001, undefined, 'gateway shutting down');
    }
  }

  /**
   * A heartbeat for each client that has heard nothing for a whole period (busy ones need
   * none). Checked every quarter period (at most 250 ms) rather than once a period: clients
   * fall quiet at different times, so their heartbeats spread over the ticks instead of
   * thousands of writes stalling the loop in one burst (desktops of quiet agents, every 5 s).
   */
  #beat(): void {
    if (this.#clients.size === 0) return;
    const nowMs = this.#now();
    const quietSince = nowMs - (this.#o.heartbeatMs - this.#beatEveryMs);
    let payload: Payload | undefined;
    let n = 0;
    for (const c of this.#clients) {
      if (c.lastSentAt > quietSince) continue;
      // A blocked client's offset would claim deltas it has not been sent yet.
      if (c.blocked || c.transport.bufferedBytes() > this.#o.highWaterBytes) continue;
      payload ??= new Payload(
        JSON.stringify({
          type: 'heartbeat',
          offset: this.#offset,
          now: new Date(nowMs).toISOString(),
        }),
        'heartbeat',
        this.#offset,
      );
      c.transport.send(payload);
      c.lastSentAt = nowMs;
      n++;
    }
    this.#o.metrics?.messages('heartbeat', n);
  }
}
