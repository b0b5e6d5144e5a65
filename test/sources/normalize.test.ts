import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  normalizeEvent,
  toIso,
  type NormalizeContext,
} from '../../src/sources/normalize/normalize.js';

const ctx: NormalizeContext = {
  source: 'stream',
  receivedAt: '2026-11-23T10:00:05.000Z',
  idKeys: [['notificationId'], ['id'], ['correlationId']],
};

function norm(value: unknown, c = ctx) {
  const raw = Buffer.from(JSON.stringify(value));
  return normalizeEvent(raw, value as Record<string, unknown>, c);
}

const USER = 'e40f28ea-2d4c-4a7e-9a52-0b6a0b3f2f11';
const QUEUE = '7d2f6c1e-1111-4c1b-8a1a-2b2b2b2b2b2b';
const CONV = 'c0ffee00-aaaa-bbbb-cccc-000000000001';

describe('normalizeEvent', () => {
  test('Notification API presence envelope', () => {
    const e = norm({
      topicName: `v2.users.${USER}.presence`,
      version: '2',
      eventBody: {
        source: 'PURECLOUD',
        presenceDefinition: { id: 'p-1', systemPresence: 'AVAILABLE' },
        primary: true,
        modifiedDate: '2026-11-23T09:59:58.123Z',
      },
      metadata: { CorrelationId: '9e8067c7-8b35-4e54-add9-db24e7d6f086' },
    });
    assert.equal(e.shape, 'notification');
    assert.equal(e.id, `v2.users.${USER}.presence:9e8067c7-8b35-4e54-add9-db24e7d6f086`);
    assert.equal(e.kind, 'user.presence');
    assert.equal(e.topic, `v2.users.${USER}.presence`);
    assert.deepEqual(e.subject, { userId: USER });
    assert.equal(e.occurredAt, '2026-11-23T09:59:58.123Z');
    assert.equal(e.receivedAt, ctx.receivedAt);
  });

  test('routing status and activity take their time from the body', () => {
    const routing = norm({
      topicName: `v2.users.${USER}.routingStatus`,
      eventBody: { id: USER, routingStatus: { status: 'IDLE', startTime: '2026-11-23T09:00:00Z' } },
      metadata: { CorrelationId: 'c-1' },
    });
    assert.equal(routing.kind, 'user.routing');
    assert.equal(routing.occurredAt, '2026-11-23T09:00:00.000Z');
    const activity = norm({
      topicName: `v2.users.${USER}.activity`,
      eventBody: {
        id: USER,
        routingStatus: { status: 'OFF_QUEUE', startTime: '2026-11-23T09:00:00Z' },
        presence: {
          presenceDefinition: { systemPresence: 'AVAILABLE' },
          modifiedDate: '2026-11-23T09:30:00Z',
        },
      },
      metadata: { CorrelationId: 'c-2' },
    });
    assert.equal(activity.kind, 'user.activity');
    assert.equal(activity.occurredAt, '2026-11-23T09:30:00.000Z', 'the later of the two changes');
  });

  test('queue conversation and detail events fill the subject', () => {
    const q = norm({
      topicName: `v2.routing.queues.${QUEUE}.conversations.calls`,
      eventBody: { id: CONV, participants: [] },
      metadata: { CorrelationId: 'c-3' },
    });
    assert.equal(q.kind, 'queue.conversation');
    assert.deepEqual(q.subject, { queueId: QUEUE, conversationId: CONV });
    assert.equal(q.occurredAt, null, 'no time in the payload: never replaced by receipt time');
    const d = norm({
      topicName: `v2.detail.events.conversation.${CONV}.acd.end`,
      eventBody: {
        eventTime: 1795400000000,
        conversationId: CONV,
        queueId: QUEUE,
        userId: USER,
        mediaType: 'VOICE',
      },
      metadata: { CorrelationId: 'c-4' },
    });
    assert.equal(d.kind, 'conversation.detail');
    assert.deepEqual(d.subject, { conversationId: CONV, userId: USER, queueId: QUEUE });
    assert.equal(d.occurredAt, new Date(1795400000000).toISOString());
  });

  test('EventBridge envelope: topic + CorrelationId, EventBridge id as fallback, detail time as fallback', () => {
    const envelope = {
      version: '0',
      id: 'eb-7f1c',
      'detail-type': 'v2.users.{id}.presence',
      source: 'aws.partner/genesys.com/cloud/org/suffix',
      account: '123456789012',
      time: '2021-06-25T15:11:52Z',
      region: 'us-east-1',
      resources: [],
      detail: {
        topicName: `v2.users.${USER}.presence`,
        version: '2',
        eventBody: { presenceDefinition: { systemPresence: 'BUSY' } },
        metadata: { CorrelationId: 'corr-eb' },
        timestamp: '2021-06-25T15:11:52.435Z',
      },
    };
    const e = norm(envelope, { ...ctx, source: 'eventbridge' });
    assert.equal(e.shape, 'eventbridge');
    assert.equal(e.id, `v2.users.${USER}.presence:corr-eb`);
    assert.equal(e.topic, `v2.users.${USER}.presence`);
    assert.equal(e.kind, 'user.presence');
    assert.equal(e.occurredAt, '2021-06-25T15:11:52.435Z');
    const { metadata: _m, timestamp: _t, ...detail } = envelope.detail;
    const bare = norm({ ...envelope, detail }, { ...ctx, source: 'eventbridge' });
    assert.equal(bare.id, `v2.users.${USER}.presence:eb-7f1c`);
    assert.equal(bare.occurredAt, '2021-06-25T15:11:52.000Z');
  });

  test('guide formats: interaction, agent state, routing event', () => {
    const i = norm({
      notificationId: 'a1b2c3d4',
      timestamp: '2023-10-27T14:30:00.000Z',
      eventType: 'interaction',
      data: { interactionId: 'inter-xyz-123', type: 'call' },
    });
    assert.equal(i.shape, 'webhook');
    assert.equal(i.id, 'a1b2c3d4');
    assert.equal(i.kind, 'interaction');
    assert.deepEqual(i.subject, { conversationId: 'inter-xyz-123' });
    assert.equal(i.occurredAt, '2023-10-27T14:30:00.000Z');
    const a = norm({
      eventType: 'agentStateChange',
      id: 'evt-9',
      timestamp: 1698417000000,
      user: { id: 'agent-001', login: { status: 'LOGGED_IN' }, state: 'AVAIL', substate: 'BREAK' },
    });
    assert.equal(a.kind, 'agent.state');
    assert.equal(a.id, 'evt-9');
    assert.deepEqual(a.subject, { userId: 'agent-001' });
    assert.equal(a.occurredAt, '2023-10-27T14:30:00.000Z');
    const r = norm({
      eventType: 'routing.conversation.event',
      correlationId: 'corr-5',
      conversation: { id: 'conv-5', state: 'alerting', mediaType: 'voice' },
      participants: [{ role: 'customer', name: 'John' }],
    });
    assert.equal(r.kind, 'routing.conversation');
    assert.equal(r.id, 'corr-5');
    assert.deepEqual(r.subject, { conversationId: 'conv-5' });
  });

  test('composite id keys are configurable; the sha256 of the bytes is the last resort', () => {
    const c = { ...ctx, idKeys: [['data.interactionId', 'eventType'], ['notificationId']] };
    assert.equal(
      norm({ eventType: 'interaction', data: { interactionId: 'i-1' } }, c).id,
      'i-1:interaction',
    );
    const noId = norm({ eventType: 'x', value: 1 });
    assert.match(noId.id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(noId.id, norm({ eventType: 'x', value: 1 }).id, 'same bytes, same id');
  });

  test('ids are the exact strings received: number ids by their digits, no trimming, distinct composites', () => {
    const fromText = (text: string, c = ctx) =>
      normalizeEvent(Buffer.from(text), JSON.parse(text) as Record<string, unknown>, c).id;
    // Past 2^53 a double merges these; the source text does not.
    assert.equal(fromText('{"id":9007199254740993}'), '9007199254740993');
    assert.equal(fromText('{"id":9007199254740992}'), '9007199254740992');
    assert.equal(fromText('{"id":1.0}'), '1.0');
    assert.equal(fromText('{"id":1}'), '1');
    assert.equal(fromText('{"id":" x"}'), ' x');
    assert.equal(fromText('{"id":"x "}'), 'x ');
    // The last of duplicate keys, as JSON.parse reads them; escaped keys are the same key.
    assert.equal(
      fromText('{"id":{"id":1},"\\u0069d":12345678901234567890}'),
      '12345678901234567890',
    );
    const eb = (correlation: string) =>
      `{"id":98765432109876543210,"detail-type":"v2.users.u.presence","detail":{"topicName":"v2.users.u.presence","metadata":{${correlation}}}}`;
    assert.equal(
      fromText(eb('"CorrelationId":9007199254740993')),
      'v2.users.u.presence:9007199254740993',
    );
    assert.equal(fromText(eb('')), 'v2.users.u.presence:98765432109876543210');
    assert.equal(
      fromText('{"topicName":"v2.users.u.presence","metadata":{"CorrelationId":9007199254740993}}'),
      'v2.users.u.presence:9007199254740993',
    );
    // Topic and CorrelationId are escaped apart: a ':' in either cannot make two pairs one id.
    const note = (topic: string, correlation: string) =>
      fromText(JSON.stringify({ topicName: topic, metadata: { CorrelationId: correlation } }));
    assert.notEqual(note('a:b', 'c'), note('a', 'b:c'));
    assert.notEqual(note('a\\', ':c'), note('a\\:', 'c'));
    const c = { ...ctx, idKeys: [['a', 'b']] };
    assert.notEqual(fromText('{"a":"x:y","b":"z"}', c), fromText('{"a":"x","b":"y:z"}', c));
    assert.notEqual(fromText('{"a":"x\\\\","b":":z"}', c), fromText('{"a":"x\\\\:","b":"z"}', c));
  });

  test('ids are made well-formed once, as the log will store them (a lone surrogate is U+FFFD)', () => {
    const lone = norm({ notificationId: '\ud800' }).id;
    assert.equal(lone, '\ufffd');
    assert.equal(Buffer.from(lone).toString('utf8'), lone, 'round-trips through UTF-8');
    assert.equal(norm({ notificationId: 'a\udc00b' }).id, 'a\ufffdb');
    assert.equal(norm({ notificationId: '\ud83d\ude00' }).id, '\ud83d\ude00', 'pairs are kept');
    const header = normalizeEvent(Buffer.from('{}'), {}, { ...ctx, fallbackId: 'msg_\ud800' });
    assert.equal(header.id, 'msg_\ufffd');
  });

  test('missing, unexpected and wrongly typed fields never throw; unknown shapes are kind unknown', () => {
    const weird: unknown[] = [
      {},
      { topicName: 42 },
      { topicName: 'v2.users..presence', eventBody: 'nope', metadata: null },
      { topicName: 'v2.something.new', eventBody: { a: 1 }, metadata: { CorrelationId: ['x'] } },
      { 'detail-type': 'x', detail: { topicName: null } },
      { eventType: { nested: true }, user: 'not-an-object', timestamp: 'yesterday', data: [1, 2] },
      { notificationId: '', id: '   ', correlationId: 12345, timestamp: -1 },
      {
        topicName: `v2.users.${USER}.routingStatus`,
        eventBody: { routingStatus: { startTime: 'soon' } },
      },
    ];
    for (const value of weird) {
      const e = norm(value);
      assert.equal(typeof e.id, 'string');
      assert.ok(e.id.length > 0);
      assert.equal(typeof e.kind, 'string');
    }
    assert.equal(norm({ topicName: 'v2.something.new' }).kind, 'unknown');
    assert.equal(norm({ foo: 'bar' }).kind, 'unknown');
    assert.equal(norm({ notificationId: '', id: '   ', correlationId: 12345 }).id, '12345');
    assert.equal(norm({ eventType: 'x', timestamp: 'yesterday' }).occurredAt, null);
  });

  test('toIso accepts ISO strings and epoch milliseconds only', () => {
    assert.equal(toIso('2026-11-23T10:00:00Z'), '2026-11-23T10:00:00.000Z');
    assert.equal(toIso('2026-11-23T10:00:00.123+01:00'), '2026-11-23T09:00:00.123Z');
    assert.equal(toIso(1795400000000), '2026-11-23T02:13:20.000Z');
    assert.equal(toIso('1795400000000'), '2026-11-23T02:13:20.000Z');
    for (const bad of [
      undefined,
      null,
      '',
      'soon',
      NaN,
      Infinity,
      -5,
      {},
      '2026-13-45T99:00:00Z',
    ]) {
      assert.equal(toIso(bad), undefined, JSON.stringify(bad));
    }
  });
});
