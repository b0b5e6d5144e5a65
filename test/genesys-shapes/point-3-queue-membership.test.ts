/**
 * Issue 11, point 3: queue membership is not the same as being joined. The payloads are typed by
 * the official SDK (a field outside the model fails the typecheck) and checked against it at run
 * time: `MyPureCloud/platform-client-sdk-javascript` `build/index.d.ts` (installed here as
 * `purecloud-platform-client-v2`), models `QueueUserEventTopicQueueMember` (topic
 * `v2.routing.queues.{id}.users`, per that repo's `notificationMappings.json`), `QueueMember`
 * (`GET /api/v2/routing/queues/{queueId}/members`, `memberBy` values `user`, `group` per
 * `build/docs/RoutingApi.md`), `AgentActivityChangedTopicAgentActivity` (topic
 * `v2.users.{id}.activity`), `Queue`, `User`.
 *
 * The REST API keeps joining apart from membership (`PATCH …/members/{memberId}` "Update the
 * ring number OR joined status", `DELETE …/members/{memberId}` deletes), so `joined:false` keeps
 * the member; Genesys's tutorial `MyPureCloud/developercenter-tutorials`
 * `routing-queue-membership-notification` drops it from its cache instead, which we do not follow.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type platformClient from 'purecloud-platform-client-v2';
import { LiveState } from '../../src/projection/live-state.js';
import { storedEvent } from '../support/events.js';
import { nextOffset, notificationEvent } from '../support/notifications.js';
import { assertSdkShape } from '../support/sdk-models.js';

type QueueMember = platformClient.Models.QueueMember;
type QueueUser = platformClient.Models.QueueUserEventTopicQueueMember;
type Activity = platformClient.Models.AgentActivityChangedTopicAgentActivity;
type User = platformClient.Models.User;

const Q = '3f1e0c2a-0000-4000-8000-0000000000q1';
const Q2 = '3f1e0c2a-0000-4000-8000-0000000000q2';
const U1 = 'b7a1d2c3-0000-4000-8000-0000000000u1';
const U2 = 'b7a1d2c3-0000-4000-8000-0000000000u2';
const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

const notification = (topicName: string, eventBody: object, when: number) =>
  notificationEvent(topicName, eventBody, at(when));

function member(id: string, joined: boolean, memberBy: 'user' | 'group'): QueueMember {
  const m: QueueMember = {
    id,
    name: `Agent ${id.slice(-2)}`,
    ringNumber: 1,
    joined,
    memberBy,
    selfUri: `/api/v2/routing/queues/${Q}/members/${id}`,
  };
  assertSdkShape('QueueMember', m);
  return m;
}

function reconcileQueue(queueId: string, members: QueueMember[]) {
  const queue = { id: queueId, name: `Queue ${queueId.slice(-2)}`, memberCount: members.length };
  assertSdkShape('Queue', queue);
  return storedEvent(nextOffset(), 'reconcile.queue', {
    subject: { queueId },
    occurredAt: at(0),
    body: { queue, members },
  });
}

/** A user on queue and idle, as `GET /api/v2/users?expand=presence,routingStatus` lists it. */
function reconcileUser(id: string) {
  const user = {
    id,
    name: `Agent ${id.slice(-2)}`,
    presence: {
      presenceDefinition: { id: ON_QUEUE, systemPresence: 'ON_QUEUE' },
      modifiedDate: at(-60),
    },
    routingStatus: { status: 'IDLE' as const, startTime: at(-60) },
    version: 1,
  } satisfies User;
  assertSdkShape('User', user);
  return storedEvent(nextOffset(), 'reconcile.user', {
    subject: { userId: id },
    occurredAt: at(0),
    body: user,
  });
}

function usersTopic(queueId: string, userId: string, joined: boolean, when: number) {
  const body: QueueUser = { id: userId, user: { id: userId }, queueId, joined };
  assertSdkShape('QueueUserEventTopicQueueMember', body);
  return notification(`v2.routing.queues.${queueId}.users`, body, when);
}

