import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LiveState } from '../../src/projection/live-state.js';
import type { EventKind } from '../../src/log/event-kinds.js';
import type { StoredEvent } from '../../src/log/event-log.js';
import { storedEvent } from '../support/events.js';

const Q = 'a4c69f2d-e286-4458-9c03-d0098f510013';
const Q2 = 'cc6b64be-9ff3-4e15-acfe-d1a3f7e7c243';
const U1 = 'e40f28ea-2d4c-4a7e-9a52-0b6a0b3f2f11';
const U2 = '5b1f0c8e-7e0c-4f7b-9d7a-1f2e3d4c5b6a';
const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

let offset = 0;
const stored = (kind: EventKind, subject: StoredEvent['subject'], body: unknown, when: string) =>
  storedEvent(++offset, kind, { subject, body, occurredAt: when });

/** An EventBridge envelope around a queue conversation body (FACTS §2.4 shapes). */
function conversation(
  id: string,
  s: {
    queueId?: string;
    queuedAt: number;
    state: 'waiting' | 'alerting' | 'connected' | 'held' | 'acw' | 'ended' | 'abandoned';
    agent?: string;
    answeredAt?: number;
    media?: 'calls' | 'emails';
  },
  when: number,
) {
  const media = s.media ?? 'calls';
  const ended = s.state === 'ended' || s.state === 'abandoned';
  const participants: Record<string, unknown>[] = [
    {
      purpose: 'customer',
      name: 'Ada Lovelace',
      address: 'tel:+15551230000',
      ...(ended ? { endTime: at(when) } : {}),
      [media]: [{ state: ended ? 'disconnected' : 'connected' }],
    },
    {
      purpose: 'acd',
      name: 'Sales',
      queueId: s.queueId ?? Q,
      connectedTime: at(s.queuedAt),
      ...(s.state !== 'waiting' ? { endTime: at(when) } : {}),
      [media]: [{ state: s.state === 'waiting' ? 'connected' : 'disconnected' }],
    },
  ];
  if (s.agent) {
    const leg =
      s.state === 'alerting'
        ? 'alerting'
        : s.state === 'connected' || s.state === 'held'
          ? 'connected'
          : 'disconnected';
    participants.push({
      purpose: 'agent',
      userId: s.agent,
      queueId: s.queueId ?? Q,
      ...(s.answeredAt !== undefined ? { connectedTime: at(s.answeredAt) } : {}),
      ...(s.state === 'acw' ? { startAcwTime: at(when) } : {}),
      ...(s.state === 'ended' ? { startAcwTime: at(when - 5), endAcwTime: at(when) } : {}),
      [media]: [{ state: leg, held: s.state === 'held' }],
    });
  }
  const body = { detail: { eventBody: { id, participants } } };
  return stored('queue.conversation', { queueId: s.queueId ?? Q }, body, at(when));
}

const presence = (user: string, sp: string, when: number) =>
  stored(
    'user.presence',
    { userId: user },
    {
      detail: {
        eventBody: {
          presenceDefinition: { id: `def-${sp}`, systemPresence: sp },
          modifiedDate: at(when),
        },
      },
    },
    at(when),
  );
const routing = (user: string, status: string, when: number) =>
  stored(
    'user.routing',
    { userId: user },
    { detail: { eventBody: { routingStatus: { status, startTime: at(when) } } } },
    at(when),
  );

function reconcileQueue(id: string, name: string, members: string[], slMs = 20_000) {
  return stored(
    'reconcile.queue',
    { queueId: id },
    {
      queue: {
        id,
        name,
        mediaSettings: { call: { serviceLevel: { percentage: 0.8, durationMs: slMs } } },
      },
      members: members.map((m) => ({ id: m, name: m, joined: true })),
    },
    at(0),
  );
}

