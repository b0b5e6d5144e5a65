import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { describe, test, type TestContext } from 'node:test';
import { Emulator } from '../../src/emulator/emulator.js';
import { PushDispatcher } from '../../src/emulator/push/push-dispatcher.js';
import { waitFor } from '../support/helpers.js';
import { requestToken } from '../support/emulator.js';

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
  o: { concurrency?: number; retryHorizonSec?: number; timeoutMs?: number } = {},
) {
  const d = new PushDispatcher({
    url,
    headers: () => ({}),
    concurrency: o.concurrency ?? 4,
    retryHorizonSec: o.retryHorizonSec ?? 60,
    timeoutMs: o.timeoutMs ?? 5000,
  });
  t.after(() => d.close());
  return d;
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
    const d = dispatcher(t, url, { timeoutMs: 200 });
    d.push('{"slow":1}');
    await waitFor(() => d.stats.delivered === 1, {
      timeoutMs: 5000,
      what: 'delivery after a timeout',
    });
    assert.equal(d.stats.retried, 1);

    const failing = await receiver(t, (req, res) => {
      req.resume();
      res.statusCode = 503;
      res.end();
    });
    const short = dispatcher(t, failing, { retryHorizonSec: 0 });
    short.push('{"x":1}');
    await waitFor(() => short.stats.expired === 1, { what: 'given up past the horizon' });
    assert.equal(short.stats.retried, 0);
  });

  test('tokens expire after their configured lifetime', async (t) => {
    const emu = new Emulator({ port: 0, agents: 5, queues: 1, realtime: false, tokenTtlSec: 1 });
    await emu.start();
    t.after(() => emu.stop());
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
    const emu = new Emulator({ port: 0, agents: 5, queues: 1, realtime: false });
    t.after(() => emu.stop());
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
