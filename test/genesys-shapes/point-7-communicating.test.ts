/**
 * Issue 11 point 7: the COMMUNICATING routing status (an agent on a non-ACD interaction).
 *
 * Shapes, from MyPureCloud/platform-client-sdk-javascript build/index.d.ts:
 * `UserRoutingStatusUserRoutingStatus` `{id, routingStatus: {status, startTime}}` for
 * `v2.users.{id}.routingStatus` (notificationMappings.json); `status` is one of OFF_QUEUE, IDLE,
 * INTERACTING, NOT_RESPONDING, COMMUNICATING (platform-client-sdk-python
 * UserRoutingStatusRoutingStatus allowed_values; FACTS §2.2). `PresenceEventUserPresence` for
 * `v2.users.{id}.presence`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LiveState } from '../../src/projection/live-state.js';
import { storedEvent } from '../support/events.js';

const AGENT = 'a1b2c3d4-0000-4000-8000-0000000000a1';
const QUEUE = '7b0c4a1e-0000-4000-8000-000000000001';
const ON_QUEUE_ID = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';

function onQueueAgent(status: string) {
  const state = new LiveState();
  state.apply(
    storedEvent(1, 'reconcile.queue', {
      subject: { queueId: QUEUE },
      body: {
        queue: { id: QUEUE, name: 'Support' },
        members: [{ id: AGENT, joined: true, memberBy: 'user' }],
      },
    }),
  );
  state.apply(
    storedEvent(2, 'user.presence', {
      subject: { userId: AGENT },
      body: {
        source: 'PURECLOUD',
        presenceDefinition: { id: ON_QUEUE_ID, systemPresence: 'ON_QUEUE' },
        primary: true,
        modifiedDate: '2026-11-23T10:00:00.000Z',
      },
    }),
  );
  state.apply(
    storedEvent(3, 'user.routing', {
      subject: { userId: AGENT },
      body: { id: AGENT, routingStatus: { status, startTime: '2026-11-23T10:05:00.000Z' } },
    }),
  );
  return state;
}

describe('point 7: COMMUNICATING', () => {
  test('an agent COMMUNICATING is on queue, neither idle nor interacting, and says so', () => {
    const state = onQueueAgent('COMMUNICATING');
    const agent = state.agent(AGENT)!;
    assert.equal(agent.routingStatus, 'COMMUNICATING');
    assert.equal(agent.label, 'Communicating');
    assert.equal(agent.since, '2026-11-23T10:05:00.000Z');
    const queue = state.queue(QUEUE)!;
    assert.equal(queue.onQueue, 1);
    assert.equal(queue.idle, 0);
    assert.equal(queue.interactingAgents, 0);
  });

  test('an IDLE agent (the control) is counted idle', () => {
    const queue = onQueueAgent('IDLE').queue(QUEUE)!;
    assert.equal(queue.idle, 1);
  });
});
