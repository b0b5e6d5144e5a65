import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { describe, test, type TestContext } from 'node:test';
import { PushDispatcher } from '../../src/emulator/push/push-dispatcher.js';
import { waitFor } from '../support/helpers.js';
import { ManualClock, requestToken, startTestEmulator } from '../support/emulator.js';

async function receiver(
  t: TestContext,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
) {
  const server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
}

function dispatcher(
  t: TestContext,
  url: string,
  o: {
    concurrency?: number;
    retryHorizonSec?: number;
    timeoutMs?: number;
    clock?: ManualClock;
  } = {},
) {
  const d = new PushDispatcher({
    url,
    headers: () => ({}),
    concurrency: o.concurrency ?? 4,
    retryHorizonSec: o.retryHorizonSec ?? 60,
    timeoutMs: o.timeoutMs ?? 5000,
    clock: o.clock,
    // The middle of every jitter range: each delay is half its ceiling.
    random: () => 0.5,
  });
  t.after(() => d.close());
  return d;
}

/** Waits until a failed attempt has been answered and its retry is on the clock. */
function retryScheduled(d: PushDispatcher, count = 1) {
  return waitFor(() => d.waitingRetries === count, { what: `${count} retry on the clock` });
}

describe('push delivery', () => {
  test('never more requests in flight than the per-target concurrency', async (t) => {
    let inFlight = 0;
    let peak = 0;
    const url = await receiver(t, (req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      req.resume();
      setTimeout(() => {
        inFlight--;
        res.end();
      }, 20);
    });
    const d = dispatcher(t, url, { concurrency: 4 });
    for (let i = 0; i < 40; i++) d.push(`{"n":${i}}`);
    await d.idle();
    assert.equal(d.stats.delivered, 40);
    assert.equal(peak, 4);
  });

  test('a timeout is retried; past the retry horizon a delivery is given up', async (t) => {
    let calls = 0;
    const url = await receiver(t, (req, res) => {
      req.resume();
      if (++calls === 1) return; // never answers: the sender times out
      res.end();
    });
    const clock = new ManualClock();
    const d = dispatcher(t, url, { timeoutMs: 200, clock });
    d.push('{"slow":1}');
    await retryScheduled(d);
    assert.deepEqual(clock.pending(), [500], 'full jitter under the first 1 s ceiling');
    clock.advance(500);
    await waitFor(() => d.stats.delivered === 1, {
      timeoutMs: 5000,
      what: 'delivery after a timeout',
    });
    assert.equal(d.stats.retried, 1);
    assert.equal(calls, 2);

    const failing = await receiver(t, (req, res) => {
      req.resume();
      res.statusCode = 503;
      res.end();
    });
    const short = dispatcher(t, failing, { retryHorizonSec: 0, clock });
    short.push('{"x":1}');
    await waitFor(() => short.stats.expired === 1, { what: 'given up past the horizon' });
    assert.equal(short.stats.retried, 0);
  });

  test('5xx backoff is the project backoff (full jitter, ceilings 1, 2, 4 … 60 s) until the horizon', async (t) => {
    let calls = 0;
    const url = await receiver(t, (req, res) => {
      req.resume();
      calls++;
      res.statusCode = 503;
      res.end();
    });
    const clock = new ManualClock();
    const d = dispatcher(t, url, { retryHorizonSec: 60, clock });
    d.push('{"down":1}');
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      await retryScheduled(d);
      delays.push(...clock.pending());
      clock.advance(clock.pending()[0]!);
    }
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16000]);
    // 31.5 s in, the next delay (30 s, half the 60 s cap) would end past the 60 s horizon.
    await waitFor(() => d.stats.expired === 1, { what: 'given up at the horizon' });
    assert.deepEqual(
      { calls, retried: d.stats.retried, waiting: d.waitingRetries },
      { calls: 7, retried: 6, waiting: 0 },
    );
  });

  test('429 waits for Retry-After, in seconds or as an HTTP-date, then is retried', async (t) => {
    const clock = new ManualClock(Date.parse('2026-11-23T10:00:00Z'));
    const answers: { status: number; retryAfter?: () => string }[] = [
      { status: 429, retryAfter: () => '7' },
      { status: 429, retryAfter: () => new Date(clock.now() + 12_000).toUTCString() },
      { status: 200 },
    ];
    let calls = 0;
    const url = await receiver(t, (req, res) => {
      req.resume();
      const answer = answers[calls++]!;
      if (answer.retryAfter) res.setHeader('retry-after', answer.retryAfter());
      res.statusCode = answer.status;
      res.end();
    });
    const d = dispatcher(t, url, { clock });
    d.push('{"busy":1}');
    await retryScheduled(d);
    assert.deepEqual(clock.pending(), [7000], 'Retry-After: 7, not the backoff');
    clock.advance(6999);
    assert.equal(d.waitingRetries, 1, 'not retried before Retry-After');
    clock.advance(1);
    await waitFor(() => calls === 2, { what: 'the retry after 7 s' });
    await retryScheduled(d);
    assert.deepEqual(clock.pending(), [12_000], 'Retry-After as an HTTP-date');
    clock.advance(12_000);
    await waitFor(() => d.stats.delivered === 1, { what: 'delivery after the second 429' });
    assert.deepEqual(
      {
        calls,
        throttled: d.stats.throttled,
        retried: d.stats.retried,
        failed: d.stats.failedPermanently,
      },
      { calls: 3, throttled: 2, retried: 2, failed: 0 },
    );
  });

  test('a Retry-After beyond the retry horizon gives the delivery up', async (t) => {
    const url = await receiver(t, (req, res) => {
      req.resume();
      res.setHeader('retry-after', '3600');
      res.statusCode = 429;
      res.end();
    });
    const d = dispatcher(t, url, { retryHorizonSec: 60, clock: new ManualClock() });
    d.push('{"busy":1}');
    await waitFor(() => d.stats.expired === 1, { what: 'given up' });
    assert.deepEqual(
      { throttled: d.stats.throttled, retried: d.stats.retried, waiting: d.waitingRetries },
      { throttled: 1, retried: 0, waiting: 0 },
    );
  });

  test('tokens expire after their configured lifetime', async (t) => {
    const emu = await startTestEmulator(t, { agents: 5, queues: 1, tokenTtlSec: 1 });
    const { access_token, expires_in } = (await (await requestToken(emu)).json()) as {
      access_token: string;
      expires_in: number;
    };
    assert.equal(expires_in, 1);
    const get = () =>
      fetch(`${emu.url}/api/v2/users`, { headers: { authorization: `Bearer ${access_token}` } });
    assert.equal((await get()).status, 200);
    await waitFor(async () => (await get()).status === 401, {
      timeoutMs: 3000,
      intervalMs: 100,
      what: 'token expiry',
    });
  });

  test('schema drift turns numbers into strings and adds fields', async (t) => {
    const emu = await startTestEmulator(t, { agents: 5, queues: 1 });
    emu.faults.apply('schema-drift', { seconds: 60 });
    const drifted = JSON.parse(
      emu.faults.shape('{"eventBody":{"count":3,"nested":{"ms":1795400000000}},"ok":true}'),
    ) as Record<string, unknown>;
    assert.deepEqual(drifted, {
      eventBody: { count: '3', nested: { ms: '1795400000000' } },
      ok: true,
      schemaVersion: '2.1-preview',
    });
  });
});
