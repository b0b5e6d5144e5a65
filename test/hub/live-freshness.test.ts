/**
 * Issue 15, point 1: heartbeats publish each event source's age and the agents logged in, to
 * busy clients too, so a board can tell a quiet Genesys from a quiet floor.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseLiveRequest } from '../../src/hub/live-filter.js';
import type { LiveTransport } from '../../src/hub/live-hub.js';
import { sourceFreshness } from '../../src/hub/source-freshness.js';
import type { AgentView, HeartbeatMessage } from '../../src/protocol/live-messages.js';
import { testHub } from '../support/hub.js';
import { postSigned, seedEvent, startTestGateway, waitFor } from '../support/helpers.js';
import { LiveTestClient } from '../support/live-client.js';

function recorder(): LiveTransport & { messages: { type: string }[] } {
  const messages: { type: string }[] = [];
  return {
    messages,
    send: (payload) => void messages.push(JSON.parse(payload.bytes.toString()) as { type: string }),
    bufferedBytes: () => 0,
    close: () => {},
  };
}

function agent(id: string, loggedIn: boolean, offset: number): AgentView {
  return {
    id,
    name: id,
    teamId: undefined,
    teamName: undefined,
    queueIds: [],
    loggedIn,
    presence: loggedIn ? 'AVAILABLE' : 'OFFLINE',
    presenceDefinitionId: undefined,
    presenceLabel: undefined,
    routingStatus: undefined,
    label: loggedIn ? 'Available' : 'Offline',
    since: undefined,
    presenceSince: undefined,
    routingSince: undefined,
    conversations: [],
    offset,
  };
}

const noChanges = { agents: [], queues: [], toasts: [] };
const removedNone = { agents: [], queues: [], toasts: [] };

describe('source freshness on the live stream', () => {
  test('sourceFreshness leaves reconciliation out and ages each event source', () => {
    const now = Date.parse('2026-11-23T09:00:10.000Z');
    const health = {
      webhook: { state: 'running' as const, lastEventAt: '2026-11-23T09:00:04.000Z' },
      eventbridge: { state: 'running' as const, lastEventAt: null },
      reconcile: { state: 'running' as const, lastEventAt: '2026-11-23T09:00:09.000Z' },
      stream: { state: 'degraded' as const, lastEventAt: '2026-11-23T09:00:30.000Z' },
    };
    assert.deepEqual(sourceFreshness(health, now), [
      { name: 'webhook', ageMs: 6000 },
      { name: 'eventbridge', ageMs: null },
      { name: 'stream', ageMs: 0 }, // a clock ahead of ours is not a negative age
    ]);
  });

  test('with freshness published, a busy client gets a heartbeat every period carrying it', async (t) => {
    let now = 0;
    let ages: { name: string; ageMs: number | null }[] | undefined;
    const hub = testHub(t, {
      heartbeatMs: 400,
      now: () => now,
    });
    const { filter } = parseLiveRequest(new URLSearchParams('kinds=agents'), undefined, {
      maxIds: 10,
    });
    const c = recorder();
    hub.connect(c, filter, undefined);
    const beats = () => c.messages.filter((m) => m.type === 'heartbeat') as HeartbeatMessage[];
    let offset = 0;
    const busy = () => {
      offset++;
      hub.publish(offset, {
        ...noChanges,
        agents: [agent('a1', true, offset), agent('a2', offset % 2 === 0, offset)],
        removed: removedNone,
      });
    };
    // Without freshness, a busy client hears no heartbeat (the old behaviour).
    for (now = 100; now <= 1200; now += 100) {
      busy();
      await new Promise((r) => setTimeout(r, 110));
    }
    assert.equal(beats().length, 0);
    // Published: one heartbeat a period, though deltas keep coming.
    ages = [{ name: 'stream', ageMs: 42_000 }];
    hub.publishFreshness(() => ages);
    busy(); // offset 13: a2 logged out
    await waitFor(() => beats().length >= 1, { timeoutMs: 3000, what: 'a heartbeat' });
    const beat = beats()[0]!;
    assert.deepEqual(beat.sources, [{ name: 'stream', ageMs: 42_000 }]);
    assert.equal(beat.agentsLoggedIn, 1);
    assert.equal(beat.offset, hub.offset);
    // Not again within the period.
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(beats().length, 1);
    now += 400;
    busy(); // offset 14: a2 logged in again
    await waitFor(() => beats().length >= 2, { timeoutMs: 3000, what: 'a second heartbeat' });
    assert.equal(beats()[1]!.agentsLoggedIn, 2);
    // A provider with nothing to say: plain heartbeats for quiet clients only.
    ages = undefined;
    now += 400;
    await waitFor(() => beats().length >= 3, { timeoutMs: 3000, what: 'a plain heartbeat' });
    assert.equal(beats()[2]!.sources, undefined);
    assert.equal(beats()[2]!.agentsLoggedIn, undefined);
  });

  test('with freshness published, a client hears the ages right after its snapshot', (t) => {
    const hub = testHub(t, {
      freshness: () => [{ name: 'webhook', ageMs: 900 }],
    });
    hub.publish(1, { ...noChanges, agents: [agent('a1', true, 1)], removed: removedNone });
    const { filter } = parseLiveRequest(new URLSearchParams(''), undefined, { maxIds: 10 });
    const fresh = recorder();
    hub.connect(fresh, filter, undefined);
    assert.deepEqual(
      fresh.messages.map((m) => m.type),
      ['snapshot', 'heartbeat'],
    );
    const beat = fresh.messages[1] as HeartbeatMessage;
    assert.deepEqual([beat.offset, beat.agentsLoggedIn], [1, 1]);
    assert.deepEqual(beat.sources, [{ name: 'webhook', ageMs: 900 }]);
    const resumed = recorder();
    hub.connect(resumed, filter, 1);
    assert.deepEqual(
      resumed.messages.map((m) => m.type),
      ['resumed', 'heartbeat'],
    );
  });

  test('a gateway publishes its sources ages on heartbeats and /readyz', async (t) => {
    const gw = await startTestGateway(t, { live: { heartbeatMs: 150 } });
    const before = (await (await fetch(`${gw.url}/readyz`)).json()) as {
      sources: Record<string, { lastEventAt: string | null; ageMs: number | null }>;
    };
    assert.equal(before.sources.webhook!.lastEventAt, null);
    assert.equal(before.sources.webhook!.ageMs, null);
    const res = await postSigned(gw.url, JSON.stringify(seedEvent()));
    assert.equal(res.status, 200);
    const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as typeof before;
    const webhook = ready.sources.webhook!;
    assert.equal(typeof webhook.lastEventAt, 'string');
    assert.ok(typeof webhook.ageMs === 'number' && webhook.ageMs >= 0 && webhook.ageMs < 5000);

    const c = LiveTestClient.open(gw.url, '?kinds=queues');
    t.after(() => c.close());
    await waitFor(() => c.of('heartbeat').length >= 1, { what: 'a heartbeat' });
    const beat = c.of('heartbeat').at(-1) as HeartbeatMessage;
    const names = beat.sources!.map((s) => s.name);
    assert.ok(names.includes('webhook') && !names.includes('reconcile'), names.join());
    const age = beat.sources!.find((s) => s.name === 'webhook')!.ageMs;
    assert.ok(typeof age === 'number' && age >= 0 && age < 5000, `age ${age}`);
    assert.equal(typeof beat.agentsLoggedIn, 'number');
  });
});
