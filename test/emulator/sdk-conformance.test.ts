import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { startTestEmulator } from '../support/emulator.js';
import { waitFor } from '../support/helpers.js';

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
      ['OFF_QUEUE', 'IDLE', 'INTERACTING', 'NOT_RESPONDING'].includes(
        (routing.eventBody.routingStatus as { status: string }).status,
      ),
    );
    for (let i = 0; i < 120 && !messages.some((m) => m.topicName.endsWith('.presence')); i++)
      emu.advance(60_000);
    const presence = await waitFor(() => messages.find((m) => m.topicName.endsWith('.presence')), {
      what: 'presence event',
    });
    assert.ok((presence.eventBody.presenceDefinition as { systemPresence: string }).systemPresence);

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
    const bulk = await presenceApi.getUsersPresencesPurecloudBulk({
      id: truth.agents.slice(0, 3).map((a) => a.id),
    });
    assert.equal(bulk.length, 3);

    const routingApi = new platformClient.RoutingApi();
    const queues = await routingApi.getRoutingQueues({ pageSize: 100 });
    assert.equal(queues.entities?.length, 4);
    const members = await routingApi.getRoutingQueueMembers(queue.id, { pageSize: 100 });
    assert.ok((members.entities ?? []).length > 0);

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
});
