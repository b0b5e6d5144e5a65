/**
 * Issue 12 point 3: conversations in progress are reconciled. A run reads each queue's
 * observations with `detailMetrics` (`POST /api/v2/analytics/queues/observations/query`, FACTS
 * §3.3); the answer's shapes are the SDK's (`MyPureCloud/platform-client-sdk-javascript`
 * `build/index.d.ts`: `QueueObservationDataContainer {group, data}`, `ObservationMetricData
 * {metric, qualifier, stats, truncated, observations}`, `ObservationValue {observationDate,
 * conversationId, userId, participantName, ani, …}`), checked here and on the emulator's answer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LiveState } from '../../src/projection/live-state.js';
import { classifyTopic } from '../../src/sources/normalize/topics.js';
import { startEmulatorGateway, startTestEmulator } from '../support/emulator.js';
import { storedEvent } from '../support/events.js';
import { assertSdkShape } from '../support/sdk-models.js';
import { settled } from '../support/truth.js';

const Q = '8f1e2d3c-0000-4000-8000-0000000000a1';
const Q2 = '8f1e2d3c-0000-4000-8000-0000000000a2';
const U = '2b6d8f0a-0000-4000-8000-0000000000b1';
const U2 = '2b6d8f0a-0000-4000-8000-0000000000b2';
const T0 = Date.parse('2026-11-23T10:00:00.000Z');
let offset = 0;

const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

function observation(conversationId: string, s: number, extra: Record<string, unknown> = {}) {
  const o = { observationDate: iso(s), conversationId, direction: 'inbound', ...extra };
  assertSdkShape('ObservationValue', o);
  return o;
}

/** A run's view of a queue (Q unless said), started at `s` seconds. */
function snapshot(
  s: number,
  lists: { waiting?: object[]; alerting?: object[]; interacting?: object[] },
  segments?: Record<string, Record<string, string>>,
  queueId = Q,
) {
  const metric = (name: string, observations: object[] = []) => {
    const d = { metric: name, stats: { count: observations.length }, observations };
    assertSdkShape('ObservationMetricData', d);
    return d;
  };
  const result = {
    group: { queueId, mediaType: 'voice' },
    data: [
      metric('oWaiting', lists.waiting),
      metric('oAlerting', lists.alerting),
      metric('oInteracting', lists.interacting),
    ],
  };
  assertSdkShape('QueueObservationDataContainer', result);
  return storedEvent(++offset, 'reconcile.queue-conversations', {
    topic: `v2.analytics.queues.${queueId}.observations`,
    subject: { queueId },
    occurredAt: iso(s),
    body: { queueId, results: [result], ...(segments ? { segments } : {}) },
  });
}

/** A ringing call on Q for U, by a queue conversation topic body (generic family). */
function ringing(id: string, s: number) {
  const topic = `v2.routing.queues.${Q}.conversations`;
  return storedEvent(++offset, classifyTopic(topic)!.kind, {
    topic,
    subject: { queueId: Q },
    occurredAt: iso(s),
    body: {
      topicName: topic,
      version: '2',
      eventBody: {
        id,
        participants: [
          { id: 'c', purpose: 'customer', calls: [{ state: 'connected', direction: 'inbound' }] },
          {
            id: 'a',
            purpose: 'acd',
            queueId: Q,
            connectedTime: iso(s - 10),
            endTime: iso(s),
            calls: [{ state: 'disconnected' }],
          },
          {
            id: 'u',
            purpose: 'agent',
            userId: U,
            queueId: Q,
            calls: [{ state: 'alerting', direction: 'inbound' }],
          },
        ],
      },
      metadata: { CorrelationId: `c-${offset}` },
    },
  });
}

/** The run's `reconcile.complete` (no roster: users and queues are not in question here). */
function complete(s: number) {
  return storedEvent(++offset, 'reconcile.complete', {
    topic: 'reconcile.complete',
    occurredAt: iso(s),
    body: { runId: `run-${s}`, startedAt: iso(s), finishedAt: iso(s) },
  });
}

