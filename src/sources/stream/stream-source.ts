import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import { SwitchboardError } from '../../errors.js';
import { GenesysApiError, type GenesysRestClient } from '../../genesys/rest-client.js';
import type { Metrics } from '../../ops/metrics.js';
import { fullJitterDelay } from '../../protocol/backoff.js';
import { IngestPipeline } from '../ingest-pipeline.js';
import { SourceLifecycle } from '../source-lifecycle.js';
import { ROSTER_CHANGED, type Source, type SourceContext, type SourceHealth } from '../source.js';
import { NotificationSocket, type SocketEnd } from './notification-socket.js';
import type { PrunedId } from './stream-topics.js';

/**
 * The Notification API stream source (`source.mode: stream`, FACTS §1): channels of at most
 * 1,000 topics, each with one WebSocket, every message put into the log through the same ingest
 * pipeline as the push routes (same id rule: topic name + `metadata.CorrelationId`).
 *
 * Genesys keeps nothing for a channel with no socket open, so every way a socket fails is
 * handled and every window in which events may have been missed is reported to the reconciler
 * as a gap (topics are the channel's, the interval from the last delivery to the new open):
 * - unplanned ends (close, 1006, heartbeats stopping while TCP stays open, a ping with no pong):
 *   reconnect with full-jitter exponential backoff capped at 30 s, to the same channel while it
 *   exists, else to a new one subscribed to the same topics;
 * - planned ends (`v2.system.socket_closing`, the channel's 24 h expiry ahead, a revoked token):
 *   make-before-break. A new channel is created, subscribed and connected before the old socket
 *   is released; events delivered on both meanwhile are one event in the log (same id), so a
 *   planned handover loses nothing and doubles nothing.
 */

/** What the stream needs of the REST client. */
export type StreamClient = Pick<GenesysRestClient, 'post' | 'request' | 'invalidateToken'>;

export interface StreamSourceOptions {
  /** The client, or how to get one once it can be built (demo mode: once the emulator listens). */
  client: StreamClient | (() => StreamClient | undefined);
  /** The topics to follow, asked at start and at each `refresh()`. */
  topics: () => Promise<readonly string[]>;
  /** What the last plan left out that the config names (the org lacks it): in `health()`. */
  pruned?: () => readonly PrunedId[];
  metrics: Metrics;
  config: Pick<Config, 'ingest'>;
  maxTopicsPerChannel?: number;
  maxChannels?: number;
  /** Hand a channel over this long before it expires. Default 1 h. */
  renewAheadMs?: number;
  /**
   * Re-plan the topics this often (queue membership changes), and this long after a
   * membership message (`v2.routing.queues.{id}.users`). Defaults 300 000 and 5 000; 0: never.
   */
  refreshIntervalMs?: number;
  refreshAfterMembershipMs?: number;
  /** Reconnect backoff: first ceiling and cap. Defaults 250 and 30 000 (the first reconnect comes soon: one gateway has at most 19 sockets). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  heartbeatTimeoutMs?: number;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** Most messages appended together (they arrive faster than the log commits). Default 500. */
  maxBatch?: number;
  /**
   * Messages held while the log is behind, at most. Past it new ones are dropped (Genesys cannot
   * be slowed down) and the window is reported as a gap once the backlog is back under half.
   * Default 100 000 (at 1 KiB a message, about 100 MB).
   */
  maxBacklog?: number;
  random?: () => number;
  now?: () => number;
}

interface ChannelInfo {
  id: string;
  connectUri: string;
  /** Epoch ms, or undefined when the answer had no usable `expires`. */
  expires: number | undefined;
}

interface Slot {
  index: number;
  topics: string[];
  channel: ChannelInfo | undefined;
  socket: NotificationSocket | undefined;
  /** Set while the slot has no working socket: when delivery was last known good, and why not. */
  down: { since: number; reason: string } | undefined;
  /** A window to report once the new socket proves Genesys answers again (see `onAlive`). */
  pendingGap: { since: number; reason: string } | undefined;
  attempts: number;
  retry: NodeJS.Timeout | undefined;
  expiry: NodeJS.Timeout | undefined;
  /** A handover waiting for room under the channel limit, or making its new channel. */
  handover: 'waiting' | 'making' | undefined;
}

export interface TopicRejection {
  topic: string;
  reason: string;
}

