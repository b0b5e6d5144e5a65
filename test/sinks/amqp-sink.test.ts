/**
 * The RabbitMQ sink against the broker on 127.0.0.1:5672 (guest/guest). Every test gets its own
 * exchange and queue (`sb-test-<random>`), deleted when it ends. The sink reaches the broker
 * through a small TCP proxy in this file, so a test can stall or cut its connection the way a
 * network does (`holdTarget`, a connection lost mid-batch); everything else is the real broker.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import type { StoredEvent } from '../../src/log/event-log.js';
import {
  FinalSinkError,
  RetryableSinkError,
  type DeliveryOutcome,
  type Sink,
} from '../../src/sinks/index.js';
import { AmqpSink, createAmqpSink, type AmqpSinkOptions } from '../../src/sinks/amqp-sink.js';
import { requireService } from '../support/services.js';
import { waitFor } from '../support/helpers.js';
import { makeStoredEvent, runSinkSuite, type BreakMode, type SinkHarness } from './sink-suite.js';
import { TcpGate } from '../support/tcp-gate.js';

const BROKER_PORT = 5672;
const ADMIN_URL = `amqp://guest:guest@127.0.0.1:${BROKER_PORT}`;
const run = promisify(execFile);

/** One message as a consumer of the test queue got it. */
type Got = GetMessage;

interface Amqp extends SinkHarness {
  sink: Sink;
  amqp: AmqpSink;
  admin: Channel;
  exchange: string;
  queue: string;
  proxy: TcpGate;
  /** Drains the queue: every message it held, in order, as the broker gave them (no dedupe). */
  drain(): Promise<Got[]>;
  /** Every message drained so far, duplicates included. */
  got: Got[];
}

interface Topology {
  /**
   * Bind the queue straight to the exchange with these patterns. Without it (the conformance
   * suite), the exchange is bound with `#` to a second exchange whose alternate exchange feeds
   * the queue, so `breakTarget('permanent', ids)` can make those ids unroutable (see `open`).
   */
  bind?: string[];
}

/**
 * A fresh exchange and queue, and a sink publishing to them through the proxy.
 *
 * For the suite the routing key is `ev.{id}` and the topology is
 *   X (the sink's, topic) --#--> Y (topic, alternate-exchange A) ; A (fanout) --> Q
 * so every message lands in Q through A. `breakTarget`:
 * - `transient`: a queue R with `x-max-length: 0, x-overflow: reject-publish` is bound to X with
 *   `#`: the broker nacks every publish (R refuses it; Q may already hold it, which the reader
 *   dedupes), as it does for any full queue with reject-publish. `none` deletes R.
 * - `permanent` with ids: Y gets a binding `ev.<id>` to an exchange H bound to nothing, so those
 *   messages route (to H) and A is not used: they reach no queue and the broker returns them
 *   (basic.return), which the sink reports as SB_SINK_UNROUTABLE. `none` removes the bindings.
 *   The suite's permanent check expects SB_SINK_REJECTED, which RabbitMQ gives for no event it
 *   can be told to refuse by id, so the suite skips it and 'an unroutable event…' below runs it
 *   with SB_SINK_UNROUTABLE.
 * These changes go over another connection, so the harness's `sink` finishes them before it
 * hands a batch to the AmqpSink (it does nothing else).
 */