function activity(userId: string, activeQueueIds: string[], changed: number, when: number) {
  const body: Activity = {
    id: userId,
    routingStatus: { status: 'IDLE', startTime: at(-60) },
    presence: {
      presenceDefinition: { id: ON_QUEUE, systemPresence: 'ON_QUEUE' },
      presenceMessage: '',
      modifiedDate: at(-60),
    },
    outOfOffice: { active: false, modifiedDate: at(-3600) },
    activeQueueIds,
    dateActiveQueuesChanged: at(changed),
  };
  assertSdkShape('AgentActivityChangedTopicAgentActivity', body);
  return notification(`v2.users.${userId}.activity`, body, when);
}

const figures = (state: LiveState, id: string) => {
  const q = state.queue(id)!;
  return { members: q.members, joined: q.joined, onQueue: q.onQueue, idle: q.idle };
};

describe('issue 11 point 3: queue membership vs joined, in the shapes Genesys sends', () => {
  test('REST members with joined:false (one via a group) stay members but count as nothing', () => {
    const state = new LiveState();
    state.apply(reconcileQueue(Q, [member(U1, true, 'user'), member(U2, false, 'group')]));
    state.apply(reconcileUser(U1));
    state.apply(reconcileUser(U2));
    assert.deepEqual(figures(state, Q), { members: 2, joined: 1, onQueue: 1, idle: 1 });
    assert.deepEqual(state.agent(U2)?.queueIds, [Q], 'the unjoined group member is a member');
  });

  test('v2.routing.queues.{id}.users joined:false unjoins without removing; joined:true rejoins', () => {
    const state = new LiveState();
    state.apply(reconcileQueue(Q, [member(U1, true, 'user'), member(U2, true, 'user')]));
    state.apply(reconcileUser(U1));
    state.apply(reconcileUser(U2));
    assert.deepEqual(figures(state, Q), { members: 2, joined: 2, onQueue: 2, idle: 2 });

    state.apply(usersTopic(Q, U1, false, 10));
    assert.deepEqual(figures(state, Q), { members: 2, joined: 1, onQueue: 1, idle: 1 });
    assert.deepEqual(state.agent(U1)?.queueIds, [Q]);

    // Going interacting while unjoined changes nothing in that queue.
    state.apply(
      notification(
        `v2.users.${U1}.routingStatus`,
        { id: U1, routingStatus: { status: 'INTERACTING', startTime: at(20) } },
        20,
      ),
    );
    assert.equal(state.queue(Q)!.interactingAgents, 0);

    state.apply(usersTopic(Q, U1, true, 30));
    assert.deepEqual(
      { ...figures(state, Q), interacting: state.queue(Q)!.interactingAgents },
      { members: 2, joined: 2, onQueue: 2, idle: 1, interacting: 1 },
    );
  });

  test('activity activeQueueIds are the joined queues, newer-wins by dateActiveQueuesChanged', () => {
    const state = new LiveState();
    state.apply(reconcileQueue(Q, [member(U1, true, 'user')]));
    state.apply(reconcileQueue(Q2, [member(U1, false, 'user')]));
    state.apply(reconcileUser(U1));
    assert.deepEqual([figures(state, Q).onQueue, figures(state, Q2).onQueue], [1, 0]);

    state.apply(activity(U1, [Q2], 40, 40));
    assert.deepEqual([figures(state, Q).onQueue, figures(state, Q2).onQueue], [0, 1]);
    assert.deepEqual(figures(state, Q), { members: 1, joined: 0, onQueue: 0, idle: 0 });

    // An activity event delivered late, whose active queues changed before the last one: ignored.
    state.apply(activity(U1, [Q], 30, 50));
    assert.deepEqual([figures(state, Q).onQueue, figures(state, Q2).onQueue], [0, 1]);
    // A users event older than the active-queues change is ignored too.
    state.apply(usersTopic(Q, U1, true, 35));
    assert.equal(figures(state, Q).joined, 0);
  });

  test('a REST snapshot older than a join event does not undo it', () => {
    const state = new LiveState();
    state.apply(usersTopic(Q, U1, false, 10));
    state.apply(reconcileQueue(Q, [member(U1, true, 'user')]));
    state.apply(reconcileUser(U1));
    assert.equal(
      figures(state, Q).joined,
      0,
      'the snapshot (at 0) is older than the unjoin (at 10)',
    );
  });
});
