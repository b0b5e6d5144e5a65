/**
 * Issue 11 point 7: divisions carried on users and queues, and division-scoped tokens.
 *
 * Shapes (MyPureCloud/platform-client-sdk-javascript build/index.d.ts, checked against the npm
 * build with `assertSdkShape`): `User {id, name, division?: Division, team?, …}`,
 * `Queue {id, name, division?: Division, mediaSettings?, …}`, `Division {id, name, selfUri}`,
 * `QueueMember {id, name, user, joined, memberBy, …}`. The REST answers of
 * `GET /api/v2/users` and `GET /api/v2/routing/queues` carry them (UsersApi.md, RoutingApi.md).
 * Conversations carry `divisions[]` of `QueueConversationCallEventTopicConversationDivisionMembership
 * {division: …DomainEntityRef, entities: …DivisionEntityRef[]}` (same file; the generic family's is
 * `QueueConversationEventTopicConversationDivisionMembership`).
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import type { AgentView, QueueView } from '../../src/protocol/live-messages.js';
import { apiHeaders, startTestEmulator } from '../support/emulator.js';
import { startTestGateway, waitFor } from '../support/helpers.js';
import { LiveTestClient } from '../support/live-client.js';
import { LiveState } from '../../src/projection/live-state.js';
import { classifyTopic } from '../../src/sources/normalize/topics.js';
import { eventInput, storedEvent } from '../support/events.js';
import { buildOrg } from '../../src/emulator/model/org.js';
import { Simulation } from '../../src/emulator/model/simulation.js';
import { topicsFor } from '../../src/emulator/render/topics.js';
import { assertSdkShape, shapedConversation } from '../support/sdk-models.js';

const RETAIL = '5c2a0b7e-0000-4000-8000-0000000000d1';
const HOME = '5c2a0b7e-0000-4000-8000-0000000000d0';
const Q_RETAIL = '8f1e2d3c-0000-4000-8000-0000000000a1';
const Q_HOME = '8f1e2d3c-0000-4000-8000-0000000000a2';
const U_RETAIL = '2b6d8f0a-0000-4000-8000-0000000000b1';
const U_HOME = '2b6d8f0a-0000-4000-8000-0000000000b2';
/** In the retail division, but a member of the home division's queue only. */
const U_CROSS = '2b6d8f0a-0000-4000-8000-0000000000b3';

const division = (id: string, name: string) => {
  const d = { id, name, selfUri: `/api/v2/authorization/divisions/${id}` };
  assertSdkShape('Division', d);
  return d;
};

function queueEntity(id: string, name: string, div: ReturnType<typeof division>) {
  const q = {
    id,
    name,
    division: div,
    memberCount: 1,
    mediaSettings: {
      call: { alertingTimeoutSeconds: 8, serviceLevel: { percentage: 0.8, durationMs: 20000 } },
    },
    selfUri: `/api/v2/routing/queues/${id}`,
  };
  assertSdkShape('Queue', q);
  return q;
}

function member(userId: string) {
  const m = { id: userId, name: userId, user: { id: userId }, joined: true, memberBy: 'user' };
  assertSdkShape('QueueMember', m);
  return m;
}

function userEntity(id: string, name: string, div: ReturnType<typeof division>) {
  const u = {
    id,
    name,
    division: div,
    state: 'active',
    version: 1,
    selfUri: `/api/v2/users/${id}`,
  };
  assertSdkShape('User', u);
  return u;
}

async function seeded(t: TestContext): Promise<{ gw: Gateway; last: number }> {
  const gw = await startTestGateway(t, {
    server: { trustedProxies: ['127.0.0.1/32', '::1/128'] },
    api: {
      tokens: [
        { name: 'retail', secret: 'tok-retail-0123456789', scope: { divisions: [RETAIL] } },
        { name: 'q-home', secret: 'tok-qhome-0123456789', scope: { queues: [Q_HOME] } },
      ],
    },
  });
  const retail = division(RETAIL, 'Retail');
  const home = division(HOME, 'Home');
  const appended = await gw.log.append([
    eventInput('reconcile.queue', {
      id: 'seed-q-retail',
      subject: { queueId: Q_RETAIL },
      body: { queue: queueEntity(Q_RETAIL, 'Retail Sales', retail), members: [member(U_RETAIL)] },
    }),
    eventInput('reconcile.queue', {
      id: 'seed-q-home',
      subject: { queueId: Q_HOME },
      body: {
        queue: queueEntity(Q_HOME, 'Home Support', home),
        members: [member(U_HOME), member(U_CROSS)],
      },
    }),
    eventInput('reconcile.user', {
      id: 'seed-u-retail',
      subject: { userId: U_RETAIL },
      body: userEntity(U_RETAIL, 'Rita Retail', retail),
    }),
    eventInput('reconcile.user', {
      id: 'seed-u-home',
      subject: { userId: U_HOME },
      body: userEntity(U_HOME, 'Hank Home', home),
    }),
    eventInput('reconcile.user', {
      id: 'seed-u-cross',
      subject: { userId: U_CROSS },
      body: userEntity(U_CROSS, 'Cora Cross', retail),
    }),
    eventInput('queue.conversation', { id: 'conv-retail', subject: { queueId: Q_RETAIL } }),
    eventInput('queue.conversation', { id: 'conv-home', subject: { queueId: Q_HOME } }),
    eventInput('user.presence', { id: 'presence-retail', subject: { userId: U_RETAIL } }),
    eventInput('user.presence', { id: 'presence-home', subject: { userId: U_HOME } }),
    eventInput('user.presence', { id: 'presence-cross', subject: { userId: U_CROSS } }),
  ]);
  const last = appended.at(-1)!.offset;
  await waitFor(() => gw.projector.offset >= last && gw.hub.offset >= last, {
    what: 'the projector and hub',
    timeoutMs: 20_000,
  });
  return { gw, last };
}

