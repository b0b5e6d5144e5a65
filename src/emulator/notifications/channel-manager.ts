import type { WebSocket } from 'ws';

/** Platform limits (FACTS §1.6). */
export const MAX_TOPICS_PER_CHANNEL = 1000;
export const MAX_CHANNELS_PER_CLIENT = 20;
export const CHANNEL_TTL_MS = 24 * 3600_000;

export interface Channel {
  id: string;
  clientId: string;
  expires: number;
  lastUsed: number;
  topics: Set<string>;
  socket: WebSocket | undefined;
}

export interface TopicResult {
  id: string;
  state: 'Permitted' | 'Rejected';
  rejectionReason?: string;
}

/**
 * Notification channels and their subscriptions: create (replacing the oldest unconnected one
 * past 20 per client), subscribe (validate each topic, extend the 24 h expiry), and the index
 * from topic to subscribed channels that delivery uses.
 */
export class ChannelManager {
  readonly channels = new Map<string, Channel>();
  readonly #byTopic = new Map<string, Set<Channel>>();
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #validTopic: (topic: string) => string | undefined;
  /**
   * How long a channel lives from its creation or last subscription (Genesys: 24 h). Tests set
   * it shorter to see a handover ahead of expiry, and may change it between two channels.
   */
  ttlMs: number;

  constructor(options: {
    now: () => number;
    newId: () => string;
    /** Returns a rejection reason for a topic this org cannot serve, else undefined. */
    validTopic: (topic: string) => string | undefined;
    /** Default `CHANNEL_TTL_MS` (24 h). */
    ttlMs?: number;
  }) {
    this.#now = options.now;
    this.#newId = options.newId;
    this.#validTopic = options.validTopic;
    this.ttlMs = options.ttlMs ?? CHANNEL_TTL_MS;
  }

  create(clientId: string): { channel: Channel; replaced: Channel | undefined } {
    this.sweep();
    const mine = [...this.channels.values()].filter((c) => c.clientId === clientId);
    let replaced: Channel | undefined;
    if (mine.length >= MAX_CHANNELS_PER_CLIENT) {
      // The 21st replaces the least recently used one, unconnected channels first.
      replaced = mine.sort(
        (a, b) => Number(!!a.socket) - Number(!!b.socket) || a.lastUsed - b.lastUsed,
      )[0];
      if (replaced) this.remove(replaced.id);
    }
    const now = this.#now();
    const channel: Channel = {
      id: this.#newId(),
      clientId,
      expires: now + this.ttlMs,
      lastUsed: now,
      topics: new Set(),
      socket: undefined,
    };
    this.channels.set(channel.id, channel);
    return { channel, replaced };
  }

  get(id: string): Channel | undefined {
    const channel = this.channels.get(id);
    if (channel && channel.expires <= this.#now()) {
      this.remove(id);
      return undefined;
    }
    return channel;
  }

  /**
   * Adds (`replace` false) or replaces the channel's topics. Returns per-topic results, or
   * `tooMany` when the result would exceed the 1,000-topic limit (nothing changes then).
   */
  subscribe(channel: Channel, topics: string[], replace: boolean): TopicResult[] | 'tooMany' {
    const results: TopicResult[] = [];
    const accepted: string[] = [];
    for (const topic of topics) {
      const reason = this.#validTopic(topic);
      if (reason === undefined) {
        accepted.push(topic);
        results.push({ id: topic, state: 'Permitted' });
      } else {
        results.push({ id: topic, state: 'Rejected', rejectionReason: reason });
      }
    }
    const next = new Set(replace ? accepted : [...channel.topics, ...accepted]);
    if (next.size > MAX_TOPICS_PER_CHANNEL) return 'tooMany';
    this.#unindex(channel);
    channel.topics = next;
    for (const t of next) {
      let set = this.#byTopic.get(t);
      if (!set) this.#byTopic.set(t, (set = new Set()));
      set.add(channel);
    }
    // Subscribing is what keeps a channel alive past 24 h.
    channel.expires = this.#now() + this.ttlMs;
    channel.lastUsed = this.#now();
    return results;
  }

  /** Removes expired channels (their sockets close); returns how many. */
  sweep(): number {
    const now = this.#now();
    let removed = 0;
    for (const channel of [...this.channels.values()]) {
      if (channel.expires > now) continue;
      this.remove(channel.id);
      removed++;
    }
    return removed;
  }

  clear(channel: Channel): void {
    this.#unindex(channel);
    channel.topics = new Set();
  }

  subscribers(topic: string): ReadonlySet<Channel> | undefined {
    return this.#byTopic.get(topic);
  }

  remove(id: string): void {
    const channel = this.channels.get(id);
    if (!channel) return;
    this.#unindex(channel);
    this.channels.delete(id);
    channel.socket?.close(1000, 'channel removed');
  }

  #unindex(channel: Channel): void {
    for (const t of channel.topics) {
      const set = this.#byTopic.get(t);
      set?.delete(channel);
      if (set?.size === 0) this.#byTopic.delete(t);
    }
  }
}
