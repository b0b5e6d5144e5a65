// Row 11: ids 9007199254740993 vs …992, " x" vs "x" | collide: the second is acked as a
// duplicate and dropped
//
// The id was read after JSON.parse (a double: the two numbers are the same past 2^53) and
// trimmed. Ids are now the exact strings received: a number by its source text, no trimming.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { postSigned, startTestGateway } from '../support/helpers.js';

/** Raw JSON text: JSON.stringify cannot write 9007199254740993 (it is not a double). */
const guide = (id: string) =>
  `{"notificationId":${id},"eventType":"interaction","timestamp":"2026-11-23T10:00:00.000Z","data":{"interactionId":"i-1"}}`;

const envelope = (field: 'id' | 'CorrelationId', id: string) => {
  const correlation = field === 'CorrelationId' ? `"CorrelationId":${id}` : '';
  const outerId = field === 'id' ? id : '"00000000-0000-0000-0000-000000000000"';
  return `{"version":"0","id":${outerId},"detail-type":"v2.users.{id}.presence","source":"aws.partner/genesys.com","time":"2026-11-23T10:00:00Z","detail":{"topicName":"v2.users.u-1.presence","eventBody":{"presenceDefinition":{"systemPresence":"AVAILABLE"},"modifiedDate":"2026-11-23T10:00:00.000Z"},"metadata":{${correlation}}}}`;
};

async function postEventBridge(url: string, body: string) {
  const res = await fetch(`${url}/ingest/eventbridge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'eb-key-123' },
    body,
  });
  return (await res.json()) as Record<string, unknown>;
}

const PAIRS: [string, string][] = [
  ['9007199254740993', '9007199254740992'],
  ['" x"', '"x"'],
  ['"y "', '"y"'],
];

describe('row 11: different id strings never merge', () => {
  test('webhook (notificationId): each of a pair is stored; a resend is still a duplicate', async (t) => {
    const gw = await startTestGateway(t);
    for (const [a, b] of PAIRS) {
      const first = await postSigned(gw.url, guide(a));
      const second = await postSigned(gw.url, guide(b));
      assert.deepEqual(second.body, { accepted: 1, duplicates: 0 }, `${b} after ${a}`);
      assert.deepEqual(first.body.duplicates, 0, a);
      assert.deepEqual((await postSigned(gw.url, guide(a))).body, { accepted: 0, duplicates: 1 });
    }
    const res = await fetch(`${gw.url}/api/v1/events?limit=100`);
    const { events } = (await res.json()) as { events: { id: string }[] };
    assert.deepEqual(
      events.map((e) => e.id),
      ['9007199254740993', '9007199254740992', ' x', 'x', 'y ', 'y'],
    );
  });

  test('EventBridge (CorrelationId and the envelope id): each of a pair is stored', async (t) => {
    for (const field of ['CorrelationId', 'id'] as const) {
      const gw = await startTestGateway(t);
      for (const [a, b] of PAIRS) {
        await postEventBridge(gw.url, envelope(field, a));
        const second = await postEventBridge(gw.url, envelope(field, b));
        assert.deepEqual(second, { accepted: 1, duplicates: 0 }, `${field}: ${b} after ${a}`);
      }
    }
  });
});
