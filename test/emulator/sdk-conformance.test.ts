import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { buildOrg } from '../../src/emulator/model/org.js';
import { Simulation } from '../../src/emulator/model/simulation.js';
import { topicsFor } from '../../src/emulator/render/topics.js';
import { startTestEmulator } from '../support/emulator.js';
import { waitFor } from '../support/helpers.js';
import { assertSdkShape, DETAIL_EVENT_MODELS } from '../support/sdk-models.js';

// The official SDK is CommonJS without ESM types for its runtime objects.
const require = createRequire(import.meta.url);
const platformClient =
  require('purecloud-platform-client-v2') as typeof import('purecloud-platform-client-v2');

describe('emulator conformance with the official SDK (purecloud-platform-client-v2)', () => {
  test('login, channels, subscriptions (with a rejected topic), socket, users, queues, presence', async (t) => {
    const emu = await startTestEmulator(t, { agents: 60, queues: 4, seed: 3 });
    const url = new URL(emu.url);

    const client = platformClient.ApiClient.instance;
    client.setGateway({ host: url.hostname, protocol: 'http', port: Number(url.port) });
    const auth = await client.loginClientCredentialsGrant('demo-client', 'demo-secret');
    assert.ok(auth.accessToken);
    assert.ok(auth.tokenExpiryTime > Date.now());

    const notifications = new platformClient.NotificationsApi();
    const channel = await notifications.postNotificationsChannels();
    assert.match(channel.id ?? '', /^streaming-\d+-/);
    assert.match(channel.connectUri ?? '', /^ws:\/\/127\.0\.0\.1:\d+\/channels\//);
    assert.ok(Date.parse(channel.expires ?? '') > Date.now() + 23 * 3600_000);

    const truth = emu.truth();
    const agent = truth.agents.find((a) => a.loggedIn)!;
    const queue = truth.queues[0]!;
    const subscribed = await notifications.putNotificationsChannelSubscriptions(channel.id!, [
      { id: `v2.users.${agent.id}.presence` },
      { id: `v2.users.${agent.id}.routingStatus` },
      { id: `v2.routing.queues.${queue.id}.conversations` },
      { id: 'v2.users.00000000-0000-4000-8000-000000000000.presence' },
    ]);
    const states: Record<string, string | undefined> = Object.fromEntries(
      (subscribed.entities ?? []).map((e) => [e.id ?? '', e.state]),
    );
    assert.equal(states[`v2.users.${agent.id}.presence`], 'Permitted');
    assert.equal(states['v2.users.00000000-0000-4000-8000-000000000000.presence'], 'Rejected');
    const listed = await notifications.getNotificationsChannelSubscriptions(channel.id!);
    assert.equal(listed.entities?.length, 3);

    // The socket: heartbeat, pong to ping, and events on the subscribed topics.
    const ws = new WebSocket(channel.connectUri!);
    t.after(() => ws.terminate());
    const messages: {
      topicName: string;
      eventBody: Record<string, unknown>;
      metadata?: { CorrelationId: string };
      version?: string;
    }[] = [];
    ws.on('message', (d: Buffer) =>
      messages.push(JSON.parse(d.toString()) as (typeof messages)[number]),
    );
    await new Promise((r) => ws.once('open', r));
    emu.heartbeatNow();
    await waitFor(() => messages.some((m) => m.eventBody.message === 'WebSocket Heartbeat'), {
      what: 'heartbeat',
    });
    ws.send(JSON.stringify({ message: 'ping' }));
    await waitFor(
      () =>
        messages.some((m) => m.topicName === 'channel.metadata' && m.eventBody.message === 'pong'),
      { what: 'pong' },
    );
    // Subscribe every user so events are certain to flow within simulated minutes.
    await notifications.postNotificationsChannelSubscriptions(
      channel.id!,
      truth.agents.flatMap((a) => [
        { id: `v2.users.${a.id}.presence` },
        { id: `v2.users.${a.id}.routingStatus` },
      ]),
    );
    for (let i = 0; i < 60 && !messages.some((m) => m.topicName.endsWith('.routingStatus')); i++)
      emu.advance(30_000);
    const routing = await waitFor(
      () => messages.find((m) => m.topicName.endsWith('.routingStatus')),
      { what: 'routing event' },
    );
    assert.equal(routing.version, '2');
    assert.match(routing.metadata?.CorrelationId ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(
      // UserRoutingStatusUserRoutingStatus.routingStatus.status (FACTS §2.2).
      ['OFF_QUEUE', 'IDLE', 'INTERACTING', 'NOT_RESPONDING', 'COMMUNICATING'].includes(
        (routing.eventBody.routingStatus as { status: string }).status,
      ),
    );
    for (let i = 0; i < 120 && !messages.some((m) => m.topicName.endsWith('.presence')); i++)
      emu.advance(60_000);
    const presence = await waitFor(() => messages.find((m) => m.topicName.endsWith('.presence')), {
      what: 'presence event',
    });
    assert.ok((presence.eventBody.presenceDefinition as { systemPresence: string }).systemPresence);

    // Joining and unjoining, apart from going on queue: QueueUserEventTopicQueueMember.
    await notifications.postNotificationsChannelSubscriptions(
      channel.id!,
      truth.queues.map((q) => ({ id: `v2.routing.queues.${q.id}.users` })),
    );
    const isUsers = (m: (typeof messages)[number]) =>
      /^v2\.routing\.queues\.[^.]+\.users$/.test(m.topicName);
    for (let i = 0; i < 240 && !messages.some(isUsers); i++) emu.advance(30_000);
    const joinEvent = await waitFor(() => messages.find(isUsers), { what: 'queue users event' });
    assert.deepEqual(Object.keys(joinEvent.eventBody).sort(), ['id', 'joined', 'queueId', 'user']);
    assert.equal(typeof joinEvent.eventBody.joined, 'boolean');

    // REST through the SDK.
    const users = await new platformClient.UsersApi().getUsers({
      pageSize: 25,
      expand: ['presence', 'routingStatus'],
    });
    assert.equal(users.total, 60);
    assert.equal(users.entities?.length, 25);
    const u = users.entities[0]!;
    assert.ok(u.presence?.presenceDefinition?.systemPresence);
    assert.ok(u.routingStatus?.status);
    const byId = await new platformClient.UsersApi().getUsers({
      id: [agent.id],
      expand: ['presence'],
    });
    assert.deepEqual(
      byId.entities?.map((x) => x.id),
      [agent.id],
    );

    const presenceApi = new platformClient.PresenceApi();
    const defs = await presenceApi.getPresencedefinitions({ pageSize: 100 });
    assert.ok((defs.entities ?? []).some((d) => d.languageLabels?.en_US === 'Lunch'));
    // The non-deprecated listing (OrganizationPresenceDefinitionEntityListing): not paged, `type`
    // instead of `primary`, the system definitions under their fixed ids, and labels some of
    // which have no en_US.
    const definitions = await presenceApi.getPresenceDefinitions0({
      deactivated: 'false',
      localeCode: 'ALL',
    });
    assert.equal(definitions.total, definitions.entities?.length);
    assert.equal((definitions as Record<string, unknown>).pageCount, undefined);
    const system = (definitions.entities ?? []).filter((d) => d.type === 'System');
    assert.ok(system.some((d) => d.id === 'e08eaf1b-ee47-4fa9-a231-1200e284798f'));
    assert.equal(system.length, 10);
    assert.ok(
      (definitions.entities ?? []).some((d) => d.type === 'User' && !d.languageLabels.en_US),
    );
    assert.ok((definitions.entities ?? []).every((d) => !('primary' in d)));
    const bulk = await presenceApi.getUsersPresencesPurecloudBulk({
      id: truth.agents.slice(0, 3).map((a) => a.id),
    });
    assert.equal(bulk.length, 3);

    const routingApi = new platformClient.RoutingApi();
    const queues = await routingApi.getRoutingQueues({ pageSize: 100 });
    assert.equal(queues.entities?.length, 4);
    // WrapupCodeEntityListing of WrapupCode: the names of the ids events carry.
    const wrapups = await routingApi.getRoutingWrapupcodes({ pageSize: 2 });
    assertSdkShape('WrapupCodeEntityListing', wrapups);
    for (const c of wrapups.entities ?? []) assertSdkShape('WrapupCode', c);
    assert.equal(wrapups.entities?.length, 2);
    assert.ok((wrapups.pageCount ?? 0) >= 2, 'wrap-up codes are paged');
    assert.ok((wrapups.entities ?? []).every((c) => /^[0-9a-f-]{36}$/.test(c.id ?? '') && c.name));
    const members = await routingApi.getRoutingQueueMembers(queue.id, { pageSize: 100 });
    assert.ok((members.entities ?? []).length > 0);
    // QueueMember: members joined or not, added one by one or through a group (RoutingApi.md
    // getRoutingQueueMembers: memberBy user|group, joined true|false); QueueMediaSettings with
    // several media, each its own ServiceLevel.
    const everyMember = (
      await Promise.all(
        (queues.entities ?? []).map((q) =>
          routingApi.getRoutingQueueMembers(q.id!, { pageSize: 100 }),
        ),
      )
    ).flatMap((page) => page.entities ?? []);
    assert.ok(everyMember.every((m) => typeof m.joined === 'boolean'));
    assert.ok(
      everyMember.some((m) => m.joined === false),
      'some members are not joined',
    );
    assert.deepEqual([...new Set(everyMember.map((m) => m.memberBy))].sort(), ['group', 'user']);
    const media = (queues.entities ?? []).map((q) => Object.keys(q.mediaSettings ?? {}));
    assert.ok(
      media.some((keys) => keys.length > 1),
      'a multi-media queue',
    );
    for (const q of queues.entities ?? []) {
      for (const [key, s] of Object.entries(q.mediaSettings ?? {})) {
        assert.ok(['call', 'callback', 'chat', 'email', 'message'].includes(key), key);
        const sl = (s as { serviceLevel?: { percentage?: number; durationMs?: number } })
          .serviceLevel;
        assert.ok(sl && sl.percentage! > 0 && sl.percentage! <= 1 && sl.durationMs! > 0);
      }
      const joinedCount = everyMember.filter(
        (m) => m.joined && m.selfUri?.startsWith(`/api/v2/routing/queues/${q.id}/`),
      ).length;
      assert.equal(q.joinedMemberCount, joinedCount, `${q.name} joinedMemberCount`);
    }

    // Analytics through the SDK.
    const analytics = new platformClient.AnalyticsApi();
    const observations = await analytics.postAnalyticsQueuesObservationsQuery({
      filter: {
        type: 'or',
        predicates: [
          { type: 'dimension', dimension: 'queueId', operator: 'matches', value: queue.id },
        ],
      },
      metrics: ['oWaiting', 'oInteracting', 'oOnQueueUsers', 'oMemberUsers'],
    });
    assert.equal(observations.results?.length, 1);
    const live = emu.truth().queues.find((q) => q.id === queue.id)!;
    const waiting = observations.results[0]!.data?.find((d) => d.metric === 'oWaiting');
    assert.equal(waiting?.stats?.count, live.waiting);
    const start = new Date(Date.now() - 24 * 3600_000).toISOString();
    const end = new Date(Date.now() + 24 * 3600_000).toISOString();
    const aggregates = await analytics.postAnalyticsUsersAggregatesQuery({
      interval: `${start}/${end}`,
      groupBy: ['userId'],
      metrics: ['tSystemPresence', 'tAgentRoutingStatus'],
      filter: {
        type: 'or',
        predicates: [
          { type: 'dimension', dimension: 'userId', operator: 'matches', value: agent.id },
        ],
      },
    });
    assert.equal(aggregates.results?.[0]?.group?.userId, agent.id);
    assert.ok(
      (aggregates.results?.[0]?.data?.[0]?.metrics ?? []).some(
        (m) => m.metric === 'tAgentRoutingStatus' && (m.stats?.sum ?? 0) > 0,
      ),
    );
    const activity = await analytics.postAnalyticsUsersActivityQuery(
      { metrics: [{ metric: 'oRoutingStatus' }], groupBy: [] },
      { pageSize: 10 },
    );
    assert.equal(activity.results?.[0]?.entities?.length, 10);
    const page1 = await analytics.postAnalyticsConversationsDetailsQuery({
      interval: `${start}/${end}`,
      paging: { pageSize: 5, pageNumber: 1 },
    });
    assert.ok((page1.totalHits ?? 0) > 5, `finished conversations: ${page1.totalHits}`);
    assert.equal(page1.conversations?.length, 5);
    const page2 = await analytics.postAnalyticsConversationsDetailsQuery({
      interval: `${start}/${end}`,
      paging: { pageSize: 5, pageNumber: 2 },
    });
    assert.notEqual(
      page2.conversations?.[0]?.conversationId,
      page1.conversations?.[0]?.conversationId,
    );
    const many = await analytics.postAnalyticsConversationsDetailsQuery({
      interval: `${start}/${end}`,
      paging: { pageSize: 100, pageNumber: 1 },
    });
    const agentPart = many.conversations
      ?.flatMap((c) => c.participants ?? [])
      .find((p) => p.purpose === 'agent');
    assert.ok(agentPart?.sessions?.[0]?.segments?.some((s) => s.segmentType === 'interact'));

    // Errors arrive as Genesys error bodies, with the status inside.
    await assert.rejects(
      new platformClient.UsersApi().getUser('no-such-user'),
      (err: { status?: number }) => err.status === 404,
    );
    await assert.rejects(
      client.loginClientCredentialsGrant('demo-client', 'wrong'),
      (err: { response?: { status: number } }) => err.response?.status === 401,
    );
  });

  // Models by topic: MyPureCloud/platform-client-sdk-javascript notificationMappings.json; enums
  // (upper case) from the Python SDK's acd_end_detail_event_topic_acd_end_event.py.
  test('conversation detail events in the shapes of their SDK models', async (t) => {
    const emu = await startTestEmulator(t, { agents: 40, queues: 3, seed: 7 });
    const models = DETAIL_EVENT_MODELS;
    const seen: { milestone: string; body: Record<string, unknown> }[] = [];
    emu.sim.onEvent((e) => {
      for (const m of topicsFor(e, () => 'Agent')) {
        const milestone = /^v2\.detail\.events\.conversation\.[^.]+\.(.+)$/.exec(m.topicName)?.[1];
        if (milestone !== undefined) seen.push({ milestone, body: m.eventBody });
      }
    });
    emu.sim.burst(6, 300);
    for (let i = 0; i < 20; i++) emu.advance(30_000);
    const kinds = new Set(seen.map((s) => s.milestone));
    for (const k of [
      'customer.start',
      'acd.start',
      'acd.end',
      'user.start',
      'user.end',
      'acw',
      'wrapup',
    ])
      assert.ok(kinds.has(k), `${k} sent`);
    const offered = new Set<string>();
    for (const { milestone, body } of seen) {
      const model = models[milestone];
      assert.ok(model, `${milestone} has a model`);
      assertSdkShape(model, body);
      assert.equal(typeof body.eventTime, 'number', 'eventTime in epoch ms');
      assert.match(String(body.mediaType), /^[A-Z]+$/);
      assert.match(String(body.direction), /^(INBOUND|OUTBOUND)$/);
      if (milestone === 'acw' || milestone === 'wrapup') {
        assert.match(String(body.wrapupCode), /^[0-9a-f-]{36}$/, 'wrap-up codes are ids');
        assert.ok(
          emu.sim.org.wrapupCodes.some((c) => c.id === body.wrapupCode),
          'an id GET /api/v2/routing/wrapupcodes lists',
        );
      }
      // There is no alerting detail event: the agent's segment starts when it is offered, so
      // before the ACD segment ends answered by them.
      const key = `${String(body.conversationId)}:${String(body.userId ?? body.answeredUserId)}`;
      if (milestone === 'user.start') offered.add(key);
      if (milestone === 'acd.end' && body.acdOutcome === 'ANSWERED')
        assert.ok(offered.has(key), 'user.start precedes acd.end ANSWERED');
      if (milestone === 'acd.end')
        assert.ok(['ANSWERED', 'ABANDON', 'FLOW_OUT'].includes(String(body.acdOutcome)));
    }
    assert.ok(
      seen.some((s) => s.body.acdOutcome === 'ABANDON'),
      'abandons sent',
    );
  });
  // Consults and callbacks in both topic families, each in its SDK model
  // (MyPureCloud/platform-client-sdk-javascript build/index.d.ts, topic → model as in its
  // notificationMappings.json): generic QueueConversationEventTopicConversation / …Participant
  // with QueueConversationEventTopicCall or …Callback items (ConversationEventTopic… on user
  // topics); media-specific QueueConversationCallEventTopicCallConversation /
  // …CallMediaParticipant and QueueConversationCallbackEventTopicCallbackConversation /
  // …CallbackMediaParticipant (ConversationCall… / ConversationCallback… on user topics).
  test("consult and callback bodies in the shapes of their SDK models, on every agent's topics", () => {
    const start = Date.parse('2026-11-23T08:00:00.000Z');
    const sim = new Simulation({
      org: buildOrg({ agents: 200, queues: 6, seed: 8 }),
      seed: 8,
      startMs: start,
      consults: true,
    });
    const models = (topic: string, key: 'calls' | 'callbacks') => {
      const prefix = topic.startsWith('v2.routing.queues.') ? 'Queue' : '';
      const Media = key === 'calls' ? 'Call' : 'Callback';
      if (topic.endsWith(`.${key}`))
        return {
          conversation: `${prefix}Conversation${Media}EventTopic${Media}Conversation`,
          participant: `${prefix}Conversation${Media}EventTopic${Media}MediaParticipant`,
          item: undefined,
          family: `${prefix}Conversation${Media}EventTopic`,
        };
      return {
        conversation: `${prefix}ConversationEventTopicConversation`,
        participant: `${prefix}ConversationEventTopicParticipant`,
        item: `${prefix}ConversationEventTopic${Media}`,
        family: `${prefix}ConversationEventTopic`,
      };
    };
    const seen = new Set<string>();
    let consultIds = 0;
    const callbackTopics = new Set<string>();
    let callbackNumbers = 0;
    sim.onEvent((e) => {
      if (e.type !== 'conversation') return;
      const callback = e.conversation.media === 'callback';
      if (!callback && !e.change.startsWith('consult')) return;
      seen.add(callback ? `callback ${e.change}` : e.change);
      const key = callback ? 'callbacks' : 'calls';
      for (const m of topicsFor(e, () => 'Agent')) {
        if (m.topicName.startsWith('v2.detail.')) continue;
        if (callback) callbackTopics.add(m.topicName.replace(/\.[0-9a-f-]{36}\./, '.{id}.'));
        const { conversation, participant, item, family } = models(m.topicName, key);
        assertSdkShape(conversation, m.eventBody);
        // e.g. QueueConversationCallEventTopicConversationDivisionMembership {division, entities}
        const divisions = m.eventBody.divisions as Record<string, unknown>[];
        assert.equal(divisions.length, 1, `divisions on ${m.topicName}`);
        for (const d of divisions) {
          assertSdkShape(`${family}ConversationDivisionMembership`, d);
          assertSdkShape(`${family}DomainEntityRef`, d.division as object);
          assert.equal((d.division as { id: string }).id, e.conversation.queue.divisionId);
          for (const x of d.entities as object[]) assertSdkShape(`${family}DivisionEntityRef`, x);
        }
        for (const p of m.eventBody.participants as Record<string, unknown>[]) {
          assertSdkShape(participant, p);
          const items = item ? (p[key] as Record<string, unknown>[]) : [p];
          assert.ok(Array.isArray(items) && items.length > 0, `${key} on ${m.topicName}`);
          for (const x of items) {
            if (item) assertSdkShape(item, x);
            if (callback && Array.isArray(x.callbackNumbers)) callbackNumbers++;
          }
          if (p.consultParticipantId !== undefined) consultIds++;
        }
      }
    });
    sim.advanceTo(start + 6 * 3600_000);
    for (const change of ['consult', 'consultConnected', 'consultEnded', 'consultTransferred'])
      assert.ok(seen.has(change), change);
    for (const change of ['queued', 'alerting', 'connected', 'ended'])
      assert.ok(seen.has(`callback ${change}`), `callback ${change}`);
    assert.ok(consultIds > 0, 'the first agent names the consulted leg');
    assert.ok(callbackNumbers > 0, 'callbacks carry the numbers to call');
    for (const topic of [
      'v2.routing.queues.{id}.conversations.callbacks',
      'v2.users.{id}.conversations.callbacks',
    ])
      assert.ok(callbackTopics.has(topic), topic);
  });
});
