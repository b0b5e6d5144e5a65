import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { Emulator, type EmulatorOptions } from '../../src/emulator/emulator.js';
import { ChannelManager } from '../../src/emulator/notifications/channel-manager.js';
import { TEST_SECRET, startTestGateway, waitFor } from '../support/helpers.js';
import {
  ManualClock,
  apiHeaders,
  postFault,
  requestToken,
  startTestEmulator,
} from '../support/emulator.js';

type Message = { topicName: string; eventBody: Record<string, unknown> & { message?: string } };

async function start(t: TestContext, options: EmulatorOptions = {}) {
  return startTestEmulator(t, { agents: 40, queues: 3, seed: 21, ...options });
}

async function fault(emu: Emulator, body: Record<string, unknown>) {
  const res = await postFault(emu, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

/** A channel subscribed to every agent's routing status, with a connected socket collecting messages. */
async function channelWithSocket(emu: Emulator, headers: Record<string, string>) {
  const ch = (await (
    await fetch(`${emu.url}/api/v2/notifications/channels`, { method: 'POST', headers })
  ).json()) as { id: string; connectUri: string };
  const topics = emu
    .truth()
    .agents.flatMap((a) => [
      { id: `v2.users.${a.id}.routingStatus` },
      { id: `v2.users.${a.id}.presence` },
    ]);
  await fetch(`${emu.url}/api/v2/notifications/channels/${ch.id}/subscriptions`, {
    method: 'PUT',
    headers,
    body: JSON.stringify(topics),
  });
  const ws = new WebSocket(ch.connectUri);
  const messages: { raw: string; msg: Message }[] = [];
  ws.on('message', (d: Buffer) =>
    messages.push({ raw: d.toString(), msg: JSON.parse(d.toString()) as Message }),
  );
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  await new Promise((r) => ws.once('open', r));
  return { ch, ws, messages, closed };
}

/**
 * Pings and waits for the pong. One socket delivers in order, so once the pong is in, everything
 * the emulator sent before reading the ping has arrived: an absence checked now is proven.
 */
async function settled(s: Awaited<ReturnType<typeof channelWithSocket>>): Promise<void> {
  const mark = s.messages.length;
  s.ws.send(JSON.stringify({ message: 'ping' }));
  await waitFor(() => s.messages.slice(mark).some((m) => m.msg.eventBody.message === 'pong'), {
    what: 'pong',
  });
}

const heartbeats = (s: Awaited<ReturnType<typeof channelWithSocket>>) =>
  s.messages.filter((m) => m.msg.eventBody.message === 'WebSocket Heartbeat').length;

const events = <T extends { msg: Message }>(messages: T[]): T[] =>
  messages.filter((m) => m.msg.topicName.startsWith('v2.users.'));

describe('notification channels', () => {
  test('limits: 1,000 topics per channel (400), 20 channels per client, one socket per channel', async (t) => {
    const emu = await start(t);
    const headers = await apiHeaders(emu);
    const { ch, closed } = await channelWithSocket(emu, headers);
    const agentId = emu.truth().agents[0]!.id;
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({
      id: `v2.detail.events.conversation.c${i}.acd.end`,
    }));
    const res = await fetch(`${emu.url}/api/v2/notifications/channels/${ch.id}/subscriptions`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(tooMany),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { status: number }).status, 400);
    // A second socket on the same channel disconnects the first.
    const second = new WebSocket(ch.connectUri);
    t.after(() => second.terminate());
    assert.equal(await closed, 4001);
    // Past 20 channels the oldest unconnected one is replaced.
    const created: string[] = [];
    for (let i = 0; i < 20; i++) {
      created.push(
        (
          (await (
            await fetch(`${emu.url}/api/v2/notifications/channels`, { method: 'POST', headers })
          ).json()) as { id: string }
        ).id,
      );
    }
    const listed = (await (
      await fetch(`${emu.url}/api/v2/notifications/channels`, { headers })
    ).json()) as { entities: { id: string }[] };
    assert.equal(listed.entities.length, 20);
    assert.ok(
      listed.entities.some((c) => c.id === ch.id),
      'the connected channel survives',
    );
    assert.equal(
      (
        await fetch(`${emu.url}/api/v2/notifications/channels/${created[0]}`, {
          method: 'HEAD',
          headers,
        })
      ).status,
      404,
    );
    assert.ok(agentId);
  });

  test('a channel expires after 24 h unless re-subscribed, which extends it', () => {
    let now = 0;
    let n = 0;
    const channels = new ChannelManager({
      now: () => now,
      newId: () => `streaming-${++n}`,
      validTopic: () => undefined,
    });
    const { channel: a } = channels.create('c');
    const { channel: b } = channels.create('c');
    now += 23 * 3600_000;
    channels.subscribe(b, ['v2.users.x.presence'], true);
    now += 2 * 3600_000;
    assert.equal(channels.get(a.id), undefined, 'expired');
    assert.equal(channels.get(b.id), b, 'extended by subscribing');
    assert.equal(channels.subscribers('v2.users.x.presence')?.has(b), true);
    // Expired channels stop receiving even if nobody looks them up.
    now += 24 * 3600_000;
    assert.equal(channels.sweep(), 1);
    assert.equal(channels.subscribers('v2.users.x.presence'), undefined);
    assert.equal(channels.channels.size, 0);
  });

  test('oauth: wrong credentials 401, rate limit 429 with Retry-After, expired or revoked token 401', async (t) => {
    const emu = await start(t, { tokenRatePerSec: 2 });
    const ask = (secret: string) => requestToken(emu, secret);
    assert.equal((await ask('nope')).status, 401);
    assert.equal((await ask('demo-secret')).status, 200);
    assert.equal((await ask('demo-secret')).status, 200);
    const limited = await ask('demo-secret');
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    const granted = await waitFor(
      async () => {
        const res = await ask('demo-secret');
        return res.status === 200 ? ((await res.json()) as { access_token: string }) : undefined;
      },
      { timeoutMs: 5000, intervalMs: 200, what: 'the rate window to pass' },
    );
    const headers = { authorization: `Bearer ${granted.access_token}` };
    assert.equal((await fetch(`${emu.url}/api/v2/users`, { headers })).status, 200);
    await fault(emu, { fault: 'revoke-tokens' });
    const revoked = await fetch(`${emu.url}/api/v2/users`, { headers });
    assert.equal(revoked.status, 401);
    assert.equal(((await revoked.json()) as { code: string }).code, 'bad.credentials');
  });
});

