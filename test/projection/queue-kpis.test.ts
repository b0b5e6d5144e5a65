/**
 * Issue 15 point 3 (server side): the figures a centre-wide KPI strip sums over queues. Each
 * queue view carries the summed answer waits (ASA = answerWaitMsTotal / answered), the handlings
 * that ended in the window and their summed handle times (AHT = handleMsTotal / handled), and
 * the window itself: rolling minutes, or since midnight in the org's zone.
 *
 * The bodies are queue call topic bodies (`v2.routing.queues.{id}.conversations.calls`), every
 * key checked against the official SDK's models (`MyPureCloud/platform-client-sdk-javascript`
 * `build/index.d.ts`, npm `purecloud-platform-client-v2`; topic → model from its
 * `notificationMappings.json`): `QueueConversationCallEventTopicCallConversation` with
 * `QueueConversationCallEventTopicCallMediaParticipant` participants (`state`, `queue{id}`,
 * `user{id}`, `connectedTime`, `endTime`, `startAcwTime`, `endAcwTime`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { LiveState } from '../../src/projection/live-state.js';
import { ZoneDays } from '../../src/projection/queue-window.js';
import type { StoredEvent } from '../../src/log/event-log.js';
import { notificationEvent, nextOffset } from '../support/notifications.js';
import { storedEvent } from '../support/events.js';
import { assertSdkShape, shapedConversation } from '../support/sdk-models.js';

const Q = '3d1f7a52-0000-4000-8000-0000000000c1';
const Q2 = '3d1f7a52-0000-4000-8000-0000000000c2';
const U1 = '9e4b2c10-0000-4000-8000-0000000000d1';
const U2 = '9e4b2c10-0000-4000-8000-0000000000d2';
const U3 = '9e4b2c10-0000-4000-8000-0000000000d3';

let T0 = Date.parse('2026-11-23T10:00:00.000Z');
/** `s` seconds after T0, as ISO. */
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

type Participant = Record<string, unknown>;

const customer = (ended?: number): Participant => ({
  id: 'p-customer',
  purpose: 'customer',
  state: ended === undefined ? 'connected' : 'disconnected',
  direction: 'inbound',
  address: 'tel:+15551230000',
  ...(ended === undefined ? {} : { endTime: at(ended) }),
});

/** The ACD participant of one visit to `queue`: waiting until `left`. */
const acd = (queue: string, queued: number, left?: number, visit = 1): Participant => ({
  id: `p-acd-${visit}`,
  purpose: 'acd',
  state: left === undefined ? 'connected' : 'disconnected',
  direction: 'inbound',
  queue: { id: queue },
  connectedTime: at(queued),
  ...(left === undefined ? {} : { endTime: at(left) }),
});

/** An agent leg routed by `queue`: connected at `connected`, then off at `off`, wrap-up after. */
const agent = (
  user: string,
  queue: string,
  leg: { connected: number; off?: number; acwEnd?: number; wrapup?: boolean },
): Participant => ({
  id: `p-${user.slice(-2)}`,
  purpose: 'agent',
  state: leg.off === undefined ? 'connected' : 'disconnected',
  direction: 'inbound',
  user: { id: user },
  queue: { id: queue },
  connectedTime: at(leg.connected),
  ...(leg.off === undefined ? {} : { endTime: at(leg.off) }),
  ...(leg.off !== undefined && leg.wrapup !== false ? { startAcwTime: at(leg.off) } : {}),
  ...(leg.acwEnd === undefined ? {} : { endAcwTime: at(leg.acwEnd) }),
});

/** A queue call topic body of conversation `id` as of `when` seconds, its shape the SDK's. */
function call(id: string, participants: Participant[], when: number, queue = Q): StoredEvent {
  const body = shapedConversation(
    'QueueConversationCallEventTopicCallConversation',
    'QueueConversationCallEventTopicCallMediaParticipant',
    { id, participants },
  );
  return notificationEvent(`v2.routing.queues.${queue}.conversations.calls`, body, at(when));
}

