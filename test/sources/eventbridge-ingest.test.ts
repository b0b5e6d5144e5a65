import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { presenceEnvelope } from '../support/eventbridge.js';
import { startTestGateway } from '../support/helpers.js';

const envelope = (userId?: string) => presenceEnvelope(userId ? { userId } : {});

async function post(url: string, body: unknown, key?: string) {
  const res = await fetch(`${url}/ingest/eventbridge`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'x-api-key': key }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('POST /ingest/eventbridge', () => {
  test('one envelope or an array, authenticated by the API key header', async (t) => {
    const gw = await startTestGateway(t);
    const single = envelope();
    assert.deepEqual((await post(gw.url, single, 'eb-key-123')).body, {
      accepted: 1,
      duplicates: 0,
    });
    const batch = [envelope(), envelope(), single];
    assert.deepEqual((await post(gw.url, batch, 'eb-key-123')).body, {
      accepted: 2,
      duplicates: 1,
    });
    const res = await fetch(`${gw.url}/api/v1/events`);
    const { events } = (await res.json()) as {
      events: { id: string; source: string; kind: string; topic: string; occurredAt: string }[];
    };
    assert.equal(events.length, 3);
    assert.equal(
      events[0]!.id,
      `${single.detail.topicName}:${single.detail.metadata.CorrelationId}`,
      'the topic and the CorrelationId',
    );
    assert.equal(events[0]!.source, 'eventbridge');
    assert.equal(events[0]!.kind, 'user.presence');
    assert.equal(events[0]!.topic, single.detail.topicName);
    assert.equal(events[0]!.occurredAt, '2026-11-23T09:59:59.500Z');
  });

  test('missing or wrong key → 401 SB_API_KEY_INVALID, nothing stored', async (t) => {
    const gw = await startTestGateway(t);
    for (const key of [undefined, '', 'eb-key-12', 'eb-key-1234', 'x'.repeat(5000)]) {
      const res = await post(gw.url, envelope(), key);
      assert.equal(res.status, 401);
      assert.equal((res.body.error as { code: string }).code, 'SB_API_KEY_INVALID');
    }
    assert.equal((await gw.log.stats()).eventCount, 0);
  });

  test('authentic but unparseable → quarantined, 202', async (t) => {
    const gw = await startTestGateway(t);
    const res = await post(gw.url, '{"version":"0",', 'eb-key-123');
    assert.equal(res.status, 202);
    assert.equal(res.body.code, 'SB_QUARANTINED');
    const [item] = await gw.log.quarantine.list(0, 1);
    assert.equal(item?.source, 'eventbridge');
  });
});
