/**
 * Issue 11 point 7: users who are not agents (admins, supervisors in no queue).
 *
 * Shapes, from MyPureCloud/platform-client-sdk-javascript build/index.d.ts: `User` (`id, name,
 * division: Division, state, version, presence: UserPresence {presenceDefinition {id,
 * systemPresence}, modifiedDate}, routingStatus: RoutingStatus {status, startTime}, team}`) from
 * `GET /api/v2/users?expand=presence,routingStatus,team`; `QueueMember` (`id, name, user,
 * joined, memberBy, routingStatus`) from `GET /api/v2/routing/queues/{id}/members`;
 * `QueueUserEventTopicQueueMember` (`id, user {id}, queueId, joined`) for
 * `v2.routing.queues.{id}.users`; `PresenceEventUserPresence` for `v2.users.{id}.presence`.
 * `User` has no field that says "agent".
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LiveState, type LiveStateOptions } from '../../src/projection/live-state.js';
import { storedEvent } from '../support/events.js';

const AGENT = 'a1b2c3d4-0000-4000-8000-0000000000a1';
const ADMIN = 'a1b2c3d4-0000-4000-8000-0000000000ad';
const QUEUE = '7b0c4a1e-0000-4000-8000-000000000001';
const AVAILABLE_ID = '6a3af858-942f-489d-9700-5f9bcdcdae9b';
const T0 = '2026-11-23T09:00:00.000Z';

const user = (id: string, name: string) => ({
  id,
  name,
  division: { id: 'd0000000-0000-4000-8000-000000000001', name: 'Home', selfUri: '/x' },
  state: 'active',
  version: 3,
  presence: {
    source: 'PURECLOUD',
    presenceDefinition: { id: AVAILABLE_ID, systemPresence: 'Available' },
    modifiedDate: T0,
  },
  routingStatus: { userId: id, status: 'OFF_QUEUE', startTime: T0 },
});

function seeded(options: LiveStateOptions = { showNonAgents: false }) {
  const state = new LiveState(options);
  let offset = 0;
  const apply = (
    ...args: Parameters<typeof storedEvent> extends [number, ...infer R] ? R : never
  ) => state.apply(storedEvent(++offset, ...args));
  apply('reconcile.queue', {
    subject: { queueId: QUEUE },
    occurredAt: T0,
    body: {
      queue: { id: QUEUE, name: 'Support' },
      members: [{ id: AGENT, name: 'Ana', joined: true, memberBy: 'user' }],
    },
  });
  apply('reconcile.user', { subject: { userId: AGENT }, occurredAt: T0, body: user(AGENT, 'Ana') });
  apply('reconcile.user', {
    subject: { userId: ADMIN },
    occurredAt: T0,
    body: user(ADMIN, 'Root'),
  });
  apply('reconcile.complete', {
    occurredAt: T0,
    body: {
      runId: 'r1',
      startedAt: T0,
      finishedAt: T0,
      userIds: [AGENT, ADMIN],
      queueIds: [QUEUE],
    },
  });
  apply('user.presence', {
    subject: { userId: ADMIN },
    body: {
      source: 'PURECLOUD',
      presenceDefinition: { id: '31fe3bac-dea6-44b7-bed7-47f91660a1a0', systemPresence: 'BUSY' },
      primary: true,
      modifiedDate: '2026-11-23T10:00:00.000Z',
    },
  });
  return { state, apply };
}

describe('point 7: non-agent users', () => {
  test('a user in no queue is not shown as an agent (the gateway default)', () => {
    const { state } = seeded();
    assert.deepEqual(
      state.agents().map((a) => a.id),
      [AGENT],
    );
    assert.equal(state.agent(ADMIN), undefined);
    const changes = state.drainChanges();
    assert.deepEqual(
      changes.agents.map((a) => a.id),
      [AGENT],
    );
    assert.deepEqual(changes.removed.agents, []);
  });

  test('live.showNonAgents shows them', () => {
    const { state } = seeded({ showNonAgents: true });
    assert.deepEqual(
      state
        .agents()
        .map((a) => a.id)
        .sort(),
      [AGENT, ADMIN].sort(),
    );
    assert.equal(state.agent(ADMIN)?.label, 'Busy');
  });

  test('a user who joins a queue is shown with the state it already had', () => {
    const { state, apply } = seeded();
    state.drainChanges();
    apply('queue.member', {
      subject: { queueId: QUEUE },
      body: { id: ADMIN, user: { id: ADMIN }, queueId: QUEUE, joined: true },
    });
    const changes = state.drainChanges();
    const admin = changes.agents.find((a) => a.id === ADMIN);
    assert.equal(admin?.presence, 'BUSY');
    assert.equal(state.agent(ADMIN)?.label, 'Busy');
  });

  test('an agent that leaves every queue stays an agent; a user never in one is never shown', () => {
    const { state, apply } = seeded();
    state.drainChanges();
    apply('reconcile.queue', {
      subject: { queueId: QUEUE },
      body: { queue: { id: QUEUE, name: 'Support' }, members: [] },
    });
    apply('user.presence', {
      subject: { userId: ADMIN },
      body: {
        presenceDefinition: { id: AVAILABLE_ID, systemPresence: 'AVAILABLE' },
        modifiedDate: '2026-11-23T10:10:00.000Z',
      },
    });
    const changes = state.drainChanges();
    assert.deepEqual(
      changes.agents.map((a) => a.id),
      [AGENT],
    );
    assert.deepEqual(changes.removed.agents, []);
    assert.deepEqual(state.agent(AGENT)?.queueIds, []);
  });
});
