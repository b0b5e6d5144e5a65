/**
 * Issue 15, point 1: freshness you can see. The board knows how old its data is on the link
 * (any message) and at the source (the ages heartbeats publish), stops its timers while either
 * is stale, and reconnects at once on "Retry now" or when the gateway answers again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LiveMessage } from '../../src/protocol/live-messages.js';
import { freshnessOf, sourceQuietText } from '../../web/src/lib/freshness.js';
import { LiveConnection, type SocketHandlers } from '../../web/src/live/live-connection.js';
import { LiveStore } from '../../web/src/live/live-store.js';
import { FakeTimers, agent } from './fixtures.js';

const T0 = Date.parse('2026-11-23T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('freshnessOf', () => {
  const report = (ageMs: number | null, serverAt: number, agentsLoggedIn?: number) => ({
    sources: [
      { name: 'webhook', ageMs: null },
      { name: 'stream', ageMs },
    ],
    agentsLoggedIn,
    serverAt,
  });

  test('fresh: recent messages, a recent event', () => {
    const f = freshnessOf({
      skewMs: 0,
      clientNow: T0 + 1000,
      lastMessageAt: T0,
      report: report(2000, T0, 5),
      agentsLoggedIn: 0,
    });
    assert.deepEqual(f, {
      linkStale: false,
      sourceAgeMs: 3000,
      sourceStale: false,
      stale: false,
      frozenAt: undefined,
    });
  });

  test('the source age grows from the last heartbeat; stale at 15 s with agents logged in', () => {
    const base = { skewMs: 0, lastMessageAt: T0, report: report(10_000, T0, 3), agentsLoggedIn: 0 };
    assert.equal(freshnessOf({ ...base, skewMs: 0, clientNow: T0 + 4999 }).sourceStale, false);
    const f = freshnessOf({ ...base, skewMs: 0, clientNow: T0 + 7000 });
    assert.equal(f.sourceAgeMs, 17_000);
    assert.equal(f.sourceStale, true);
    assert.equal(f.linkStale, false);
    assert.equal(f.stale, true);
    // Timers stop where they stood when the source went quiet for 15 s.
    assert.equal(f.frozenAt, T0 + 5000);
    assert.equal(sourceQuietText(f.sourceAgeMs), 'No Genesys events for 17 s');
    assert.equal(sourceQuietText(185_000), 'No Genesys events for 3 min');
    // Ages and the freeze are on the server's clock: a new skew estimate moves neither.
    const skewed = freshnessOf({ ...base, skewMs: 300, clientNow: T0 + 7000 - 300 });
    assert.deepEqual([skewed.sourceAgeMs, skewed.frozenAt], [17_000, T0 + 5000]);
  });

  test('a quiet source is not stale when nobody is logged in, nor unknown when never heard', () => {
    const quiet = freshnessOf({
      skewMs: 0,
      clientNow: T0,
      lastMessageAt: T0,
      report: report(60_000, T0, 0),
      agentsLoggedIn: 9, // the heartbeat's floor-wide count wins over the client's
    });
    assert.equal(quiet.sourceStale, false);
    assert.equal(quiet.sourceAgeMs, 60_000);
    const never = freshnessOf({
      skewMs: 0,
      clientNow: T0,
      lastMessageAt: T0,
      report: report(null, T0, 4),
      agentsLoggedIn: 4,
    });
    assert.deepEqual([never.sourceStale, never.sourceAgeMs], [false, undefined]);
    // A gateway that publishes no ages: the client's own count, and no source verdict.
    const old = freshnessOf({
      skewMs: 0,
      clientNow: T0,
      lastMessageAt: T0,
      report: undefined,
      agentsLoggedIn: 4,
    });
    assert.deepEqual([old.sourceStale, old.stale], [false, false]);
  });

  test('the link is stale after 10 s of silence; timers stop at the earlier of the two', () => {
    const f = freshnessOf({
      skewMs: 0,
      clientNow: T0 + 30_000,
      lastMessageAt: T0,
      report: report(0, T0, 2),
      agentsLoggedIn: 0,
    });
    assert.deepEqual([f.linkStale, f.sourceStale, f.stale], [true, true, true]);
    assert.equal(f.frozenAt, T0 + 10_000);
    const loading = freshnessOf({
      skewMs: 0,
      clientNow: T0,
      lastMessageAt: undefined,
      report: undefined,
      agentsLoggedIn: 0,
    });
    assert.equal(loading.stale, false, 'loading is not stale');
  });
});

describe('LiveStore freshness', () => {
  test('heartbeats carry the ages; timers stop while stale and run again on fresh data', () => {
    let clock = T0;
    const store = new LiveStore({ clock: () => clock });
    const since = iso(T0 - 60_000);
    store.apply({
      type: 'snapshot',
      offset: 1,
      now: iso(clock),
      agents: [agent('a', { loggedIn: true, since })],
    });
    // Before any ages: the board is fresh, the timer runs on the server clock.
    assert.equal(store.timerNow(), clock);
    store.apply({
      type: 'heartbeat',
      offset: 1,
      now: iso(clock),
      sources: [{ name: 'stream', ageMs: 1000 }],
      agentsLoggedIn: 1,
    });
    assert.deepEqual(store.sourceReport, {
      sources: [{ name: 'stream', ageMs: 1000 }],
      agentsLoggedIn: 1,
      serverAt: T0,
    });
    clock = T0 + 4000;
    store.apply({
      type: 'heartbeat',
      offset: 1,
      now: iso(clock),
      sources: [{ name: 'stream', ageMs: 5000 }],
      agentsLoggedIn: 1,
    });
    assert.equal(store.timerNow(), clock);
    // Genesys goes quiet: heartbeats keep coming, the age keeps growing.
    clock = T0 + 20_000;
    store.apply({
      type: 'heartbeat',
      offset: 1,
      now: iso(clock),
      sources: [{ name: 'stream', ageMs: 21_000 }],
      agentsLoggedIn: 1,
    });
    const f = store.freshness();
    assert.deepEqual(
      [f.stale, f.sourceStale, f.linkStale, f.sourceAgeMs],
      [true, true, false, 21_000],
    );
    const frozen = store.timerNow();
    assert.equal(frozen, T0 - 1000 + 15_000);
    clock += 5000;
    assert.equal(store.timerNow(), frozen, 'the timer does not count while stale');
    // Events again: fresh, the timer runs on.
    store.apply({
      type: 'heartbeat',
      offset: 2,
      now: iso(clock),
      sources: [{ name: 'stream', ageMs: 200 }],
      agentsLoggedIn: 1,
    });
    assert.equal(store.freshness().stale, false);
    assert.equal(store.timerNow(), clock);
    // The gateway goes silent: stale after 10 s, frozen there.
    const last = clock;
    clock += 30_000;
    assert.equal(store.freshness().linkStale, true);
    assert.equal(store.timerNow(), last + 10_000);
  });

  test('a heartbeat without ages (older gateways) keeps the board on the link alone', () => {
    let clock = T0;
    const store = new LiveStore({ clock: () => clock });
    store.apply({ type: 'heartbeat', offset: 0, now: iso(clock) });
    assert.equal(store.sourceReport, undefined);
    clock += 9000;
    assert.equal(store.freshness().stale, false);
    assert.equal(store.timerNow(), clock);
  });
});

class FakeSocket {
  closed = false;
  constructor(
    readonly url: string,
    readonly handlers: SocketHandlers,
  ) {}
  send() {}
  close() {
    this.closed = true;
  }
  receive(message: LiveMessage) {
    this.handlers.message(JSON.stringify(message));
  }
}

function setup(probe?: () => Promise<boolean>) {
  const timers = new FakeTimers();
  const sockets: FakeSocket[] = [];
  const store = new LiveStore({ clock: () => timers.now });
  const connection = new LiveConnection({
    url: 'ws://gw/api/v1/live',
    filter: {},
    store,
    timers,
    random: () => 1, // the whole backoff
    clock: () => timers.now,
    createSocket: (url, handlers) => {
      const s = new FakeSocket(url, handlers);
      sockets.push(s);
      return s;
    },
    ...(probe ? { probe, probeEveryMs: 1000 } : {}),
  });
  const last = () => sockets[sockets.length - 1]!;
  return { timers, sockets, connection, last };
}

/** Lets probe promises settle. */
const settle = () => new Promise((r) => setImmediate(r));