async function open(
  t: TestContext,
  options: Partial<AmqpSinkOptions> = {},
  topology: Topology = {},
): Promise<Amqp> {
  if (!(await requireService(t, 'rabbitmq'))) throw new Error('skipped: no RabbitMQ');
  const base = `sb-test-${randomUUID().slice(0, 8)}`;
  const names = {
    x: base,
    y: `${base}-y`,
    ae: `${base}-ae`,
    hole: `${base}-hole`,
    q: `${base}-q`,
    reject: `${base}-reject`,
  };
  const conn: ChannelModel = await connect(ADMIN_URL);
  const admin = await conn.createChannel();
  admin.on('error', () => undefined);
  const proxy = new TcpGate(BROKER_PORT);
  const port = await proxy.listen();

  await admin.assertExchange(names.x, options.exchangeType ?? 'topic', { durable: true });
  await admin.assertQueue(names.q, { durable: true });
  if (topology.bind) {
    for (const pattern of topology.bind) await admin.bindQueue(names.q, names.x, pattern);
  } else {
    await admin.assertExchange(names.ae, 'fanout', { durable: false });
    await admin.assertExchange(names.hole, 'fanout', { durable: false });
    await admin.assertExchange(names.y, 'topic', {
      durable: false,
      arguments: { 'alternate-exchange': names.ae },
    });
    await admin.bindExchange(names.y, names.x, '#');
    await admin.bindQueue(names.q, names.ae, '');
  }

  const amqp = new AmqpSink({
    name: 'bus',
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    exchange: names.x,
    ...(topology.bind ? {} : { routingKey: 'ev.{id}' }),
    ...options,
  });

  let pending: Promise<unknown> = Promise.resolve();
  const change = (op: () => Promise<unknown>) => {
    pending = pending.then(op);
  };
  const broken = new Set<string>();
  const sink: Sink = {
    get name() {
      return amqp.name;
    },
    type: amqp.type,
    limits: amqp.limits,
    start: () => amqp.start(),
    deliver: async (batch) => {
      await pending;
      return amqp.deliver(batch);
    },
    health: () => amqp.health(),
    close: () => amqp.close(),
  };

  const got: Got[] = [];
  const drain = async () => {
    const fresh: Got[] = [];
    for (
      let m = await admin.get(names.q, { noAck: true });
      m;
      m = await admin.get(names.q, { noAck: true })
    )
      fresh.push(m);
    got.push(...fresh);
    return fresh;
  };

  t.after(async () => {
    await amqp.close();
    await proxy.stop();
    // A fresh channel: a test may have closed the admin one with a channel error.
    const ch = await conn.createChannel();
    for (const q of [names.q, names.reject]) await ch.deleteQueue(q);
    for (const x of [names.x, names.y, names.ae, names.hole]) await ch.deleteExchange(x);
    await conn.close();
  });

  return {
    sink,
    amqp,
    admin,
    exchange: names.x,
    queue: names.q,
    proxy,
    got,
    drain,
    /**
     * What a consumer that dedupes by message-id holds: RabbitMQ does not dedupe (a redelivery
     * is a second message with the same message-id), so the reader keeps the first message per
     * message-id, as docs/sinks-amqp.md tells consumers to. `redelivered…` below shows the raw
     * queue.
     */
    records: async () => {
      await drain();
      const seen = new Map<string, Got>();
      for (const m of got) {
        const id = messageId(m);
        if (id === undefined || !seen.has(id)) seen.set(id ?? randomUUID(), m);
      }
      return [...seen.values()].map((m) => ({
        key: messageId(m),
        body: m.content,
      }));
    },
    breakTarget: (mode: BreakMode, ids?: readonly string[]) => {
      if (mode === 'none') {
        change(() => admin.deleteQueue(names.reject));
        for (const id of broken)
          change(() => admin.unbindExchange(names.hole, names.y, `ev.${id}`));
        broken.clear();
      } else if (mode === 'transient') {
        change(() =>
          admin.assertQueue(names.reject, {
            durable: false,
            arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
          }),
        );
        change(() => admin.bindQueue(names.reject, names.x, '#'));
      } else {
        assert.ok(!topology.bind && ids?.length, 'permanent: the suite topology, with ids');
        for (const id of ids) {
          broken.add(id);
          change(() => admin.bindExchange(names.hole, names.y, `ev.${id}`));
        }
      }
    },
    holdTarget: () => proxy.hold(),
  };
}

async function started(
  t: TestContext,
  options: Partial<AmqpSinkOptions> = {},
  topology: Topology = {},
) {
  const h = await open(t, options, topology);
  await h.sink.start();
  return h;
}

function failure(outcome: DeliveryOutcome | undefined) {
  assert.ok(outcome?.status === 'failed', `expected a failure, got ${outcome?.status}`);
  return outcome.error;
}