const kpis = (s: LiveState, queue = Q) => {
  const v = s.queue(queue)!;
  return {
    answered: v.answered,
    answerWaitMsTotal: v.answerWaitMsTotal,
    handled: v.handled,
    handleMsTotal: v.handleMsTotal,
  };
};

describe('queue KPIs: answer waits, handle times and the window', () => {
  test('ASA and AHT sums: waits add at the answer, handle times once the legs are done (wrap-up included)', () => {
    T0 = Date.parse('2026-11-23T10:00:00.000Z');
    const s = new LiveState({ serviceLevelThresholdSec: 20 });
    s.apply(call('c1', [customer(), acd(Q, 0)], 0));
    s.apply(call('c2', [customer(), acd(Q, 0)], 0));
    // c1 answered after 12 s, c2 after 30 s.
    s.apply(call('c1', [customer(), acd(Q, 0, 12), agent(U1, Q, { connected: 12 })], 12));
    s.apply(call('c2', [customer(), acd(Q, 0, 30), agent(U2, Q, { connected: 30 })], 30));
    assert.deepEqual(kpis(s), {
      answered: 2,
      answerWaitMsTotal: 42_000,
      handled: 0,
      handleMsTotal: 0,
    });

    // c1: the customer hangs up at 192 s; the agent wraps up until 222 s.
    const c1Off = [customer(192), acd(Q, 0, 12)];
    s.apply(call('c1', [...c1Off, agent(U1, Q, { connected: 12, off: 192 })], 192));
    assert.equal(s.queue(Q)!.handled, 0, 'still in wrap-up: handling goes on');
    s.apply(call('c1', [...c1Off, agent(U1, Q, { connected: 12, off: 192, acwEnd: 222 })], 222));
    assert.deepEqual(kpis(s), {
      answered: 2,
      answerWaitMsTotal: 42_000,
      handled: 1,
      handleMsTotal: 210_000,
    });

    // c2: no wrap-up; it ends when the agent leg does (150 s after the connect).
    s.apply(
      call(
        'c2',
        [customer(180), acd(Q, 0, 30), agent(U2, Q, { connected: 30, off: 180, wrapup: false })],
        180,
      ),
    );
    assert.deepEqual(kpis(s), {
      answered: 2,
      answerWaitMsTotal: 42_000,
      handled: 2,
      handleMsTotal: 360_000,
    });
    // Redelivered: counted once.
    s.apply(call('c1', [...c1Off, agent(U1, Q, { connected: 12, off: 192, acwEnd: 222 })], 222));
    assert.equal(s.queue(Q)!.handled, 2);

    const v = s.queue(Q)!;
    assert.equal(v.windowMinutes, 30);
    assert.deepEqual(v.window, { kind: 'rolling', minutes: 30, since: at(222 - 30 * 60) });
    assert.equal(v.handleMsTotal / v.handled, 180_000, 'AHT');
    assert.equal(v.answerWaitMsTotal / v.answered, 21_000, 'ASA');
    // The per-media figures stay as they were.
    assert.equal('handled' in v.byMedia[0]!, false);
  });

  test('a transferred conversation counts once per queue; each queue its own handle time', () => {
    T0 = Date.parse('2026-11-23T11:00:00.000Z');
    const s = new LiveState();
    s.apply(call('c', [customer(), acd(Q, 0)], 0));
    s.apply(call('c', [customer(), acd(Q, 0, 5), agent(U1, Q, { connected: 5 })], 5));
    // A blind transfer to Q2 at 65 s: U1 wraps up (until 95 s) while the customer waits in Q2.
    const inQ2 = [customer(), acd(Q, 0, 5), acd(Q2, 65, undefined, 2)];
    s.apply(call('c', [...inQ2, agent(U1, Q, { connected: 5, off: 65 })], 65));
    assert.equal(s.queue(Q)!.handled, 0, 'Q handles on through its agent’s wrap-up');
    assert.equal(s.queue(Q2)!.waiting + s.queue(Q2)!.interacting, 1);
    const answeredInQ2 = [customer(), acd(Q, 0, 5), acd(Q2, 65, 80, 2)];
    const u1Done = agent(U1, Q, { connected: 5, off: 65, acwEnd: 95 });
    s.apply(
      call(
        'c',
        [
          ...answeredInQ2,
          agent(U1, Q, { connected: 5, off: 65 }),
          agent(U2, Q2, { connected: 80 }),
        ],
        80,
      ),
    );
    assert.deepEqual(kpis(s, Q2), {
      answered: 1,
      answerWaitMsTotal: 15_000,
      handled: 0,
      handleMsTotal: 0,
    });
    s.apply(call('c', [...answeredInQ2, u1Done, agent(U2, Q2, { connected: 80 })], 95));
    assert.deepEqual(kpis(s, Q), {
      answered: 1,
      answerWaitMsTotal: 5_000,
      handled: 1,
      handleMsTotal: 90_000,
    });
    assert.equal(s.queue(Q2)!.handled, 0, 'Q2’s agent is still on it');

    // Back to Q at 200 s (no wrap-up for U2), where U3 takes it at 210 s; then it ends.
    const u2Done = agent(U2, Q2, { connected: 80, off: 200, wrapup: false });
    s.apply(call('c', [...answeredInQ2, acd(Q, 200, undefined, 3), u1Done, u2Done], 200));
    assert.deepEqual(kpis(s, Q2), {
      answered: 1,
      answerWaitMsTotal: 15_000,
      handled: 1,
      handleMsTotal: 120_000,
    });
    assert.equal(s.queue(Q)!.waiting, 1);
    const backInQ = [...answeredInQ2, acd(Q, 200, 210, 3), u1Done];
    s.apply(call('c', [...backInQ, u2Done, agent(U3, Q, { connected: 210 })], 210));
    assert.equal(s.queue(Q2)!.handled, 1);
    s.apply(
      call(
        'c',
        [
          customer(300),
          ...backInQ.slice(1),
          u2Done,
          agent(U3, Q, { connected: 210, off: 300, wrapup: false }),
        ],
        300,
      ),
    );
    assert.deepEqual(
      kpis(s, Q),
      { answered: 1, answerWaitMsTotal: 5_000, handled: 1, handleMsTotal: 90_000 },
      'the second visit to Q counts no second answer nor handling',
    );
    assert.equal(s.queue(Q2)!.handled, 1);
  });

  test('an abandon counts no handling; a conversation reconciliation drops counts nothing', () => {
    T0 = Date.parse('2026-11-23T12:00:00.000Z');
    const s = new LiveState();
    s.apply(call('gone', [customer(), acd(Q, 0)], 0));
    s.apply(call('gone', [customer(40), acd(Q, 0, 40)], 40));
    s.apply(call('lost', [customer(), acd(Q, 0)], 0));
    s.apply(call('lost', [customer(), acd(Q, 0, 8), agent(U1, Q, { connected: 8 })], 8));
    let v = s.queue(Q)!;
    assert.deepEqual([v.abandoned, v.answered, v.answerWaitMsTotal], [1, 1, 8_000]);
    assert.deepEqual([v.handled, v.handleMsTotal], [0, 0]);

    // Its end fell in a gap: a run lists nothing in Q, and completes.
    const result = {
      group: { queueId: Q, mediaType: 'voice' },
      data: ['oWaiting', 'oAlerting', 'oInteracting'].map((metric) => ({
        metric,
        stats: { count: 0 },
        observations: [],
      })),
    };
    assertSdkShape('QueueObservationDataContainer', result);
    s.apply(
      storedEvent(nextOffset(), 'reconcile.queue-conversations', {
        topic: `v2.analytics.queues.${Q}.observations`,
        subject: { queueId: Q },
        occurredAt: at(600),
        body: { queueId: Q, results: [result] },
      }),
    );
    s.apply(
      storedEvent(nextOffset(), 'reconcile.complete', {
        topic: 'reconcile.complete',
        occurredAt: at(600),
        body: { runId: 'run-600', startedAt: at(600), finishedAt: at(600) },
      }),
    );
    assert.equal(s.queue(Q)!.interacting, 0, 'dropped');
    // Its late end changes nothing either.
    s.apply(
      call(
        'lost',
        [customer(610), acd(Q, 0, 8), agent(U1, Q, { connected: 8, off: 610, wrapup: false })],
        610,
      ),
    );
    v = s.queue(Q)!;
    assert.deepEqual([v.handled, v.handleMsTotal, v.answered], [0, 0, 1]);
  });

  test('rolling: waits and handle times leave the window with their outcomes', () => {
    T0 = Date.parse('2026-11-23T13:00:00.000Z');
    const s = new LiveState({ windowMinutes: 2 });
    s.apply(call('c', [customer(), acd(Q, 0)], 0));
    s.apply(call('c', [customer(), acd(Q, 0, 10), agent(U1, Q, { connected: 10 })], 10));
    s.apply(
      call(
        'c',
        [customer(70), acd(Q, 0, 10), agent(U1, Q, { connected: 10, off: 70, wrapup: false })],
        70,
      ),
    );
    assert.deepEqual(kpis(s), {
      answered: 1,
      answerWaitMsTotal: 10_000,
      handled: 1,
      handleMsTotal: 60_000,
    });
    // 2 minutes after the answer (event time): the answer is out, the handling still in.
    s.apply(call('d', [customer(), acd(Q, 131)], 131));
    assert.deepEqual(kpis(s), {
      answered: 0,
      answerWaitMsTotal: 0,
      handled: 1,
      handleMsTotal: 60_000,
    });
    s.apply(call('d', [customer(191), acd(Q, 131, 191)], 191));
    assert.deepEqual(kpis(s), { answered: 0, answerWaitMsTotal: 0, handled: 0, handleMsTotal: 0 });
    const v = s.queue(Q)!;
    assert.deepEqual(v.window, { kind: 'rolling', minutes: 2, since: at(71) });
    assert.equal(v.windowMinutes, 2);
  });

  test('today: the window starts at midnight in the zone, DST days included (23 h and 25 h)', () => {
    T0 = Date.parse('2026-03-07T00:00:00.000Z');
    const s = new LiveState({ window: 'today', timeZone: 'america/new_york' });
    const hours = (h: number) => h * 3600;
    // Sat 7 March 23:30 EST (04:30Z on the 8th): answered after 20 s, handled for 60 s.
    const sat = hours(28.5);
    s.apply(call('late', [customer(), acd(Q, sat - 20)], sat - 20));
    s.apply(
      call('late', [customer(), acd(Q, sat - 20, sat), agent(U1, Q, { connected: sat })], sat),
    );
    s.apply(
      call(
        'late',
        [
          customer(sat + 60),
          acd(Q, sat - 20, sat),
          agent(U1, Q, { connected: sat, off: sat + 60, wrapup: false }),
        ],
        sat + 60,
      ),
    );
    let v = s.queue(Q)!;
    assert.deepEqual(v.window, {
      kind: 'today',
      timeZone: 'America/New_York',
      since: '2026-03-07T05:00:00.000Z',
    });
    assert.equal(v.windowMinutes, 23 * 60 + 31);
    assert.deepEqual(kpis(s), {
      answered: 1,
      answerWaitMsTotal: 20_000,
      handled: 1,
      handleMsTotal: 60_000,
    });

    // Sun 8 March 00:10 EST: a new day; Saturday's figures are gone. (02:00 EST → 03:00 EDT.)
    const sun = hours(29) + 600;
    s.apply(call('early', [customer(), acd(Q, sun)], sun));
    v = s.queue(Q)!;
    assert.equal(v.window.since, '2026-03-08T05:00:00.000Z');
    assert.equal(v.windowMinutes, 10);
    assert.deepEqual(kpis(s), { answered: 0, answerWaitMsTotal: 0, handled: 0, handleMsTotal: 0 });
    s.apply(
      call(
        'early',
        [customer(), acd(Q, sun, sun + 5), agent(U2, Q, { connected: sun + 5 })],
        sun + 5,
      ),
    );

    // Sun 8 March 23:50 EDT (03:50Z on the 9th): still Sunday, 22 h 50 min into a 23-hour day.
    const sunLate = hours(51) + 50 * 60;
    s.apply(call('x', [customer(), acd(Q, sunLate)], sunLate));
    v = s.queue(Q)!;
    assert.equal(v.window.since, '2026-03-08T05:00:00.000Z');
    assert.equal(v.windowMinutes, 22 * 60 + 50);
    assert.equal(v.answered, 1, 'the 00:10 answer is still today');
    // Mon 9 March 00:00 EDT is 04:00Z: the day began an hour earlier in UTC than Sunday's.
    const mon = hours(52) + 60;
    s.apply(call('y', [customer(), acd(Q, mon)], mon));
    v = s.queue(Q)!;
    assert.equal(v.window.since, '2026-03-09T04:00:00.000Z');
    assert.equal(v.windowMinutes, 1);
    assert.equal(v.answered, 0);
  });

  test('today: the fall-back day is 25 hours, and its first hour still counts at its end', () => {
    T0 = Date.parse('2026-11-01T04:00:00.000Z'); // Sun 1 November 00:00 EDT
    const s = new LiveState({ window: 'today', timeZone: 'America/New_York' });
    s.apply(call('c', [customer(), acd(Q, 1800)], 1800));
    s.apply(call('c', [customer(1860), acd(Q, 1800, 1860)], 1860));
    assert.equal(s.queue(Q)!.abandoned, 1);
    // 23:30 EST (04:30Z on the 2nd): 24.5 hours since midnight, still Sunday.
    const late = 24.5 * 3600;
    s.apply(call('d', [customer(), acd(Q, late)], late));
    let v = s.queue(Q)!;
    assert.equal(v.window.since, '2026-11-01T04:00:00.000Z');
    assert.equal(v.windowMinutes, 24 * 60 + 30);
    assert.equal(v.abandoned, 1, 'a rolling 24 h would have lost it');
    s.apply(call('e', [customer(), acd(Q, 25 * 3600)], 25 * 3600));
    v = s.queue(Q)!;
    assert.deepEqual(
      [v.window.since, v.windowMinutes, v.abandoned],
      ['2026-11-02T05:00:00.000Z', 0, 0],
    );
  });

  test('zone days: a zone whose clocks skip midnight starts that day at 01:00', () => {
    // Cuba springs forward at 00:00 on the second Sunday of March (00:00 CST → 01:00 CDT).
    const days = new ZoneDays('America/Havana');
    assert.equal(
      new Date(days.startOf(Date.parse('2026-03-08T12:00:00.000Z'))).toISOString(),
      '2026-03-08T05:00:00.000Z',
    );
    assert.equal(
      new Date(days.startOf(Date.parse('2026-03-08T04:59:59.999Z'))).toISOString(),
      '2026-03-07T05:00:00.000Z',
    );
    assert.equal(
      new Date(days.startOf(Date.parse('2026-07-01T03:59:59.999Z'))).toISOString(),
      '2026-06-30T04:00:00.000Z',
    );
  });

  test('config: live.window and live.timeZone, a zone Intl does not know refused by name', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.live.window, 'rolling');
    assert.equal(c.live.timeZone, Intl.DateTimeFormat().resolvedOptions().timeZone);
    const today = loadConfig({
      env: {},
      overrides: { live: { window: 'today', timeZone: 'Europe/London' } },
    });
    assert.deepEqual([today.live.window, today.live.timeZone], ['today', 'Europe/London']);
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ timeZone: 'Mars/Olympus_Mons' }, /^invalid config: live\.timeZone: .*IANA time zone/],
      [{ timeZone: '' }, /^invalid config: live\.timeZone: /],
      [{ window: 'week' }, /^invalid config: live\.window: /],
    ];
    for (const [live, pattern] of refused) {
      assert.throws(
        () => loadConfig({ env: {}, overrides: { live } }),
        (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
        JSON.stringify(live),
      );
    }
    assert.throws(() => new LiveState({ window: 'today', timeZone: 'Nowhere/Else' }), RangeError);
  });
});