describe('faults', () => {
  test('drop-sockets 1006 and 1001; socket-closing warns then closes; expire-channels removes channels', async (t) => {
    const emu = await start(t);
    const headers = await apiHeaders(emu);
    for (const code of [1006, 1001]) {
      const s = await channelWithSocket(emu, headers);
      await fault(emu, { fault: 'drop-sockets', code });
      assert.equal(await s.closed, code);
    }
    const s = await channelWithSocket(emu, headers);
    await fault(emu, { fault: 'socket-closing', seconds: 0.2 });
    assert.equal(await s.closed, 1001);
    assert.ok(
      s.messages.some((m) => m.msg.topicName === 'v2.system.socket_closing'),
      'warned before the close',
    );
    const e = await channelWithSocket(emu, headers);
    await fault(emu, { fault: 'expire-channels' });
    await e.closed;
    assert.equal(
      (
        await fetch(`${emu.url}/api/v2/notifications/channels/${e.ch.id}`, {
          method: 'HEAD',
          headers,
        })
      ).status,
      404,
    );
  });

  test('stop-heartbeats, duplicates, reorder, schema-drift, oversize', async (t) => {
    // Fault windows run on this clock: a window ends when the test moves it.
    const clock = new ManualClock();
    const emu = await start(t, { clock });
    const headers = await apiHeaders(emu);
    const s = await channelWithSocket(emu, headers);
    await fault(emu, { fault: 'stop-heartbeats', seconds: 60 });
    emu.heartbeatNow();
    emu.advance(60_000);
    clock.advance(59_999);
    emu.heartbeatNow();
    await settled(s);
    assert.ok(!s.messages.some((m) => m.msg.eventBody.message === 'WebSocket Heartbeat'));
    clock.advance(1);
    emu.heartbeatNow();
    await waitFor(() => heartbeats(s) === 1, { what: 'heartbeats back when the window ends' });

    await fault(emu, { fault: 'duplicates', ratio: 1, seconds: 60 });
    const before = events(s.messages).length;
    emu.advance(20 * 60_000);
    // Every copy in before checking they come in pairs (waiting for a count could stop mid-pair).
    await settled(s);
    assert.ok(events(s.messages).length > before + 10, 'events');
    const dup = events(s.messages).slice(before);
    assert.ok(
      dup.length % 2 === 0 && dup.every((m, i) => i % 2 === 1 || m.raw === dup[i + 1]!.raw),
      'every message twice',
    );
    await fault(emu, { fault: 'duplicates', ratio: 0, seconds: 0 });

    await fault(emu, { fault: 'reorder', ratio: 0.5, seconds: 60 });
    const mark = events(s.messages).length;
    emu.advance(20 * 60_000);
    await settled(s);
    const times = events(s.messages)
      .slice(mark)
      .map((m) =>
        String(
          (m.msg.eventBody.routingStatus as { startTime?: string } | undefined)?.startTime ??
            m.msg.eventBody.modifiedDate,
        ),
      );
    assert.ok(
      times.some((x, i) => i > 0 && x < times[i - 1]!),
      'some messages arrive out of order',
    );
    await fault(emu, { fault: 'reorder', ratio: 0, seconds: 0 });

    await fault(emu, { fault: 'schema-drift', seconds: 60 });
    const driftMark = events(s.messages).length;
    emu.advance(10 * 60_000);
    await waitFor(() => events(s.messages).length > driftMark, { what: 'drifted event' });
    const drifted = events(s.messages)[driftMark]!.msg as Message & {
      schemaVersion?: string;
      version?: unknown;
    };
    assert.equal(drifted.schemaVersion, '2.1-preview');
    await fault(emu, { fault: 'schema-drift', seconds: 0 });

    await fault(emu, { fault: 'oversize', count: 1 });
    const bigMark = events(s.messages).length;
    emu.advance(10 * 60_000);
    await waitFor(() => events(s.messages).length > bigMark, { what: 'oversized event' });
    assert.ok(events(s.messages)[bigMark]!.raw.length > 256 * 1024);
  });

  test('slow, delete-user, rotate-secret, burst', async (t) => {
    const gw = await startTestGateway(t);
    const emu = await start(t, {
      webhook: { url: `${gw.url}/ingest/webhook`, secret: TEST_SECRET },
    });
    const headers = await apiHeaders(emu);
    await fault(emu, { fault: 'slow', ms: 300, seconds: 5 });
    const started = Date.now();
    await fetch(`${emu.url}/api/v2/users`, { headers });
    assert.ok(Date.now() - started >= 290);
    await fault(emu, { fault: 'slow', ms: 0, seconds: 0 });

    const victim = emu.truth().agents[0]!.id;
    await fault(emu, { fault: 'delete-user', id: victim });
    assert.equal((await fetch(`${emu.url}/api/v2/users/${victim}`, { headers })).status, 404);
    const users = (await (
      await fetch(`${emu.url}/api/v2/users?pageSize=500`, { headers })
    ).json()) as { entities: { id: string }[] };
    assert.ok(!users.entities.some((u) => u.id === victim));
    assert.ok(!emu.truth().agents.some((a) => a.id === victim), 'gone from the truth too');
    const ch = (await (
      await fetch(`${emu.url}/api/v2/notifications/channels`, { method: 'POST', headers })
    ).json()) as { id: string };
    const sub = (await (
      await fetch(`${emu.url}/api/v2/notifications/channels/${ch.id}/subscriptions`, {
        method: 'PUT',
        headers,
        body: JSON.stringify([{ id: `v2.users.${victim}.presence` }]),
      })
    ).json()) as { entities: { state: string; rejectionReason?: string }[] };
    assert.deepEqual(sub.entities[0], {
      id: `v2.users.${victim}.presence`,
      state: 'Rejected',
      rejectionReason: 'Entity not found',
      selfUri: `/api/v2/notifications/availabletopics/v2.users.${victim}.presence`,
    });

    const hook = [...emu.webhooks.values()][0]!.dispatcher;
    emu.advance(5 * 60_000);
    await hook.idle();
    assert.equal(hook.stats.failedPermanently, 0);
    await fault(emu, { fault: 'rotate-secret', secret: 'a-brand-new-secret' });
    emu.advance(5 * 60_000);
    await hook.idle();
    assert.ok(
      hook.stats.failedPermanently > 0,
      'the gateway rejects the rotated secret it does not know (401, not retried)',
    );

    const queue = emu.truth().queues[0]!.id;
    await fault(emu, { fault: 'delete-queue', id: queue });
    assert.equal(
      (await fetch(`${emu.url}/api/v2/routing/queues/${queue}`, { headers })).status,
      404,
    );
    const queues = (await (
      await fetch(`${emu.url}/api/v2/routing/queues`, { headers })
    ).json()) as { entities: { id: string }[] };
    assert.ok(!queues.entities.some((q) => q.id === queue));
    assert.equal((await postFault(emu, { fault: 'delete-queue', id: 'nope' })).status, 400);

    await fault(emu, { fault: 'burst', factor: 10, seconds: 600 });
    emu.advance(5 * 60_000);
    assert.ok(emu.truth().queues.some((q) => q.waiting > 0));
  });
});