function messageId(m: Got): string | undefined {
  return m.properties.messageId as string | undefined;
}

function event(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return { ...makeStoredEvent(), ...overrides };
}

// RabbitMQ refuses one event by making it unroutable (see `open`): SB_SINK_UNROUTABLE.
const permanentCode = 'SB_SINK_UNROUTABLE';
runSinkSuite('RabbitMQ sink (one batch at a time)', { open: (t) => open(t), permanentCode });
runSinkSuite('RabbitMQ sink (small limits, four batches at once)', {
  open: (t) =>
    open(t, {
      limits: { maxBatchEvents: 6, maxBatchBytes: 8192, maxEventBytes: 2048, maxConcurrency: 4 },
    }),
  permanentCode,
});

describe('RabbitMQ sink: what a consumer gets', () => {
  test('a persistent message: message-id, type, content type, timestamp, metadata headers, exact bytes', async (t) => {
    const h = await started(t, {}, { bind: ['#'] });
    const json = event({
      body: Buffer.from('{"b":1,"a":  1.0e2}'),
      subject: { userId: 'u-1', queueId: 'q-1', conversationId: 'c-1' },
    });
    const text = event({ body: Buffer.from('not json, ✓'), occurredAt: null, subject: {} });
    const bytes = event({ body: Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]) });
    assert.deepEqual(await h.sink.deliver([json, text, bytes]), [
      { status: 'delivered' },
      { status: 'delivered' },
      { status: 'delivered' },
    ]);
    const [a, b, c] = await h.drain();
    assert.ok(a && b && c);
    assert.equal(a.fields.routingKey, 'interaction', 'default routing key {kind}');
    assert.equal(a.fields.exchange, h.exchange);
    assert.equal(a.properties.deliveryMode, 2, 'persistent');
    assert.equal(a.properties.messageId, json.id);
    assert.equal(a.properties.type, 'interaction');
    assert.equal(a.properties.appId, 'switchboard');
    assert.equal(a.properties.contentType, 'application/json');
    assert.equal(a.properties.timestamp, Math.floor(Date.parse(json.receivedAt) / 1000));
    assert.ok(a.content.equals(Buffer.from(json.body)), 'byte-exact');
    assert.deepEqual(a.properties.headers, {
      'x-switchboard-offset': json.offset,
      'x-switchboard-kind': 'interaction',
      'x-switchboard-source': 'webhook',
      'x-switchboard-topic': 'interaction',
      'x-switchboard-received-at': json.receivedAt,
      'x-switchboard-occurred-at': json.occurredAt,
      'x-switchboard-user-id': 'u-1',
      'x-switchboard-queue-id': 'q-1',
      'x-switchboard-conversation-id': 'c-1',
    });
    assert.equal(b.properties.contentType, 'text/plain; charset=utf-8');
    assert.equal(b.properties.headers?.['x-switchboard-occurred-at'], undefined);
    assert.equal(b.properties.headers?.['x-switchboard-user-id'], undefined);
    assert.equal(c.properties.contentType, 'application/octet-stream');
    assert.ok(c.content.equals(Buffer.from(bytes.body)));
    // The exchange was declared durable: declaring it transient is refused as inequivalent.
    const probe = await connect(ADMIN_URL);
    const ch = await probe.createChannel();
    ch.on('error', () => undefined);
    await assert.rejects(
      ch.assertExchange(h.exchange, 'topic', { durable: false }),
      /inequivalent/,
    );
    await probe.close();
  });

  test('the routing key is templated; an event no binding matches is returned as unroutable', async (t) => {
    const h = await started(
      t,
      { routingKey: 'genesys.{kind}.{source}' },
      { bind: ['genesys.user.*.webhook'] },
    );
    const presence = event({ kind: 'user.presence' });
    const call = event({ kind: 'call' });
    const routing = event({ kind: 'user.routing' });
    const outcomes = await h.sink.deliver([presence, call, routing]);
    assert.deepEqual(outcomes[0], { status: 'delivered' });
    assert.deepEqual(outcomes[2], { status: 'delivered' });
    const error = failure(outcomes[1]);
    assert.ok(error instanceof FinalSinkError);
    assert.equal(error.code, 'SB_SINK_UNROUTABLE');
    assert.match(error.message, /unroutable.*"genesys\.call\.webhook"/);
    const got = await h.drain();
    assert.deepEqual(
      got.map((m) => [m.fields.routingKey, messageId(m)]),
      [
        ['genesys.user.presence.webhook', presence.id],
        ['genesys.user.routing.webhook', routing.id],
      ],
    );
    assert.equal(h.sink.health().state, 'ready', 'an unroutable event does not make it fail');
  });

  test('a redelivered event arrives twice, with the same message-id (the broker does not dedupe)', async (t) => {
    const h = await started(t, {}, { bind: ['#'] });
    const e = event();
    assert.deepEqual(await h.sink.deliver([e]), [{ status: 'delivered' }]);
    assert.deepEqual(await h.sink.deliver([e]), [{ status: 'delivered' }]);
    const got = await h.drain();
    assert.deepEqual(got.map(messageId), [e.id, e.id]);
    assert.ok(got.every((m) => m.content.equals(Buffer.from(e.body))));
    assert.equal((await h.records()).length, 1, 'a consumer deduping by message-id keeps one');
  });
});

