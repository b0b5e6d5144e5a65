/**
 * Issue 11, point 6: detail events feed the projection, so an org that sends only
 * `v2.detail.events.conversation.{id}.*` (Genesys's analytics detail events EventBridge
 * blueprint, `GenesysCloudBlueprints/aws-eventbridge-analytics-detail-events-blueprint`
 * `blueprint/terraform/terraform.tfvars`) still gets queue figures and toasts.
 *
 * Every body's keys are checked against the official SDK's models
 * (`MyPureCloud/platform-client-sdk-javascript` `build/index.d.ts`, npm
 * `purecloud-platform-client-v2`; topic → model from its `notificationMappings.json`):
 * `CustomerStartDetailEventTopicCustomerStartEvent`, `CustomerEndDetailEventTopicCustomerEndEvent`,
 * `AcdStartDetailEventTopicAcdStartEvent`, `AcdEndDetailEventTopicAcdEndEvent`,
 * `UserStartDetailEventTopicUserStartEvent`, `UserEndDetailEventTopicUserEndEvent`,
 * `AcwDetailEventTopicAfterCallWorkEvent`, `OutboundDetailEventTopicOutboundInitEvent`; and, for
 * the org that sends both families, `QueueConversationCallEventTopicCallConversation` /
 * `QueueConversationCallEventTopicCallMediaParticipant`. `eventTime` is epoch ms; the enums
 * (`mediaType` VOICE, `direction` INBOUND/OUTBOUND, `acdOutcome` ANSWERED/ABANDON/FLOW_OUT,
 * `disconnectType`) are upper case, from the Python SDK's
 * `acd_end_detail_event_topic_acd_end_event.py`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LiveState } from '../../src/projection/live-state.js';
import { classifyTopic } from '../../src/sources/normalize/topics.js';
import { storedEvent } from '../support/events.js';
import { assertSdkShape, DETAIL_EVENT_MODELS } from '../support/sdk-models.js';

const Q = '7b0c4a1e-0000-4000-8000-000000000006';
const Q2 = '7b0c4a1e-0000-4000-8000-000000000007';
const U = 'a1b2c3d4-0000-4000-8000-0000000000b1';
const U2 = 'a1b2c3d4-0000-4000-8000-0000000000b2';
const T0 = Date.parse('2024-05-02T10:00:00.000Z');
let offset = 0;

const MODELS = DETAIL_EVENT_MODELS;

/** One detail event in an EventBridge envelope, its body checked against its SDK model. */
function detail(
  conversationId: string,
  milestone: string,
  secondsIn: number,
  fields: Record<string, unknown>,
) {
  const eventTime = T0 + secondsIn * 1000;
  const eventBody = {
    eventTime,
    conversationId,
    sessionId: `${conversationId}-s`,
    mediaType: 'VOICE',
    provider: 'Edge',
    direction: 'INBOUND',
    ani: 'tel:+15551234567',
    dnis: 'tel:+18005550100',
    ...fields,
  };
  assertSdkShape(MODELS[milestone]!, eventBody);
  const topicName = `v2.detail.events.conversation.${conversationId}.${milestone}`;
  const c = classifyTopic(topicName)!;
  return storedEvent(++offset, c.kind, {
    topic: topicName,
    subject: c.subject,
    occurredAt: new Date(eventTime).toISOString(),
    body: {
      version: '0',
      id: `eb-${offset}`,
      'detail-type': `v2.detail.events.conversation.{id}.${milestone}`,
      source: 'aws.partner/genesys.com/cloud/o/switchboard',
      time: new Date(eventTime).toISOString(),
      detail: { topicName, version: '2', eventBody, metadata: { CorrelationId: `c-${offset}` } },
    },
  });
}

