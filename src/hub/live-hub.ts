import { closeCodeOf, type ErrorCode } from '../errors.js';
import type { LiveChanges, SourceFreshness } from '../protocol/live-messages.js';
import { ClientDelivery, type EvictReason } from './client-delivery.js';
import { CurrentViews, type Membership } from './current-views.js';
import { GroupIndex, LiveClient } from './hub-groups.js';
import { deltaText } from './hub-items.js';
import type { LiveFilter } from './live-filter.js';
import { Payload, type LiveTransport } from './live-payload.js';
import { ResumeHistory } from './resume-history.js';

export type { EvictReason } from './client-delivery.js';
export { LiveClient } from './hub-groups.js';
export { Payload, type LiveTransport } from './live-payload.js';

export interface LiveHubOptions {
  /** Memberships of an agent (teams, queues), to route its toasts. */
  membership: Membership;
  maxClients: number;
  heartbeatMs: number;
  highWaterBytes: number;
  /** The outbound budget: most unsent bytes one client may hold (snapshot and all). */
  maxBufferedBytes: number;
  slowClientTimeoutMs: number;
  maxPendingChanges: number;
  historyChanges: number;
  /** Most ids the filters of all connected clients may name together (distinct filters). */
  maxFilterIdsTotal: number;
  /** How often every client is checked for having fallen behind (default: from the timeout). */
  sweepMs?: number;
  now?: () => number;
  metrics?: LiveHubMetrics;
  /**
   * Each event source's age, published on heartbeats with the agents logged in (undefined: not
   * published). Set later with `publishFreshness`.
   */
  freshness?: () => SourceFreshness[] | undefined;
}

export interface LiveHubMetrics {
  messages(type: string, n: number): void;
  coalesced(): void;
  evicted(reason: EvictReason): void;
  resumed(result: 'resumed' | 'snapshot'): void;
  clients(n: number): void;
  /** Unsent bytes of all clients, as of the last sweep. */
  bufferedBytes(n: number): void;
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
  readonly #groups: GroupIndex;
  readonly #delivery: ClientDelivery;
  readonly #clients = new Set<LiveClient>();
  #heartbeat: NodeJS.Timeout | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #beatEveryMs: number;
  #closed = false;
  #freshness: (() => SourceFreshness[] | undefined) | undefined;
  #settingsVersion: number | undefined;
  /** Clients the last settings change could not reach at once (behind): the next tick does. */
  readonly #settingsPending = new Set<LiveClient>();

  constructor(options: LiveHubOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#freshness = options.freshness;
    this.#views = new CurrentViews(options.membership);
    this.#history = new ResumeHistory(options.historyChanges);
    this.#groups = new GroupIndex(options.maxFilterIdsTotal);
    this.#delivery = new ClientDelivery({
      highWaterBytes: options.highWaterBytes,
      maxBufferedBytes: options.maxBufferedBytes,
      slowClientTimeoutMs: options.slowClientTimeoutMs,
      maxPendingChanges: options.maxPendingChanges,
      now: this.#now,
      evict: (c, reason, message) => this.evict(c, reason, message),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    this.#beatEveryMs = Math.max(10, Math.min(250, Math.floor(options.heartbeatMs / 4)));
    this.#heartbeat = setInterval(() => this.#beat(), this.#beatEveryMs);
    this.#heartbeat.unref();
    // A quarter of the timeout: a client is evicted at most a quarter late.
    const sweepMs =
      options.sweepMs ?? Math.max(10, Math.min(1000, Math.floor(options.slowClientTimeoutMs / 4)));
    this.#sweeper = setInterval(() => this.sweep(), sweepMs);
    this.#sweeper.unref();
  }

  /**
   * Heartbeats carry each event source's age and the agents logged in, and come to busy clients
   * too (once a period), so a client can tell a quiet source from a quiet floor.
   */
  publishFreshness(freshness: () => SourceFreshness[] | undefined): void {
    this.#freshness = freshness;
  }

