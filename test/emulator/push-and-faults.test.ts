import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { TEST_SECRET, startTestGateway, waitFor } from '../support/helpers.js';
import {
  ManualClock,
  apiHeaders,
  postFault as fault,
  startTestEmulator,
} from '../support/emulator.js';

describe('emulator pushes and faults', () => {
  test('signed guide webhooks and EventBridge envelopes land in a real gateway, verified and deduped', async (t) => {
    const gw = await startTestGateway(t);
    const emu = await startTestEmulator(t, {
      agents: 80,
      queues: 4,
      seed: 9,
      webhook: { url: `${gw.url}/ingest/webhook`, secret: TEST_SECRET },
      eventbridge: { url: `${gw.url}/ingest/eventbridge`, apiKey: 'eb-key-123' },
    });
    emu.advance(10 * 60_000);
    await emu.eventbridge!.idle();
    for (const w of emu.webhooks.values()) await w.dispatcher.idle();
    const hook = [...emu.webhooks.values()][0]!.dispatcher.stats;
    const eb = emu.eventbridge!.stats;
    assert.ok(hook.delivered > 50, `webhooks delivered: ${JSON.stringify(hook)}`);
    assert.equal(hook.failedPermanently, 0, 'every signature verified');
    assert.ok(eb.delivered > 50 && eb.failedPermanently === 0, JSON.stringify(eb));
    const stats = await gw.log.stats();
    assert.equal(stats.eventCount, hook.delivered + eb.delivered, 'each delivery stored once');
    const page = (await (await fetch(`${gw.url}/api/v1/events?limit=1000`)).json()) as {
      events: { kind: string; source: string }[];
    };
    const kinds = new Set(page.events.map((e) => `${e.source}:${e.kind}`));
    for (const k of [
      'webhook:agent.state',
      'webhook:routing.conversation',
      'eventbridge:user.routing',
      'eventbridge:queue.conversation',
      'eventbridge:conversation.detail',
    ]) {
      assert.ok(kinds.has(k), `${k} in ${[...kinds].join(', ')}`);
    }
  });

  test("the guides' subscription API: filters evaluated before dispatch, DRAFT never dispatches, base64 signatures", async (t) => {
    const gw = await startTestGateway(t);
    const emu = await startTestEmulator(t, { agents: 60, queues: 3, seed: 12 });
    const headers = await apiHeaders(emu);
    const create = async (body: Record<string, unknown>) => {
      const r = await fetch(`${emu.url}/api/v2/integrations/webhooks`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      assert.equal(r.status, 201);
      return emu.webhooks.get(((await r.json()) as { id: string }).id)!;
    };
    const published = await create({
      name: 'agent-dashboard-webhook',
      url: `${gw.url}/ingest/webhook`,
      auth: { type: 'secret', secret: TEST_SECRET, encoding: 'base64' },
      events: [
        {
          name: 'agentStateChange',
          filter: { field: 'user.login.status', op: 'eq', value: 'LOGGED_IN' },
        },
      ],
      status: 'PUBLISHED',
    });
    const draft = await create({
      name: 'draft',
      url: `${gw.url}/ingest/webhook`,
      auth: { secret: TEST_SECRET },
      events: ['agentStateChange'],
      status: 'DRAFT',
    });
    emu.advance(30 * 60_000);
    await published.dispatcher.idle();
    assert.ok(
      published.dispatcher.stats.delivered > 10,
      JSON.stringify(published.dispatcher.stats),
    );
    assert.equal(published.dispatcher.stats.failedPermanently, 0, 'base64 signatures verify');
    assert.equal(draft.dispatcher.stats.sent, 0, 'DRAFT subscriptions do not dispatch');
    const page = (await (await fetch(`${gw.url}/api/v1/events?limit=1000`)).json()) as {
      events: { body: string }[];
    };
    const statuses = new Set(
      page.events.map(
        (e) => (JSON.parse(e.body) as { user: { login: { status: string } } }).user.login.status,
      ),
    );
    assert.deepEqual([...statuses], ['LOGGED_IN'], 'the filter ran before dispatch');
  });

  test('5xx and 429 are retried with backoff (429 after Retry-After), other 4xx are not', async (t) => {
    let calls = 0;
    const server = createServer((req, res) => {
      req.resume();
      calls++;
      if (calls === 3) res.setHeader('retry-after', '1');
      res.statusCode =
        calls === 1 ? 503 : calls === 2 ? 200 : calls === 3 ? 429 : calls === 4 ? 200 : 400;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => server.close());
    const { port } = server.address() as { port: number };
    // Retries wait on this clock, not the wall clock: each happens when the test moves it.
    const clock = new ManualClock();
    const emu = await startTestEmulator(t, { agents: 5, queues: 1, clock });
    const sub = emu.addWebhook({
      name: 't',
      url: `http://127.0.0.1:${port}/hook`,
      secret: 's',
      encoding: 'hex',
      status: 'PUBLISHED',
      events: [],
    });
    const retryWaiting = (what: string) =>
      waitFor(() => sub.dispatcher.waitingRetries === 1, { what });
    sub.dispatcher.push('{"a":1}');
    await retryWaiting('the retry after 503');
    const [backoff] = clock.pending();
    assert.ok(backoff !== undefined && backoff < 1000, `5xx backoff under 1 s: ${backoff}`);
    clock.advance(backoff);
    await waitFor(() => sub.dispatcher.stats.delivered === 1, {
      timeoutMs: 5000,
      what: 'retry after 503',
    });
    assert.equal(sub.dispatcher.stats.retried, 1);

    sub.dispatcher.push('{"b":2}');
    await retryWaiting('the retry after 429');
    assert.deepEqual(clock.pending(), [1000], 'the 429 waits for its Retry-After: 1');
    clock.advance(999);
    assert.equal(sub.dispatcher.waitingRetries, 1, 'not retried before Retry-After');
    assert.equal(calls, 3);
    clock.advance(1);
    await waitFor(() => sub.dispatcher.stats.delivered === 2, { what: 'retry after 429' });
    assert.equal(sub.dispatcher.stats.throttled, 1);
    assert.equal(sub.dispatcher.stats.retried, 2);

    sub.dispatcher.push('{"c":3}');
    await waitFor(() => sub.dispatcher.stats.failedPermanently === 1, { what: '400 is final' });
    assert.equal(calls, 5);
    assert.equal(sub.dispatcher.waitingRetries, 0, 'a 400 is not retried');
  });

  test('faults: unknown name → 400; maintenance silences sockets; drop-sockets closes with the code', async (t) => {
    // The maintenance window is on this clock: it ends when the test says, not after a real minute.
    const clock = new ManualClock();
    const emu = await startTestEmulator(t, { agents: 40, queues: 2, seed: 4, clock });
    assert.equal((await fault(emu, { fault: 'nope' })).status, 400);
    assert.equal((await fault(emu, { fault: 'drop-sockets', code: 1234 })).status, 400);
    const auth = await apiHeaders(emu);
    const ch = (await (
      await fetch(`${emu.url}/api/v2/notifications/channels`, { method: 'POST', headers: auth })
    ).json()) as { id: string; connectUri: string };
    const topics = emu.truth().agents.map((a) => ({ id: `v2.users.${a.id}.routingStatus` }));
    await fetch(`${emu.url}/api/v2/notifications/channels/${ch.id}/subscriptions`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify(topics),
    });
    const ws = new WebSocket(ch.connectUri);
    const received: string[] = [];
    ws.on('message', (data: Buffer) => received.push(data.toString()));
    await new Promise((r) => ws.once('open', r));
    assert.deepEqual((await fault(emu, { fault: 'maintenance', seconds: 60 })).body, {
      applied: 'maintenance',
    });
    emu.advance(30 * 60_000);
    emu.heartbeatNow();
    clock.advance(59_999);
    emu.heartbeatNow();
    // At 60 s the window ends: the next heartbeat goes out, after anything sent before it on
    // this socket, so once it arrives, whatever maintenance let through would have too.
    clock.advance(1);
    emu.heartbeatNow();
    await waitFor(() => received.length > 0, { what: 'the heartbeat after maintenance' });
    assert.equal(
      received.filter((m) => !m.includes('WebSocket Heartbeat')).length,
      0,
      'nothing during maintenance, not even heartbeats',
    );
    assert.equal(received.length, 1, 'one heartbeat: the one sent after the window');
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    assert.equal((await fault(emu, { fault: 'drop-sockets', code: 4001 })).status, 200);
    assert.equal(await closed, 4001);
  });
});
