import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { realClock, type Clock } from './clock.js';
import { Faults } from './faults.js';
import { registerAnalyticsRoutes } from './http/analytics-routes.js';
import { registerControlRoutes } from './http/control-routes.js';
import { registerDirectoryRoutes } from './http/directory-routes.js';
import { createGenesysApp } from './http/genesys-http.js';
import { registerNotificationRoutes } from './http/notification-routes.js';
import { buildOrg } from './model/org.js';
import { Rng } from './model/rng.js';
import { Simulation, type Conversation, type DomainEvent } from './model/simulation.js';
import { queueTruths, truthOf } from './model/truth.js';
import { ChannelManager } from './notifications/channel-manager.js';
import { ChannelSockets } from './notifications/channel-sockets.js';
import { topicRejection } from './notifications/topic-validator.js';
import type { TokenStore } from './ports.js';
import { PushDispatcher } from './push/push-dispatcher.js';
import {
  matchesFilter,
  signBody,
  type NewWebhook,
  type WebhookSubscription,
} from './push/webhook-subscription.js';
import {
  EVENTBRIDGE_TOPICS,
  detailTypeOf,
  eventbridgeEnvelope,
} from './render/eventbridge-envelope.js';
import { guideEventsFor, type GuideEvent } from './render/guide-formats.js';
import { observationMessages } from './render/observations.js';
import { topicsFor, type TopicMessage } from './render/topics.js';

export { EVENTBRIDGE_TOPICS } from './render/eventbridge-envelope.js';
export type { WebhookSubscription } from './push/webhook-subscription.js';

export interface EmulatorOptions {
  host?: string;
  port?: number;
  agents?: number;
  queues?: number;
  seed?: number;
  /** Virtual seconds per real second (1 … 100). */
  speed?: number;
  clientId?: string;
  clientSecret?: string;
  /** Start of virtual time (epoch ms); default now (minus `warmupMs`). Tests fix it for determinism. */
  startMs?: number;
  /**
   * Begin this far in the past and play it back at `warmupSpeed` until virtual time reaches the
   * wall clock, delivering everything, then run at `speed`: a floor already in its stride a few
   * seconds after start, instead of every agent idle and no caller yet (default 0).
   */
  warmupMs?: number;
  /** Virtual seconds per real second while warming up (default 30). */
  warmupSpeed?: number;
  /** false: virtual time moves only through `advance()` (tests). Default true. */
  realtime?: boolean;
  tokenTtlSec?: number;
  /** Token requests per second per client above which /oauth/token answers 429. */
  tokenRatePerSec?: number;
  heartbeatSec?: number;
  /**
   * How long a Notification API channel lives unless subscribed again (ms; default 24 h, as
   * Genesys: FACTS §1.6). Shorter in tests of the handover ahead of a channel's expiry.
   */
  channelTtlMs?: number;
  /** Guide-format webhook pushes (SEED-FORMATS §A/B). */
  webhook?: { url: string; secret: string; encoding?: 'hex' | 'base64'; events?: string[] };
  /**
   * EventBridge envelopes to an HTTP target, as an API destination sends them (FACTS §5.1).
   * `topics` are the integration's topic filters in `{id}` form (default: EVENTBRIDGE_TOPICS).
   */
  eventbridge?: { url: string; apiKeyHeader?: string; apiKey: string; topics?: string[] };
  /** Delivery retry horizon for pushes, seconds (default 3600). */
  retryHorizonSec?: number;
  /** Requests in flight at once per push target (default 32). */
  pushConcurrency?: number;
  /** Receives every rendered message as JSON text (in-process consumers, benchmarks). */
  sink?: (text: string) => void;
  /**
   * Real time and timers for the transport: push retries and fault windows (default: the
   * system clock). Tests inject a manual clock to run a retry or end a fault when they say.
   */
  clock?: Clock;
}

const OBSERVATION_INTERVAL_MS = 2_000;
const MAX_FINISHED = 20_000;

/**
 * The Genesys Cloud emulator: a simulated contact center behind the real API shapes (OAuth,
 * users, presence, routing, Notification API channels and WebSocket, analytics), pushing the
 * guides' signed webhooks and EventBridge envelopes, with a fault injector and ground truth.
 */