/** The milestones of one inbound call answered by `U` in `Q` (times in seconds from T0). */
function answeredCall(id: string) {
  return {
    customerStart: detail(id, 'customer.start', 0, { participantId: 'p-c', divisionId: 'd1' }),
    acdStart: detail(id, 'acd.start', 5, {
      participantId: 'p-acd',
      queueId: Q,
      divisionId: 'd1',
      routingPriority: 0,
    }),
    userStart: detail(id, 'user.start', 12, {
      participantId: 'p-a',
      userId: U,
      queueId: Q,
      divisionId: 'd1',
    }),
    acdEnd: detail(id, 'acd.end', 17, {
      participantId: 'p-acd',
      queueId: Q,
      divisionId: 'd1',
      acdOutcome: 'ANSWERED',
      answeredUserId: U,
      usedRouting: 'STANDARD',
      connectedDurationMs: 12_000,
      disconnectType: 'TRANSFER',
    }),
    userEnd: detail(id, 'user.end', 300, {
      participantId: 'p-a',
      userId: U,
      queueId: Q,
      divisionId: 'd1',
      disconnectType: 'PEER',
      interactingDurationMs: 283_000,
      heldDurationMs: 0,
      alertingDurationMs: 5000,
    }),
    acw: detail(id, 'acw', 330, {
      participantId: 'p-a',
      userId: U,
      queueId: Q,
      // An id, not a name (typed string with no description in the model).
      wrapupCode: '1a2b3c4d-0000-4000-8000-0000000000f1',
      wrapupDurationMs: 30_000,
    }),
    customerEnd: detail(id, 'customer.end', 300, {
      participantId: 'p-c',
      divisionId: 'd1',
      disconnectType: 'PEER',
      interactingDurationMs: 300_000,
    }),
  };
}

