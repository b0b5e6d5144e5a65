/**
 * Issue 15 point 7: the guides' pushed events fold into queue figures, agents and toasts as the
 * real topics do. Payloads are the guides' (SEED-FORMATS §D) as the schemas describe them:
 * src/router/schemas/routing.conversation.v1.json (GuideRoutingConversationEvent: conversation
 * {id, state, mediaType, queueId, direction}, participants [{role, id, name}]) and
 * agent.state.v1.json (GuideAgentStateChange: user {id, name, login.status, state, substate,
 * onQueue, routingStatus}). Each one goes through the webhook normalizer, so kind, subject and
 * time are what the gateway stores.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StoredEvent } from '../../src/log/event-log.js';
import { LiveState } from '../../src/projection/live-state.js';
import { normalizeEvent } from '../../src/sources/normalize/normalize.js';
import { storedEvent } from '../support/events.js';

const Q = '8a1f6c2e-0f3b-4a59-9c1d-5e2b7f4a1c01';
const Q2 = '8a1f6c2e-0f3b-4a59-9c1d-5e2b7f4a1c02';
const A = 'e40f28ea-2d4c-4a7e-9a52-0b6a0b3f2f11';
const B = 'e40f28ea-2d4c-4a7e-9a52-0b6a0b3f2f12';
const C = 'c0ffee00-1111-4222-8333-444455556666';

const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const iso = (sec: number) => new Date(T0 + sec * 1000).toISOString();

let offset = 0;
let n = 0;

/** A guide body as pushed, normalized as the webhook ingest does, at the next offset. */
function pushed(payload: Record<string, unknown>): StoredEvent {
  const body = { notificationId: `n-${++n}`, ...payload };
  const raw = Buffer.from(JSON.stringify(body));
  const e = normalizeEvent(raw, body, {
    source: 'webhook',
    receivedAt: iso(0),
    idKeys: [['notificationId']],
  });
  return { ...e, offset: ++offset };
}

/** `routing.conversation.event` (SEED-FORMATS §D toast guide; emulator guide-formats.ts). */
function routingEvent(
  state: string,
  sec: number,
  opts: { agent?: string; queueId?: string; id?: string; direction?: string } = {},
): StoredEvent {
  const participants: Record<string, unknown>[] = [{ role: 'customer', name: 'John Smith' }];
  if (opts.agent !== undefined) participants.push({ role: 'agent', id: opts.agent, name: 'Jane' });
  return pushed({
    eventType: 'routing.conversation.event',
    timestamp: iso(sec),
    conversation: {
      id: opts.id ?? C,
      state,
      mediaType: 'voice',
      queueId: opts.queueId ?? Q,
      direction: opts.direction ?? 'INBOUND',
    },
    participants,
  });
}

/** `agentStateChange` (SEED-FORMATS §D; emulator guide-formats.ts agentStatePayload). */
function agentState(
  id: string,
  sec: number,
  user: { state?: string; substate?: string | null; onQueue: boolean; routingStatus: string },
  login = 'LOGGED_IN',
): StoredEvent {
  return pushed({
    eventType: 'agentStateChange',
    timestamp: iso(sec),
    user: {
      id,
      name: 'Jane Doe',
      login: { status: login },
      state: 'AVAIL',
      substate: null,
      ...user,
    },
  });
}

const figures = (s: LiveState, id = Q) => {
  const q = s.queue(id);
  return q && { waiting: q.waiting, alerting: q.alerting, interacting: q.interacting };
};