/**
 * A call ringing `userId` from `queueId`, on the media-specific queue topic, in the divisions
 * named (MyPureCloud/platform-client-sdk-javascript build/index.d.ts
 * `QueueConversationCallEventTopicCallConversation`, `…CallMediaParticipant`,
 * `QueueConversationCallEventTopicConversationDivisionMembership`).
 */
function ringingCall(id: string, queueId: string, userId: string, divisionId: string) {
  const membership = {
    division: { id: divisionId, selfUri: `/api/v2/authorization/divisions/${divisionId}` },
    entities: [{ id }],
  };
  assertSdkShape('QueueConversationCallEventTopicConversationDivisionMembership', membership);
  assertSdkShape('QueueConversationCallEventTopicDomainEntityRef', membership.division);
  assertSdkShape('QueueConversationCallEventTopicDivisionEntityRef', membership.entities[0]!);
  return shapedConversation(
    'QueueConversationCallEventTopicCallConversation',
    'QueueConversationCallEventTopicCallMediaParticipant',
    {
      id,
      divisions: [membership],
      participants: [
        {
          id: `${id}-cust`,
          purpose: 'customer',
          state: 'connected',
          direction: 'inbound',
          ani: 'tel:+15551234567',
          startTime: '2026-11-23T10:00:00.000Z',
          connectedTime: '2026-11-23T10:00:00.500Z',
        },
        {
          id: `${id}-acd`,
          purpose: 'acd',
          state: 'disconnected',
          direction: 'inbound',
          queue: { id: queueId },
          startTime: '2026-11-23T10:00:05.000Z',
          connectedTime: '2026-11-23T10:00:05.000Z',
          endTime: '2026-11-23T10:00:20.000Z',
        },
        {
          id: `${id}-agent`,
          purpose: 'agent',
          state: 'alerting',
          direction: 'inbound',
          user: { id: userId },
          queue: { id: queueId },
          startTime: '2026-11-23T10:00:20.000Z',
        },
      ],
    },
  );
}

const remote = (token: string) => ({
  'x-forwarded-for': '203.0.113.9',
  authorization: `Bearer ${token}`,
});

async function getJson<T>(url: string, token: string): Promise<T> {
  const res = await fetch(url, { headers: remote(token) });
  assert.equal(res.status, 200, url);
  return (await res.json()) as T;
}