describe('live state: queues, conversations and toasts', () => {
  test('a conversation moves through waiting, alerting and interacting; longest wait and toasts follow', () => {
    const s = new LiveState();
    s.apply(reconcileQueue(Q, 'Sales', [U1]));
    s.apply(conversation('c1', { queuedAt: 10, state: 'waiting' }, 10));
    s.apply(conversation('c2', { queuedAt: 14, state: 'waiting' }, 14));
    let q = s.queue(Q, T0 + 20_000)!;
    assert.equal(q.waiting, 2);
    assert.equal(q.oldestWaitingSince, at(10));
    assert.equal(q.longestWaitMs, 10_000);
    assert.equal(q.name, 'Sales');

    s.apply(conversation('c1', { queuedAt: 10, state: 'alerting', agent: U1 }, 21));
    q = s.queue(Q, T0 + 22_000)!;
    assert.deepEqual([q.waiting, q.alerting, q.oldestWaitingSince], [1, 1, at(14)]);
    const toast = s.toasts()[0]!;
    assert.deepEqual(
      {
        id: toast.id,
        userId: toast.userId,
        media: toast.media,
        queueName: toast.queueName,
        caller: toast.caller,
        address: toast.address,
      },
      {
        id: `c1:${U1}`,
        userId: U1,
        media: 'voice',
        queueName: 'Sales',
        caller: 'Ada Lovelace',
        address: 'tel:+15551230000',
      },
    );
    const changes = s.drainChanges();
    assert.deepEqual(
      changes.toasts.map((t) => t.id),
      [`c1:${U1}`],
    );

    s.apply(
      conversation('c1', { queuedAt: 10, state: 'connected', agent: U1, answeredAt: 25 }, 25),
    );
    q = s.queue(Q)!;
    assert.deepEqual(
      [q.alerting, q.interacting, q.answered, q.answeredWithinThreshold],
      [0, 1, 1, 1],
    );
    assert.equal(s.toasts().length, 0);
    assert.deepEqual(s.drainChanges().removed.toasts, [`c1:${U1}`]);
    assert.deepEqual(s.agent(U1)!.conversations, [
      { id: 'c1', media: 'voice', state: 'connected', queueId: Q },
    ]);
  });

  test('service level counts answers within the queue threshold; abandons count against it', () => {
    const s = new LiveState({ serviceLevelThresholdSec: 20 });
    s.apply(reconcileQueue(Q, 'Sales', [U1, U2], 10_000)); // the queue's own SL: 10 s
    // Answered after 5 s: within. Answered after 30 s: late. One abandons while waiting.
    s.apply(conversation('a', { queuedAt: 0, state: 'waiting' }, 0));
    s.apply(conversation('a', { queuedAt: 0, state: 'connected', agent: U1, answeredAt: 5 }, 5));
    s.apply(conversation('b', { queuedAt: 0, state: 'waiting' }, 0));
    s.apply(conversation('b', { queuedAt: 0, state: 'connected', agent: U2, answeredAt: 30 }, 30));
    s.apply(conversation('c', { queuedAt: 1, state: 'waiting' }, 1));
    s.apply(conversation('c', { queuedAt: 1, state: 'abandoned' }, 40));
    const q = s.queue(Q)!;
    assert.deepEqual(
      [q.answered, q.answeredWithinThreshold, q.abandoned, q.serviceLevelThresholdSec],
      [2, 1, 1, 10],
    );
    assert.equal(q.serviceLevel, 1 / 3);
    assert.equal(q.waiting, 0);
    // Redelivering the answer does not count it twice.
    s.apply(conversation('a', { queuedAt: 0, state: 'connected', agent: U1, answeredAt: 5 }, 5));
    assert.equal(s.queue(Q)!.answered, 2);
  });

  test('the rolling window drops outcomes older than the window, on event time', () => {
    const s = new LiveState({ windowMinutes: 1 });
    s.apply(conversation('a', { queuedAt: 0, state: 'waiting' }, 0));
    s.apply(conversation('a', { queuedAt: 0, state: 'abandoned' }, 2));
    assert.equal(s.queue(Q)!.abandoned, 1);
    s.apply(conversation('b', { queuedAt: 100, state: 'waiting' }, 100)); // 98 s later
    const q = s.queue(Q)!;
    assert.equal(q.abandoned, 0);
    assert.equal(q.serviceLevel, null);
  });

  test('reordered conversation events never move a conversation back', () => {
    const s = new LiveState();
    // Queued and alerting at the same instant, delivered backwards; then an old waiting copy.
    s.apply(conversation('c', { queuedAt: 5, state: 'alerting', agent: U1 }, 5));
    s.apply(conversation('c', { queuedAt: 5, state: 'waiting' }, 5));
    assert.deepEqual([s.queue(Q)!.waiting, s.queue(Q)!.alerting], [0, 1]);
    s.apply(conversation('c', { queuedAt: 5, state: 'ended', agent: U1, answeredAt: 6 }, 60));
    s.apply(conversation('c', { queuedAt: 5, state: 'connected', agent: U1, answeredAt: 6 }, 6));
    const q = s.queue(Q)!;
    assert.deepEqual([q.waiting, q.alerting, q.interacting], [0, 0, 0]);
    assert.equal(s.toasts().length, 0);
    assert.deepEqual(s.agent(U1)!.conversations, []);
  });

  test('a missed alert clears the toast; the conversation waits again', () => {
    const s = new LiveState();
    s.apply(conversation('c', { queuedAt: 0, state: 'alerting', agent: U1 }, 1));
    assert.equal(s.toasts().length, 1);
    // Missed: the agent leg is gone from the body and the ACD leg is active again.
    s.apply(conversation('c', { queuedAt: 13, state: 'waiting' }, 13));
    assert.equal(s.toasts().length, 0);
    assert.equal(s.queue(Q)!.waiting, 1);
    assert.deepEqual(s.agent(U1)!.conversations, []);
  });

  test('labels: alerting, on hold and wrap-up refine Interacting; time in state from the leg', () => {
    const s = new LiveState();
    s.apply(presence(U1, 'ON_QUEUE', 0));
    s.apply(routing(U1, 'IDLE', 0));
    assert.equal(s.agent(U1)!.label, 'Idle');
    s.apply(routing(U1, 'INTERACTING', 10));
    s.apply(conversation('c', { queuedAt: 9, state: 'alerting', agent: U1 }, 10));
    assert.equal(s.agent(U1)!.label, 'Alerting');
    s.apply(conversation('c', { queuedAt: 9, state: 'connected', agent: U1, answeredAt: 14 }, 14));
    assert.deepEqual([s.agent(U1)!.label, s.agent(U1)!.since], ['Interacting', at(14)]);
    s.apply(conversation('c', { queuedAt: 9, state: 'held', agent: U1, answeredAt: 14 }, 30));
    assert.equal(s.agent(U1)!.label, 'On Hold');
    s.apply(conversation('c', { queuedAt: 9, state: 'acw', agent: U1, answeredAt: 14 }, 60));
    assert.deepEqual([s.agent(U1)!.label, s.agent(U1)!.since], ['Wrap-up', at(60)]);
    s.apply(conversation('c', { queuedAt: 9, state: 'ended', agent: U1, answeredAt: 14 }, 90));
    s.apply(routing(U1, 'IDLE', 90));
    assert.deepEqual([s.agent(U1)!.label, s.agent(U1)!.since], ['Idle', at(90)]);
  });

  test('queue agent counts come from members on queue by routing status', () => {
    const s = new LiveState();
    s.apply(reconcileQueue(Q, 'Sales', [U1, U2]));
    s.apply(reconcileQueue(Q2, 'Social', [U2]));
    s.apply(presence(U1, 'ON_QUEUE', 0));
    s.apply(routing(U1, 'NOT_RESPONDING', 1));
    s.apply(presence(U2, 'ON_QUEUE', 0));
    s.apply(routing(U2, 'IDLE', 1));
    const q = s.queue(Q)!;
    assert.deepEqual(
      [q.members, q.onQueue, q.idle, q.notResponding, q.interactingAgents],
      [2, 2, 1, 1, 0],
    );
    s.drainChanges();
    // U2 going on break changes both of U2's queues (and only those, plus U2).
    s.apply(presence(U2, 'BREAK', 5));
    const changes = s.drainChanges();
    assert.deepEqual(
      changes.agents.map((a) => a.id),
      [U2],
    );
    assert.deepEqual(changes.queues.map((x) => x.id).sort(), [Q, Q2].sort());
    assert.deepEqual([s.queue(Q)!.onQueue, s.queue(Q2)!.onQueue], [1, 0]);
    assert.deepEqual(s.agent(U2)!.queueIds.sort(), [Q, Q2].sort());
  });

  test('queue agent counts stay equal to a recount through 3,000 random changes', () => {
    // Counts are kept as agents change and join or leave queues; check them against counting
    // the members' views after every step: presence, routing, membership, agents dropped by
    // reconciliation, the guides' agent-state events.
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    const queues = [Q, Q2, 'queue-3'];
    const s = new LiveState();
    let t = 0;
    for (let step = 0; step < 3000; step++) {
      const u = users[rnd(users.length)]!;
      const op = rnd(6);
      t++;
      if (op === 0) s.apply(presence(u, ['ON_QUEUE', 'AVAILABLE', 'BREAK', 'OFFLINE'][rnd(4)]!, t));
      else if (op === 1) {
        s.apply(routing(u, ['IDLE', 'INTERACTING', 'NOT_RESPONDING', 'OFF_QUEUE'][rnd(4)]!, t));
      } else if (op === 2) {
        const q = queues[rnd(queues.length)]!;
        s.apply(
          reconcileQueue(
            q,
            q,
            users.filter(() => rnd(3) === 0),
          ),
        );
      } else if (op === 3 && rnd(10) === 0) {
        const kept = users.filter(() => rnd(4) !== 0);
        s.apply(
          stored(
            'reconcile.complete',
            {},
            { runId: `r${step}`, startedAt: at(t + 1), userIds: kept, queueIds: queues },
            at(t + 1),
          ),
        );
        t++;
      } else if (op === 4) {
        const state = ['AVAIL', 'BREAK', 'BUSY'][rnd(3)]!;
        const login = rnd(5) === 0 ? 'LOGGED_OUT' : 'LOGGED_IN';
        s.apply(
          stored(
            'agent.state',
            { userId: u },
            { user: { id: u, login: { status: login }, state, onQueue: rnd(2) === 0 } },
            at(t),
          ),
        );
      }
      if (step % 7 === 0) s.drainChanges();
      const agents = new Map(s.agents().map((a) => [a.id, a]));
      for (const q of s.queues()) {
        const members = [...agents.values()].filter((a) => a.queueIds.includes(q.id));
        const on = members.filter((a) => a.loggedIn && a.presence === 'ON_QUEUE');
        const status = (st: string) => on.filter((a) => a.routingStatus === st).length;
        assert.deepEqual(
          [q.members, q.onQueue, q.idle, q.interactingAgents, q.notResponding],
          [
            members.length,
            on.length,
            status('IDLE'),
            status('INTERACTING'),
            status('NOT_RESPONDING'),
          ],
          `step ${step}, queue ${q.id}`,
        );
      }
    }
  });

  test('reconcile: definitions give secondary labels, users seed offline agents, complete drops the departed', () => {
    const s = new LiveState();
    s.apply(
      stored(
        'reconcile.presence-definitions',
        {},
        {
          entities: [
            {
              id: 'def-lunch',
              name: 'Lunch',
              languageLabels: { en_US: 'Lunch' },
              systemPresence: 'Meal',
            },
          ],
        },
        at(0),
      ),
    );
    const user = (id: string, sp: string, def: string, status: string) =>
      stored(
        'reconcile.user',
        { userId: id },
        {
          id,
          name: `Agent ${id.slice(0, 4)}`,
          team: { id: 'team-1', name: 'Team One' },
          presence: {
            presenceDefinition: { id: def, systemPresence: sp },
            modifiedDate: at(-300),
          },
          routingStatus: { status, startTime: at(-600) },
        },
        at(0),
      );
    s.apply(user(U1, 'Meal', 'def-lunch', 'OFF_QUEUE'));
    s.apply(user(U2, 'Offline', 'def-offline', 'OFF_QUEUE'));
    const a1 = s.agent(U1)!;
    assert.deepEqual(
      [a1.label, a1.presence, a1.presenceLabel, a1.teamId, a1.teamName, a1.since],
      ['Lunch', 'MEAL', 'Lunch', 'team-1', 'Team One', at(-300)],
    );
    assert.deepEqual([s.agent(U2)!.label, s.agent(U2)!.loggedIn], ['Offline', false]);
    // A newer event wins over an older snapshot; an older snapshot does not undo it.
    s.apply(presence(U1, 'ON_QUEUE', 10));
    s.apply(user(U1, 'Meal', 'def-lunch', 'OFF_QUEUE'));
    assert.equal(s.agent(U1)!.presence, 'ON_QUEUE');
    // U2 is gone from the org; U1 is still there.
    s.drainChanges();
    s.apply(
      stored(
        'reconcile.complete',
        {},
        { runId: 'r', startedAt: at(5), userIds: [U1], queueIds: [] },
        at(5),
      ),
    );
    assert.equal(s.agent(U2), undefined);
    assert.ok(s.agent(U1));
    assert.deepEqual(s.drainChanges().removed.agents, [U2]);
  });

  test('activity, user conversations, queue users and observations fold into the same model', () => {
    const s = new LiveState();
    s.apply(
      stored(
        'user.activity',
        { userId: U1 },
        {
          topicName: `v2.users.${U1}.activity`,
          eventBody: {
            id: U1,
            routingStatus: { status: 'IDLE', startTime: at(3) },
            presence: {
              presenceDefinition: { id: 'def-oq', systemPresence: 'On Queue' },
              modifiedDate: at(2),
            },
          },
        },
        at(3),
      ),
    );
    assert.deepEqual(
      [s.agent(U1)!.presence, s.agent(U1)!.routingStatus, s.agent(U1)!.label],
      ['ON_QUEUE', 'IDLE', 'Idle'],
    );
    // The user's own conversation topic carries the same body as the queue's.
    const userConv = conversation('c9', { queuedAt: 4, state: 'alerting', agent: U1 }, 5);
    s.apply({ ...userConv, kind: 'user.conversation', subject: { userId: U1 } });
    assert.deepEqual(
      s.toasts().map((t) => t.id),
      [`c9:${U1}`],
    );
    // Queue users: a member joining makes the agent a member of that queue.
    s.apply(
      stored(
        'queue.member',
        { queueId: Q2 },
        { topicName: `v2.routing.queues.${Q2}.users`, eventBody: { id: U1, joined: true } },
        at(6),
      ),
    );
    assert.deepEqual(s.agent(U1)!.queueIds, [Q2]);
    assert.equal(s.queue(Q2)!.onQueue, 1);
    // Observations name the queue, never its media (issue 11 point 8: a group's media is one of
    // several; the queue's come from its mediaSettings).
    const Q3 = '0c0c0c0c-0000-4000-8000-000000000003';
    s.apply(
      stored(
        'queue.observation',
        { queueId: Q3 },
        { eventBody: { group: { queueId: Q3, mediaType: 'voice' }, data: [] } },
        at(7),
      ),
    );
    assert.ok(s.queue(Q3));
    assert.equal(s.queue(Q3)!.mediaType, undefined);
    // A conversation body without participants changes nothing.
    s.drainChanges();
    s.apply(stored('queue.conversation', { queueId: Q }, { eventBody: { id: 'x' } }, at(8)));
    const none = s.drainChanges();
    assert.equal(none.agents.length + none.queues.length + none.toasts.length, 0);
  });
});
