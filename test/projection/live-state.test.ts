import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LiveState } from '../../src/projection/live-state.js';
import { agentLabel } from '../../src/projection/agent-label.js';
import type { EventKind } from '../../src/log/event-kinds.js';
import type { StoredEvent } from '../../src/log/event-log.js';
import { storedEvent } from '../support/events.js';

const U = 'e40f28ea-2d4c-4a7e-9a52-0b6a0b3f2f11';
let offset = 0;

function event(
  kind: EventKind,
  body: unknown,
  occurredAt: string,
  wrap: 'notification' | 'eventbridge' | 'none' = 'notification',
): StoredEvent {
  const topic = kind === 'user.presence' ? `v2.users.${U}.presence` : `v2.users.${U}.routingStatus`;
  const envelope = {
    topicName: topic,
    version: '2',
    eventBody: body,
    metadata: { CorrelationId: `c-${offset}` },
  };
  const raw =
    wrap === 'notification'
      ? envelope
      : wrap === 'eventbridge'
        ? { 'detail-type': 'x', detail: envelope }
        : body;
  return storedEvent(++offset, kind, {
    source: 'stream',
    topic,
    subject: { userId: U },
    occurredAt,
    body: raw,
  });
}
const presence = (sp: string, at: string, wrap?: 'eventbridge') =>
  event(
    'user.presence',
    { presenceDefinition: { id: `def-${sp}`, systemPresence: sp }, modifiedDate: at },
    at,
    wrap,
  );
const routing = (status: string, at: string) =>
  event('user.routing', { id: U, routingStatus: { status, startTime: at } }, at);

describe('live state: agents', () => {
  test('presence and routing fold into one label with the time the state began', () => {
    const s = new LiveState();
    s.apply(presence('ON_QUEUE', '2026-11-23T10:00:00.000Z'));
    s.apply(routing('IDLE', '2026-11-23T10:00:01.000Z'));
    assert.deepEqual(
      (({ presence: p, routingStatus, label, since, loggedIn }) => ({
        p,
        routingStatus,
        label,
        since,
        loggedIn,
      }))(s.agent(U)!),
      {
        p: 'ON_QUEUE',
        routingStatus: 'IDLE',
        label: 'Idle',
        since: '2026-11-23T10:00:01.000Z',
        loggedIn: true,
      },
    );
    s.apply(routing('INTERACTING', '2026-11-23T10:02:00.000Z'));
    assert.equal(s.agent(U)!.label, 'Interacting');
    s.apply(presence('BREAK', '2026-11-23T10:10:00.000Z', 'eventbridge'));
    assert.equal(s.agent(U)!.label, 'Break');
    assert.equal(s.agent(U)!.since, '2026-11-23T10:10:00.000Z');
    s.apply(presence('Offline', '2026-11-23T18:00:00.000Z'));
    assert.equal(s.agent(U)!.label, 'Offline');
    assert.equal(s.agent(U)!.loggedIn, false);
  });

  test('an event older than the state it would change is ignored (no regression on reordering)', () => {
    const s = new LiveState();
    s.apply(routing('INTERACTING', '2026-11-23T10:05:00.000Z'));
    s.apply(routing('IDLE', '2026-11-23T10:00:00.000Z'));
    assert.equal(s.agent(U)!.routingStatus, 'INTERACTING');
    s.apply(presence('ON_QUEUE', '2026-11-23T10:05:00.000Z'));
    s.apply(presence('OFFLINE', '2026-11-23T09:00:00.000Z'));
    assert.equal(s.agent(U)!.presence, 'ON_QUEUE');
  });

  test("the guides' agentStateChange: logged in + AVAIL + BREAK shows Break; a null substate shows the state", () => {
    const s = new LiveState();
    const guide = (user: Record<string, unknown>, at: string) =>
      event(
        'agent.state',
        {
          eventType: 'agentStateChange',
          timestamp: at,
          user: { id: U, name: 'Jane Doe', ...user },
        },
        at,
        'none',
      );
    s.apply(
      guide(
        { login: { status: 'LOGGED_IN' }, state: 'AVAIL', substate: 'BREAK' },
        '2026-11-23T10:00:00.000Z',
      ),
    );
    assert.equal(s.agent(U)!.label, 'Break');
    assert.equal(s.agent(U)!.name, 'Jane Doe');
    s.apply(
      guide(
        { login: { status: 'LOGGED_IN' }, state: 'AVAIL', substate: null },
        '2026-11-23T10:15:00.000Z',
      ),
    );
    assert.equal(s.agent(U)!.label, 'Available');
    s.apply(
      guide(
        { login: { status: 'LOGGED_OUT' }, state: 'AVAIL', substate: null },
        '2026-11-23T18:00:00.000Z',
      ),
    );
    assert.equal(s.agent(U)!.label, 'Offline');
  });

  test('labels: on queue by routing status, off queue by the secondary presence, logged out Offline', () => {
    assert.equal(
      agentLabel({
        loggedIn: true,
        presence: 'ON_QUEUE',
        presenceLabel: undefined,
        routingStatus: 'NOT_RESPONDING',
      }),
      'Not Responding',
    );
    assert.equal(
      agentLabel({
        loggedIn: true,
        presence: 'MEAL',
        presenceLabel: 'Lunch',
        routingStatus: 'OFF_QUEUE',
      }),
      'Lunch',
    );
    assert.equal(
      agentLabel({
        loggedIn: false,
        presence: 'AVAILABLE',
        presenceLabel: undefined,
        routingStatus: 'IDLE',
      }),
      'Offline',
    );
  });

  test('malformed bodies and events without a user change nothing and never throw', () => {
    const s = new LiveState();
    const bad = {
      ...routing('IDLE', '2026-11-23T10:00:00.000Z'),
      body: Buffer.from('{"eventBody": 5'),
    };
    const none = {
      agents: [],
      queues: [],
      toasts: [],
      removed: { agents: [], queues: [], toasts: [] },
    };
    s.apply(bad);
    s.apply({ ...routing('IDLE', '2026-11-23T10:00:00.000Z'), subject: {} });
    s.apply(event('user.routing', { routingStatus: {} }, '2026-11-23T10:00:00.000Z'));
    assert.deepEqual(s.drainChanges(), none);
    assert.equal(s.agents().length, 0);
  });
});
