// Issue 11 point 2: dedupe keys that cannot merge two different events.
//
// Nothing Genesys publishes promises that `metadata.CorrelationId` is unique across topics, and
// its own EventBridge sample shows a CorrelationId that differs from the envelope `id` and is not
// a bare UUID. Source of the envelope below: GenesysCloudBlueprints/
// aws-eventbridge-user-presence-update-blueprint `events/UserPresenceChange.json`
// (@2afcb4e452e4e571b216b314b2631142b20cc86a); the presence body follows
// MyPureCloud/platform-client-sdk-javascript build/index.d.ts `PresenceEventUserPresence`, the
// activity body `AgentActivityChangedTopicAgentActivity` (topic → model: notificationMappings.json).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeEvent } from '../../src/sources/normalize/normalize.js';
import { startTestEmulator } from '../support/emulator.js';
import { postSigned, startTestGateway } from '../support/helpers.js';

const USER = '278522be-7e8c-4d0c-a2f5-9f7fe5d2d3ac';
const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
/** As in the official sample: not the envelope id, and not a bare UUID. */
const CORRELATION = 'b61df0b3-9e33-444b-a455-1c92a33ef4e2-archival';

/** One change (the agent goes on queue) as Genesys may send it on two topics. */
function envelope(topic: 'presence' | 'activity', id: string) {
  const modifiedDate = '2024-05-02T10:00:00.000Z';
  const presenceDefinition = { id: ON_QUEUE, systemPresence: 'ON_QUEUE' };
  const eventBody =
    topic === 'presence'
      ? { source: 'PURECLOUD', presenceDefinition, primary: true, message: '', modifiedDate }
      : {
          id: USER,
          routingStatus: { status: 'IDLE', startTime: modifiedDate },
          presence: { presenceDefinition, presenceMessage: '', modifiedDate },
          activeQueueIds: [],
          dateActiveQueuesChanged: modifiedDate,
        };
  return {
    version: '0',
    id,
    'detail-type': `v2.users.{id}.${topic}`,
    source: 'aws.partner/genesys.com/cloud/8d7e0b3a-org/switchboard',
    account: '000000000000',
    time: '2024-05-02T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      topicName: `v2.users.${USER}.${topic}`,
      version: '2',
      eventBody,
      metadata: { CorrelationId: CORRELATION },
      timestamp: '2024-05-02T10:00:00.120Z',
    },
  };
}

async function postEventBridge(url: string, body: unknown) {
  const res = await fetch(`${url}/ingest/eventbridge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'eb-key-123' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const norm = (value: Record<string, unknown>) =>
  normalizeEvent(Buffer.from(JSON.stringify(value)), value, {
    source: 'eventbridge',
    receivedAt: '2024-05-02T10:00:01.000Z',
    idKeys: [],
  });

describe('issue 11 point 2: an event is its topic and its CorrelationId', () => {
  test('the id is the concrete topic and the CorrelationId as sent (-archival kept), not the EventBridge id', () => {
    const presence = norm(envelope('presence', '4cbedb0f-4dfd-4c8e-9e57-0acded092527'));
    const activity = norm(envelope('activity', '5dcfec10-5e0e-4e9e-8f68-1bdfee1a3638'));
    assert.equal(presence.id, `v2.users.${USER}.presence:${CORRELATION}`);
    assert.equal(activity.id, `v2.users.${USER}.activity:${CORRELATION}`);
    const { metadata: _m, ...detail } = envelope('presence', 'eb-1').detail;
    assert.equal(
      norm({ ...envelope('presence', 'eb-1'), detail }).id,
      `v2.users.${USER}.presence:eb-1`,
      'without a CorrelationId, the EventBridge id, scoped by the topic too',
    );
  });

  test('two topics of one change with one CorrelationId are two events; a redelivery of either is a duplicate', async (t) => {
    const gw = await startTestGateway(t);
    const presence = envelope('presence', '4cbedb0f-4dfd-4c8e-9e57-0acded092527');
    const activity = envelope('activity', '5dcfec10-5e0e-4e9e-8f68-1bdfee1a3638');
    assert.deepEqual((await postEventBridge(gw.url, [presence, activity])).body, {
      accepted: 2,
      duplicates: 0,
    });
    // EventBridge may retry with a new envelope id; the message (topic, CorrelationId) is the same.
    for (const again of [activity, { ...presence, id: 'retried-envelope' }]) {
      assert.deepEqual((await postEventBridge(gw.url, again)).body, {
        accepted: 0,
        duplicates: 1,
      });
    }
    const res = await fetch(`${gw.url}/api/v1/events?limit=10`);
    const { events } = (await res.json()) as { events: { topic: string }[] };
    assert.deepEqual(
      events.map((e) => e.topic),
      [presence.detail.topicName, activity.detail.topicName],
    );
  });

  test('the emulator reuses one CorrelationId across the topics of one change; the gateway stores each message once', async (t) => {
    const texts: string[] = [];
    const emu = await startTestEmulator(t, {
      agents: 12,
      queues: 2,
      seed: 11,
      startMs: Date.parse('2026-11-23T08:00:00.000Z'),
      sink: (text) => texts.push(text),
    });
    emu.advance(10 * 60_000);
    const messages = texts.map((text) => {
      const m = JSON.parse(text) as { topicName: string; metadata: { CorrelationId: string } };
      return { text, topic: m.topicName, correlation: m.metadata.CorrelationId };
    });
    const byCorrelation = new Map<string, Set<string>>();
    for (const m of messages) {
      const topics = byCorrelation.get(m.correlation) ?? new Set<string>();
      assert.ok(!topics.has(m.topic), `${m.topic} twice under ${m.correlation}`);
      byCorrelation.set(m.correlation, topics.add(m.topic));
    }
    const shared = [...byCorrelation.values()].filter((topics) => topics.size > 1);
    assert.ok(shared.length > 10, `${shared.length} changes on several topics`);

    const gw = await startTestGateway(t);
    let accepted = 0;
    for (let i = 0; i < messages.length; i += 100) {
      const batch = messages.slice(i, i + 100).map((m) => m.text);
      const res = await postSigned(gw.url, `[${batch.join(',')}]`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.duplicates, 0, 'no message of a change is merged into another');
      accepted += res.body.accepted as number;
    }
    assert.equal(accepted, messages.length);
    const twin = messages.find((m) => byCorrelation.get(m.correlation)!.size > 1)!;
    assert.deepEqual((await postSigned(gw.url, twin.text)).body, {
      accepted: 0,
      duplicates: 1,
    });
  });
});
