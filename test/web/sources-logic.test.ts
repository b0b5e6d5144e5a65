/**
 * The health page's reading of `/readyz` (web/src/lib/sources.ts): the stream's reconnects by
 * cause and pruned ids, the reconciler's activations by cause, the last message's age between
 * polls, and the counts left for the generic list.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  byCause,
  countList,
  lastMessageAge,
  parseReadiness,
  prunedSummary,
} from '../../web/src/lib/sources.js';

describe('health page: sources', () => {
  test('/readyz read defensively: by-cause records, pruned ids, counts', () => {
    const r = parseReadiness(200, {
      sources: {
        stream: {
          state: 'running',
          lastEventAt: null,
          counts: { channels: 2, channelsOpen: 2, prunedUsers: 1, messages: 5, bogus: 'x' },
          reconnectsByCause: { 'closed 1006': 2, error: 'many' },
          pruned: [{ kind: 'user', id: 'u-1', reason: 'no such user in the org' }, { id: 3 }],
        },
        reconcile: {
          state: 'degraded',
          counts: { activationsLastHour: 3 },
          activationsByCause: { gap: 3 },
        },
        odd: 'not an object',
      },
    });
    assert.deepEqual(
      r.sources.map((s) => s.name),
      ['stream', 'reconcile'],
    );
    const [stream, reconcile] = r.sources;
    assert.deepEqual(stream!.reconnectsByCause, { 'closed 1006': 2 });
    assert.deepEqual(stream!.pruned, [
      { kind: 'user', id: 'u-1', reason: 'no such user in the org' },
    ]);
    assert.deepEqual(reconcile!.activationsByCause, { gap: 3 });
    assert.deepEqual(reconcile!.reconnectsByCause, {});
    // Shown apart: channels, pruned counts; the rest as they are.
    assert.deepEqual(countList(stream!.counts), [['messages', 5]]);
    assert.equal(prunedSummary(stream!.counts), '1 user');
    assert.equal(prunedSummary({ prunedQueues: 2, prunedUsers: 0 }), '2 queues');
    assert.equal(prunedSummary({}), 'none');
    assert.deepEqual(byCause({ b: 1, a: 1, c: 4, z: 0 }), [
      ['c', 4],
      ['a', 1],
      ['b', 1],
    ]);
  });

  test('the last message ages between polls; none says why', () => {
    const running = { state: 'running', counts: { channels: 1, channelsOpen: 1 } };
    assert.deepEqual(
      lastMessageAge(
        { ...running, counts: { ...running.counts, lastDeliveryAgeMs: 500 } },
        1_000,
        4_000,
      ),
      { ms: 3_500 },
    );
    assert.deepEqual(lastMessageAge(running, 0, 0), { none: 'no heartbeat or event yet' });
    assert.deepEqual(
      lastMessageAge({ state: 'running', counts: { channels: 1, channelsOpen: 0 } }, 0, 0),
      {
        none: 'no channel open',
      },
    );
    assert.deepEqual(lastMessageAge({ state: 'starting', counts: {} }, 0, 0), {
      none: 'no channel yet',
    });
    assert.deepEqual(lastMessageAge({ state: 'stopped', counts: {} }, 0, 0), {
      none: 'the stream is stopped',
    });
  });
});