describe('reconnecting without sitting out the backoff', () => {
  test('"Retry now" reconnects at once while waiting, and only then', () => {
    const { timers, sockets, connection, last } = setup();
    connection.start();
    connection.retryNow(); // connecting: nothing to retry
    assert.equal(sockets.length, 1);
    last().handlers.open();
    last().receive({ type: 'snapshot', offset: 5, now: iso(T0) });
    for (let i = 0; i < 4; i++) {
      last().handlers.close(1006, '');
      timers.advance(60_000);
    }
    last().handlers.close(1006, '');
    assert.equal(connection.state.status, 'waiting');
    const before = sockets.length;
    connection.retryNow();
    assert.equal(sockets.length, before + 1);
    assert.equal(connection.state.status, 'connecting');
    assert.match(last().url, /since=5/);
    // The abandoned backoff timer does not open a second socket.
    timers.advance(60_000);
    assert.equal(sockets.length, before + 1);
  });

  test('a probe that sees the gateway come back reconnects at once', async () => {
    let up = false;
    let probes = 0;
    const { timers, sockets, connection, last } = setup(async () => {
      probes++;
      return up;
    });
    connection.start();
    last().handlers.open();
    last().receive({ type: 'snapshot', offset: 1, now: iso(T0) });
    for (let i = 0; i < 5; i++) {
      last().handlers.close(1006, '');
      if (i < 4) timers.advance(60_000);
    }
    assert.equal(connection.state.status, 'waiting');
    const waiting = connection.state as { retryAt: number };
    assert.ok(waiting.retryAt - timers.now >= 8000, 'a long backoff ahead');
    const before = sockets.length;
    timers.advance(1000);
    await settle();
    timers.advance(1000);
    await settle();
    assert.equal(sockets.length, before, 'still down: still waiting');
    up = true;
    timers.advance(1000);
    await settle();
    assert.equal(sockets.length, before + 1, 'back: reconnected without the backoff');
    assert.ok(probes >= 3);
  });

  test('a gateway seen down in an earlier wait and back in this one is rejoined at once', async () => {
    let up = false;
    const { timers, sockets, connection, last } = setup(async () => up);
    connection.start();
    last().handlers.open();
    last().receive({ type: 'snapshot', offset: 1, now: iso(T0) });
    last().handlers.close(1006, ''); // backoff 500 ms
    timers.advance(400);
    await settle();
    timers.advance(600); // a probe at 1000 would be after the retry: none ran
    await settle();
    assert.equal(sockets.length, 2);
    for (let i = 0; i < 4; i++) {
      last().handlers.close(1006, ''); // refused: never opened
      timers.advance(1000); // a probe sees it down
      await settle();
      timers.advance(60_000);
      await settle();
    }
    last().handlers.close(1006, '');
    const before = sockets.length;
    up = true; // back before this wait's first probe
    timers.advance(1000);
    await settle();
    assert.equal(sockets.length, before + 1);
  });

  test('a gateway that answers all along (it refused the socket) is left to the backoff', async () => {
    const { timers, sockets, connection, last } = setup(async () => true);
    connection.start();
    last().handlers.open();
    last().receive({ type: 'snapshot', offset: 1, now: iso(T0) });
    for (let i = 0; i < 5; i++) {
      last().handlers.close(1013, 'too many clients');
      if (i < 4) timers.advance(60_000);
    }
    const waiting = connection.state as { retryAt: number };
    assert.ok(waiting.retryAt - timers.now >= 8000, 'a long backoff ahead');
    const before = sockets.length;
    for (let i = 0; i < 5; i++) {
      timers.advance(1000);
      await settle();
    }
    assert.equal(sockets.length, before, 'probes answered, yet no early reconnect');
    assert.equal(connection.state.status, 'waiting');
  });
});
