import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LiveMessage } from '../../src/protocol/live-messages.js';
import { Backoff } from '../../src/protocol/backoff.js';
import {
  LiveConnection,
  liveUrl,
  type SocketHandlers,
} from '../../web/src/live/live-connection.js';
import { LiveStore } from '../../web/src/live/live-store.js';
import { FakeTimers, agent } from './fixtures.js';

const NOW = '2026-11-23T09:00:00.000Z';

class FakeSocket {
  closed: { code?: number; reason?: string } | undefined;
  sent: string[] = [];
  constructor(
    readonly url: string,
    readonly handlers: SocketHandlers,
  ) {}
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number, reason?: string) {
    this.closed = { code, reason };
  }
  open() {
    this.handlers.open();
  }
  receive(message: LiveMessage) {
    this.handlers.message(JSON.stringify(message));
  }
  /** The server (or network) closed it. */
  drop(code: number, reason = '') {
    this.handlers.close(code, reason);
  }
}

function setup(random = () => 0.5) {
  const timers = new FakeTimers();
  const sockets: FakeSocket[] = [];
  const store = new LiveStore({ clock: () => timers.now });
  const connection = new LiveConnection({
    url: 'ws://gw/api/v1/live',
    filter: { kinds: ['agents', 'queues'] },
    store,
    timers,
    random,
    clock: () => timers.now,
    createSocket: (url, handlers) => {
      const s = new FakeSocket(url, handlers);
      sockets.push(s);
      return s;
    },
  });
  const last = () => sockets[sockets.length - 1]!;
  return { timers, sockets, store, connection, last };
}

describe('liveUrl', () => {
  test('lists as comma-separated values, since and token when given', () => {
    assert.equal(liveUrl('ws://h/api/v1/live', {}), 'ws://h/api/v1/live');
    assert.equal(
      liveUrl('ws://h/api/v1/live', { kinds: ['toasts', 'agents'], users: ['u1'] }, 42, 'T'),
      'ws://h/api/v1/live?kinds=toasts%2Cagents&users=u1&since=42&access_token=T',
    );
  });
});

describe('Backoff', () => {
  test('full jitter under a ceiling that doubles from 500 ms to 30 s, reset after success', () => {
    const max = new Backoff({ random: () => 0.999999 });
    const ceilings = Array.from({ length: 9 }, () => max.next());
    assert.deepEqual(ceilings, [499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]);
    const zero = new Backoff({ random: () => 0 });
    assert.equal(zero.next(), 0);
    max.reset();
    assert.equal(max.attempt, 0);
    assert.equal(max.next(), 499);
  });
});

describe('LiveConnection', () => {
  test('applies messages and reconnects with since=<last offset> after a drop', () => {
    const { timers, sockets, store, connection, last } = setup();
    connection.start();
    assert.equal(last().url, 'ws://gw/api/v1/live?kinds=agents%2Cqueues');
    last().open();
    last().receive({ type: 'snapshot', offset: 10, now: NOW, agents: [agent('a')] });
    last().receive({ type: 'delta', offset: 12, now: NOW, agents: [agent('b', { offset: 12 })] });
    assert.equal(connection.state.status, 'open');
    last().drop(1006);
    assert.equal(connection.state.status, 'waiting');
    // First retry: ceiling 500 ms, random 0.5 → 250 ms.
    assert.deepEqual(timers.pending(), [250]);
    timers.advance(250);
    assert.equal(sockets.length, 2);
    assert.equal(last().url, 'ws://gw/api/v1/live?kinds=agents%2Cqueues&since=12');
    last().open();
    last().receive({ type: 'resumed', from: 12, offset: 14, now: NOW });
    last().receive({ type: 'delta', offset: 14, now: NOW, agents: [agent('c', { offset: 14 })] });
    assert.deepEqual([...store.agents.keys()].sort(), ['a', 'b', 'c']);
    assert.equal(store.offset, 14);
    assert.equal(connection.reconnects, 1);
  });

  test('backs off exponentially while failing, and resets once a message arrives', () => {
    const { timers, connection, last } = setup(() => 0.999);
    connection.start();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      last().drop(1006);
      const d = timers.pending().find((x) => x < 29_999_999)!;
      delays.push(d);
      timers.advance(d);
    }
    assert.deepEqual(delays, [499, 999, 1998, 3996, 7992, 15984, 29970, 29970]);
    last().open();
    last().receive({ type: 'heartbeat', offset: 1, now: NOW });
    last().drop(1001);
    assert.equal(timers.pending()[0], 499);
  });

  test('does not retry after 4400, 4401 or 4403, nor after a fatal error message', () => {
    for (const code of [4400, 4401, 4403]) {
      const { timers, sockets, connection, last } = setup();
      connection.start();
      last().drop(code, 'nope');
      assert.equal(connection.state.status, 'failed');
      timers.advance(120_000);
      assert.equal(sockets.length, 1, `no retry after ${code}`);
    }
    // A proxy rewrote the close code; the error message before it still says why.
    const { timers, sockets, connection, last } = setup();
    connection.start();
    last().open();
    last().receive({ type: 'error', code: 'SB_AUTH_REQUIRED', message: 'token please' });
    last().drop(1006);
    const state = connection.state;
    assert.equal(state.status, 'failed');
    assert.equal(state.status === 'failed' && state.errorCode, 'SB_AUTH_REQUIRED');
    timers.advance(120_000);
    assert.equal(sockets.length, 1);
  });

  test('4408 (slow consumer) and 1001 (shutdown) are retried with since', () => {
    for (const code of [4408, 1001, 4000]) {
      const { timers, connection, last, sockets } = setup();
      connection.start();
      last().open();
      last().receive({ type: 'snapshot', offset: 3, now: NOW });
      last().drop(code);
      timers.advance(1000);
      assert.equal(sockets.length, 2, `retried after ${code}`);
      assert.match(last().url, /since=3$/);
    }
  });

  test('a socket silent for 30 s is replaced', () => {
    const { timers, sockets, connection, last } = setup();
    connection.start();
    last().open();
    last().receive({ type: 'snapshot', offset: 3, now: NOW });
    timers.advance(29_000);
    last().receive({ type: 'heartbeat', offset: 3, now: NOW });
    timers.advance(29_000);
    assert.equal(sockets.length, 1);
    timers.advance(1_001);
    assert.equal(sockets[0]!.closed?.code, 4000);
    assert.equal(connection.state.status, 'waiting');
    timers.advance(1000);
    assert.equal(sockets.length, 2);
  });

  test('stop closes the socket and nothing reconnects', () => {
    const { timers, sockets, connection, last } = setup();
    connection.start();
    last().open();
    connection.stop();
    assert.equal(sockets[0]!.closed?.code, 1000);
    last().drop(1000);
    timers.advance(60_000);
    assert.equal(sockets.length, 1);
    assert.equal(connection.state.status, 'stopped');
    connection.start();
    assert.equal(sockets.length, 2, 'a stopped connection can start again (React StrictMode)');
  });

  test('ignores what is not the protocol', () => {
    const { store, connection, last } = setup();
    connection.start();
    last().open();
    last().handlers.message('not json');
    last().handlers.message('42');
    assert.equal(store.lastMessageAt, undefined);
    assert.equal(connection.state.status, 'open');
  });
});