describe('point 7: divisions', () => {
  test('reconciliation keeps User.division and Queue.division; views carry divisionId', async (t) => {
    const { gw } = await seeded(t);
    const agents = new Map(gw.projector.state.agents().map((a) => [a.id, a]));
    assert.equal(agents.get(U_RETAIL)?.divisionId, RETAIL);
    assert.equal(agents.get(U_HOME)?.divisionId, HOME);
    assert.equal(agents.get(U_CROSS)?.divisionId, RETAIL);
    assert.equal(gw.projector.state.queue(Q_RETAIL)?.divisionId, RETAIL);
    assert.equal(gw.projector.state.queue(Q_HOME)?.divisionId, HOME);
  });

  test('a division-scoped token sees its divisions on /agents, /queues and /events', async (t) => {
    const { gw, last } = await seeded(t);
    const tok = 'tok-retail-0123456789';
    const { agents } = await getJson<{ agents: AgentView[] }>(`${gw.url}/api/v1/agents`, tok);
    assert.deepEqual(agents.map((a) => a.id).sort(), [U_RETAIL, U_CROSS].sort());
    const { queues } = await getJson<{ queues: QueueView[] }>(`${gw.url}/api/v1/queues`, tok);
    assert.deepEqual(
      queues.map((q) => q.id),
      [Q_RETAIL],
    );
    const page = await getJson<{ events: { id: string }[]; next: number }>(
      `${gw.url}/api/v1/events?after=0`,
      tok,
    );
    assert.deepEqual(page.events.map((e) => e.id).sort(), [
      'conv-retail',
      'presence-cross',
      'presence-retail',
      'seed-q-retail',
      'seed-u-cross',
      'seed-u-retail',
    ]);
    assert.equal(page.next, last);
    // Queue and team scopes are unchanged: the home queue's token sees its members, any division.
    const qHome = await getJson<{ agents: AgentView[] }>(
      `${gw.url}/api/v1/agents`,
      'tok-qhome-0123456789',
    );
    assert.deepEqual(qHome.agents.map((a) => a.id).sort(), [U_HOME, U_CROSS].sort());
  });

  test('a division-scoped token sees its divisions on the live WebSocket', async (t) => {
    const { gw } = await seeded(t);
    const c = LiveTestClient.open(gw.url, '', remote('tok-retail-0123456789'));
    t.after(() => c.close());
    await c.waitForOffset(gw.hub.offset);
    const snap = c.of('snapshot')[0]!;
    assert.deepEqual(snap.agents!.map((a) => a.id).sort(), [U_RETAIL, U_CROSS].sort());
    assert.deepEqual(
      snap.queues!.map((q) => q.id),
      [Q_RETAIL],
    );
    // Asking for the home queue's agents narrows to those in the token's divisions.
    const narrowed = LiveTestClient.open(
      gw.url,
      `?queues=${Q_HOME}&kinds=agents`,
      remote('tok-retail-0123456789'),
    );
    t.after(() => narrowed.close());
    await narrowed.waitForOffset(gw.hub.offset);
    assert.deepEqual(
      narrowed.of('snapshot')[0]!.agents!.map((a) => a.id),
      [U_CROSS],
    );
  });

  test("a division-scoped token gets the toasts of its divisions' conversations on the live WebSocket", async (t) => {
    const { gw } = await seeded(t);
    const c = LiveTestClient.open(gw.url, '?kinds=toasts', remote('tok-retail-0123456789'));
    t.after(() => c.close());
    await c.waitForOffset(gw.hub.offset);
    // U_HOME and Q_HOME are both in the home division: only the conversation's division can
    // make the retail token see its toast.
    const topic = `v2.routing.queues.${Q_HOME}.conversations.calls`;
    const appended = await gw.log.append([
      eventInput('queue.conversation', {
        id: 'ring-retail',
        topic,
        subject: { queueId: Q_HOME, conversationId: 'c-retail' },
        occurredAt: '2026-11-23T10:00:20.000Z',
        body: ringingCall('c-retail', Q_HOME, U_HOME, RETAIL),
      }),
      eventInput('queue.conversation', {
        id: 'ring-home',
        topic,
        subject: { queueId: Q_HOME, conversationId: 'c-home' },
        occurredAt: '2026-11-23T10:00:21.000Z',
        body: ringingCall('c-home', Q_HOME, U_HOME, HOME),
      }),
    ]);
    const last = appended.at(-1)!.offset;
    await waitFor(() => gw.hub.offset >= last, { what: 'the hub', timeoutMs: 20_000 });
    // Both rang (the state has both toasts); the retail token gets the retail one only.
    const all = gw.projector.state
      .toasts()
      .map((x) => x.conversationId)
      .sort();
    assert.deepEqual(all, ['c-home', 'c-retail']);
    await c.waitForOffset(last);
    const seen = [...c.state.toasts.values()];
    assert.deepEqual(
      seen.map((x) => x.conversationId),
      ['c-retail'],
    );
    assert.deepEqual(seen[0]!.divisionIds, [RETAIL]);
    // /api/v1/events: the retail conversation's event, though its queue and agent are home's.
    const page = await getJson<{ events: { id: string }[] }>(
      `${gw.url}/api/v1/events?after=0`,
      'tok-retail-0123456789',
    );
    const ids = page.events.map((e) => e.id);
    assert.ok(ids.includes('ring-retail'), 'the retail conversation is visible');
    assert.ok(!ids.includes('ring-home'), 'the home conversation is not');
  });

  test('detail events: the toast carries the divisionId of an org that sends only those', () => {
    // MyPureCloud/platform-client-sdk-javascript build/index.d.ts
    // `CustomerStartDetailEventTopicCustomerStartEvent`, `AcdStartDetailEventTopicAcdStartEvent`,
    // `UserStartDetailEventTopicUserStartEvent`: each has `divisionId`.
    const t0 = Date.parse('2026-11-23T10:00:00.000Z');
    let offset = 0;
    const detail = (milestone: string, model: string, s: number, fields: object) => {
      const eventBody = {
        eventTime: t0 + s * 1000,
        conversationId: 'c-detail',
        mediaType: 'VOICE',
        direction: 'INBOUND',
        ani: 'tel:+15551234567',
        divisionId: RETAIL,
        ...fields,
      };
      assertSdkShape(model, eventBody);
      const topicName = `v2.detail.events.conversation.c-detail.${milestone}`;
      const c = classifyTopic(topicName)!;
      return storedEvent(++offset, c.kind, {
        topic: topicName,
        subject: c.subject,
        occurredAt: new Date(t0 + s * 1000).toISOString(),
        body: { topicName, version: '2', eventBody },
      });
    };
    const s = new LiveState();
    s.apply(detail('customer.start', 'CustomerStartDetailEventTopicCustomerStartEvent', 0, {}));
    s.apply(detail('acd.start', 'AcdStartDetailEventTopicAcdStartEvent', 5, { queueId: Q_HOME }));
    s.apply(
      detail('user.start', 'UserStartDetailEventTopicUserStartEvent', 12, {
        userId: U_HOME,
        queueId: Q_HOME,
      }),
    );
    assert.deepEqual(
      s.toasts().map((x) => [x.conversationId, x.divisionIds]),
      [['c-detail', [RETAIL]]],
    );
  });

  test("the emulator's conversation bodies and detail events carry the queue's division", () => {
    const start = Date.parse('2026-11-23T08:00:00.000Z');
    const sim = new Simulation({
      org: buildOrg({ agents: 60, queues: 6, seed: 11 }),
      seed: 11,
      startMs: start,
    });
    const seen = new Set<string>();
    let bodies = 0;
    sim.onEvent((e) => {
      if (e.type !== 'conversation') return;
      const divisionId = e.conversation.queue.divisionId;
      for (const m of topicsFor(e, () => 'Agent')) {
        const body = m.eventBody;
        if (m.topicName.startsWith('v2.detail.')) {
          // Every detail model but AcwDetailEventTopicAfterCallWorkEvent and
          // WrapupDetailEventTopicWrapupEvent has `divisionId`.
          if (!/\.(acw|wrapup)$/.test(m.topicName)) assert.equal(body.divisionId, divisionId);
          continue;
        }
        // `…EventTopic…` of the topic's family: Queue… on queue topics, Call… on `.calls`.
        const family =
          (m.topicName.startsWith('v2.routing.queues.') ? 'Queue' : '') +
          (/\.calls$/.test(m.topicName) ? 'ConversationCallEventTopic' : 'ConversationEventTopic');
        if (!/\.conversations(\.calls)?$/.test(m.topicName)) continue;
        const divisions = body.divisions as { division: { id: string }; entities: object[] }[];
        assert.equal(divisions.length, 1, m.topicName);
        assertSdkShape(`${family}ConversationDivisionMembership`, divisions[0]!);
        assertSdkShape(`${family}DomainEntityRef`, divisions[0]!.division);
        assert.equal(divisions[0]!.division.id, divisionId);
        seen.add(divisionId);
        bodies++;
      }
    });
    sim.advanceTo(start + 2 * 3600_000);
    assert.ok(bodies > 0, 'conversation bodies rendered');
    assert.ok(seen.size > 1, 'conversations in 2+ divisions');
  });

  test('the emulator puts users and queues in several divisions, in the Division shape', async (t) => {
    const emu = await startTestEmulator(t, { agents: 12, queues: 4, seed: 7 });
    const headers = await apiHeaders(emu);
    const users = (await (
      await fetch(`${emu.url}/api/v2/users?pageSize=100`, { headers })
    ).json()) as { entities: { division: Record<string, unknown> }[] };
    const queues = (await (
      await fetch(`${emu.url}/api/v2/routing/queues?pageSize=100`, { headers })
    ).json()) as { entities: { division: Record<string, unknown> }[] };
    for (const e of [...users.entities, ...queues.entities]) {
      assertSdkShape('Division', e.division);
      assert.equal(e.division.selfUri, `/api/v2/authorization/divisions/${String(e.division.id)}`);
      assert.equal(typeof e.division.name, 'string');
    }
    assert.ok(new Set(users.entities.map((u) => u.division.id)).size > 1, 'users in 2+ divisions');
    assert.ok(
      new Set(queues.entities.map((q) => q.division.id)).size > 1,
      'queues in 2+ divisions',
    );
  });
});