describe('reconciling conversations in progress', () => {
  test('a ring answered in a gap becomes interacting; one that ended in it is dropped, uncounted', () => {
    const s = new LiveState();
    s.apply(ringing('c-answered', 0));
    s.apply(ringing('c-gone', 1));
    assert.equal(s.queue(Q)?.alerting, 2);
    // The gap: the answer of one and the end of the other were lost. A run at 30 s:
    s.apply(snapshot(30, { interacting: [observation('c-answered', 5, { userId: U })] }));
    assert.equal(s.queue(Q)?.interacting, 1, 'the ring answered in the gap');
    assert.equal(s.queue(Q)?.alerting, 1, 'c-gone: another queue of the run may list it');
    s.apply(complete(30));
    const q = s.queue(Q)!;
    assert.deepEqual([q.waiting, q.alerting, q.interacting], [0, 0, 1]);
    assert.deepEqual(
      s.agent(U)?.conversations.map((c) => [c.id, c.state]),
      [['c-answered', 'connected']],
    );
    assert.deepEqual(s.toasts(), [], 'no ring left');
    assert.equal(q.abandoned, 0, 'how c-gone ended is unknown: not an abandon');
    assert.equal(q.answered, 1, 'c-answered was answered (in the gap)');
  });

  test('a call transferred to another queue in a gap moves there; a consult in it gets both agents', () => {
    const s = new LiveState();
    s.apply(ringing('c-moved', 0));
    s.apply(ringing('c-consult', 1));
    // The run at 30 s reads Q (which lists only c-consult, U holding it while U2 talks to the
    // caller) before Q2 (where c-moved went, answered by U2).
    s.apply(
      snapshot(
        30,
        { interacting: [observation('c-consult', 10, { userId: U })] },
        { 'c-consult': { [U]: 'hold', [U2]: 'interact' } },
      ),
    );
    s.apply(
      snapshot(
        30,
        { interacting: [observation('c-moved', 20, { userId: U2 })] },
        { 'c-moved': { [U2]: 'interact' } },
        Q2,
      ),
    );
    s.apply(complete(30));
    assert.deepEqual(
      [s.queue(Q)?.alerting, s.queue(Q)?.interacting, s.queue(Q2)?.interacting],
      [0, 1, 1],
    );
    const legs = (id: string) =>
      s
        .agent(id)
        ?.conversations.map((c) => [c.id, c.state])
        .sort();
    assert.deepEqual(legs(U), [['c-consult', 'held']]);
    assert.deepEqual(legs(U2), [
      ['c-consult', 'connected'],
      ['c-moved', 'connected'],
    ]);
  });

  test('a gateway that starts mid-day learns the callers waiting and the agents talking', () => {
    const s = new LiveState();
    s.apply(
      snapshot(100, {
        waiting: [
          observation('w1', 40, { participantName: 'Ana', ani: 'tel:+15551230001' }),
          observation('w2', 70),
        ],
        interacting: [observation('i1', 20, { userId: U2 })],
      }),
    );
    const q = s.queue(Q, T0 + 100_000)!;
    assert.deepEqual([q.waiting, q.interacting], [2, 1]);
    assert.equal(q.longestWaitMs, 60_000, 'waiting since its observationDate');
    assert.deepEqual(
      s.agent(U2)?.conversations.map((c) => [c.id, c.state, c.media]),
      [['i1', 'connected', 'voice']],
    );
  });

  test('an event newer than the run wins; a leg in wrap-up stays in wrap-up', () => {
    const s = new LiveState();
    s.apply(ringing('c1', 50));
    s.apply(snapshot(40, { interacting: [] }));
    assert.equal(s.queue(Q)?.alerting, 1, 'the ring at 50 s is newer than the run at 40 s');
    s.apply(snapshot(60, { interacting: [observation('c1', 55, { userId: U })] }));
    assert.equal(s.agent(U)?.conversations[0]?.state, 'connected');
  });
});