describe('guide routing.conversation events fold into queue figures', () => {
  test('the normalizer files them as routing.conversation with the conversation and queue', () => {
    const e = routingEvent('queued', 0);
    assert.equal(e.kind, 'routing.conversation');
    assert.deepEqual(e.subject, { queueId: Q, conversationId: C });
    assert.equal(e.occurredAt, iso(0));
  });

  test('queued → alerting → connected → disconnected: waiting, alerting with a toast, interacting, gone; the answer counts', () => {
    const s = new LiveState();
    s.apply(routingEvent('queued', 0));
    assert.deepEqual(figures(s), { waiting: 1, alerting: 0, interacting: 0 });
    assert.equal(s.queue(Q, T0 + 5000)!.longestWaitMs, 5000);

    s.apply(routingEvent('alerting', 10, { agent: A }));
    assert.deepEqual(figures(s), { waiting: 0, alerting: 1, interacting: 0 });
    const toasts = s.toasts();
    assert.equal(toasts.length, 1);
    assert.deepEqual(
      (({ conversationId, userId, queueId, media, caller, since }) => ({
        conversationId,
        userId,
        queueId,
        media,
        caller,
        since,
      }))(toasts[0]!),
      {
        conversationId: C,
        userId: A,
        queueId: Q,
        media: 'voice',
        caller: 'John Smith',
        since: iso(10),
      },
    );
    assert.deepEqual(
      s.agent(A)!.conversations.map((c) => c.state),
      ['alerting'],
    );

    s.apply(routingEvent('connected', 13, { agent: A }));
    assert.deepEqual(figures(s), { waiting: 0, alerting: 0, interacting: 1 });
    assert.equal(s.toasts().length, 0, 'the toast clears when the conversation connects');
    assert.equal(s.queue(Q)!.answered, 1);
    // Waited 13 s from its queued event: within the default 20 s threshold.
    assert.equal(s.queue(Q)!.answeredWithinThreshold, 1);

    s.apply(routingEvent('disconnected', 200, { agent: A }));
    assert.deepEqual(figures(s), { waiting: 0, alerting: 0, interacting: 0 });
    assert.deepEqual(s.agent(A)!.conversations, []);
    assert.equal(s.queue(Q)!.abandoned, 0);
  });

  test('abandoned while waiting counts an abandon; a ringing toast clears on abandon', () => {
    const s = new LiveState();
    s.apply(routingEvent('queued', 0));
    s.apply(routingEvent('abandoned', 30));
    assert.deepEqual(figures(s), { waiting: 0, alerting: 0, interacting: 0 });
    assert.equal(s.queue(Q)!.abandoned, 1);

    s.apply(routingEvent('queued', 0, { id: 'c-2' }));
    s.apply(routingEvent('ringing', 2, { id: 'c-2', agent: B }));
    assert.equal(s.toasts().length, 1, "the guide's `ringing` rings too");
    s.apply(routingEvent('abandoned', 3, { id: 'c-2' }));
    assert.equal(s.toasts().length, 0);
    assert.equal(s.agent(B)!.conversations.length, 0);
  });

  test("an offer that rings out: back to waiting with its first place kept, the agent's leg and toast gone", () => {
    const s = new LiveState();
    s.apply(routingEvent('queued', 0));
    s.apply(routingEvent('alerting', 5, { agent: A }));
    // The emulator's `missed`: state queued, naming the agent who let it ring out.
    s.apply(routingEvent('queued', 20, { agent: A }));
    assert.deepEqual(figures(s), { waiting: 1, alerting: 0, interacting: 0 });
    assert.equal(s.queue(Q)!.oldestWaitingSince, iso(0));
    assert.equal(s.toasts().length, 0);
    assert.deepEqual(s.agent(A)!.conversations, []);
  });

  test('a blind transfer: the events of one instant in either order leave it waiting in the next queue', () => {
    for (const reversed of [false, true]) {
      const s = new LiveState();
      s.apply(routingEvent('queued', 0));
      s.apply(routingEvent('alerting', 2, { agent: A }));
      s.apply(routingEvent('connected', 5, { agent: A }));
      // One instant: the agent leaves it queued in Q (the transfer), then it is queued in Q2.
      const leave = routingEvent('queued', 60, { agent: A });
      const next = routingEvent('queued', 60, { queueId: Q2 });
      for (const e of reversed ? [next, leave] : [leave, next]) s.apply(e);
      assert.deepEqual(figures(s, Q), { waiting: 0, alerting: 0, interacting: 0 }, `${reversed}`);
      assert.deepEqual(figures(s, Q2), { waiting: 1, alerting: 0, interacting: 0 }, `${reversed}`);
      assert.deepEqual(s.agent(A)!.conversations, []);
    }
  });

  test('events delivered out of order never move a conversation back', () => {
    const s = new LiveState();
    s.apply(routingEvent('connected', 13, { agent: A }));
    s.apply(routingEvent('alerting', 10, { agent: A }));
    s.apply(routingEvent('queued', 0));
    assert.deepEqual(figures(s), { waiting: 0, alerting: 0, interacting: 1 });
    assert.equal(s.toasts().length, 0);
    s.apply(routingEvent('disconnected', 100, { agent: A }));
    s.apply(routingEvent('connected', 50, { agent: A }));
    assert.deepEqual(figures(s), { waiting: 0, alerting: 0, interacting: 0 });
  });

  test('an outbound conversation is no queue work', () => {
    const s = new LiveState();
    s.apply(routingEvent('connected', 0, { agent: A, direction: 'OUTBOUND' }));
    assert.equal(s.queue(Q), undefined);
    assert.equal(s.agent(A)!.conversations.length, 1);
  });

  test("once a real topic body named the conversation, the guide's events no longer move it", () => {
    const s = new LiveState();
    // v2.routing.queues.{id}.conversations (ConversationEventTopicConversation), agent connected.
    const topicBody = {
      id: C,
      participants: [
        { purpose: 'customer', calls: [{ state: 'connected', direction: 'inbound' }] },
        {
          purpose: 'acd',
          queueId: Q,
          connectedTime: iso(0),
          endTime: iso(10),
          calls: [{ state: 'disconnected' }],
        },
        {
          purpose: 'agent',
          userId: A,
          queueId: Q,
          connectedTime: iso(12),
          calls: [{ state: 'connected' }],
        },
      ],
    };
    s.apply(
      storedEvent(++offset, 'queue.conversation', {
        source: 'stream',
        topic: `v2.routing.queues.${Q}.conversations`,
        subject: { queueId: Q, conversationId: C },
        occurredAt: iso(12),
        body: {
          topicName: `v2.routing.queues.${Q}.conversations`,
          version: '2',
          eventBody: topicBody,
        },
      }),
    );
    assert.deepEqual(figures(s), { waiting: 0, alerting: 0, interacting: 1 });
    s.apply(routingEvent('queued', 20, { agent: A }));
    assert.deepEqual(figures(s), { waiting: 0, alerting: 0, interacting: 1 });
  });
});