describe('issue 11 point 6: detail events feed the projection', () => {
  test('an org sending only detail topics gets waiting, a ringing toast, the answer and its wait', () => {
    const s = new LiveState();
    const e = answeredCall('c-d1');
    s.apply(e.customerStart);
    s.apply(e.acdStart);
    assert.equal(s.queue(Q)?.waiting, 1, 'waiting in the queue after acd.start');

    // No detail event says "alerting": an inbound agent segment while the ACD one is open rings.
    s.apply(e.userStart);
    assert.deepEqual(
      s.toasts().map((t) => [t.userId, t.queueId, t.media, t.address]),
      [[U, Q, 'voice', 'tel:+15551234567']],
    );
    assert.equal(s.queue(Q)?.alerting, 1);
    assert.equal(s.queue(Q)?.waiting, 0);

    s.apply(e.acdEnd);
    assert.equal(s.toasts().length, 0, 'answered: the toast is gone');
    const q = s.queue(Q)!;
    assert.equal(q.answered, 1);
    assert.equal(q.interacting, 1);
    assert.equal(q.answeredWithinThreshold, 1, 'answered 12 s after entering the queue');
    assert.equal(q.byMedia.find((f) => f.media === 'voice')?.answered, 1, 'VOICE read as voice');
    assert.equal(s.agent(U)?.conversations[0]?.state, 'connected');

    s.apply(e.userEnd);
    assert.equal(s.agent(U)?.conversations[0]?.state, 'acw', 'wrapping up after user.end');
    s.apply(e.acw);
    s.apply(e.customerEnd);
    assert.equal(s.agent(U)?.conversations.length, 0);
    const end = s.queue(Q)!;
    assert.deepEqual([end.waiting, end.alerting, end.interacting], [0, 0, 0]);
    assert.deepEqual([end.answered, end.abandoned], [1, 0], 'counted once');
  });

  test('an abandon is counted from acd.end ABANDON, once, and a flow-out is not an abandon', () => {
    const s = new LiveState();
    const id = 'c-ab';
    s.apply(detail(id, 'customer.start', 0, { participantId: 'p-c' }));
    s.apply(detail(id, 'acd.start', 2, { participantId: 'p-acd', queueId: Q }));
    assert.equal(s.queue(Q)?.waiting, 1);
    s.apply(
      detail(id, 'acd.end', 40, {
        participantId: 'p-acd',
        queueId: Q,
        acdOutcome: 'ABANDON',
        disconnectType: 'PEER',
      }),
    );
    s.apply(
      detail(id, 'customer.end', 40, {
        participantId: 'p-c',
        disconnectType: 'ENDPOINT',
        interactingDurationMs: 40_000,
      }),
    );
    assert.deepEqual([s.queue(Q)?.waiting, s.queue(Q)?.abandoned, s.queue(Q)?.answered], [0, 1, 0]);

    const flow = 'c-flow';
    s.apply(detail(flow, 'acd.start', 50, { participantId: 'p-acd', queueId: Q2 }));
    s.apply(
      detail(flow, 'acd.end', 60, { participantId: 'p-acd', queueId: Q2, acdOutcome: 'FLOW_OUT' }),
    );
    s.apply(detail(flow, 'customer.end', 90, { participantId: 'p-c', disconnectType: 'PEER' }));
    assert.deepEqual(
      [s.queue(Q2)?.waiting, s.queue(Q2)?.abandoned, s.queue(Q2)?.answered],
      [0, 0, 0],
    );
  });

  test('a missed offer (user.start then user.end, ACD still open) rings, then the next agent rings', () => {
    const s = new LiveState();
    const id = 'c-rona';
    s.apply(detail(id, 'acd.start', 0, { participantId: 'p-acd', queueId: Q }));
    s.apply(detail(id, 'user.start', 1, { participantId: 'p-a', userId: U, queueId: Q }));
    assert.equal(s.toasts()[0]?.userId, U);
    s.apply(
      detail(id, 'user.end', 16, {
        participantId: 'p-a',
        userId: U,
        queueId: Q,
        disconnectType: 'NO_ANSWER_TRANSFER',
        alertingDurationMs: 15_000,
      }),
    );
    assert.equal(s.toasts().length, 0);
    assert.equal(s.agent(U)?.conversations.length, 0, 'a missed offer is no wrap-up');
    assert.equal(s.queue(Q)?.waiting, 1, 'back to waiting');
    s.apply(detail(id, 'user.start', 17, { participantId: 'p-b', userId: U2, queueId: Q }));
    assert.deepEqual(
      s.toasts().map((t) => t.userId),
      [U2],
    );
    assert.equal(s.queue(Q)?.answered, 0);
  });

  test('a blind transfer on and back: each visit to a queue is its own, and one instant folds in any order', () => {
    const id = 'c-back';
    const acd = (milestone: string, at: number, queueId: string, f = {}) =>
      detail(id, milestone, at, { participantId: `p-acd-${at}`, queueId, ...f });
    const user = (milestone: string, at: number, userId: string, queueId: string, f = {}) =>
      detail(id, milestone, at, { participantId: `p-${userId}`, userId, queueId, ...f });
    const answered = (userId: string) => ({ acdOutcome: 'ANSWERED', answeredUserId: userId });
    const transfer = { disconnectType: 'TRANSFER' };
    // Q: answered by U, who transfers to Q2 at 60 s; U2 answers and transfers back at 120 s,
    // where the call waits in Q a second time. The transfer's three milestones share an instant.
    const before = [
      acd('acd.start', 0, Q),
      user('user.start', 1, U, Q),
      acd('acd.end', 3, Q, answered(U)),
    ];
    const handover = [user('user.end', 60, U, Q, transfer), acd('acd.start', 60, Q2)];
    const second = [user('user.start', 60, U2, Q2)];
    const back = [
      acd('acd.end', 62, Q2, answered(U2)),
      user('user.end', 120, U2, Q2, transfer),
      acd('acd.start', 120, Q),
    ];
    const orders = [
      [...before, ...handover, ...second, ...back],
      [...before, ...second, ...[...handover].reverse(), ...back],
      [...[...before].reverse(), ...[...back].reverse(), ...second, ...handover],
    ];
    for (const [i, events] of orders.entries()) {
      const s = new LiveState();
      for (const e of events) s.apply(e);
      const figures = (q: string) => [s.queue(q)?.waiting ?? 0, s.queue(q)?.interacting ?? 0];
      assert.deepEqual(figures(Q), [1, 0], `order ${i}: waiting in Q again, not taken as answered`);
      assert.deepEqual(figures(Q2), [0, 0], `order ${i}: Q2 is done with it`);
      assert.deepEqual(
        [s.agent(U)?.conversations.length, s.agent(U2)?.conversations.length],
        [0, 0],
        `order ${i}: neither agent keeps a transferred call`,
      );
    }
    // The handover instant alone, agent end first: the next agent's offer still rings.
    const s = new LiveState();
    for (const e of [...before, user('user.end', 60, U, Q, transfer)]) s.apply(e);
    for (const e of [acd('acd.start', 60, Q2), user('user.start', 60, U2, Q2)]) s.apply(e);
    assert.deepEqual(
      s.toasts().map((t) => [t.userId, t.queueId]),
      [[U2, Q2]],
    );
    assert.equal(s.agent(U)?.conversations.length, 0);
  });

  test('a `wrapup` event (names the agent by participant only) ends wrap-up when `acw` is missing', () => {
    const s = new LiveState();
    const e = answeredCall('c-wrap');
    for (const x of [e.customerStart, e.acdStart, e.userStart, e.acdEnd, e.userEnd]) s.apply(x);
    // The caller is still on (an IVR survey, say): the agent is in wrap-up.
    assert.equal(s.agent(U)?.conversations[0]?.state, 'acw');
    const wrapup = (participantId: string) =>
      detail('c-wrap', 'wrapup', 320, {
        participantId,
        queueId: Q,
        wrapupCode: '1a2b3c4d-0000-4000-8000-0000000000f1',
        wrapupDurationMs: 20_000,
      });
    s.apply(wrapup('p-someone-else'));
    assert.equal(s.agent(U)?.conversations[0]?.state, 'acw', 'another participant: not this leg');
    s.apply(wrapup('p-a'));
    assert.equal(s.agent(U)?.conversations.length, 0, 'wrap-up submitted: the leg is closed');
  });

  test('an outbound (dialer) conversation rings nobody and is no queue arrival', () => {
    const s = new LiveState();
    const id = 'c-out';
    s.apply(
      detail(id, 'outbound', 0, {
        participantId: 'p-d',
        direction: 'OUTBOUND',
        outboundCampaignId: 'camp1',
        outboundContactListId: 'cl1',
        outboundContactId: 'ct1',
        divisionId: 'd1',
      }),
    );
    s.apply(
      detail(id, 'acd.start', 1, { participantId: 'p-acd', direction: 'OUTBOUND', queueId: Q }),
    );
    s.apply(
      detail(id, 'user.start', 2, {
        participantId: 'p-a',
        direction: 'OUTBOUND',
        userId: U,
        queueId: Q,
      }),
    );
    assert.equal(s.toasts().length, 0);
    assert.equal(s.agent(U)?.conversations[0]?.state, 'connected', 'the agent is busy on it');
    const q = s.queue(Q);
    assert.ok(q === undefined || (q.waiting === 0 && q.answered === 0 && q.interacting === 0));
  });

  test('an org sending both families counts each answer once, whichever family comes first', () => {
    const participants = (state: string) => [
      {
        id: 'p-acd',
        purpose: 'acd',
        state: state === 'connected' ? 'disconnected' : 'connected',
        direction: 'inbound',
        queue: { id: Q },
        connectedTime: new Date(T0 + 5000).toISOString(),
        ...(state === 'connected' ? { endTime: new Date(T0 + 17_000).toISOString() } : {}),
      },
      {
        id: 'p-a',
        purpose: 'agent',
        state,
        direction: 'inbound',
        user: { id: U },
        queue: { id: Q },
        ...(state === 'connected' ? { connectedTime: new Date(T0 + 17_000).toISOString() } : {}),
      },
    ];
    const topicBody = (id: string, state: string, secondsIn: number) => {
      const eventBody = { id, participants: participants(state) };
      assertSdkShape('QueueConversationCallEventTopicCallConversation', eventBody);
      for (const p of eventBody.participants)
        assertSdkShape('QueueConversationCallEventTopicCallMediaParticipant', p);
      const topicName = `v2.routing.queues.${Q}.conversations.calls`;
      const c = classifyTopic(topicName)!;
      return storedEvent(++offset, c.kind, {
        topic: topicName,
        subject: c.subject,
        occurredAt: new Date(T0 + secondsIn * 1000).toISOString(),
        body: { topicName, version: '2', eventBody, metadata: { CorrelationId: `c-${offset}` } },
      });
    };
    for (const topicsFirst of [true, false]) {
      const s = new LiveState();
      const id = `c-both-${topicsFirst}`;
      const e = answeredCall(id);
      const topics = [topicBody(id, 'alerting', 12), topicBody(id, 'connected', 17)];
      const details = [e.customerStart, e.acdStart, e.userStart, e.acdEnd];
      const order = topicsFirst
        ? [topics[0]!, ...details.slice(0, 3), topics[1]!, details[3]!]
        : [...details, ...topics];
      for (const ev of order) s.apply(ev);
      assert.equal(s.queue(Q)?.answered, 1, `answered once (topics first: ${topicsFirst})`);
      assert.equal(s.queue(Q)?.interacting, 1);
      assert.equal(s.toasts().length, 0);
    }
  });

  test('once conversation topics name a conversation, its detail deltas cannot undo what they say', () => {
    // Detail events know nothing of holds: a late one must not turn a held leg back to connected.
    const s = new LiveState();
    const id = 'c-held';
    const eventBody = {
      id,
      participants: [
        { id: 'p-acd', purpose: 'acd', state: 'disconnected', queue: { id: Q } },
        {
          id: 'p-a',
          purpose: 'agent',
          state: 'connected',
          held: true,
          direction: 'inbound',
          user: { id: U },
          queue: { id: Q },
        },
      ],
    };
    assertSdkShape('QueueConversationCallEventTopicCallConversation', eventBody);
    for (const p of eventBody.participants)
      assertSdkShape('QueueConversationCallEventTopicCallMediaParticipant', p);
    const topicName = `v2.routing.queues.${Q}.conversations.calls`;
    const c = classifyTopic(topicName)!;
    s.apply(
      storedEvent(++offset, c.kind, {
        topic: topicName,
        subject: c.subject,
        occurredAt: new Date(T0 + 60_000).toISOString(),
        body: { topicName, version: '2', eventBody },
      }),
    );
    assert.equal(s.agent(U)?.conversations[0]?.state, 'held');
    const e = answeredCall(id);
    for (const ev of [e.acdStart, e.userStart, e.acdEnd])
      s.apply({ ...ev, occurredAt: new Date(T0 + 60_000).toISOString() });
    assert.equal(s.agent(U)?.conversations[0]?.state, 'held');
    assert.equal(s.queue(Q)?.answered, 1);
  });

  test('hostile detail bodies change nothing and never throw', () => {
    const s = new LiveState();
    const id = 'c-bad';
    const bad = [
      { eventTime: 'soon', conversationId: id, queueId: 42, mediaType: ['VOICE'] },
      { eventTime: T0, conversationId: id, userId: 'x'.repeat(10_000), direction: 'INBOUND' },
      { eventTime: T0, conversationId: id, acdOutcome: { a: 1 } },
    ];
    for (const milestone of ['acd.start', 'user.start', 'acd.end', 'flow.outcome']) {
      for (const eventBody of bad) {
        const topicName = `v2.detail.events.conversation.${id}.${milestone}`;
        const c = classifyTopic(topicName)!;
        s.apply(
          storedEvent(++offset, c.kind, {
            topic: topicName,
            subject: c.subject,
            body: { topicName, version: '2', eventBody },
          }),
        );
      }
    }
    assert.deepEqual([s.queues().length, s.agents().length, s.toasts().length], [0, 0, 0]);
  });
});