  /**
   * The dashboard settings' version (thresholds, boards): carried on every heartbeat as
   * `settingsVersion`. A change goes out at once, as a heartbeat to every client, so open
   * screens refetch the settings; a client that is behind gets it at the next tick it is not.
   */
  publishSettingsVersion(version: number): void {
    if (version === this.#settingsVersion) return;
    this.#settingsVersion = version;
    this.#settingsPending.clear();
    if (this.#closed) return;
    // Every client is due now; the heartbeat sweep sends to those it can and keeps the rest.
    for (const c of this.#clients) this.#settingsPending.add(c);
    this.#beat();
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

  /** Whether a client with this filter would be let in (the client limit, the id limit). */
  admits(filter: LiveFilter): boolean {
    return !this.#closed && !this.full && this.#groups.admits(filter);
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
   * missed deltas) and from then on every matching delta. Throws LiveClientLimitError when full
   * or when its filter's ids would pass the hub's limit (`admits` says so beforehand).
   */
  connect(transport: LiveTransport, filter: LiveFilter, since: number | undefined): LiveClient {
    if (this.#closed || this.full) throw new LiveClientLimitError('live client limit reached');
    if (!this.#groups.admits(filter)) {
      throw new LiveClientLimitError(
        `live filters hold ${this.#groups.ids} ids, at most ${this.#o.maxFilterIdsTotal} (live.maxFilterIdsTotal)`,
      );
    }
    const group = this.#groups.group(filter);
    const client = new LiveClient(transport, group);
    // In the hub before the first write: the opening can evict it (over the budget) like any
    // other write, and an eviction takes it out of the hub.
    group.clients.add(client);
    this.#clients.add(client);
    this.#o.metrics?.clients(this.#clients.size);
    client.lastSentAt = this.#now();
    client.lastBeatAt = client.lastSentAt;
    const now = new Date(client.lastSentAt).toISOString();
    const send = (payload: Payload) => this.#delivery.send(client, payload);
    if (since !== undefined && since >= this.#history.base && since <= this.#offset) {
      send(
        new Payload(
          JSON.stringify({ type: 'resumed', from: since, offset: this.#offset, now }),
          'resumed',
          since,
        ),
      );
      let n = 0;
      this.#history.forEachAfter(since, (entry) => {
        if (client.closed) return;
        const list = entry.items.flatMap((it) => group.route(it) ?? []);
        if (list.length === 0) return;
        if (send(new Payload(deltaText(entry.offset, now, list, false), 'delta', entry.offset))) {
          n++;
        }
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
      send(
        new Payload(
          this.#views.snapshotText(group, this.#offset, now, reason),
          'snapshot',
          this.#offset,
        ),
      );
      this.#o.metrics?.messages('snapshot', 1);
      if (since !== undefined) this.#o.metrics?.resumed('snapshot');
    }
    // The sources' ages at once, not a period later: a board that reconnects after an outage
    // must not go on guessing from the ages it heard before.
    const sources = this.#freshness?.();
    // Not to a client already behind (a snapshot over the budget must not cost it its place).
    const behind = () => client.transport.bufferedBytes() > this.#o.highWaterBytes;
    if (sources && !client.closed && !client.blocked && !behind()) {
      if (send(this.#heartbeatPayload(client.lastSentAt, sources))) {
        client.lastBeatAt = client.lastSentAt;
        this.#o.metrics?.messages('heartbeat', 1);
      }
    }
    return client;
  }

  /** Answers a client's `ping`, within its outbound budget like everything else it is sent. */
  pong(client: LiveClient): void {
    const now = new Date(this.#now()).toISOString();
    const payload = new Payload(JSON.stringify({ type: 'pong', now }), 'pong', undefined);
    if (this.#delivery.send(client, payload)) this.#o.metrics?.messages('pong', 1);
  }

  /**
   * Disconnects a client the hub will not serve any more, with the reason as an `error`
   * message and close code: it fell behind (4408), or it sent more than its share (4429).
   */
  evict(client: LiveClient, reason: EvictReason, message: string): void {
    if (client.closed) return;
    this.disconnect(client);
    this.#o.metrics?.evicted(reason);
    const code: ErrorCode =
      reason === 'flood' ? 'SB_LIVE_TOO_MANY_MESSAGES' : 'SB_LIVE_SLOW_CONSUMER';
    client.transport.close(closeCodeOf(code), code, message);
  }

  /** Evicts every client that has been behind too long (also run on a timer). */
  sweep(): void {
    this.#o.metrics?.bufferedBytes(this.#delivery.sweep(this.#clients));
  }

  disconnect(client: LiveClient): void {
    if (client.closed) return;
    client.closed = true;
    this.#clients.delete(client);
    this.#o.metrics?.clients(this.#clients.size);
    this.#settingsPending.delete(client);
    this.#delivery.forget(client);
    const g = client.group;
    g.clients.delete(client);
    if (g.clients.size === 0) this.#groups.drop(g);
  }

  /** Closes every client (1001, going away) and stops the timers. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearInterval(this.#sweeper);
    this.#delivery.stop();
    for (const c of [...this.#clients]) {
      this.disconnect(c);
      c.transport.close(1001, undefined, 'gateway shutting down');
    }
  }

  #heartbeatPayload(nowMs: number, sources: SourceFreshness[] | undefined): Payload {
    return new Payload(
      JSON.stringify({
        type: 'heartbeat',
        offset: this.#offset,
        now: new Date(nowMs).toISOString(),
        ...(sources ? { sources, agentsLoggedIn: this.#views.loggedInAgents() } : {}),
        ...(this.#settingsVersion === undefined ? {} : { settingsVersion: this.#settingsVersion }),
      }),
      'heartbeat',
      this.#offset,
    );
  }

  /**
   * A heartbeat for each client that has heard nothing for a whole period (busy ones need
   * none), or, while the hub publishes freshness, that has had no heartbeat for a period (the
   * sources' ages are news to busy clients too). Checked every quarter period (at most 250 ms)
   * rather than once a period: clients fall quiet at different times, so their heartbeats
   * spread over the ticks instead of thousands of writes stalling the loop in one burst
   * (desktops of quiet agents, every 5 s).
   */
  #beat(): void {
    if (this.#clients.size === 0) return;
    const nowMs = this.#now();
    const quietSince = nowMs - (this.#o.heartbeatMs - this.#beatEveryMs);
    const sources = this.#freshness?.();
    let payload: Payload | undefined;
    let n = 0;
    for (const c of this.#clients) {
      const due = (sources ? c.lastBeatAt : c.lastSentAt) <= quietSince;
      if (!due && !this.#settingsPending.has(c)) continue;
      // A blocked client's offset would claim deltas it has not been sent yet.
      if (c.blocked) continue;
      const buffered = c.transport.bufferedBytes();
      if (buffered > this.#o.highWaterBytes) continue;
      payload ??= this.#heartbeatPayload(nowMs, sources);
      if (!this.#delivery.send(c, payload, buffered)) continue;
      c.lastSentAt = nowMs;
      c.lastBeatAt = nowMs;
      this.#settingsPending.delete(c);
      n++;
    }
    this.#o.metrics?.messages('heartbeat', n);
  }
}
