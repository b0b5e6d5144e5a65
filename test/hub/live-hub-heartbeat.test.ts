import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLiveRequest } from '../../src/hub/live-filter.js';
import type { LiveTransport } from '../../src/hub/live-hub.js';
import { testHub } from '../support/hub.js';
import { waitFor } from '../support/helpers.js';

/** A transport that records what the hub sent it. */
function recorder(): LiveTransport & { types: string[] } {
  const types: string[] = [];
  return {
    types,
    send: (payload) => void types.push(payload.type),
    bufferedBytes: () => 0,
    close: () => {},
  };
}

test('heartbeats go to each client as it falls quiet for a period, not to all at once', async (t) => {
  let now = 0;
  let ticks = 0;
  const hub = testHub(t, {
    heartbeatMs: 400, // checked every 100 ms (a quarter period)
    now: () => now,
    metrics: {
      messages: (type) => void (type === 'heartbeat' && ticks++),
      coalesced: () => {},
      evicted: () => {},
      resumed: () => {},
      clients: () => {},
      bufferedBytes: () => {},
    },
  });
  /** Waits until the hub has checked for quiet clients twice more. */
  const twoTicks = async () => {
    const from = ticks;
    await waitFor(() => ticks >= from + 2, { timeoutMs: 2000, what: 'two heartbeat checks' });
  };
  const { filter } = parseLiveRequest(new URLSearchParams('kinds=queues'), undefined, {
    maxIds: 10,
  });
  const a = recorder();
  hub.connect(a, filter, undefined);
  now = 200;
  const b = recorder();
  hub.connect(b, filter, undefined);
  const beats = (r: { types: string[] }) => r.types.filter((x) => x === 'heartbeat').length;

  // 250 ms in: nobody has been quiet for a period yet (a is due at 300: period − tick).
  now = 250;
  await twoTicks();
  assert.deepEqual([beats(a), beats(b)], [0, 0]);
  // 350 ms in: a has been quiet for 350 ms, b for 150 ms.
  now = 350;
  await waitFor(() => beats(a) === 1, { timeoutMs: 2000, what: 'a heartbeat for a' });
  assert.equal(beats(b), 0, 'b heard something 150 ms ago and gets nothing');
  // 520 ms in: b's turn (quiet since 200); a heard its heartbeat at 350 and is not due.
  now = 520;
  await waitFor(() => beats(b) === 1, { timeoutMs: 2000, what: 'a heartbeat for b' });
  assert.equal(beats(a), 1, 'a is not due again until 650');
  now = 660;
  await waitFor(() => beats(a) === 2, { timeoutMs: 2000, what: 'a second heartbeat for a' });
  assert.equal(beats(b), 1);
});