describe('holds and wrap-ups lost in a gap', () => {
  test("the agent's open analytics segment sets the leg: hold, then wrap-up", () => {
    const s = new LiveState();
    s.apply(snapshot(10, { interacting: [observation('c9', 5, { userId: U })] }));
    assert.equal(s.agent(U)?.conversations[0]?.state, 'connected');
    s.apply(
      snapshot(20, { interacting: [observation('c9', 5, { userId: U })] }, { c9: { [U]: 'hold' } }),
    );
    assert.equal(s.agent(U)?.conversations[0]?.state, 'held');
    s.apply(
      snapshot(
        30,
        { interacting: [observation('c9', 5, { userId: U })] },
        { c9: { [U]: 'wrapup' } },
      ),
    );
    assert.equal(s.agent(U)?.conversations[0]?.state, 'acw');
    // A hostile map (prototype keys, non-string values) changes nothing.
    s.apply(
      snapshot(
        40,
        { interacting: [observation('c9', 5, { userId: U })] },
        JSON.parse('{"c9":{"__proto__":"hold"},"constructor":{"x":1}}') as Record<
          string,
          Record<string, string>
        >,
      ),
    );
    assert.equal(s.agent(U)?.conversations[0]?.state, 'acw');
  });
});

describe("agents' own calls in a gap (conversation details for the gap's interval)", () => {
  /** `reconcile.gap-conversations` as the reconciler builds it from `AnalyticsConversation`s. */
  function gapEvent(s: number, conversations: object[]) {
    return storedEvent(++offset, 'reconcile.gap-conversations', {
      topic: 'v2.analytics.conversations.details',
      occurredAt: iso(s),
      body: { from: iso(0), to: iso(s), conversations },
    });
  }

  test('a call placed in the gap gets its leg; one that ended in it is dropped; newer events win', () => {
    const s = new LiveState();
    s.apply(
      gapEvent(30, [
        {
          conversationId: 'out-1',
          media: 'voice',
          outbound: true,
          ended: false,
          legs: { [U]: 'interact' },
        },
      ]),
    );
    assert.deepEqual(
      s.agent(U)?.conversations.map((c) => [c.id, c.state, c.media]),
      [['out-1', 'connected', 'voice']],
    );
    assert.deepEqual(s.toasts(), [], 'a call the agent placed never rings');
    s.apply(
      gapEvent(60, [
        { conversationId: 'out-1', media: 'voice', outbound: true, ended: true, legs: {} },
      ]),
    );
    assert.equal(s.agent(U)?.conversations.length, 0, 'ended in the next gap: dropped');
    // A held leg in the details; then an older snapshot changes nothing.
    s.apply(
      gapEvent(90, [
        {
          conversationId: 'out-2',
          media: 'voice',
          outbound: true,
          ended: false,
          legs: { [U2]: 'hold' },
        },
      ]),
    );
    assert.equal(s.agent(U2)?.conversations[0]?.state, 'held');
    s.apply(
      gapEvent(80, [
        { conversationId: 'out-2', media: 'voice', outbound: true, ended: true, legs: {} },
      ]),
    );
    assert.equal(s.agent(U2)?.conversations[0]?.state, 'held', 'older than what live state knows');
  });
});