/** The stream's health: `/readyz` and the health page show the extra fields as they are. */
export interface StreamHealth extends SourceHealth {
  /** Sockets that ended unplanned, by cause (the labels of `switchboard_stream_reconnects_total`). */
  reconnectsByCause: Record<string, number>;
  /** The first `PRUNED_LISTED` ids the config names that the org lacks (counts: `pruned*`). */
  pruned: PrunedId[];
}

const PRUNED_LISTED = 20;

const SUBSCRIPTIONS = (id: string) =>
  `/api/v2/notifications/channels/${encodeURIComponent(id)}/subscriptions`;

export class StreamSource implements Source {
  readonly name = 'stream';
  readonly kind = 'stream' as const;
  readonly #o: StreamSourceOptions;
  readonly #life: SourceLifecycle;
  readonly #now: () => number;
  readonly #random: () => number;
  #ctx: SourceContext | undefined;
  #pipeline: IngestPipeline | undefined;
  #logger: Logger | undefined;
  #slots: Slot[] = [];
  #rejected: TopicRejection[] = [];
  #stopped = false;
  #starting: Promise<void> | undefined;
  /** Why the topics could not be listed (until they can), and the retry. */
  #planFailure: string | undefined;
  #planAttempts = 0;
  #planRetry: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #refreshTimer: NodeJS.Timeout | undefined;
  /** Users being looked up after logging off (at most 100 at once). */
  readonly #lookingUp = new Set<string>();
  #refreshSoon: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  /** Messages waiting for the append in flight; appended together, in arrival order. */
  #queue: { raw: Buffer; at: number }[] = [];
  #draining: Promise<void> | undefined;
  /** When messages began to be dropped for a full backlog (cleared once it drains). */
  #overflowSince: number | undefined;
  readonly #counts = {
    reconnects: 0,
    handovers: 0,
    heartbeatTimeouts: 0,
    pingTimeouts: 0,
    silences: 0,
    socketClosings: 0,
    channelsCreated: 0,
    gapsReported: 0,
    messages: 0,
    refreshes: 0,
    dropped: 0,
    usersDropped: 0,
  };
  readonly #reconnectsByCause = new Map<string, number>();
  /** Gaps of channels back up, held while others are still coming back (`#flushGaps`). */
  readonly #heldGaps: { since: number; reason: string; topics: readonly string[] }[] = [];
  #gapHold: NodeJS.Timeout | undefined;
  /** Handovers making their new channel now, and those waiting for room to. */
  #handoversInFlight = 0;
  readonly #handoverWaiters: ((admitted: boolean) => void)[] = [];

  constructor(options: StreamSourceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#life = new SourceLifecycle({
      kind: 'stream',
      gapOnAppendFailure: true,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  #client(): StreamClient {
    const c = this.#o.client;
    const client = typeof c === 'function' ? c() : c;
    if (client === undefined) throw new Error('no Genesys client yet');
    return client;
  }

  /** Topics Genesys refused, with its reason (a user deleted, a permission missing, …). */
  get rejectedTopics(): readonly TopicRejection[] {
    return this.#rejected;
  }

  /** The channels in use (ids are credentials: for tests and the health page's counts only). */
  get channels(): readonly { id: string | undefined; topics: number; open: boolean }[] {
    return this.#slots.map((s) => ({
      id: s.channel?.id,
      topics: s.topics.length,
      open: s.down === undefined,
    }));
  }

  start(ctx: SourceContext): Promise<void> {
    // Stop is final: a start after it is refused, also when an earlier start had resolved.
    if (this.#stopped)
      return Promise.reject(
        new SwitchboardError('SB_SHUTTING_DOWN', 'the stream source is stopped'),
      );
    this.#starting ??= this.#start(ctx);
    return this.#starting;
  }

  async #start(ctx: SourceContext): Promise<void> {
    this.#startedAt = this.#now();
    const appender = this.#life.start(ctx);
    this.#ctx = ctx;
    this.#logger = ctx.logger;
    this.#pipeline = new IngestPipeline({
      appender,
      metrics: this.#o.metrics,
      config: this.#o.config,
      logger: ctx.logger,
      reportGap: ctx.reportGap,
      ...(this.#o.now ? { now: this.#o.now } : {}),
    });
    await this.#plan(ctx.logger);
  }

  /**
   * Lists the topics and opens every channel in parallel (one that fails retries on its own).
   * An unreachable org or refused credentials never fail the gateway's start: the source is
   * degraded with the reason and tries again with backoff.
   */
  async #plan(logger: Logger): Promise<void> {
    let topics: readonly string[];
    try {
      topics = await this.#o.topics();
    } catch (err) {
      if (this.#stopped) return;
      const message = err instanceof Error ? err.message : String(err);
      this.#planFailure = message.slice(0, 300);
      logger.warn({ err: message }, 'stream: could not list the topics to follow; retrying');
      this.#planRetry = setTimeout(
        () => void this.#plan(logger),
        this.#backoff(this.#planAttempts++),
      );
      this.#planRetry.unref();
      return;
    }
    // Listed only after the start went on without us (the org unreachable, or the demo's
    // emulator not yet listening): whatever happened before the first channel opens was
    // missed, and the seed run after start may have come too early to see it.
    const late = this.#planAttempts > 0;
    this.#planFailure = undefined;
    this.#planAttempts = 0;
    this.#assign(topics);
    if (late)
      for (const slot of this.#slots)
        slot.down = { since: this.#startedAt, reason: 'started late' };
    await Promise.all(this.#slots.map((s) => this.#openSlot(s, 'start')));
    const every = this.#o.refreshIntervalMs ?? 300_000;
    if (every > 0 && !this.#stopped) {
      this.#refreshTimer = setInterval(() => void this.refresh(), every);
      this.#refreshTimer.unref();
    }
  }

  /**
   * Plans the topics again and changes the subscriptions in place: topics gone are dropped from
   * their channel, new ones go where there is room (a new channel when there is none), each
   * changed channel resubscribed with one PUT. Members added to or removed from a followed queue
   * are followed or dropped this way, without a restart. One refresh at a time.
   */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    if (this.#stopped || this.#slots.length === 0) return;
    let topics: readonly string[];
    try {
      topics = await this.#o.topics();
    } catch (err) {
      this.#logger?.warn({ err }, 'stream: could not re-plan the topics; keeping the current ones');
      return;
    }
    const per = this.#o.maxTopicsPerChannel ?? 1000;
    const maxSlots = Math.max(1, (this.#o.maxChannels ?? 20) - 1);
    const wanted = new Set(topics);
    const changed = new Set<Slot>();
    const have = new Set<string>();
    const left = new Set<string>();
    for (const slot of this.#slots) {
      for (const t of slot.topics) if (!wanted.has(t)) left.add(userOf(t) ?? '');
      const kept = slot.topics.filter((t) => wanted.has(t));
      if (kept.length !== slot.topics.length) changed.add(slot);
      slot.topics = kept;
      for (const t of kept) have.add(t);
    }
    const added: string[] = [];
    for (const t of wanted) if (!have.has(t)) added.push(t);
    const fresh: Slot[] = [];
    for (const t of added) {
      let slot = this.#slots.find((s) => s.topics.length < per);
      if (!slot) {
        if (this.#slots.length >= maxSlots) {
          this.#rejected.push({ topic: t, reason: `over the ${maxSlots + 1}-channel limit` });
          continue;
        }
        slot = this.#newSlot(this.#slots.length, []);
        this.#slots.push(slot);
        fresh.push(slot);
      }
      slot.topics.push(t);
      if (!fresh.includes(slot)) changed.add(slot);
    }
    // A topic the org now rejects was re-planned away or is asked again below.
    const planned = new Set(topics);
    this.#rejected = this.#rejected.filter((r) => planned.has(r.topic));
    await Promise.all([
      ...[...changed].map(async (slot) => {
        if (!slot.channel || slot.down) return; // its reconnect subscribes the new set
        try {
          await this.#subscribe(slot.channel, slot.topics);
        } catch (err) {
          this.#logger?.warn({ channel: slot.index, err }, 'stream: resubscribing failed');
        }
      }),
      ...fresh.map((slot) => this.#openSlot(slot, 'start')),
    ]);
    // Users no longer followed at all (deleted, or out of every followed queue): live state
    // shows them until a reconcile run's roster drops them, so one runs now.
    left.delete('');
    for (const t of wanted) left.delete(userOf(t) ?? '');
    if (left.size > 0) {
      this.#counts.usersDropped += left.size;
      this.#reportGap(this.#now(), ROSTER_CHANGED);
    }
    if (changed.size + fresh.length > 0) {
      this.#counts.refreshes++;
      this.#logger?.info(
        { added: added.length, channels: this.#slots.length },
        'stream: subscriptions changed',
      );
    }
  }

  /** Splits the topics into channels of at most `maxTopicsPerChannel`, within `maxChannels`. */
  #assign(all: readonly string[]): void {
    const per = this.#o.maxTopicsPerChannel ?? 1000;
    const maxChannels = this.#o.maxChannels ?? 20;
    const unique = [...new Set(all)];
    this.#slots = [];
    // One channel is kept free for make-before-break handovers.
    const room = per * Math.max(1, maxChannels - 1);
    for (const topic of unique.slice(room)) {
      this.#rejected.push({ topic, reason: `over the ${maxChannels}-channel limit` });
    }
    const kept = unique.slice(0, room);
    for (let i = 0; i * per < kept.length; i++) {
      this.#slots.push(this.#newSlot(i, kept.slice(i * per, (i + 1) * per)));
    }
  }

  #newSlot(index: number, topics: string[]): Slot {
    return {
      index,
      topics,
      channel: undefined,
      socket: undefined,
      down: { since: this.#now(), reason: 'starting' },
      pendingGap: undefined,
      attempts: 0,
      retry: undefined,
      expiry: undefined,
      handover: undefined,
    };
  }

  /** Creates a channel, connects its socket, then subscribes (nothing is sent before connect). */
  async #newChannel(slot: Slot): Promise<{ channel: ChannelInfo; socket: NotificationSocket }> {
    const answer = await this.#client().post<Record<string, unknown>>(
      '/api/v2/notifications/channels',
      undefined,
      { idempotent: false },
    );
    const channel = channelInfo(answer);
    this.#counts.channelsCreated++;
    const socket = this.#socketFor(slot, channel);
    await socket.open();
    try {
      await this.#subscribe(channel, slot.topics);
    } catch (err) {
      socket.close(1000, 'subscription failed');
      throw err;
    }
    return { channel, socket };
  }

  /**
   * A followed user logged off. Genesys announces no deletion, but a deleted user is logged off
   * first: one `GET /api/v2/users/{id}` tells, and a user it no longer has (404, or a state other
   * than active) is dropped by a re-plan now rather than at the next periodic one.
   */
  async #stillThere(userId: string): Promise<void> {
    if (this.#lookingUp.has(userId) || this.#lookingUp.size >= 100) return;
    this.#lookingUp.add(userId);
    try {
      const answer = await this.#client().request<Record<string, unknown>>(
        'GET',
        `/api/v2/users/${encodeURIComponent(userId)}`,
      );
      if (answer?.state === undefined || answer.state === 'active') return;
    } catch (err) {
      if (!(err instanceof GenesysApiError) || err.status !== 404) return;
    } finally {
      this.#lookingUp.delete(userId);
    }
    if (!this.#stopped) await this.refresh();
  }

  async #subscribe(channel: ChannelInfo, topics: readonly string[]): Promise<void> {
    const answer = await this.#client().request<Record<string, unknown>>(
      'PUT',
      SUBSCRIPTIONS(channel.id),
      { body: topics.map((id) => ({ id })) },
    );
    const entities = Array.isArray(answer?.entities) ? (answer.entities as unknown[]) : [];
    const rejected = new Set(this.#rejected.map((r) => r.topic));
    for (const e of entities) {
      if (typeof e !== 'object' || e === null) continue;
      const t = e as { id?: unknown; state?: unknown; rejectionReason?: unknown };
      if (typeof t.id !== 'string' || String(t.state).toLowerCase() !== 'rejected') continue;
      if (rejected.has(t.id)) continue;
      const reason = typeof t.rejectionReason === 'string' ? t.rejectionReason : 'rejected';
      this.#rejected.push({ topic: t.id.slice(0, 300), reason: reason.slice(0, 300) });
    }
  }

  #socketFor(slot: Slot, channel: ChannelInfo): NotificationSocket {
    const o = this.#o;
    const socket: NotificationSocket = new NotificationSocket({
      connectUri: channel.connectUri,
      onMessage: (raw, topic) => this.#message(slot, socket, raw, topic),
      onEnd: (end) => this.#ended(slot, socket, end),
      onAlive: () => this.#alive(slot, socket),
      onSilence: (since) => this.#silence(slot, socket, since),
      ...(o.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: o.heartbeatTimeoutMs } : {}),
      ...(o.pingIntervalMs !== undefined ? { pingIntervalMs: o.pingIntervalMs } : {}),
      ...(o.pongTimeoutMs !== undefined ? { pongTimeoutMs: o.pongTimeoutMs } : {}),
      maxFrameBytes: Math.max(o.config.ingest.bodyLimitBytes, 64 * 1024),
      now: this.#now,
    });
    return socket;
  }

  /** Opens (or reopens) a slot; on failure schedules the next attempt. */
  async #openSlot(slot: Slot, why: string): Promise<void> {
    if (this.#stopped) return;
    try {
      let reused = false;
      // The same channel while it exists: its subscriptions are still there.
      if (slot.channel && why !== 'start' && !this.#expiringSoon(slot.channel)) {
        const socket = this.#socketFor(slot, slot.channel);
        try {
          await socket.open();
          slot.socket = socket;
          reused = true;
        } catch {
          slot.channel = undefined;
        }
      }
      if (!reused && !this.#adopt(slot, await this.#newChannel(slot))) return;
      this.#opened(slot);
    } catch (err) {
      if (this.#stopped) return;
      const message = err instanceof Error ? err.message : String(err);
      this.#logger?.warn({ channel: slot.index, err: message }, 'stream: could not open a channel');
      if (slot.down) slot.down.reason = `${slot.down.reason}; ${message}`.slice(-300);
      this.#scheduleRetry(slot);
    }
  }

  /** The slot takes a new channel and its socket; false (socket closed) once stopping. */
  #adopt(slot: Slot, made: { channel: ChannelInfo; socket: NotificationSocket }): boolean {
    if (this.#stopped) {
      made.socket.close(1000, 'stopping');
      return false;
    }
    slot.channel = made.channel;
    slot.socket = made.socket;
    return true;
  }

  /**
   * The slot has a socket again. Its gap is reported once that socket proves Genesys answers (a
   * pong or an event): reported at connect, a repair could run while a silent maintenance still
   * drops events, and what it missed after would never be repaired.
   */
  #opened(slot: Slot): void {
    const down = slot.down;
    slot.down = undefined;
    slot.attempts = 0;
    this.#scheduleExpiry(slot);
    if (down && down.reason !== 'starting') {
      slot.pendingGap = slot.pendingGap ?? down;
      // It may have answered already, while it was being subscribed.
      if (slot.socket?.answered) this.#alive(slot, slot.socket);
    }
  }

  #alive(slot: Slot, socket: NotificationSocket | undefined): void {
    if (socket === undefined || socket !== slot.socket) return;
    const gap = slot.pendingGap;
    if (!gap || slot.down) return;
    slot.pendingGap = undefined;
    this.#heldGaps.push({ since: gap.since, reason: gap.reason, topics: slot.topics });
    this.#flushGaps(false);
  }

  /**
   * A socket that stayed open but answered a ping late: a silent maintenance drops what Genesys
   * had to send meanwhile. The silence is a gap of the slot's topics, without a reconnect (the
   * socket answers again), handed on with the gaps of other channels coming back with it.
   */
  #silence(slot: Slot, socket: NotificationSocket, since: number): void {
    if (socket !== slot.socket || slot.down || this.#stopped) return;
    this.#counts.silences++;
    this.#logger?.warn(
      { channel: slot.index, silentMs: this.#now() - since },
      'stream: a ping went unanswered, then the socket answered; reporting the silence as a gap',
    );
    this.#heldGaps.push({ since, reason: 'silent socket', topics: slot.topics });
    this.#flushGaps(false);
  }

  /**
   * Channels that went down together come back within a backoff of each other: their gaps are
   * handed to the reconciler together, so one run repairs them all instead of one run each, the
   * second waiting for the first. A gap is held while another channel is still coming back, at
   * most `GAP_HOLD_MS`.
   */
  #flushGaps(force: boolean): void {
    const recovering = this.#slots.some((x) => x.down !== undefined || x.pendingGap !== undefined);
    if (recovering && !force && !this.#stopped) {
      if (this.#gapHold === undefined) {
        this.#gapHold = setTimeout(() => {
          this.#gapHold = undefined;
          this.#flushGaps(true);
        }, GAP_HOLD_MS);
        this.#gapHold.unref();
      }
      return;
    }
    if (this.#gapHold !== undefined) clearTimeout(this.#gapHold);
    this.#gapHold = undefined;
    for (const g of this.#heldGaps.splice(0)) this.#reportGap(g.since, g.reason, g.topics);
  }

  #scheduleRetry(slot: Slot): void {
    if (this.#stopped || slot.retry) return;
    const delay = this.#backoff(slot.attempts++);
    slot.retry = setTimeout(() => {
      slot.retry = undefined;
      this.#counts.reconnects++;
      void this.#openSlot(slot, 'reconnect');
    }, delay);
    slot.retry.unref();
  }

  #backoff(attempt: number): number {
    const base = this.#o.backoffBaseMs ?? 250;
    const cap = this.#o.backoffCapMs ?? 30_000;
    return fullJitterDelay(attempt, { initialMs: base, maxMs: cap, random: this.#random });
  }

  #expiringSoon(channel: ChannelInfo): boolean {
    return (
      channel.expires !== undefined &&
      channel.expires - this.#now() <= (this.#o.renewAheadMs ?? 3_600_000)
    );
  }

  #scheduleExpiry(slot: Slot): void {
    if (slot.expiry) clearTimeout(slot.expiry);
    slot.expiry = undefined;
    const expires = slot.channel?.expires;
    if (expires === undefined) return;
    const due = Math.max(0, expires - (this.#o.renewAheadMs ?? 3_600_000) - this.#now());
    // setTimeout's limit is ~24.8 days; a channel lives 24 h.
    slot.expiry = setTimeout(
      () => void this.#handover(slot, 'channel-expiry'),
      Math.min(due, 2 ** 31 - 1),
    );
    slot.expiry.unref();
  }

  /**
   * Make-before-break: a new channel with the slot's topics, connected and subscribed, before
   * the old socket is closed. If the old socket ends first, its gap is reported when the new
   * one is up; if the new channel cannot be made, the slot falls back to reconnecting.
   */
  async #handover(slot: Slot, reason: string): Promise<void> {
    if (this.#stopped || slot.handover || slot.down) return;
    slot.handover = 'waiting';
    this.#counts.handovers++;
    this.#o.metrics.streamHandovers.inc({ reason });
    const old = slot.socket;
    let admitted = false;
    try {
      admitted = await this.#handoverRoom();
      // While it waited the socket may have ended and the slot reconnected: nothing to hand over.
      if (!admitted || this.#stopped || slot.down || slot.socket !== old) return;
      slot.handover = 'making';
      if (!this.#adopt(slot, await this.#newChannel(slot))) return;
      old?.close(1000, `handed over (${reason})`);
      this.#logger?.info({ channel: slot.index, reason }, 'stream: channel handed over');
      this.#opened(slot);
    } catch (err) {
      this.#logger?.warn({ channel: slot.index, reason, err }, 'stream: handover failed');
      // The old socket goes on while it can; its end triggers the usual reconnect.
    } finally {
      if (admitted) this.#releaseHandoverRoom();
      slot.handover = undefined;
      // The old socket ended while the new channel could not be made: reconnect as usual.
      if (slot.down && !this.#stopped) this.#scheduleRetry(slot);
    }
  }

  /**
   * Genesys keeps 20 channels per user and OAuth client, and a 21st replaces the oldest one
   * with no connection (FACTS §1): every slot's channel is connected, so only the channels the
   * slots leave free may be in the making at once. A `socket_closing` sent to every socket of
   * a 19-channel stream then hands them over a few at a time, never dropping a live one.
   */
  async #handoverRoom(): Promise<boolean> {
    const room = Math.max(1, (this.#o.maxChannels ?? 20) - this.#slots.length);
    if (this.#handoversInFlight < room) {
      this.#handoversInFlight++;
      return true;
    }
    // False when the stream stops first.
    return new Promise<boolean>((resolve) => this.#handoverWaiters.push(resolve));
  }

  #releaseHandoverRoom(): void {
    const next = this.#handoverWaiters.shift();
    // The room passes straight to the next waiter; the count stays.
    if (next) next(true);
    else this.#handoversInFlight--;
  }

  #ended(slot: Slot, socket: NotificationSocket, end: SocketEnd): void {
    // A socket already replaced (handed over) ends without consequence.
    if (slot.socket !== socket || this.#stopped) return;
    slot.socket = undefined;
    const reason =
      end.kind === 'closed' ? `closed ${end.code}${end.reason ? ` ${end.reason}` : ''}` : end.kind;
    const cause = metricCause(end);
    this.#o.metrics.streamReconnects.inc({ cause });
    this.#reconnectsByCause.set(cause, (this.#reconnectsByCause.get(cause) ?? 0) + 1);
    if (end.kind === 'heartbeat-timeout') this.#counts.heartbeatTimeouts++;
    if (end.kind === 'ping-timeout') this.#counts.pingTimeouts++;
    slot.down = { since: socket.lastDeliveryAt || this.#now(), reason };
    this.#logger?.warn({ channel: slot.index, reason }, 'stream: socket ended; reconnecting');
    // A handover making its channel will bring the slot up; otherwise (one still waiting for
    // room included) reconnect.
    if (slot.handover !== 'making') this.#scheduleRetry(slot);
  }

  #message(slot: Slot, socket: NotificationSocket, raw: Buffer, topic: string | undefined): void {
    if (this.#stopped) return;
    if (topic === 'v2.system.socket_closing') {
      this.#counts.socketClosings++;
      void this.#handover(slot, 'socket-closing');
      return;
    }
    if (topic?.startsWith('v2.system.token_revoked')) {
      // The channel's token is dead: a new channel on a new token, and the event is stored
      // (the pipeline reports it to the reconciler, whose REST token is dead too).
      this.#client().invalidateToken();
      void this.#handover(slot, 'token-revoked');
    }
    // Frames of a socket being replaced still count: the log keeps one copy of each event.
    void socket;
    const user =
      topic === undefined ? undefined : /^v2\.users\.([^.]+)\.(?:presence|activity)$/.exec(topic);
    if (user && OFFLINE.test(raw.toString('utf8'))) void this.#stillThere(user[1]!);
    if (topic !== undefined && /^v2\.routing\.queues\.[^.]+\.users$/.test(topic)) {
      // Someone joined or left a followed queue: their topics change soon, not in 5 minutes.
      const after = this.#o.refreshAfterMembershipMs ?? 5000;
      if (after > 0 && !this.#refreshSoon) {
        this.#refreshSoon = setTimeout(() => {
          this.#refreshSoon = undefined;
          void this.refresh();
        }, after);
        this.#refreshSoon.unref();
      }
    }
    this.#counts.messages++;
    const now = this.#now();
    if (this.#queue.length >= (this.#o.maxBacklog ?? 100_000)) {
      this.#overflowSince ??= now;
      this.#counts.dropped++;
      return;
    }
    this.#queue.push({ raw, at: now });
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  /** Appends queued messages, batched, in arrival order, one append at a time. */
  async #drain(): Promise<void> {
    const max = this.#o.maxBatch ?? 500;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, Math.min(max, this.#o.config.ingest.maxEventsPerRequest));
      const parts: Buffer[] = [Buffer.from('[')];
      batch.forEach((m, i) => {
        if (i > 0) parts.push(Buffer.from(','));
        parts.push(m.raw);
      });
      parts.push(Buffer.from(']'));
      try {
        const reply = await this.#life.run(() =>
          this.#pipeline!.ingest('stream', Buffer.concat(parts), 'application/json'),
        );
        // One frame that is not a JSON object makes the whole batch unparseable (kept in
        // quarantine as sent): each frame goes again on its own, so only that one stays there.
        if (reply.status === 202 && batch.length > 1) {
          for (const m of batch)
            await this.#life.run(() => this.#pipeline!.ingest('stream', m.raw, 'application/json'));
        }
      } catch (err) {
        if (this.#stopped && this.#queue.length === 0) return;
        // The stream cannot resend. An append the log refused opened a gap that the lifecycle
        // reports once appends succeed again (or at stop); a batch shed before it reached the
        // log is a loss only this source knows of, and already over.
        if (err instanceof SwitchboardError && err.code === 'SB_OVERLOADED')
          this.#reportGap(batch[0]!.at, 'shed while the log was overloaded');
      }
      const since = this.#overflowSince;
      if (since !== undefined && this.#queue.length <= (this.#o.maxBacklog ?? 100_000) / 2) {
        this.#overflowSince = undefined;
        this.#reportGap(since, 'backlog full: messages dropped while the log was behind');
      }
    }
  }

  /** `topics`: the channel's, when only its socket was down; absent: every topic. */
  #reportGap(since: number, reason: string, topics?: readonly string[]): void {
    this.#counts.gapsReported++;
    this.#ctx?.reportGap({
      source: 'stream',
      from: new Date(since).toISOString(),
      to: new Date(this.#now()).toISOString(),
      reason,
      ...(topics !== undefined ? { topics: [...topics] } : {}),
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#planRetry) clearTimeout(this.#planRetry);
    clearInterval(this.#refreshTimer);
    if (this.#refreshSoon) clearTimeout(this.#refreshSoon);
    for (const slot of this.#slots) {
      if (slot.retry) clearTimeout(slot.retry);
      if (slot.expiry) clearTimeout(slot.expiry);
      slot.socket?.close(1000, 'gateway stopping');
    }
    if (this.#gapHold !== undefined) clearTimeout(this.#gapHold);
    // Handovers waiting for room see the stop and return.
    for (const next of this.#handoverWaiters.splice(0)) next(false);
    await this.#draining;
    await this.#life.stop();
  }

  health(): StreamHealth {
    const pruned = this.#o.pruned?.() ?? [];
    const prunedOf = (kind: PrunedId['kind']) => pruned.filter((p) => p.kind === kind).length;
    const extra = {
      reconnectsByCause: Object.fromEntries(this.#reconnectsByCause),
      pruned: pruned.slice(0, PRUNED_LISTED).map((p) => ({ ...p })),
    };
    const down = this.#slots.filter((s) => s.down !== undefined);
    const degradedBy =
      this.#planFailure !== undefined
        ? `the topics to follow could not be listed: ${this.#planFailure}`
        : down.length > 0
          ? `${down.length} of ${this.#slots.length} channels down: ${down[0]!.down!.reason}`
          : this.#overflowSince !== undefined
            ? 'backlog full: dropping messages while the log is behind'
            : this.#slots.some((x) => x.pendingGap)
              ? 'reconnected; waiting for Genesys to answer on the new socket'
              : this.#rejected.length > 0
                ? `${this.#rejected.length} topics not followed: ` +
                  this.#rejected
                    .slice(0, 3)
                    .map((r) => `${r.topic} (${r.reason})`)
                    .join(', ') +
                  (this.#rejected.length > 3 ? ', …' : '')
                : undefined;
    const lastDelivery = Math.max(0, ...this.#slots.map((s) => s.socket?.lastDeliveryAt ?? 0));
    const health = this.#life.health({
      ...(degradedBy !== undefined ? { degradedBy } : {}),
      counts: {
        ...this.#counts,
        channels: this.#slots.length,
        channelsOpen: this.#slots.length - down.length,
        topics: this.#slots.reduce((n, s) => n + s.topics.length, 0),
        rejectedTopics: this.#rejected.length,
        ...(lastDelivery > 0 ? { lastDeliveryAgeMs: Math.max(0, this.#now() - lastDelivery) } : {}),
        prunedUsers: prunedOf('user'),
        prunedQueues: prunedOf('queue'),
        prunedTeams: prunedOf('team'),
        prunedDivisions: prunedOf('division'),
      },
    });
    // Stopped from the moment `stop` is called: the lifecycle itself stops only once the
    // messages already received are in the log (see `stop`), and /readyz must not say running.
    if (!this.#stopped || health.state === 'stopped') return { ...health, ...extra };
    return {
      state: 'stopped',
      lastEventAt: health.lastEventAt,
      ...(health.counts ? { counts: health.counts } : {}),
      ...extra,
    };
  }
}

/** How long a channel's gap waits for the other channels coming back with it (`#flushGaps`). */
const GAP_HOLD_MS = 2000;

/** Close codes are the server's to choose: a label per known one, the rest as `closed other`. */
const KNOWN_CLOSE_CODES = new Set([1000, 1001, 1005, 1006, 1008, 1011, 1012, 1013, 4001]);

function metricCause(end: SocketEnd): string {
  if (end.kind !== 'closed') return end.kind;
  return KNOWN_CLOSE_CODES.has(end.code) ? `closed ${end.code}` : 'closed other';
}

function channelInfo(answer: Record<string, unknown> | undefined): ChannelInfo {
  const id = answer?.id;
  const connectUri = answer?.connectUri;
  if (typeof id !== 'string' || id === '' || typeof connectUri !== 'string') {
    throw new Error('the channel answer has no id or connectUri');
  }
  const uri = new URL(connectUri);
  if (uri.protocol !== 'wss:' && uri.protocol !== 'ws:') {
    throw new Error(`the channel's connectUri is not a WebSocket URL (${uri.protocol})`);
  }
  const expires = typeof answer?.expires === 'string' ? Date.parse(answer.expires) : NaN;
  return { id, connectUri, expires: Number.isFinite(expires) ? expires : undefined };
}

/** A presence or activity body saying the user is offline (`systemPresence`, any casing). */
const OFFLINE = /"systemPresence"\s*:\s*"off[ _]?line"/i;

/** The user a `v2.users.{id}.…` topic is about. */
function userOf(topic: string): string | undefined {
  return /^v2\.users\.([^.]+)\./.exec(topic)?.[1];
}