describe('guide agentStateChange events fold into presence, routing status and queue tallies', () => {
  test('on queue and idle, interacting, on break, logged out', () => {
    const s = new LiveState();
    s.apply(agentState(A, 0, { state: 'AVAIL', onQueue: true, routingStatus: 'IDLE' }));
    const pick = () => {
      const a = s.agent(A)!;
      return { presence: a.presence, routingStatus: a.routingStatus, label: a.label };
    };
    assert.deepEqual(pick(), { presence: 'ON_QUEUE', routingStatus: 'IDLE', label: 'Idle' });
    s.apply(agentState(A, 10, { onQueue: true, routingStatus: 'INTERACTING' }));
    assert.equal(pick().routingStatus, 'INTERACTING');
    s.apply(agentState(A, 20, { substate: 'BREAK', onQueue: false, routingStatus: 'OFF_QUEUE' }));
    assert.deepEqual(pick(), { presence: 'BREAK', routingStatus: 'OFF_QUEUE', label: 'Break' });
    s.apply(
      agentState(
        A,
        30,
        { state: 'OFFLINE', onQueue: false, routingStatus: 'OFF_QUEUE' },
        'LOGGED_OUT',
      ),
    );
    assert.deepEqual(pick(), { presence: 'OFFLINE', routingStatus: 'OFF_QUEUE', label: 'Offline' });
  });

  test('snapshots of one instant stored in any order end at the final one', () => {
    // Going on queue at one instant: presence first (routing still OFF_QUEUE), then IDLE, then
    // the first offer; and going on break right after a conversation ended: IDLE, then the
    // break's presence (routing still IDLE), then OFF_QUEUE. Every order ends at the last.
    const goOnQueue = [
      { onQueue: true, routingStatus: 'OFF_QUEUE' },
      { onQueue: true, routingStatus: 'IDLE' },
      { onQueue: true, routingStatus: 'INTERACTING' },
    ];
    const goOnBreak = [
      { onQueue: true, routingStatus: 'IDLE' },
      { substate: 'BREAK', onQueue: false, routingStatus: 'IDLE' },
      { substate: 'BREAK', onQueue: false, routingStatus: 'OFF_QUEUE' },
    ];
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    for (const [steps, want] of [
      [goOnQueue, { presence: 'ON_QUEUE', routingStatus: 'INTERACTING' }],
      [goOnBreak, { presence: 'BREAK', routingStatus: 'OFF_QUEUE' }],
    ] as const) {
      for (const order of orders) {
        const s = new LiveState();
        for (const i of order) s.apply(agentState(A, 50, steps[i]!));
        const a = s.agent(A)!;
        assert.deepEqual(
          { presence: a.presence, routingStatus: a.routingStatus },
          want,
          `order ${order.join('')}`,
        );
      }
    }
  });

  test('an older snapshot changes nothing, and a topic event wins over a snapshot of its instant', () => {
    const s = new LiveState();
    s.apply(agentState(A, 10, { onQueue: true, routingStatus: 'INTERACTING' }));
    s.apply(agentState(A, 5, { onQueue: true, routingStatus: 'IDLE' }));
    assert.equal(s.agent(A)!.routingStatus, 'INTERACTING');
    // v2.users.{id}.routingStatus at 20 s, then a guide snapshot of the same instant.
    s.apply(
      storedEvent(++offset, 'user.routing', {
        source: 'stream',
        topic: `v2.users.${A}.routingStatus`,
        subject: { userId: A },
        occurredAt: iso(20),
        body: {
          topicName: `v2.users.${A}.routingStatus`,
          version: '2',
          eventBody: { id: A, routingStatus: { status: 'NOT_RESPONDING', startTime: iso(20) } },
        },
      }),
    );
    s.apply(agentState(A, 20, { onQueue: true, routingStatus: 'INTERACTING' }));
    assert.equal(s.agent(A)!.routingStatus, 'NOT_RESPONDING');
  });

  test("a member's guide state counts in its queue's tally", () => {
    const s = new LiveState();
    // v2.routing.queues.{id}.users: A is a member of Q (guide events name no queues).
    s.apply(
      storedEvent(++offset, 'queue.member', {
        source: 'stream',
        topic: `v2.routing.queues.${Q}.users`,
        subject: { queueId: Q, userId: A },
        occurredAt: iso(0),
        body: {
          topicName: `v2.routing.queues.${Q}.users`,
          version: '2',
          eventBody: { id: A, joined: true },
        },
      }),
    );
    s.apply(agentState(A, 1, { onQueue: true, routingStatus: 'IDLE' }));
    assert.deepEqual((({ onQueue, idle }) => ({ onQueue, idle }))(s.queue(Q)!), {
      onQueue: 1,
      idle: 1,
    });
    s.apply(agentState(A, 2, { onQueue: true, routingStatus: 'INTERACTING' }));
    const q = s.queue(Q)!;
    assert.deepEqual(
      { onQueue: q.onQueue, idle: q.idle, interactingAgents: q.interactingAgents },
      { onQueue: 1, idle: 0, interactingAgents: 1 },
    );
  });
});