describe('RabbitMQ sink: confirms and failures', () => {
  test('an unroutable event (returned) is SB_SINK_UNROUTABLE for that event only; once bound, its replay lands', async (t) => {
    const h = await started(t);
    const batch = [event(), event(), event()];
    const bad = batch[1]!;
    h.breakTarget('permanent', [bad.id]);
    const outcomes = await h.sink.deliver(batch);
    const error = failure(outcomes[1]);
    assert.ok(error instanceof FinalSinkError, 'dead-lettered, not retried');
    assert.equal(error.code, 'SB_SINK_UNROUTABLE');
    assert.match(error.message, new RegExp(`event ${bad.id}: unroutable`));
    assert.deepEqual(
      [outcomes[0], outcomes[2]],
      [{ status: 'delivered' }, { status: 'delivered' }],
    );
    assert.equal(h.sink.health().state, 'ready', 'an unroutable event does not make it fail');
    h.breakTarget('none');
    assert.deepEqual(await h.sink.deliver([bad]), [{ status: 'delivered' }], 'the replay');
    assert.deepEqual((await h.records()).map((r) => r.key).sort(), batch.map((e) => e.id).sort());
  });

  test('each publish waits for its confirm: a queue full with reject-publish fails those events retryably', async (t) => {
    const h = await started(t, {}, { bind: [] });
    await h.admin.deleteQueue(h.queue);
    await h.admin.assertQueue(h.queue, {
      durable: true,
      arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' },
    });
    await h.admin.bindQueue(h.queue, h.exchange, '#');
    const batch = [event(), event(), event()];
    const outcomes = await h.sink.deliver(batch);
    assert.deepEqual(outcomes[0], { status: 'delivered' });
    for (const o of outcomes.slice(1)) {
      const error = failure(o);
      assert.ok(error instanceof RetryableSinkError);
      assert.equal(error.code, 'SB_SINK_RETRYABLE');
      assert.match(error.message, /basic\.nack/);
    }
    assert.equal(h.sink.health().state, 'failing');
    const got = await h.drain();
    assert.deepEqual(got.map(messageId), [batch[0]!.id]);
    // The queue has room again: the retry lands (the channel stayed usable after the nacks).
    assert.deepEqual(await h.sink.deliver([batch[1]!]), [{ status: 'delivered' }]);
    assert.equal(h.sink.health().state, 'ready');
  });

  test('a connection cut mid-batch fails it retryably; the next delivery reconnects once and lands', async (t) => {
    const h = await started(t, {}, { bind: ['#'] });
    const hold = h.proxy.hold();
    const batch = [event(), event()];
    const delivering = h.sink.deliver(batch);
    await waitFor(() => hold.arrived() > 0, { what: 'the publishes to reach the proxy' });
    h.proxy.kill();
    const outcomes = await delivering;
    for (const o of outcomes) {
      const error = failure(o);
      assert.ok(error instanceof RetryableSinkError);
      assert.equal(error.code, 'SB_SINK_UNREACHABLE');
    }
    assert.equal(h.sink.health().state, 'failing');
    const before = h.proxy.connections;
    const [a, b] = await Promise.all([h.sink.deliver([batch[0]!]), h.sink.deliver([batch[1]!])]);
    assert.deepEqual([a, b], [[{ status: 'delivered' }], [{ status: 'delivered' }]]);
    assert.equal(h.proxy.connections - before, 1, 'one shared reconnect');
    assert.equal(h.sink.health().state, 'ready');
    assert.deepEqual((await h.records()).map((r) => r.key).sort(), batch.map((e) => e.id).sort());
  });

  test('the broker closing the connection mid-batch (rabbitmqctl close_connection) is retryable, then recovers', async (t) => {
    const h = await started(t, { name: `kill-${randomUUID().slice(0, 8)}` }, { bind: ['#'] });
    let listed: string;
    try {
      listed = (await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties']))
        .stdout;
    } catch {
      return t.skip('rabbitmqctl is not usable here');
    }
    const line = listed.split('\n').find((l) => l.includes(`switchboard sink ${h.sink.name}`));
    const pid = line?.split('\t')[0];
    assert.ok(pid, 'the sink names its connection');
    // The publishes are held on their way in, so the broker's close meets them unconfirmed.
    const hold = h.proxy.hold();
    const batch = [event(), event()];
    const delivering = h.sink.deliver(batch);
    await waitFor(() => hold.arrived() > 0, { what: 'the publishes to reach the proxy' });
    await run('rabbitmqctl', ['-q', 'close_connection', pid, 'test: broker goes away']);
    for (const o of await delivering) {
      const error = failure(o);
      assert.ok(error instanceof RetryableSinkError);
      assert.equal(error.code, 'SB_SINK_UNREACHABLE');
      assert.match(error.message, /CONNECTION_FORCED/);
    }
    hold.release();
    assert.deepEqual(await h.sink.deliver(batch), [
      { status: 'delivered' },
      { status: 'delivered' },
    ]);
    assert.deepEqual((await h.records()).map((r) => r.key).sort(), batch.map((e) => e.id).sort());
  });

  test('no confirm within timeoutMs: SB_SINK_TIMEOUT, the link is dropped, the next delivery lands', async (t) => {
    const h = await started(t, { timeoutMs: 300 }, { bind: ['#'] });
    const hold = h.proxy.hold();
    const e = event();
    const [outcome] = await h.sink.deliver([e]);
    const error = failure(outcome);
    assert.ok(error instanceof RetryableSinkError);
    assert.equal(error.code, 'SB_SINK_TIMEOUT');
    assert.ok(hold.arrived() > 0);
    hold.release();
    assert.deepEqual(await h.sink.deliver([e]), [{ status: 'delivered' }]);
    assert.ok((await h.records()).some((r) => r.key === e.id));
  });

  test('an exchange deleted under the sink fails retryably; the reconnect declares it again', async (t) => {
    const h = await started(t, {}, { bind: ['#'] });
    await h.admin.deleteExchange(h.exchange);
    const [outcome] = await h.sink.deliver([event()]);
    const error = failure(outcome);
    assert.ok(error instanceof RetryableSinkError);
    assert.equal(error.code, 'SB_SINK_UNREACHABLE');
    assert.match(error.message, /NOT_FOUND/);
    // The next delivery reconnects and declares the exchange again; it has no bindings yet, so
    // the event is unroutable until the queue is bound again.
    const e = event();
    const [unroutable] = await h.sink.deliver([e]);
    assert.equal(failure(unroutable).code, 'SB_SINK_UNROUTABLE');
    await h.admin.checkExchange(h.exchange);
    await h.admin.bindQueue(h.queue, h.exchange, '#');
    assert.deepEqual(await h.sink.deliver([e]), [{ status: 'delivered' }]);
  });

  test('an exchange declared otherwise (406): start and deliveries fail retryably, SB_SINK_MISCONFIGURED', async (t) => {
    if (!(await requireService(t, 'rabbitmq'))) return;
    const exchange = `sb-test-${randomUUID().slice(0, 8)}`;
    const conn = await connect(ADMIN_URL);
    const ch = await conn.createChannel();
    await ch.assertExchange(exchange, 'fanout', { durable: true });
    const sink = createAmqpSink({ name: 'bus', url: ADMIN_URL, exchange });
    t.after(async () => {
      await sink.close();
      await ch.deleteExchange(exchange);
      await conn.close();
    });
    await assert.rejects(
      sink.start(),
      (err: unknown) =>
        err instanceof RetryableSinkError &&
        err.code === 'SB_SINK_MISCONFIGURED' &&
        /cannot declare exchange .*PRECONDITION_FAILED.*inequivalent arg 'type'/.test(err.message),
    );
    const error = failure((await sink.deliver([event()]))[0]);
    assert.ok(error instanceof RetryableSinkError, 'no event is at fault');
    assert.equal(error.code, 'SB_SINK_MISCONFIGURED');
    assert.match(error.message, /inequivalent/);
    assert.equal(sink.health().lastError?.code, 'SB_SINK_MISCONFIGURED');
  });

  test('a user without rights on the exchange (403 ACCESS_REFUSED): declare and publish are SB_SINK_MISCONFIGURED', async (t) => {
    if (!(await requireService(t, 'rabbitmq'))) return;
    const user = `sb-test-${randomUUID().slice(0, 8)}`;
    const ctl = (...args: string[]) => run('rabbitmqctl', ['-q', ...args]);
    try {
      await ctl('add_user', user, 'pw');
    } catch {
      return t.skip('rabbitmqctl is not usable here');
    }
    const exchange = `sb-test-${randomUUID().slice(0, 8)}`;
    const sink = createAmqpSink({
      name: 'bus',
      url: `amqp://${user}:pw@127.0.0.1:${BROKER_PORT}`,
      exchange,
      timeoutMs: 3000,
    });
    t.after(async () => {
      await sink.close();
      await ctl('delete_user', user);
      const conn = await connect(ADMIN_URL);
      const ch = await conn.createChannel();
      await ch.deleteExchange(exchange);
      await conn.close();
    });
    // May not configure (declare) anything.
    await ctl('set_permissions', '-p', '/', user, '^$', '.*', '.*');
    await assert.rejects(
      sink.start(),
      (err: unknown) =>
        err instanceof RetryableSinkError &&
        err.code === 'SB_SINK_MISCONFIGURED' &&
        /cannot declare exchange .*ACCESS_REFUSED/.test(err.message),
    );
    // May declare, may not write: the declare passes, the publish closes the channel with 403.
    await ctl('set_permissions', '-p', '/', user, '.*', '^$', '.*');
    const error = failure((await sink.deliver([event()]))[0]);
    assert.ok(error instanceof RetryableSinkError, 'no event is at fault');
    assert.equal(error.code, 'SB_SINK_MISCONFIGURED');
    assert.match(error.message, /403 \(ACCESS[-_]REFUSED\).*access to exchange/);
  });

  test('a vhost that does not exist (the broker closes at connection.open) is SB_SINK_MISCONFIGURED', async (t) => {
    if (!(await requireService(t, 'rabbitmq'))) return;
    const sink = createAmqpSink({
      name: 'bus',
      url: `amqp://guest:guest@127.0.0.1:${BROKER_PORT}/sb-no-such-vhost`,
      exchange: `sb-test-${randomUUID().slice(0, 8)}`,
      timeoutMs: 3000,
    });
    t.after(() => sink.close());
    await assert.rejects(
      sink.start(),
      (err: unknown) =>
        err instanceof RetryableSinkError &&
        err.code === 'SB_SINK_MISCONFIGURED' &&
        /sb-no-such-vhost/.test(err.message),
    );
  });

  test("a message over the broker's max_message_size fails for good; the rest of the batch is retried", async (t) => {
    if (!(await requireService(t, 'rabbitmq'))) return;
    const get = 'application:get_env(rabbit, max_message_size).';
    let original: string;
    try {
      original = /\{ok,(\d+)\}/.exec((await run('rabbitmqctl', ['-q', 'eval', get])).stdout)![1]!;
    } catch {
      return t.skip('rabbitmqctl is not usable here');
    }
    const set = (n: string) =>
      run('rabbitmqctl', ['-q', 'eval', `application:set_env(rabbit, max_message_size, ${n}).`]);
    await set('2048');
    t.after(() => set(original));
    // The broker reads the limit when a channel opens: this sink's channel gets 2048.
    const h = await started(t, {}, { bind: ['#'] });
    const small = event();
    const big = makeStoredEvent({ size: 4096 });
    const outcomes = await h.sink.deliver([small, big]);
    const bigError = failure(outcomes[1]);
    assert.ok(bigError instanceof FinalSinkError);
    assert.match(bigError.message, /max_message_size 2048/);
    // The channel closed under the batch: whether `small` was confirmed first is a race.
    if (outcomes[0]?.status === 'failed')
      assert.ok(outcomes[0].error instanceof RetryableSinkError, 'the small one is retried');
    assert.deepEqual(await h.sink.deliver([small]), [{ status: 'delivered' }]);
    assert.ok((await h.records()).some((r) => r.key === small.id));
  });

  test("the URL's password never appears in an error, health() or the sink's JSON", async (t) => {
    if (!(await requireService(t, 'rabbitmq'))) return;
    const password = 'pä55-w0rd/s3cret';
    const url = `amqp://guest:${encodeURIComponent(password)}@127.0.0.1:${BROKER_PORT}`;
    const sink = createAmqpSink({
      name: 'bus',
      url,
      exchange: `sb-test-${randomUUID()}`,
      timeoutMs: 3000,
    });
    t.after(() => sink.close());
    const messages: string[] = [];
    await assert.rejects(sink.start(), (err: unknown) => {
      assert.ok(err instanceof RetryableSinkError, 'a refused login is retried');
      assert.equal(err.code, 'SB_SINK_MISCONFIGURED');
      messages.push(err.message, String(err.stack));
      return true;
    });
    const [outcome] = await sink.deliver([event()]);
    const error = failure(outcome);
    messages.push(error.message, JSON.stringify(sink), JSON.stringify(sink.health()));
    assert.equal(error.code, 'SB_SINK_MISCONFIGURED');
    assert.match(error.message, /ACCESS_REFUSED|refused/i);
    assert.match(error.message, /amqp:\/\/127\.0\.0\.1:5672/);
    for (const m of messages) {
      assert.ok(!m.includes(password), `leaks the password: ${m}`);
      assert.ok(!m.includes(encodeURIComponent(password)), `leaks the password: ${m}`);
    }
  });

  test('config: only amqp(s) URLs, a non-empty exchange, known placeholders', () => {
    const base = { name: 'bus', url: ADMIN_URL, exchange: 'x' };
    assert.throws(() => createAmqpSink({ ...base, url: 'http://h' }), /amqp: or amqps:/);
    assert.throws(() => createAmqpSink({ ...base, exchange: '' }), /exchange/);
    assert.throws(() => createAmqpSink({ ...base, routingKey: '{nope}' }), /unknown placeholder/);
    assert.throws(() => createAmqpSink({ ...base, timeoutMs: 0 }), /timeoutMs/);
    const sink = createAmqpSink(base);
    assert.deepEqual(sink.limits, {
      maxBatchEvents: 500,
      maxBatchBytes: 16 * 1024 * 1024,
      maxEventBytes: 16 * 1024 * 1024,
      maxConcurrency: 1,
    });
    assert.equal(JSON.stringify(sink).includes('guest:guest'), false);
  });
});
