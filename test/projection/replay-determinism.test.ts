import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventKind } from '../../src/log/event-kinds.js';
import type { EventSubject, StoredEvent } from '../../src/log/event-log.js';
import { LiveState, type LiveStateOptions } from '../../src/projection/live-state.js';
import { storedEvent } from '../support/events.js';

const T0 = Date.parse('2026-11-23T08:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
/** The time views are asked for in both replays (view time is the caller's, not the fold's). */
const VIEW_AT = T0 + 6 * 3600_000;

type ConvState = 'waiting' | 'alerting' | 'connected' | 'held' | 'acw' | 'ended' | 'abandoned';
interface Conv {
  id: string;
  queue: string;
  queuedAt: number;
  state: ConvState;
  agent: string | undefined;
  answeredAt: number | undefined;
}

/** A queue conversation body (FACTS §2.4 shapes) in a Notification envelope. */
function conversationBody(c: Conv, when: number): unknown {
  const ended = c.state === 'ended' || c.state === 'abandoned';
  const participants: Record<string, unknown>[] = [
    {
      purpose: 'customer',
      name: `Caller ${c.id}`,
      address: 'tel:+15551230000',
      ...(ended ? { endTime: at(when) } : {}),
      calls: [{ state: ended ? 'disconnected' : 'connected' }],
    },
    {
      purpose: 'acd',
      name: c.queue,
      queueId: c.queue,
      connectedTime: at(c.queuedAt),
      ...(c.state !== 'waiting' ? { endTime: at(when) } : {}),
      calls: [{ state: c.state === 'waiting' ? 'connected' : 'disconnected' }],
    },
  ];
  if (c.agent !== undefined) {
    const leg =
      c.state === 'alerting'
        ? 'alerting'
        : c.state === 'connected' || c.state === 'held'
          ? 'connected'
          : 'disconnected';
    participants.push({
      purpose: 'agent',
      userId: c.agent,
      queueId: c.queue,
      ...(c.answeredAt !== undefined ? { connectedTime: at(c.answeredAt) } : {}),
      ...(c.state === 'acw' ? { startAcwTime: at(when) } : {}),
      ...(c.state === 'ended' ? { startAcwTime: at(when - 5), endAcwTime: at(when) } : {}),
      calls: [{ state: leg, held: c.state === 'held' }],
    });
  }
  return {
    topicName: `v2.routing.queues.${c.queue}.conversations`,
    eventBody: { id: c.id, participants },
  };
}

/**
 * A busy morning of every kind the projection folds, from a fixed seed: reconciliation, presence,
 * routing, activity, the guides' agent state, conversations through their whole lives (answered,
 * missed, abandoned), queue users and observations, with some events late or reordered. Long
 * enough to pass the fold's periodic sweep of finished conversations.
 */
function morningLog(): StoredEvent[] {
  let seed = 20261123;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const pick = <T>(xs: readonly T[]) => xs[rnd(xs.length)]!;
  const users = Array.from({ length: 16 }, (_, i) => `user-${i}`);
  const queues = ['queue-a', 'queue-b', 'queue-c'];
  const log: StoredEvent[] = [];
  let t = 0;
  const push = (kind: EventKind, subject: EventSubject, body: unknown, when = t) =>
    log.push(storedEvent(log.length + 1, kind, { subject, body, occurredAt: at(when) }));
  const topic = (body: unknown) => ({ eventBody: body });

  push(
    'reconcile.presence-definitions',
    {},
    {
      entities: [{ id: 'def-lunch', name: 'Lunch', languageLabels: { en_US: 'Lunch' } }],
    },
  );
  const reconcileQueue = (q: string) =>
    push(
      'reconcile.queue',
      { queueId: q },
      {
        queue: {
          id: q,
          name: q,
          mediaSettings: { call: { serviceLevel: { durationMs: 15_000 } } },
        },
        members: users.filter(() => rnd(2) === 0).map((id) => ({ id })),
      },
    );
  queues.forEach(reconcileQueue);
  for (const [i, id] of users.entries()) {
    push(
      'reconcile.user',
      { userId: id },
      {
        id,
        name: `Agent ${i}`,
        team: { id: `team-${i % 3}`, name: `Team ${i % 3}` },
        presence: { presenceDefinition: { id: 'def-lunch', systemPresence: 'Meal' } },
        routingStatus: { status: 'OFF_QUEUE' },
      },
    );
  }

  const live: Conv[] = [];
  let convs = 0;
  const say = (c: Conv, when = t) => {
    if (c.agent !== undefined && rnd(2) === 0) {
      push('user.conversation', { userId: c.agent }, conversationBody(c, when), when);
    } else push('queue.conversation', { queueId: c.queue }, conversationBody(c, when), when);
  };
  const newConversation = () => {
    const c: Conv = {
      id: `conv-${++convs}`,
      queue: pick(queues),
      queuedAt: t,
      state: 'waiting',
      agent: undefined,
      answeredAt: undefined,
    };
    live.push(c);
    say(c);
  };
  const advance = (c: Conv) => {
    const next: Record<ConvState, ConvState[]> = {
      waiting: ['alerting', 'alerting', 'abandoned'],
      alerting: ['connected', 'connected', 'waiting'],
      connected: ['held', 'acw', 'acw'],
      held: ['connected', 'acw'],
      acw: ['ended'],
      ended: [],
      abandoned: [],
    };
    const state = pick(next[c.state]);
    if (state === 'alerting') c.agent = pick(users);
    if (state === 'waiting') c.agent = undefined;
    if (state === 'connected') c.answeredAt ??= t;
    c.state = state;
    say(c);
    if (state === 'ended' || state === 'abandoned') {
      live.splice(live.indexOf(c), 1);
      // Redelivered late: must change nothing.
      if (rnd(4) === 0) say({ ...c, state: 'waiting', agent: undefined }, c.queuedAt);
    }
  };

  for (let step = 0; step < 6000; step++) {
    t += rnd(4);
    const u = pick(users);
    // Now and then an event arrives late, stamped before the state it would change.
    const when = rnd(12) === 0 ? t - 1 - rnd(60) : t;
    switch (rnd(10)) {
      case 0:
        push(
          'user.presence',
          { userId: u },
          topic({
            presenceDefinition: {
              id: 'def-x',
              systemPresence: pick(['On Queue', 'Available', 'Break', 'Meal', 'Offline']),
            },
            modifiedDate: at(when),
          }),
          when,
        );
        break;
      case 1:
        push(
          'user.routing',
          { userId: u },
          topic({
            routingStatus: {
              status: pick(['IDLE', 'INTERACTING', 'NOT_RESPONDING', 'OFF_QUEUE']),
              startTime: at(when),
            },
          }),
          when,
        );
        break;
      case 2:
        push(
          'user.activity',
          { userId: u },
          topic({
            routingStatus: { status: pick(['IDLE', 'INTERACTING']), startTime: at(when) },
            presence: {
              presenceDefinition: { id: 'def-oq', systemPresence: 'On Queue' },
              modifiedDate: at(when),
            },
          }),
          when,
        );
        break;
      case 3:
        push(
          'agent.state',
          { userId: u },
          {
            user: {
              id: u,
              login: { status: rnd(8) === 0 ? 'LOGGED_OUT' : 'LOGGED_IN' },
              state: pick(['AVAIL', 'BREAK', 'BUSY']),
              onQueue: rnd(2) === 0,
            },
          },
          when,
        );
        break;
      case 4:
      case 5:
      case 6:
        if (live.length < 4 || rnd(3) === 0) newConversation();
        else advance(pick(live));
        break;
      case 7: {
        const q = pick(queues);
        if (rnd(2) === 0) push('queue.member', { queueId: q }, topic({ id: u, joined: true }));
        else
          push(
            'queue.observation',
            { queueId: q },
            topic({ group: { queueId: q, mediaType: 'voice' } }),
          );
        break;
      }
      case 8:
        if (rnd(20) === 0) reconcileQueue(pick(queues));
        else if (rnd(40) === 0) {
          push(
            'reconcile.complete',
            {},
            {
              runId: `run-${step}`,
              startedAt: at(t + 1),
              userIds: users.filter(() => rnd(6) !== 0),
              queueIds: queues,
            },
          );
        }
        break;
      default:
        break;
    }
  }
  // Callers still waiting at the end, so longest waits are compared too.
  for (let i = 0; i < 3; i++) {
    t += 1;
    newConversation();
  }
  return log;
}

/**
 * Runs `fn` as if the wall clock read `wallMs` (`Date.now()`, `new Date()`, `performance.now()`),
 * or with every wall-clock read throwing when `wallMs` is 'throw'.
 */
function atWallClock<T>(wallMs: number | 'throw', fn: () => T): T {
  const RealDate = Date;
  const read = (what: string): number => {
    if (wallMs === 'throw') throw new Error(`the wall clock was read (${what})`);
    return wallMs;
  };
  class WallClock extends RealDate {
    constructor(...args: [] | [string | number | Date]) {
      if (args.length === 0) super(read('new Date()'));
      else super(args[0]);
    }
    static override now(): number {
      return read('Date.now()');
    }
  }
  const realPerformanceNow = performance.now.bind(performance);
  globalThis.Date = WallClock as DateConstructor;
  performance.now = () => read('performance.now()');
  try {
    return fn();
  } finally {
    globalThis.Date = RealDate;
    performance.now = realPerformanceNow;
  }
}

/** Folds the log in projector-sized batches; everything the state answers, at `VIEW_AT`. */
function replay(log: StoredEvent[], options: LiveStateOptions) {
  const s = new LiveState(options);
  const batches = [];
  for (let i = 0; i < log.length; i += 500) {
    for (const event of log.slice(i, i + 500)) s.apply(event);
    batches.push(s.drainChanges(VIEW_AT));
  }
  const agents = s.agents();
  return {
    clock: s.clock,
    batches,
    agents,
    memberships: agents.map((a) => s.membership(a.id)),
    queues: s.queues(VIEW_AT),
    queue: s.queue('queue-a', VIEW_AT),
    toasts: s.toasts(),
  };
}

describe('live state is a pure function of the log', () => {
  const log = morningLog();

  test('replaying the same log at wall clocks years apart gives deep-equal state and views', () => {
    const wallA = Date.parse('2027-01-04T09:00:00.000Z');
    const wallB = Date.parse('2039-07-19T23:30:00.000Z');
    const first = atWallClock(wallA, () => replay(log, { now: () => wallA }));
    const second = atWallClock(wallB, () => replay(log, { now: () => wallB }));
    assert.deepEqual(second, first);
    // The log exercised what it should: waiting callers, ringing agents, counted outcomes.
    assert.ok(first.queues.some((q) => q.waiting > 0 && q.longestWaitMs > 0));
    assert.ok(first.batches.some((b) => b.toasts.length > 0 && b.removed.toasts.length > 0));
    assert.ok(first.queues.some((q) => q.answered > 0 && q.abandoned > 0));
    assert.ok(first.batches.some((b) => b.removed.agents.length > 0));
  });

  test('view time comes from the caller, else the injected clock, else the latest event time', () => {
    const wall = Date.parse('2031-02-03T04:05:06.000Z');
    const s = new LiveState({ now: () => wall });
    const plain = new LiveState();
    for (const event of log) {
      s.apply(event);
      plain.apply(event);
    }
    const waiting = s.queues().filter((q) => q.oldestWaitingSince !== null);
    assert.ok(waiting.length > 0);
    for (const q of waiting) {
      const oldest = Date.parse(q.oldestWaitingSince!);
      assert.equal(q.longestWaitMs, wall - oldest);
      assert.equal(s.queue(q.id, oldest + 1234)!.longestWaitMs, 1234);
      assert.equal(plain.queue(q.id)!.longestWaitMs, plain.clock - oldest);
    }
    const drained = s.drainChanges().queues.filter((q) => q.oldestWaitingSince !== null);
    assert.deepEqual(
      drained.map((q) => q.longestWaitMs),
      drained.map((q) => wall - Date.parse(q.oldestWaitingSince!)),
    );
  });

  test('the fold reads no clock: with every wall-clock read throwing, the whole log folds', () => {
    // The guard itself must bite, or this test could never fail.
    assert.throws(() => atWallClock('throw', () => Date.now()), /wall clock was read/);
    assert.throws(() => atWallClock('throw', () => new Date()), /wall clock was read/);
    let injectedReads = 0;
    const expected = replay(log, { now: () => VIEW_AT });
    const folded = atWallClock('throw', () => {
      const s = new LiveState({ now: () => (injectedReads++, VIEW_AT) });
      for (const event of log) s.apply(event);
      // The injected clock is for views only: folding never asks it.
      assert.equal(injectedReads, 0);
      const queues = s.queues(VIEW_AT);
      const plain = new LiveState();
      for (const event of log) plain.apply(event);
      plain.drainChanges();
      plain.queues();
      return { agents: s.agents(), queues, toasts: s.toasts(), clock: s.clock };
    });
    assert.deepEqual(folded, {
      agents: expected.agents,
      queues: expected.queues,
      toasts: expected.toasts,
      clock: expected.clock,
    });
  });
});
