/**
 * The stream's topic plan from the config's selection and the org's directory. Directory
 * entities in the SDK's shapes (`MyPureCloud/platform-client-sdk-javascript` `build/index.d.ts`:
 * `Queue`, `QueueMember {id, name, user, joined, memberBy}`, `User {id, name, state, team,
 * division}`), as `GET /api/v2/routing/queues`, `/members` and `/api/v2/users` answer them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planTopics, type StreamSelection } from '../../src/sources/stream/stream-topics.js';
import { assertSdkShape } from '../support/sdk-models.js';

const Q1 = '8f1e2d3c-0000-4000-8000-0000000000a1';
const Q2 = '8f1e2d3c-0000-4000-8000-0000000000a2';
const U1 = '2b6d8f0a-0000-4000-8000-0000000000b1';
const U2 = '2b6d8f0a-0000-4000-8000-0000000000b2';
const U3 = '2b6d8f0a-0000-4000-8000-0000000000b3';
const GONE = '2b6d8f0a-0000-4000-8000-0000000000ff';
const TEAM = '7a7a7a7a-0000-4000-8000-0000000000c1';

function queue(id: string, members: string[]) {
  const entity = { id, name: id, memberCount: members.length };
  assertSdkShape('Queue', entity);
  return {
    id,
    entity,
    members: members.map((u) => {
      const m = { id: u, name: u, user: { id: u }, joined: true, memberBy: 'user' };
      assertSdkShape('QueueMember', m);
      return m;
    }),
  };
}

function user(id: string, extra: Record<string, unknown> = {}) {
  const entity = { id, name: id, state: 'active', ...extra };
  assertSdkShape('User', entity);
  return { id, entity };
}

const snapshot = {
  queues: [queue(Q1, [U1, GONE]), queue(Q2, [U2])],
  users: [
    user(U1),
    user(U2),
    user(U3, { team: { id: TEAM, name: 'Night shift' } }),
    user('2b6d8f0a-0000-4000-8000-0000000000d0', { state: 'deleted' }),
  ],
};

const defaults: StreamSelection = {
  queueMembers: true,
  teams: [],
  divisions: [],
  users: [],
  userTopics: ['activity', 'conversations'],
  queueTopics: ['conversations', 'users', 'observations'],
};

describe('stream topic plan', () => {
  test('every queue and its members by default; a member the directory lacks is not followed', () => {
    const plan = planTopics(snapshot, defaults);
    assert.deepEqual(plan.queueIds, [Q1, Q2]);
    assert.deepEqual(plan.userIds, [U1, U2]);
    assert.deepEqual(plan.topics, [
      `v2.routing.queues.${Q1}.conversations`,
      `v2.routing.queues.${Q1}.users`,
      `v2.analytics.queues.${Q1}.observations`,
      `v2.routing.queues.${Q2}.conversations`,
      `v2.routing.queues.${Q2}.users`,
      `v2.analytics.queues.${Q2}.observations`,
      `v2.users.${U1}.activity`,
      `v2.users.${U1}.conversations`,
      `v2.users.${U2}.activity`,
      `v2.users.${U2}.conversations`,
    ]);
    assert.deepEqual(plan.pruned, []);
  });

  test('named queues, teams and users: what the org lacks is pruned with a reason', () => {
    const plan = planTopics(snapshot, {
      ...defaults,
      queues: [Q2, 'no-such-queue'],
      teams: [TEAM, 'empty-team'],
      users: [U1, GONE, '2b6d8f0a-0000-4000-8000-0000000000d0'],
      userTopics: ['presence', 'routingStatus'],
      queueTopics: ['conversations'],
    });
    assert.deepEqual(plan.queueIds, [Q2]);
    assert.deepEqual(plan.userIds.sort(), [U1, U2, U3].sort());
    assert.ok(plan.topics.includes(`v2.users.${U3}.routingStatus`));
    assert.ok(!plan.topics.some((t) => t.includes(Q1)), 'a queue not named is not followed');
    assert.deepEqual(plan.pruned, [
      { kind: 'queue', id: 'no-such-queue', reason: 'no such queue in the org' },
      { kind: 'team', id: 'empty-team', reason: 'no active user in this team' },
      { kind: 'user', id: GONE, reason: 'no such user in the org' },
      {
        kind: 'user',
        id: '2b6d8f0a-0000-4000-8000-0000000000d0',
        reason: 'the user is not active',
      },
    ]);
  });

  test('a hostile directory id cannot become a wildcard or another topic', () => {
    const plan = planTopics(
      {
        queues: [queue('x.*', []), queue(Q1, ['u.conversations'])],
        users: [user('u.conversations')],
      },
      defaults,
    );
    assert.deepEqual(plan.queueIds, [Q1]);
    assert.deepEqual(plan.userIds, []);
    assert.ok(plan.topics.every((t) => !t.includes('*') && !t.includes('u.conversations')));
    assert.deepEqual(
      plan.pruned.map((p) => [p.kind, p.id]),
      [
        ['queue', 'x.*'],
        ['user', 'u.conversations'],
      ],
    );
  });
});
