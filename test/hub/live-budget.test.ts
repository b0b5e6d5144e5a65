import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { parseLiveRequest } from '../../src/hub/live-filter.js';
import {
  LiveClientLimitError,
  LiveHub,
  type LiveHubOptions,
  type LiveTransport,
} from '../../src/hub/live-hub.js';
import type { AgentView, LiveChanges } from '../../src/protocol/live-messages.js';
import { waitFor } from '../support/helpers.js';
import { agent as viewOf } from '../web/fixtures.js';

interface FakeSocket {
  buffered: number;
  sent: string[];
  closed: { code: number; errorCode: string | undefined } | undefined;
  transport: LiveTransport;
}

/** A socket whose unsent bytes the test sets, recording what it was sent and how it closed. */
function socket(): FakeSocket {
  const s: FakeSocket = {
    buffered: 0,
    sent: [] as string[],
    closed: undefined as { code: number; errorCode: string | undefined } | undefined,
    transport: {
      send: (p) => void s.sent.push(p.type),
      bufferedBytes: () => s.buffered,
      close: (code, errorCode) => void (s.closed ??= { code, errorCode }),
    },
  };
  return s;
}

function hubWith(t: TestContext, options: Partial<LiveHubOptions> = {}) {
  const clock = { now: 1_000_000 };
  const evicted: string[] = [];
  const swept = { n: 0 };
  const hub = new LiveHub({
    membership: () => undefined,
    maxClients: 100,
    heartbeatMs: 3_600_000,
    highWaterBytes: 1000,
    maxBufferedBytes: 10_000,
    slowClientTimeoutMs: 5000,
    maxPendingChanges: 1000,
    historyChanges: 1000,
    maxFilterIdsTotal: 100_000,
    // The test sweeps by hand, on its own clock.
    sweepMs: 3_600_000,
    now: () => clock.now,
    metrics: {
      messages: () => {},
      coalesced: () => {},
      evicted: (reason) => void evicted.push(reason),
      resumed: () => {},
      clients: () => {},
      bufferedBytes: () => void swept.n++,
    },
    ...options,
  });
  t.after(() => hub.close());
  return { hub, clock, evicted, swept };
}

const filterOf = (query: string, maxIds = 1000) =>
  parseLiveRequest(new URLSearchParams(query), undefined, { maxIds }).filter;

/** An agent in no team and no queue, so only user filters pick it. */
const agent = (id: string, name = id): AgentView =>
  viewOf(id, { name, teamId: undefined, teamName: undefined, queueIds: [], since: undefined });

const changes = (agents: AgentView[]): LiveChanges => ({
  agents,
  queues: [],
  toasts: [],
  removed: { agents: [], queues: [], toasts: [] },
});

