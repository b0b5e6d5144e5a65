/**
 * Issue 12 point 3: conversations in progress are reconciled. A run reads each queue's
 * observations with `detailMetrics` (`POST /api/v2/analytics/queues/observations/query`, FACTS
 * §3.3); the answer's shapes are the SDK's (`MyPureCloud/platform-client-sdk-javascript`
 * `build/index.d.ts`: `QueueObservationDataContainer {group, data}`, `ObservationMetricData
 * {metric, qualifier, stats, truncated, observations}`, `ObservationValue {observationDate,
 * conversationId, userId, participantName, ani, …}`), checked here and on the emulator's answer.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import type { EventInput, EventLog } from '../../src/log/event-log.js';
import { SqliteEventLog } from '../../src/log/sqlite-event-log.js';
import { createLogger } from '../../src/ops/logger.js';
import { LiveState } from '../../src/projection/live-state.js';
import {
  DETAILS_QUERY_PATH,
  MAX_PAGES,
  fetchGapConversations,
} from '../../src/sources/reconcile/gap-conversations.js';
import {
  buildEvents,
  gapConversationEventId,
} from '../../src/sources/reconcile/reconcile-events.js';
import { classifyTopic } from '../../src/sources/normalize/topics.js';
import { startEmulatorGateway, startTestEmulator } from '../support/emulator.js';
import { storedEvent } from '../support/events.js';
import { tempDir } from '../support/helpers.js';
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

describe('queue conversations begun and over in a gap (conversation details backfill)', () => {
  const logger = createLogger('silent');

  /** A conversation topic body of a call on Q as it stood at `s`: waiting, ringing, talking, … */
  function liveCall(
    id: string,
    s: number,
    stage: 'waiting' | 'alerting' | 'connected' | 'acw' | 'done' | 'abandoned',
  ) {
    const topic = `v2.routing.queues.${Q}.conversations`;
    const ended = stage === 'acw' || stage === 'done' || stage === 'abandoned';
    const agent =
      stage === 'waiting' || stage === 'abandoned'
        ? []
        : [
            {
              id: 'u',
              purpose: 'agent',
              userId: U,
              queueId: Q,
              ...(stage === 'alerting' ? {} : { connectedTime: iso(8) }),
              ...(ended ? { endTime: iso(68), startAcwTime: iso(68) } : {}),
              ...(stage === 'done' ? { endAcwTime: iso(78) } : {}),
              calls: [
                {
                  state: stage === 'alerting' ? 'alerting' : ended ? 'disconnected' : 'connected',
                  direction: 'inbound',
                },
              ],
            },
          ];
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
            {
              id: 'c',
              purpose: 'customer',
              ...(ended ? { endTime: iso(s) } : {}),
              calls: [{ state: ended ? 'disconnected' : 'connected', direction: 'inbound' }],
            },
            {
              id: 'a',
              purpose: 'acd',
              queueId: Q,
              connectedTime: iso(0),
              ...(stage === 'waiting' ? {} : { endTime: iso(stage === 'abandoned' ? s : 5) }),
              calls: [{ state: stage === 'waiting' ? 'connected' : 'disconnected' }],
            },
            ...agent,
          ],
        },
        metadata: { CorrelationId: `c-${offset}` },
      },
    });
  }

  /**
   * The same calls as conversation details (`AnalyticsConversationWithoutAttributes`, checked
   * against the SDK's model): queued at 0 s; answered: rung at 5 s, talking 8–68 s, wrap-up to
   * 78 s; abandoned: the caller hangs up at 30 s.
   */
  function details(id: string, answered: boolean) {
    const end = answered ? 78 : 30;
    const seg = (segmentType: string, from: number, to: number, extra: object = {}) => ({
      segmentType,
      segmentStart: iso(from),
      segmentEnd: iso(to),
      queueId: Q,
      ...extra,
    });
    const conversation = {
      conversationId: id,
      conversationStart: iso(0),
      conversationEnd: iso(end),
      originatingDirection: 'inbound',
      divisionIds: ['home'],
      participants: [
        {
          participantId: `${id}-c`,
          purpose: 'customer',
          sessions: [
            {
              mediaType: 'voice',
              direction: 'inbound',
              segments: [
                {
                  segmentType: 'interact',
                  segmentStart: iso(0),
                  segmentEnd: iso(end),
                  disconnectType: answered ? 'peer' : 'client',
                },
              ],
            },
          ],
        },
        {
          participantId: `${id}-a`,
          purpose: 'acd',
          sessions: [
            {
              mediaType: 'voice',
              direction: 'inbound',
              segments: [seg('interact', 0, answered ? 5 : 30)],
            },
          ],
        },
        ...(answered
          ? [
              {
                participantId: `${id}-u`,
                purpose: 'agent',
                userId: U,
                sessions: [
                  {
                    mediaType: 'voice',
                    direction: 'inbound',
                    segments: [seg('alert', 5, 8), seg('interact', 8, 68), seg('wrapup', 68, 78)],
                  },
                ],
              },
            ]
          : []),
      ],
    };
    assertSdkShape('AnalyticsConversationWithoutAttributes', conversation);
    for (const p of conversation.participants) {
      assertSdkShape('AnalyticsParticipantWithoutAttributes', p);
      for (const session of p.sessions) {
        assertSdkShape('AnalyticsSession', session);
        for (const segment of session.segments)
          assertSdkShape('AnalyticsConversationSegment', segment);
      }
    }
    return conversation;
  }

  /** A client whose details query answers `pages` (an empty page past them); counts the calls. */
  function detailsClient(pages: readonly object[][]) {
    const asked: number[] = [];
    const client = {
      post: async <T>(path: string, body?: unknown): Promise<T> => {
        assert.equal(path, DETAILS_QUERY_PATH);
        const page = (body as { paging: { pageNumber: number } }).paging.pageNumber;
        asked.push(page);
        const conversations = pages[page - 1] ?? [];
        const answer = { conversations, totalHits: pages.flat().length };
        assertSdkShape('AnalyticsConversationQueryResponse', answer);
        return answer as T;
      },
    };
    return { client, asked };
  }

  /** A run at `s` seconds that backfills the gap begun at `countFrom` s: its events, as built. */
  async function backfillRun(s: number, pages: readonly object[][], countFrom = -1) {
    const { client } = detailsClient(pages);
    const gap = await fetchGapConversations(
      client,
      T0 - 600_000,
      T0 + s * 1000,
      logger,
      T0 + countFrom * 1000,
    );
    assert.ok(gap);
    return buildEvents(`run-${s}`, iso(s), iso(s), {
      presenceDefinitions: [],
      queues: [],
      users: [],
      gapConversations: gap,
    }).events.filter((e) => e.kind === 'reconcile.gap-conversations');
  }

  /** Appends to `log` and folds what it stored (the log's dedupe drops a repeated id). */
  async function appendAndFold(log: EventLog, s: LiveState, events: EventInput[]) {
    const results = await log.append(events);
    const stored = await log.read(0, 10_000);
    for (const r of results) {
      if (r.duplicate) continue;
      s.apply(stored.find((e) => e.offset === r.offset)!);
    }
    return results;
  }

  const FIGURES = [
    'answered',
    'answeredWithinThreshold',
    'abandoned',
    'answerWaitMsTotal',
    'handled',
    'handleMsTotal',
  ] as const;
  const figures = (s: LiveState) => {
    const q = s.queue(Q);
    return Object.fromEntries(FIGURES.map((k) => [k, q?.[k]]));
  };

  /** The truth: the same two calls streamed live, every change seen. */
  function streamed(): LiveState {
    const s = new LiveState();
    for (const e of [
      liveCall('c-ans', 0, 'waiting'),
      liveCall('c-ans', 5, 'alerting'),
      liveCall('c-ans', 8, 'connected'),
      liveCall('c-ans', 68, 'acw'),
      liveCall('c-ans', 78, 'done'),
      liveCall('c-ab', 0, 'waiting'),
      liveCall('c-ab', 30, 'abandoned'),
    ])
      s.apply(e);
    return s;
  }

  test('a call answered and one abandoned in a gap are counted once each, as live would have', async (t) => {
    const truth = figures(streamed());
    assert.deepEqual(truth, {
      answered: 1,
      answeredWithinThreshold: 1,
      abandoned: 1,
      answerWaitMsTotal: 8000,
      handled: 1,
      handleMsTotal: 70_000,
    });
    const { log } = await openLog(t);
    const fresh = new LiveState();
    const events = await backfillRun(90, [[details('c-ans', true), details('c-ab', false)]]);
    // One event per queue conversation, its id the conversation's alone; the own-call event.
    assert.deepEqual(
      events.map((e) => e.id),
      [
        'reconcile:run-90:gap-conversations',
        gapConversationEventId('c-ans'),
        gapConversationEventId('c-ab'),
      ],
    );
    await appendAndFold(log, fresh, events);
    assert.deepEqual(figures(fresh), truth, 'the backfill counts what live would have');
    assert.equal(fresh.queue(Q)?.waiting, 0);
    assert.equal(fresh.agent(U)?.conversations.length ?? 0, 0, 'over: on nobody');
    // A later run over an overlapping gap reads them again: the log keeps nothing new.
    const again = await appendAndFold(
      log,
      fresh,
      await backfillRun(120, [[details('c-ans', true), details('c-ab', false)]]),
    );
    assert.deepEqual(
      again.map((r) => r.duplicate),
      [false, true, true],
    );
    assert.deepEqual(figures(fresh), truth, 'not counted twice');
    // Even folded again (a log without dedupe, a replay of both runs), nothing more is counted.
    for (const e of await backfillRun(150, [[details('c-ans', true), details('c-ab', false)]]))
      fresh.apply({ ...e, offset: ++offset });
    assert.deepEqual(figures(fresh), truth);
    // A queue conversation begun before the gap (live state may have seen it) is not counted.
    const before = new LiveState();
    for (const e of await backfillRun(90, [[details('c-ans', true)]], 1))
      before.apply({ ...e, offset: ++offset });
    assert.equal(before.queue(Q)?.answered ?? 0, 0);
  });

  test('the same conversation on two pages is counted once', async () => {
    const page1 = Array.from({ length: 99 }, (_, i) => details(`c-${i}`, false));
    // Paging over a list that changed while it was read: c-98 is listed again on page 2.
    const { client, asked } = detailsClient([
      [...page1, details('c-ans', true)],
      [details('c-ans', true), details('c-98', false)],
    ]);
    const gap = await fetchGapConversations(client, T0 - 600_000, T0 + 90_000, logger, T0 - 1000);
    assert.deepEqual(asked, [1, 2]);
    assert.equal(gap?.conversations.length, 100, 'each conversation once');
    assert.equal(gap?.truncated, undefined);
    const s = new LiveState();
    for (const e of buildEvents('run', iso(90), iso(90), {
      presenceDefinitions: [],
      queues: [],
      users: [],
      gapConversations: gap,
    }).events.filter((e) => e.kind === 'reconcile.gap-conversations'))
      s.apply({ ...e, offset: ++offset });
    assert.equal(s.queue(Q)?.answered, 1);
    assert.equal(s.queue(Q)?.handled, 1);
    assert.equal(s.queue(Q)?.abandoned, 99);
  });

  test('a conversation streamed live and then backfilled is counted once, whichever came first', async () => {
    const truth = figures(streamed());
    // Live first (the gap was of other topics: this channel stayed up), then the backfill.
    const live = streamed();
    const events = await backfillRun(90, [[details('c-ans', true), details('c-ab', false)]]);
    assert.equal(reconcileWouldChange(live, events), false, 'no difference: nothing appended');
    assert.equal(reconcileWouldChange(new LiveState(), events), true, 'to live state without them');
    for (const e of events) live.apply({ ...e, offset: ++offset });
    assert.deepEqual(figures(live), truth, 'live saw them end: the backfill counts nothing');
    // Begun live, over in the gap: the answer was counted live, the handling is counted once.
    const half = new LiveState();
    for (const e of [
      liveCall('c-ans', 0, 'waiting'),
      liveCall('c-ans', 5, 'alerting'),
      liveCall('c-ans', 8, 'connected'),
    ])
      half.apply(e);
    assert.equal(half.queue(Q)?.answered, 1);
    for (const e of await backfillRun(90, [[details('c-ans', true)]]))
      half.apply({ ...e, offset: ++offset });
    assert.deepEqual(
      [half.queue(Q)?.answered, half.queue(Q)?.handled, half.queue(Q)?.handleMsTotal],
      [1, 1, 70_000],
    );
    assert.equal(half.queue(Q)?.interacting, 0);
    assert.equal(half.agent(U)?.conversations.length, 0);
    // Backfilled first, its live events late: they count nothing more.
    const late = new LiveState();
    for (const e of events) late.apply({ ...e, offset: ++offset });
    for (const e of [
      liveCall('c-ans', 8, 'connected'),
      liveCall('c-ans', 78, 'done'),
      liveCall('c-ab', 30, 'abandoned'),
    ])
      late.apply({ ...e, offset: ++offset });
    assert.deepEqual(figures(late), truth);
  });

  test('a backfill cut at the page cap says so', async () => {
    const full = Array.from({ length: 100 }, (_, i) => ({
      conversationId: `own-${i}`,
      conversationStart: iso(0),
      originatingDirection: 'outbound',
      participants: [],
    }));
    const { client, asked } = detailsClient(Array.from({ length: MAX_PAGES + 5 }, () => full));
    const warnings: string[] = [];
    const gap = await fetchGapConversations(client, T0 - 600_000, T0 + 90_000, {
      ...logger,
      warn: (_o: unknown, msg: string) => warnings.push(msg),
    } as unknown as typeof logger);
    assert.equal(asked.length, MAX_PAGES);
    assert.equal(gap?.truncated, true);
    assert.ok(
      warnings.some((w) => /cut at 50 pages/.test(w)),
      warnings.join('\n'),
    );
  });
});

async function openLog(t: TestContext) {
  const log = await SqliteEventLog.open({
    path: join(tempDir(t, 'sb-backfill-'), 'switchboard.db'),
    retention: { intervalMs: 3_600_000 },
  });
  t.after(() => log.close());
  return { log };
}

/** Whether the run's gap events would change `s` (what the reconciler asks before appending). */
function reconcileWouldChange(s: LiveState, events: readonly EventInput[]): boolean {
  return events.some((e) =>
    s.reconcileChanges(
      e.kind,
      JSON.parse(Buffer.from(e.body).toString('utf8')) as Record<string, unknown>,
      Date.parse(e.occurredAt ?? ''),
    ),
  );
}
