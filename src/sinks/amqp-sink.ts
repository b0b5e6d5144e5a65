/**
 * The RabbitMQ target (CONTRACT.md "Sinks", `type: amqp`): every event is published, with
 * publisher confirms, to one exchange over AMQP 0-9-1. What a consumer gets and how it dedupes:
 * docs/sinks-amqp.md.
 *
 * - One connection and one confirm channel per sink, opened by `start` (which also declares the
 *   exchange, durable) and reopened by the next `deliver` once lost: a lost connection or channel
 *   fails the deliveries in flight retryably, and concurrent deliveries share one reconnect.
 * - Each event is one persistent message: the body is the event's bytes, byte-exact;
 *   `message-id` is the event id (the consumer's dedupe key: a redelivery carries the same one);
 *   `type` is the kind; `timestamp` is `receivedAt` in seconds; the metadata is in `x-switchboard-*`
 *   headers. The routing key is templated from the event (`{kind}` by default).
 * - An event is `delivered` only once the broker confirmed it (basic.ack): the broker has then
 *   handed it to every queue it routes to (written to disk, for durable queues). A basic.nack (a
 *   queue full with `overflow: reject-publish`, an internal error) fails that event retryably.
 * - Messages are published `mandatory`: one the exchange routes to no queue comes back
 *   (basic.return) before its confirm, and that event fails with FinalSinkError
 *   (SB_SINK_UNROUTABLE), so it is dead-lettered and can be replayed once a queue is bound, rather
 *   than reported delivered while the broker dropped it. An exchange that should keep unrouted
 *   messages is given an alternate exchange (a policy): they are then routed, not returned.
 * - A broker that refuses Switchboard's credentials or setup (login refused, no rights on the
 *   vhost or exchange: 403 ACCESS_REFUSED; an unknown vhost: 530 NOT_ALLOWED; the exchange
 *   already declared with another type or durability: 406 PRECONDITION_FAILED on the declare)
 *   fails `start` and every delivery with RetryableSinkError (SB_SINK_MISCONFIGURED): no event is
 *   at fault, so events wait, retried, until the broker or the config is fixed.
 * - Every step is bounded by `timeoutMs` (connect, declare, back-pressure, confirms); a timeout
 *   fails what is unconfirmed with SB_SINK_TIMEOUT and drops the connection, so a confirm that
 *   comes later cannot be mistaken for a new one.
 *
 * The URL's password never appears in an error, in `health()`, nor in the sink's JSON: messages
 * name the broker as `amqp://host:port/vhost`.
 */