describe('live hub: outbound budget and the sweep', () => {
  test('a client that never reads is evicted by the sweep on a quiet floor, one that drains is not', (t) => {
    const { hub, clock, evicted } = hubWith(t);
    const stuck = socket();
    const reader = socket();
    hub.connect(stuck.transport, filterOf('kinds=agents'), undefined);
    hub.connect(reader.transport, filterOf('kinds=agents'), undefined);
    // Both hold an unread snapshot above the high-water mark; no delta ever comes.
    stuck.buffered = reader.buffered = 4000;
    hub.sweep();
    clock.now += 3000;
    reader.buffered = 0; // this one reads
    hub.sweep();
    reader.buffered = 4000; // and falls behind again: a new episode, timed from the next sweep
    clock.now += 1990;
    hub.sweep();
    assert.equal(stuck.closed, undefined, 'behind for 4.99 s of a 5 s timeout');
    clock.now += 20;
    hub.sweep();
    assert.deepEqual(stuck.closed, { code: 4408, errorCode: 'SB_LIVE_SLOW_CONSUMER' });
    assert.equal(reader.closed, undefined, 'behind again for only 20 ms');
    assert.deepEqual(evicted, ['behind']);
    assert.equal(hub.clientCount, 1);
  });

  test('the sweep runs on its timer, with no delta flowing', async (t) => {
    const { hub, clock, swept } = hubWith(t, { sweepMs: 10 });
    const stuck = socket();
    hub.connect(stuck.transport, filterOf('kinds=queues'), undefined);
    stuck.buffered = 4000;
    // A sweep on the timer notes when it fell behind; only then does time move on.
    const from = swept.n;
    await waitFor(() => swept.n > from, { what: 'a sweep' });
    clock.now += 6000;
    await waitFor(() => stuck.closed, { timeoutMs: 10_000, what: 'the timer sweep' });
    assert.equal(stuck.closed!.code, 4408);
    assert.equal(hub.clientCount, 0);
  });

  test('pongs, heartbeats and deltas count against one budget; the opening snapshot always goes', (t) => {
    const { hub, evicted } = hubWith(t, { highWaterBytes: 100_000 });
    const a = socket();
    const ca = hub.connect(a.transport, filterOf('kinds=agents'), undefined);
    hub.pong(ca);
    assert.deepEqual(a.sent, ['snapshot', 'pong']);
    // 9,990 bytes still unsent: a pong (~40 bytes) would take it past 10,000.
    a.buffered = 9990;
    hub.pong(ca);
    assert.deepEqual(a.sent, ['snapshot', 'pong'], 'nothing written past the budget');
    assert.deepEqual(a.closed, { code: 4408, errorCode: 'SB_LIVE_SLOW_CONSUMER' });
    assert.deepEqual(evicted, ['budget']);

    // A floor whose snapshot alone is larger than the budget: a client with nothing unsent
    // still gets it, and the next write that finds it unread evicts it.
    hub.publish(5, changes(Array.from({ length: 100 }, (_, i) => agent(`a${i}`, 'x'.repeat(200)))));
    const b = socket();
    const cb = hub.connect(b.transport, filterOf('kinds=agents'), undefined);
    assert.deepEqual(b.sent, ['snapshot']);
    b.buffered = 25_000;
    hub.publish(6, changes([agent('a1', 'renamed')]));
    assert.deepEqual(b.sent, ['snapshot'], 'the delta was not written');
    assert.equal(b.closed?.code, 4408);
    assert.equal(cb.closed, true);
    assert.equal(hub.clientCount, 0);
  });
});

describe('live hub: filter ids', () => {
  test('the ids of all distinct filters together are bounded; a shared filter costs nothing more', (t) => {
    const { hub } = hubWith(t, { maxFilterIdsTotal: 2500 });
    const ids = (from: number) => Array.from({ length: 1000 }, (_, i) => `u${from + i}`).join(',');
    const first = hub.connect(socket().transport, filterOf(`users=${ids(0)}`), undefined);
    hub.connect(socket().transport, filterOf(`users=${ids(1000)}`), undefined);
    assert.throws(
      () => hub.connect(socket().transport, filterOf(`users=${ids(2000)}`), undefined),
      (err) => err instanceof LiveClientLimitError && /live.maxFilterIdsTotal/.test(err.message),
    );
    assert.equal(hub.admits(filterOf(`users=${ids(2000)}`)), false);
    // The same ids as a connected client, in another order: its group, no new ids.
    const same = ids(0).split(',').reverse().join(',');
    hub.connect(socket().transport, filterOf(`users=${same}`), undefined);
    hub.disconnect(first);
    assert.equal(hub.admits(filterOf(`users=${ids(2000)}`)), false, 'its group is still in use');
    assert.equal(hub.clientCount, 2);
  });

  test('a filter naming more ids than live.maxFilterIds, lists together, is refused', () => {
    const list = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
    assert.throws(
      () => filterOf(`users=${list(600, 'u').join(',')}&queues=${list(401, 'q').join(',')}`),
      /more than 1000 ids in users, queues and teams together/,
    );
    const f = filterOf(`users=${list(600, 'u').join(',')}&teams=${list(400, 't').join(',')}`);
    assert.equal(f.users!.size + f.teams!.size, 1000);
  });

  test('groups that share ids each get their changes, before and after one of them leaves', (t) => {
    const { hub } = hubWith(t);
    const a = socket();
    const b = socket();
    const ca = hub.connect(a.transport, filterOf('kinds=agents&users=x,y'), undefined);
    hub.connect(b.transport, filterOf('kinds=agents&users=y,z'), undefined);
    hub.publish(1, changes([agent('y')]));
    assert.deepEqual([a.sent.length, b.sent.length], [2, 2]);
    hub.disconnect(ca);
    hub.publish(2, changes([agent('y', 'again'), agent('x')]));
    assert.deepEqual(b.sent, ['snapshot', 'delta', 'delta']);
    hub.publish(3, changes([agent('x', 'only x')]));
    assert.equal(b.sent.length, 3, 'x was only in the group that left');
  });
});