export class Emulator {
  readonly options: Required<
    Omit<EmulatorOptions, 'webhook' | 'eventbridge' | 'startMs' | 'sink' | 'clock' | 'channelTtlMs'>
  > &
    Pick<EmulatorOptions, 'webhook' | 'eventbridge'>;
  readonly sim: Simulation;
  readonly channels: ChannelManager;
  readonly faults: Faults;
  readonly app: FastifyInstance;
  readonly clock: Clock;
  readonly tokens: TokenStore = new Map();
  readonly webhooks = new Map<string, WebhookSubscription>();
  readonly deletedUsers = new Set<string>();
  readonly deletedQueues = new Set<string>();
  eventbridge: PushDispatcher | undefined;
  readonly #eventbridgeTopics: ReadonlySet<string>;
  /** Recently finished conversations, oldest first (conversation details queries). */
  readonly finished: Conversation[] = [];
  readonly #sockets: ChannelSockets;
  #ids: Rng;
  /** Moves virtual time with the wall clock while realtime. */
  #ticker: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #expiry: NodeJS.Timeout | undefined;
  readonly #sink: ((text: string) => void) | undefined;
  readonly #bodyText = new WeakMap<object, string>();
  /** Playing back the warm-up: virtual time is behind the wall clock and catching up. */
  #warming = false;
  #dirtyQueues = new Set<string>();
  #url = '';
  #channelSeq = 0;

  constructor(options: EmulatorOptions = {}) {
    this.options = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 9400,
      agents: options.agents ?? 500,
      queues: options.queues ?? 12,
      seed: options.seed ?? 1,
      speed: options.speed ?? 1,
      warmupMs: options.warmupMs ?? 0,
      warmupSpeed: options.warmupSpeed ?? 30,
      clientId: options.clientId ?? 'demo-client',
      clientSecret: options.clientSecret ?? 'demo-secret',
      realtime: options.realtime ?? true,
      tokenTtlSec: options.tokenTtlSec ?? 86_400,
      tokenRatePerSec: options.tokenRatePerSec ?? 10,
      heartbeatSec: options.heartbeatSec ?? 30,
      retryHorizonSec: options.retryHorizonSec ?? 3600,
      pushConcurrency: options.pushConcurrency ?? 32,
      webhook: options.webhook,
      eventbridge: options.eventbridge,
    };
    const o = this.options;
    const org = buildOrg({ agents: o.agents, queues: o.queues, seed: o.seed });
    const startMs = options.startMs ?? Date.now() - o.warmupMs;
    this.#warming = o.warmupMs > 0;
    this.sim = new Simulation({ org, seed: o.seed, startMs, consults: true });
    this.#ids = new Rng(o.seed ^ 0x1d5);
    this.clock = options.clock ?? realClock;
    this.channels = new ChannelManager({
      now: () => Date.now(),
      newId: () =>
        `streaming-${++this.#channelSeq}-${this.#ids.uuid().replace(/-/g, '').slice(0, 26)}`,
      validTopic: (topic) => topicRejection(topic, this),
      ...(options.channelTtlMs !== undefined ? { ttlMs: options.channelTtlMs } : {}),
    });
    this.faults = new Faults({
      clock: this.clock,
      channels: this.channels,
      tokens: this.tokens,
      webhooks: this.webhooks,
      sim: this.sim,
      deletedUsers: this.deletedUsers,
      deletedQueues: this.deletedQueues,
      newCorrelationId: () => this.newCorrelationId(),
    });
    this.#sockets = new ChannelSockets(this.channels, this.faults);
    this.#eventbridgeTopics = new Set(options.eventbridge?.topics ?? EVENTBRIDGE_TOPICS);
    this.#sink = options.sink;
    this.sim.onEvent((e) => this.#deliver(e));
    this.app = createGenesysApp();
    registerDirectoryRoutes(this.app, this);
    registerNotificationRoutes(this.app, this);
    registerAnalyticsRoutes(this.app, this);
    registerControlRoutes(this.app, this);
    if (o.webhook) {
      this.addWebhook({
        name: 'cli-webhook',
        url: o.webhook.url,
        secret: o.webhook.secret,
        encoding: o.webhook.encoding ?? 'hex',
        status: 'PUBLISHED',
        events: (
          o.webhook.events ?? ['agentStateChange', 'routing.conversation.event', 'interaction']
        ).map((name) => ({ name })),
      });
    }
    if (o.eventbridge) {
      const { apiKeyHeader = 'x-api-key', apiKey } = o.eventbridge;
      this.eventbridge = new PushDispatcher({
        url: o.eventbridge.url,
        headers: () => ({ [apiKeyHeader]: apiKey }),
        concurrency: o.pushConcurrency,
        retryHorizonSec: o.retryHorizonSec,
        timeoutMs: 10_000,
        clock: this.clock,
      });
    }
  }