describe('reconciling conversations against the emulator', () => {
  test('started while callers wait: the gateway shows them at once, as the truth has them', async (t) => {
    const emu = await startTestEmulator(t, { agents: 30, queues: 3, seed: 4 });
    emu.sim.burst(12, 600);
    emu.advance(4 * 60_000);
    const truth = emu.truth();
    const waiting = truth.queues.reduce((n, q) => n + q.waiting, 0);
    assert.ok(waiting > 5, `${waiting} callers waiting in the emulator`);
    const gw = await startEmulatorGateway(t, emu, 'push');
    await gw.reconcile();
    await settled(gw);
    const { queues } = (await (await fetch(`${gw.url}/api/v1/queues`)).json()) as {
      queues: { id: string; waiting: number; alerting: number; interacting: number }[];
    };
    const byId = new Map(queues.map((q) => [q.id, q]));
    for (const real of truth.queues) {
      const q = byId.get(real.id);
      assert.deepEqual(
        [q?.waiting, q?.alerting, q?.interacting],
        [real.waiting, real.alerting, real.interacting],
        `queue ${real.name}`,
      );
    }
    const { agents } = (await (await fetch(`${gw.url}/api/v1/agents`)).json()) as {
      agents: { id: string; conversations: { id: string }[] }[];
    };
    const talking = new Map(agents.map((a) => [a.id, a.conversations.map((c) => c.id).sort()]));
    for (const real of truth.agents)
      assert.deepEqual(
        talking.get(real.id) ?? [],
        real.conversations.map((c) => c.id).sort(),
        `agent ${real.name}`,
      );
  });

  test("the emulator's conversation details by id are in the SDK's shapes, open while in progress", async (t) => {
    const emu = await startTestEmulator(t, { agents: 20, queues: 2, seed: 8 });
    emu.sim.burst(10, 300);
    emu.advance(3 * 60_000);
    const talking = [...emu.sim.conversations.values()].filter((c) => c.state === 'connected');
    assert.ok(talking.length > 0);
    const token = await emuToken(emu.url);
    const ids = talking.slice(0, 3).map((c) => `id=${c.id}`);
    const res = await fetch(
      `${emu.url}/api/v2/analytics/conversations/details?${ids.join('&')}&id=no-such-id`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    assert.equal(res.status, 200);
    const body = (await res.json()) as { conversations: Record<string, unknown>[] };
    assertSdkShape('AnalyticsConversationWithoutAttributesMultiGetResponse', body);
    assert.equal(body.conversations.length, ids.length, 'unknown ids left out');
    for (const c of body.conversations) {
      assertSdkShape('AnalyticsConversationWithoutAttributes', c);
      assert.equal(c.conversationEnd, undefined, 'in progress: no end');
      const agents = (c.participants as Record<string, unknown>[]).filter((p) => p.userId);
      assert.ok(agents.length > 0);
      for (const p of c.participants as Record<string, unknown>[]) {
        assertSdkShape('AnalyticsParticipantWithoutAttributes', p);
        for (const session of p.sessions as Record<string, unknown>[]) {
          assertSdkShape('AnalyticsSession', session);
          for (const seg of session.segments as object[])
            assertSdkShape('AnalyticsConversationSegment', seg);
        }
      }
      const open = agents.flatMap((p) =>
        (p.sessions as { segments: { segmentType: string; segmentEnd?: string }[] }[]).flatMap(
          (x) => x.segments.filter((seg) => seg.segmentEnd === undefined),
        ),
      );
      assert.deepEqual(
        open.map((seg) => seg.segmentType),
        ['interact'],
        'the agent talks now: one open interact segment',
      );
    }
  });

  test("the emulator's observation details are in the SDK's shapes", async (t) => {
    const emu = await startTestEmulator(t, { agents: 20, queues: 2, seed: 8 });
    emu.sim.burst(10, 300);
    emu.advance(3 * 60_000);
    const token = await emuToken(emu.url);
    const res = await fetch(`${emu.url}/api/v2/analytics/queues/observations/query`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        filter: { type: 'or', predicates: [] },
        metrics: ['oWaiting', 'oInteracting'],
        detailMetrics: ['oWaiting', 'oInteracting'],
      }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { results: { data: { observations?: object[] }[] }[] };
    let seen = 0;
    for (const r of body.results) {
      assertSdkShape('QueueObservationDataContainer', r);
      for (const d of r.data) {
        assertSdkShape('ObservationMetricData', d);
        for (const o of d.observations ?? []) {
          assertSdkShape('ObservationValue', o);
          seen++;
        }
      }
    }
    assert.ok(seen > 0, 'observations listed');
  });
});

async function emuToken(url: string): Promise<string> {
  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('demo-client:demo-secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