import { connect, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import type { StoredEvent } from '../log/event-log.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { eventMetadata } from './event-document.js';
import {
  FinalSinkError,
  RetryableSinkError,
  type DeliveryOutcome,
  type Sink,
  type SinkError,
  type SinkHealth,
  type SinkLimits,
} from './sink.js';
import { assertValidLimits, checkBatch } from './sink-limits.js';
import { targetConfig } from './target-config.js';
import { compileTemplate, type EventTemplate } from './template.js';

/** What `createAmqpSink` takes: one `sinks.targets[]` entry of `type: amqp`, resolved. */
export interface AmqpTargetConfig {
  name: string;
  /** `amqp:` or `amqps:`, with user, password and vhost (`amqp://user:pass@host:5672/vhost`). */
  url: string;
  /** The exchange messages are published to; declared durable by `start`. */
  exchange: string;
  /** Default `topic`. */
  exchangeType?: 'topic' | 'direct' | 'fanout' | 'headers';
  /** Routing key template over the event's fields (src/sinks/template.ts); default `{kind}`. */
  routingKey?: string;
  /** Bounds connecting, declaring, back-pressure and confirms, each; default 10 000. */
  timeoutMs?: number;
}

export interface AmqpSinkOptions extends AmqpTargetConfig {
  /** Overrides of the declared limits (tests, tuning). */
  limits?: Partial<SinkLimits>;
}

export const AMQP_SINK_DEFAULTS = {
  exchangeType: 'topic',
  routingKey: '{kind}',
  timeoutMs: 10_000,
  limits: {
    maxBatchEvents: 500,
    maxBatchBytes: 16 * 1024 * 1024,
    // RabbitMQ's max_message_size: 128 MiB in 3.8-3.13, 16 MiB from 4.0; the lower one is safe.
    maxEventBytes: 16 * 1024 * 1024,
    // One batch at a time keeps the messages of a queue in log order (but for retries).
    maxConcurrency: 1,
  } satisfies SinkLimits,
} as const;

/** AMQP short strings (routing key, message-id) hold at most 255 bytes. */
const MAX_SHORTSTR_BYTES = 255;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function createAmqpSink(config: AmqpTargetConfig): AmqpSink {
  return new AmqpSink(config);
}

/** One open connection and its confirm channel; `lost` is set once either has gone. */
interface Link {
  model: ChannelModel;
  channel: ConfirmChannel;
  lost: SinkError | undefined;
  /** Called with the error when the link is lost (pending confirms and drain waits listen). */
  onLost: Set<(error: SinkError) => void>;
  /** Event ids the broker returned as unroutable, awaiting their confirm. */
  returned: Map<string, number>;
  /** Settles once the connection is closed (set when lost). */
  closing: Promise<void>;
  /** The connection emitted 'close'. */
  closed: boolean;
}

type Confirm = 'ack' | 'returned' | SinkError;

export class AmqpSink implements Sink {
  readonly name: string;
  readonly type = 'amqp' as const;
  readonly limits: SinkLimits;
  readonly #url: string;
  readonly #where: string;
  readonly #password: string;
  readonly #exchange: string;
  readonly #exchangeType: NonNullable<AmqpTargetConfig['exchangeType']>;
  readonly #routingKey: EventTemplate;
  readonly #timeoutMs: number;
  readonly #tracker = new DeliveryTracker();
  #link: Link | undefined;
  #connecting: Promise<Link> | undefined;
  /** Connections being closed (a lost link's), which `close` waits for. */
  readonly #closing = new Set<Promise<void>>();
  #closed = false;

  constructor(options: AmqpSinkOptions) {
    const check = targetConfig(options.name);
    const { name, invalid } = check;
    this.name = name;

    const url = check.url(options.url, 'url', ['amqp:', 'amqps:']);
    this.#url = options.url;
    this.#password = url.password ? decodeURIComponent(url.password) : '';
    const vhost = url.pathname.length > 1 ? url.pathname : '/';
    const port = url.port || (url.protocol === 'amqps:' ? '5671' : '5672');
    this.#where = `${url.protocol}//${url.hostname}:${port}${vhost === '/' ? '' : vhost}`;

    if (typeof options.exchange !== 'string' || options.exchange === '')
      throw invalid('exchange must be a non-empty string (the default exchange is not used)');
    if (Buffer.byteLength(options.exchange) > MAX_SHORTSTR_BYTES)
      throw invalid(`exchange must be at most ${MAX_SHORTSTR_BYTES} bytes`);
    this.#exchange = options.exchange;
    this.#exchangeType = options.exchangeType ?? AMQP_SINK_DEFAULTS.exchangeType;
    if (!['topic', 'direct', 'fanout', 'headers'].includes(this.#exchangeType))
      throw invalid(`exchangeType must be topic, direct, fanout or headers`);
    this.#routingKey = compileTemplate(
      options.routingKey ?? AMQP_SINK_DEFAULTS.routingKey,
      `sinks.targets[${name}].routingKey`,
    );

    this.#timeoutMs = check.timeoutMs(options.timeoutMs, AMQP_SINK_DEFAULTS.timeoutMs);
    this.limits = assertValidLimits({ ...AMQP_SINK_DEFAULTS.limits, ...options.limits });
  }

  /** Connects and declares the exchange (durable); rejects with a SinkError. */
  async start(): Promise<void> {
    if (this.#tracker.closing)
      throw new RetryableSinkError('the sink is closed', { code: 'SB_SINK_CLOSED' });
    await this.#connected();
    this.#tracker.started();
  }

  deliver(batch: readonly StoredEvent[]): Promise<DeliveryOutcome[]> {
    return this.#tracker.track(async () => {
      const refused = checkBatch(batch, this.limits);
      const keys = batch.map((event, i) => {
        if (refused[i]) return '';
        try {
          return this.#routingKey(event);
        } catch (cause) {
          refused[i] = new FinalSinkError(`event ${event.id}: no routing key`, { cause });
          return '';
        }
      });
      batch.forEach((event, i) => {
        if (refused[i]) return;
        if (Buffer.byteLength(event.id) > MAX_SHORTSTR_BYTES)
          refused[i] = new FinalSinkError(
            `event ${event.id.slice(0, 64)}…: id longer than ${MAX_SHORTSTR_BYTES} bytes cannot be an AMQP message-id`,
          );
        else if (Buffer.byteLength(keys[i]!) > MAX_SHORTSTR_BYTES)
          refused[i] = new FinalSinkError(
            `event ${event.id}: routing key longer than ${MAX_SHORTSTR_BYTES} bytes`,
          );
      });
      const outcomes: (DeliveryOutcome | undefined)[] = refused.map((error) =>
        error ? { status: 'failed', error } : undefined,
      );
      if (outcomes.every((o) => o !== undefined)) return outcomes;

      let link: Link;
      try {
        link = await this.#connected();
      } catch (err) {
        // Connecting never blames an event: a refused exchange or login is SB_SINK_MISCONFIGURED,
        // retried (and shown in health) rather than dead-lettering every event.
        const error = asSinkError(err);
        return outcomes.map((o) => o ?? { status: 'failed', error });
      }
      const confirms = await this.#publish(link, batch, keys, outcomes);
      return outcomes.map((o, i) => {
        if (o) return o;
        const confirm = confirms[i]!;
        const event = batch[i]!;
        if (confirm === 'ack') return { status: 'delivered' };
        if (confirm === 'returned')
          return failed(
            new FinalSinkError(
              `event ${event.id}: unroutable: exchange ${this.#exchange} routes routing key "${keys[i]}" to no queue (the broker returned it)`,
              { code: 'SB_SINK_UNROUTABLE' },
            ),
          );
        return failed(tooLargeForBroker(confirm, event) ?? confirm);
      });
    });
  }

  health(): SinkHealth {
    return this.#tracker.health();
  }

  /** Waits for in-flight deliveries (each bounded), then closes the connection (bounded). */
  async close(): Promise<void> {
    await this.#tracker.close();
    if (this.#closed) return;
    this.#closed = true;
    const link = this.#link ?? (await this.#connecting?.catch(() => undefined));
    this.#link = undefined;
    if (link)
      await this.#drop(
        link,
        new RetryableSinkError('the sink is closed', { code: 'SB_SINK_CLOSED' }),
      );
    await Promise.all([...this.#closing]);
  }

  toJSON(): { name: string; type: 'amqp'; broker: string; exchange: string } {
    return { name: this.name, type: this.type, broker: this.#where, exchange: this.#exchange };
  }

  /**
   * Publishes every event not yet settled in `outcomes`, in batch order, and waits for the
   * broker's confirm of each (or the link's loss, or the timeout). Returns one confirm per event.
   */
  async #publish(
    link: Link,
    batch: readonly StoredEvent[],
    keys: readonly string[],
    outcomes: readonly (DeliveryOutcome | undefined)[],
  ): Promise<(Confirm | undefined)[]> {
    const confirms: (Confirm | undefined)[] = batch.map(() => undefined);
    const waits: Promise<void>[] = [];
    let stop: SinkError | undefined;
    let abort!: () => void;
    const aborted = new Promise<void>((resolve) => (abort = resolve));
    const onLost = (error: SinkError) => {
      stop ??= error;
      abort();
    };
    link.onLost.add(onLost);
    const timer = setTimeout(() => {
      const error = new RetryableSinkError(
        `${this.#where}: the broker did not confirm within ${this.#timeoutMs} ms`,
        { code: 'SB_SINK_TIMEOUT' },
      );
      stop ??= error;
      abort();
      // Unconfirmed messages may still be confirmed later: drop the link, so they never count.
      void this.#drop(link, error);
    }, this.#timeoutMs);
    try {
      for (let i = 0; i < batch.length; i++) {
        if (outcomes[i]) continue;
        const event = batch[i]!;
        stop ??= link.lost;
        if (stop) {
          confirms[i] = stop;
          continue;
        }
        let settle!: (c: Confirm) => void;
        waits.push(
          new Promise<void>((resolve) => {
            settle = (c) => {
              confirms[i] ??= c;
              resolve();
            };
          }),
        );
        const lost = (error: SinkError) => settle(error);
        link.onLost.add(lost);
        let writable: boolean;
        try {
          writable = link.channel.publish(
            this.#exchange,
            keys[i]!,
            Buffer.from(event.body.buffer, event.body.byteOffset, event.body.byteLength),
            this.#properties(event),
            (err: unknown) => {
              link.onLost.delete(lost);
              if (isNack(err)) settle(this.#nacked(event));
              // The channel closed: the connection's close, with its reason, follows at once.
              else if (err) setImmediate(() => settle(link.lost ?? this.#linkError(err)));
              else if (takeReturned(link, event.id)) settle('returned');
              else settle('ack');
            },
          );
        } catch (err) {
          // amqplib could not encode it (a property it cannot carry): this event only.
          link.onLost.delete(lost);
          settle(
            new FinalSinkError(
              `event ${event.id}: cannot be published: ${this.#redact(errorMessage(err))}`,
            ),
          );
          continue;
        }
        // Back-pressure: the socket's buffer is full; wait for it to drain (or the loss).
        if (!writable && !stop) {
          let onDrain!: () => void;
          await Promise.race([
            new Promise<void>((resolve) => link.channel.once('drain', (onDrain = resolve))),
            aborted,
          ]);
          link.channel.removeListener('drain', onDrain);
        }
      }
      await Promise.race([Promise.all(waits), aborted]);
    } finally {
      clearTimeout(timer);
      link.onLost.delete(onLost);
    }
    return confirms.map((c, i) => (outcomes[i] ? undefined : (c ?? stop)));
  }

  /** A publish the broker nacked: retryable, for that event only. */
  #nacked(event: StoredEvent): SinkError {
    return new RetryableSinkError(
      `event ${event.id}: the broker refused the message (basic.nack): a queue it routes to is full (overflow reject-publish) or failed`,
    );
  }

  #properties(event: StoredEvent): Options.Publish {
    const body = Buffer.from(event.body.buffer, event.body.byteOffset, event.body.byteLength);
    const meta = eventMetadata(event);
    const headers: Record<string, string | number> = {
      'x-switchboard-offset': event.offset,
      'x-switchboard-kind': meta.kind,
      'x-switchboard-source': meta.source,
      'x-switchboard-topic': meta.topic,
      'x-switchboard-received-at': meta.receivedAt,
    };
    if (meta.occurredAt !== null) headers['x-switchboard-occurred-at'] = meta.occurredAt;
    if (meta.subject.userId !== undefined) headers['x-switchboard-user-id'] = meta.subject.userId;
    if (meta.subject.queueId !== undefined)
      headers['x-switchboard-queue-id'] = meta.subject.queueId;
    if (meta.subject.conversationId !== undefined)
      headers['x-switchboard-conversation-id'] = meta.subject.conversationId;
    const received = Date.parse(meta.receivedAt);
    return {
      persistent: true,
      mandatory: true,
      messageId: event.id,
      type: event.kind,
      appId: 'switchboard',
      contentType: contentType(body),
      ...(Number.isFinite(received) ? { timestamp: Math.floor(received / 1000) } : {}),
      headers,
    };
  }

  /** The open link, or one shared reconnect (connect, confirm channel, declare), bounded. */
  #connected(): Promise<Link> {
    if (this.#link && !this.#link.lost) return Promise.resolve(this.#link);
    if (this.#closed)
      return Promise.reject(
        new RetryableSinkError('the sink is closed', { code: 'SB_SINK_CLOSED' }),
      );
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #open(): Promise<Link> {
    let model: ChannelModel | undefined;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(
          new RetryableSinkError(
            `${this.#where}: could not connect and declare exchange ${this.#exchange} within ${this.#timeoutMs} ms`,
            { code: 'SB_SINK_TIMEOUT' },
          ),
        );
      }, this.#timeoutMs);
    });
    const opening = (async () => {
      model = await connect(this.#url, {
        timeout: this.#timeoutMs,
        clientProperties: { connection_name: `switchboard sink ${this.name}` },
      });
      if (timedOut) throw new Error('timed out');
      // Listen before anything else is awaited: amqplib throws an 'error' nobody listens to.
      const link: Link = {
        model,
        channel: undefined as unknown as ConfirmChannel,
        lost: undefined,
        onLost: new Set(),
        returned: new Map(),
        closing: Promise.resolve(),
        closed: false,
      };
      const lose = (err: unknown) => void this.#lose(link, err);
      model.on('error', lose);
      model.on('close', (err: unknown) => {
        link.closed = true;
        lose(err);
      });
      const channel = await model.createConfirmChannel();
      link.channel = channel;
      channel.on('error', lose);
      // A channel closes before its connection says why (a forced close): let it say first.
      channel.on('close', () => setImmediate(lose, new Error('channel closed')));
      channel.on('return', (msg: { properties: { messageId?: unknown } }) => {
        const id = msg.properties.messageId;
        if (typeof id === 'string') link.returned.set(id, (link.returned.get(id) ?? 0) + 1);
      });
      await channel.assertExchange(this.#exchange, this.#exchangeType, { durable: true });
      return link;
    })();
    try {
      const link = await Promise.race([opening, timeout]);
      this.#link = link;
      return link;
    } catch (err) {
      void opening.then(
        (link) => this.#drop(link, asSinkError(err)),
        () => model?.close().catch(() => undefined),
      );
      if (err instanceof RetryableSinkError || err instanceof FinalSinkError) throw err;
      const message = this.#redact(errorMessage(err));
      // 406: the exchange exists with another type or durability; 403: no rights on it.
      if (
        /\b40[36]\b/.test(message) &&
        /PRECONDITION[-_]FAILED|ACCESS[-_]REFUSED/.test(message) &&
        /exchange/i.test(message)
      )
        throw new RetryableSinkError(
          `${this.#where}: cannot declare exchange ${this.#exchange}: ${message}`,
          { code: 'SB_SINK_MISCONFIGURED' },
        );
      throw this.#linkError(err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Marks the link lost (once), fails whatever waits on it and closes it (bounded). */
  #lose(link: Link, err: unknown): Promise<void> {
    if (link.lost) return link.closing;
    const error =
      err instanceof RetryableSinkError || err instanceof FinalSinkError
        ? err
        : this.#linkError(err ?? new Error('connection closed'));
    link.lost = error;
    if (this.#link === link) this.#link = undefined;
    for (const f of [...link.onLost]) f(error);
    link.onLost.clear();
    let timer: NodeJS.Timeout | undefined;
    const closed = new Promise<void>((resolve) => {
      if (link.closed) resolve();
      else link.model.once('close', () => resolve());
    });
    link.closing = Promise.race([
      // After the current emit: amqplib may be telling us the socket is gone right now.
      new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        if (!link.closed) await link.model.close().catch(() => undefined);
        await closed;
      }),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          destroySocket(link.model);
          resolve();
        }, this.#timeoutMs);
      }),
    ]).finally(() => {
      clearTimeout(timer);
      this.#closing.delete(link.closing);
    });
    this.#closing.add(link.closing);
    return link.closing;
  }

  /** Loses the link on purpose (timeout, close) and waits for its connection to close. */
  #drop(link: Link, error: SinkError): Promise<void> {
    return this.#lose(link, error);
  }

  /**
   * A failed connection or channel: SB_SINK_MISCONFIGURED when the broker refuses Switchboard
   * (403 ACCESS_REFUSED: a refused login, no rights on the exchange; a close in answer to
   * connection.open, which amqplib reports without its reason: no such vhost or no access to
   * it), else SB_SINK_UNREACHABLE.
   */
  #linkError(err: unknown): RetryableSinkError {
    const message = `${this.#where}: ${this.#redact(errorMessage(err))}`;
    const refused =
      /\b403 \(ACCESS[-_]REFUSED\)/.test(message) ||
      /Expected ConnectionOpenOk; got <ConnectionClose\b/.test(message);
    return new RetryableSinkError(message, {
      code: refused ? 'SB_SINK_MISCONFIGURED' : 'SB_SINK_UNREACHABLE',
    });
  }

  /** The message without the URL's password (nor the URL itself, in any form). */
  #redact(message: string): string {
    let out = message.split(this.#url).join(this.#where);
    if (this.#password) {
      for (const form of new Set([this.#password, encodeURIComponent(this.#password)]))
        out = out.split(form).join('***');
    }
    return out;
  }
}

/**
 * The broker closed the channel because a message exceeds its `max_message_size` (406): the
 * events of the batch over that size fail for good; the others are retried.
 */
function tooLargeForBroker(error: SinkError, event: StoredEvent): FinalSinkError | undefined {
  const m = /larger than configured max size (\d+)/.exec(error.message);
  if (!m || event.body.byteLength <= Number(m[1])) return undefined;
  return new FinalSinkError(
    `event ${event.id}: body of ${event.body.byteLength} bytes exceeds the broker's max_message_size ${m[1]}`,
  );
}

/** Whether the broker returned (basic.return) a message with this id; consumes one return. */
function isNack(err: unknown): boolean {
  return err instanceof Error && err.message === 'message nacked';
}

function takeReturned(link: Link, id: string): boolean {
  const times = link.returned.get(id) ?? 0;
  if (times === 0) return false;
  if (times === 1) link.returned.delete(id);
  else link.returned.set(id, times - 1);
  return true;
}

function contentType(body: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return 'application/octet-stream';
  }
  try {
    JSON.parse(text);
    return 'application/json';
  } catch {
    return 'text/plain; charset=utf-8';
  }
}

function asSinkError(err: unknown): SinkError {
  if (err instanceof RetryableSinkError || err instanceof FinalSinkError) return err;
  return new RetryableSinkError(errorMessage(err), { code: 'SB_SINK_UNREACHABLE' });
}

function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return `${err.message}${typeof code === 'string' && !err.message.includes(code) ? ` (${code})` : ''}`;
}

function destroySocket(model: ChannelModel): void {
  const stream = (model.connection as unknown as { stream?: { destroy(): void } }).stream;
  stream?.destroy();
}

function failed(error: SinkError): DeliveryOutcome {
  return { status: 'failed', error };
}