  get url(): string {
    return this.#url;
  }

  get orgId(): string {
    return this.sim.org.id;
  }

  async start(): Promise<string> {
    this.#sockets.listen(this.app.server);
    await this.app.listen({ host: this.options.host, port: this.options.port });
    const address = this.app.server.address();
    const port = typeof address === 'object' && address ? address.port : this.options.port;
    this.#url = `http://${this.options.host}:${port}`;
    if (this.options.realtime) this.resume();
    this.#heartbeat = setInterval(
      () => this.#sockets.sendHeartbeats(),
      this.options.heartbeatSec * 1000,
    );
    // A channel past its 24 h is gone: its socket closes and it stops receiving.
    this.#expiry = setInterval(() => this.channels.sweep(), 1000);
    this.#expiry.unref();
    return this.#url;
  }

  /** Freezes simulated time (tests compare a still floor with what was projected). */
  pause(): void {
    clearInterval(this.#ticker);
    this.#ticker = undefined;
  }

  /** Lets simulated time run with the wall clock again, at `speed`, from where it stopped. */
  resume(): void {
    if (this.#ticker !== undefined) return;
    // Virtual time is anchored to the wall clock (start + elapsed × speed), so ticks that run
    // late do not make it drift.
    let realStart = Date.now();
    let start = this.sim.now;
    this.#ticker = setInterval(() => {
      const real = Date.now();
      if (this.#warming) {
        const target = start + (real - realStart) * this.options.warmupSpeed;
        if (target < real) {
          this.sim.advanceTo(target);
        } else {
          this.#warming = false;
          this.sim.advanceTo(real);
          realStart = real;
          start = this.sim.now;
        }
      } else {
        this.sim.advanceTo(start + (real - realStart) * this.options.speed);
      }
      this.#flushObservations();
    }, 100);
  }

  /** True while the warm-up is still being played back. */
  get warming(): boolean {
    return this.#warming;
  }

  /** Moves virtual time forward (tests; with realtime off this is the only clock). */
  advance(ms: number): void {
    this.sim.advanceTo(this.sim.now + ms);
    this.#flushObservations();
  }

  truth() {
    return truthOf(this.sim);
  }

  async stop(): Promise<void> {
    clearInterval(this.#ticker);
    clearInterval(this.#heartbeat);
    clearInterval(this.#expiry);
    this.faults.clear();
    this.#sockets.terminateAll();
    for (const w of this.webhooks.values()) w.dispatcher.close();
    this.eventbridge?.close();
    await this.app.close();
  }

  addWebhook(sub: NewWebhook): WebhookSubscription {
    const full: WebhookSubscription = {
      ...sub,
      id: randomUUID(),
      dispatcher: new PushDispatcher({
        url: sub.url,
        // Signed with the secret at send time: a rotated secret applies to retries too.
        headers: (body) => ({ 'x-genesys-webhook-signature': signBody(body, full) }),
        concurrency: this.options.pushConcurrency,
        retryHorizonSec: this.options.retryHorizonSec,
        timeoutMs: 10_000,
        clock: this.clock,
      }),
    };
    this.webhooks.set(full.id, full);
    return full;
  }

  newCorrelationId(): string {
    return this.#ids.uuid();
  }

  // ── delivery ──────────────────────────────────────────────────────────────────────────

  #agentName = (id: string) => this.sim.agents.get(id)?.agent.name;

  #deliver(event: DomainEvent): void {
    if (event.type === 'queue') {
      this.#dirtyQueues.add(event.queue.id);
      return;
    }
    if (
      event.type === 'conversation' &&
      (event.change === 'ended' || event.change === 'abandoned')
    ) {
      this.finished.push(event.conversation);
      if (this.finished.length > MAX_FINISHED)
        this.finished.splice(0, this.finished.length - MAX_FINISHED);
    }
    // As Genesys may: one CorrelationId for every topic one change goes out on (nothing promises
    // it unique across topics). A topic met twice in one change gets its own, or the two
    // messages would be one event.
    const shared = this.newCorrelationId();
    const seen = new Set<string>();
    for (const msg of topicsFor(event, this.#agentName)) {
      const repeated = seen.size === seen.add(msg.topicName).size;
      this.publish(msg, repeated ? this.newCorrelationId() : shared);
    }
    if (this.webhooks.size > 0) {
      for (const guide of guideEventsFor(event, this.#agentName)) this.#publishGuide(guide);
    }
  }

  /** One topic message to every subscribed socket and to the EventBridge target. */
  publish(msg: TopicMessage, correlationId = this.newCorrelationId()): void {
    if (this.deletedQueues.size > 0 && this.#ofDeletedQueue(msg.topicName)) return;
    if (this.faults.silenced()) return; // maintenance: lost, as on the real platform
    // One conversation change goes out on up to four topics with the same body: serialize the
    // body once and splice it into each envelope.
    let body = this.#bodyText.get(msg.eventBody);
    if (body === undefined)
      this.#bodyText.set(msg.eventBody, (body = JSON.stringify(msg.eventBody)));
    const topic = JSON.stringify(msg.topicName);
    const metadata = `"metadata":{"CorrelationId":"${correlationId}"}`;
    const channels = this.channels.subscribers(msg.topicName);
    if ((channels && channels.size > 0) || this.#sink) {
      const text = this.faults.shape(
        `{"topicName":${topic},"version":"2","eventBody":${body},${metadata}}`,
      );
      this.#sink?.(text);
      for (const ch of channels ?? []) this.faults.send(ch, text);
    }
    if (!this.eventbridge) return;
    const detailType = detailTypeOf(msg.topicName);
    if (!this.#eventbridgeTopics.has(detailType)) return;
    const envelope = eventbridgeEnvelope({
      // EventBridge's own event id, not the CorrelationId (Genesys's sample has two different ids).
      eventId: this.newCorrelationId(),
      detailType,
      orgId: this.orgId,
      at: msg.at,
      topicJson: topic,
      bodyJson: body,
      metadataJson: metadata,
    });
    this.faults.push(this.eventbridge, this.faults.shape(envelope));
  }

  #publishGuide(guide: GuideEvent): void {
    if (this.faults.silenced()) return;
    const payload = { notificationId: this.newCorrelationId(), ...guide.payload };
    let text: string | undefined;
    if (this.#sink) this.#sink((text = this.faults.shape(JSON.stringify(payload))));
    for (const sub of this.webhooks.values()) {
      if (sub.status !== 'PUBLISHED') continue;
      const rule = sub.events.find((e) => e.name === guide.name);
      if (!rule || (rule.filter && !matchesFilter(payload, rule.filter))) continue;
      text ??= this.faults.shape(JSON.stringify(payload));
      this.faults.push(sub.dispatcher, text);
    }
  }

  #ofDeletedQueue(topic: string): boolean {
    const id = /^v2\.(?:routing|analytics)\.queues\.([^.]+)\./.exec(topic)?.[1];
    return id !== undefined && this.deletedQueues.has(id);
  }

  #flushObservations(): void {
    if (this.#dirtyQueues.size === 0) return;
    const now = this.sim.now;
    if (now - this.#lastObservation < OBSERVATION_INTERVAL_MS) return;
    this.#lastObservation = now;
    const truth = queueTruths(this.sim);
    for (const id of this.#dirtyQueues) {
      const q = truth.find((x) => x.id === id);
      const queue = this.sim.org.queues.find((x) => x.id === id);
      if (!q || !queue) continue;
      const media = [queue.media, ...queue.otherMedia];
      for (const msg of observationMessages(this.sim, q, media, now)) this.publish(msg);
    }
    this.#dirtyQueues.clear();
  }

  #lastObservation = 0;

  /** Sends a heartbeat now (tests, and right after a socket connects if asked). */
  heartbeatNow(): void {
    this.#sockets.sendHeartbeats();
  }
}
