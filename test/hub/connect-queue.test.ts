import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectQueue } from '../../src/hub/connect-queue.js';
import { parseLiveRequest } from '../../src/hub/live-filter.js';
import type { LiveTransport } from '../../src/hub/live-hub.js';
import { testHub } from '../support/hub.js';
import { waitFor } from '../support/helpers.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('set-ups run in order, a slice of the event loop at a time', async () => {
  let now = 0;
  const queue = new ConnectQueue(10, () => now);
  const ran: number[] = [];
  // Each set-up takes 4 ms (of the queue's clock): a 10 ms slice holds three.
  for (let i = 0; i < 9; i++) {
    queue.push(() => {
      ran.push(i);
      now += 4;
    });
  }
  assert.deepEqual(ran, [], 'nothing runs in the turn that queued it');
  await nextTurn();
  assert.deepEqual(ran, [0, 1, 2], 'one slice, then the loop moves on');
  await waitFor(() => ran.length === 9, { what: 'the other slices' });
  assert.deepEqual(ran, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(queue.size, 0);
});

test('closing runs what is still queued, at once', () => {
  const queue = new ConnectQueue(10, () => 0);
  const ran: number[] = [];
  for (let i = 0; i < 3; i++) queue.push(() => void ran.push(i));
  queue.close();
  assert.deepEqual(ran, [0, 1, 2]);
});

test('clients leaving at once free their filter ids over later turns, not in the one they left', async (t) => {
  const hub = testHub(t, {
    maxClients: 100,
    maxFilterIdsTotal: 30_000,
  });
  const transport: LiveTransport = { send: () => {}, bufferedBytes: () => 0, close: () => {} };
  let seq = 0;
  const wide = () =>
    parseLiveRequest(
      new URLSearchParams({ users: Array.from({ length: 1000 }, () => `u${seq++}`).join(',') }),
      undefined,
      { maxIds: 1000 },
    ).filter;
  const clients = Array.from({ length: 30 }, () => hub.connect(transport, wide(), undefined));
  const next = wide();
  assert.equal(hub.admits(next), false, 'the index is full');
  for (const c of clients) hub.disconnect(c);
  assert.equal(hub.clientCount, 0);
  assert.equal(hub.admits(next), false, 'their 30,000 ids are still being taken out');
  await waitFor(() => hub.admits(next), { what: 'the ids to be freed' });
  hub.connect(transport, next, undefined);
});
