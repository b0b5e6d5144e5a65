import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test, type TestContext } from 'node:test';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import type { Emulator } from '../../src/emulator/emulator.js';
import {
  detailTypeOf,
  eventbridgeEnvelope,
} from '../../src/emulator/render/eventbridge-envelope.js';
import type { EventKind, StoredEvent } from '../../src/log/event-log.js';
import {
  DriftCounter,
  SchemaRegistry,
  registerSchemaDriftMetrics,
  type Drift,
} from '../../src/router/schema-registry.js';
import { normalizeEvent } from '../../src/sources/normalize/normalize.js';
import { classifyTopic } from '../../src/sources/normalize/topics.js';
import { apiHeaders, startTestEmulator } from '../support/emulator.js';
import { waitFor } from '../support/helpers.js';
import { assertSdkShape, DETAIL_EVENT_MODELS, sdkModelFields } from '../support/sdk-models.js';

const SCHEMAS = new URL('../../src/router/schemas/', import.meta.url);
const registry = new SchemaRegistry();
const enc = new TextEncoder();
const RECEIVED = '2025-01-06T09:00:00.000Z';

/** A stored event from a received text: topic messages classified by topic, pushes normalized. */
function stored(text: string, offset = 1): StoredEvent {
  const body = enc.encode(text);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const topic =
    typeof parsed.topicName === 'string'
      ? parsed.topicName
      : typeof (parsed.detail as { topicName?: unknown } | undefined)?.topicName === 'string'
        ? (parsed.detail as { topicName: string }).topicName
        : undefined;
  if (topic !== undefined) {
    const c = classifyTopic(topic);
    return {
      id: `e${offset}`,
      source: 'stream',
      topic,
      kind: c?.kind ?? 'unknown',
      subject: c?.subject ?? {},
      occurredAt: null,
      receivedAt: RECEIVED,
      body,
      offset,
    };
  }
  const { shape: _shape, ...event } = normalizeEvent(body, parsed, {
    source: 'webhook',
    receivedAt: RECEIVED,
    idKeys: [['notificationId']],
  });
  return { ...event, offset };
}

/** A Notification API message around a topic body. */
const message = (topicName: string, eventBody: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    topicName,
    version: '2',
    eventBody,
    metadata: { CorrelationId: 'c-1' },
    ...extra,
  });

const check = (text: string) => registry.check(stored(text));
const short = (d: Drift) => `${d.where} ${d.field} ${d.problem}`;
const shorts = (ds: Drift[]) => ds.map(short).sort();

/** Which variant of a kind's schema a topic picks (as the registry does), for coverage. */
function variantOf(kind: EventKind, topic: string): string {
  if (kind === 'user.conversation' || kind === 'queue.conversation')
    return /\.conversations(?:\.([^.]+))?$/i.exec(topic)?.[1]?.toLowerCase() ?? '';
  if (kind === 'conversation.detail')
    return /^v2\.detail\.events\.conversation\.[^.]+\.(.+)$/i.exec(topic)?.[1] ?? '';
  return '';
}

/** An emulator whose every rendered message (topics and guide pushes) lands in `texts`. */
async function capturingEmulator(t: TestContext, texts: string[]): Promise<Emulator> {
  const emu = await startTestEmulator(t, {
    agents: 40,
    queues: 4,
    seed: 11,
    startMs: Date.UTC(2025, 0, 6, 9),
    sink: (text) => texts.push(text),
  });
  // A draft subscription: the guide events are rendered (and sunk) but never dispatched.
  emu.addWebhook({
    name: 'schema-test',
    url: 'http://127.0.0.1:9/unused',
    secret: 'unused',
    encoding: 'hex',
    status: 'DRAFT',
    events: [{ name: 'agentStateChange' }],
  });
  return emu;
}

const U = 'e40f28ea-1111-4a4a-8b8b-000000000001';
const Q = '5b1e6c2d-2222-4a4a-8b8b-000000000002';
const C = '9c0ffee0-3333-4a4a-8b8b-000000000003';
const T0 = '2025-01-06T09:00:00.000Z';

describe('schema files', () => {
  test('every schema compiles in one Ajv and every SDK-named model lists exactly its SDK fields', () => {
    registry.compileAll();
    const files = readdirSync(SCHEMAS).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 14, files.join(', '));
    let models = 0;
    for (const file of files) {
      assert.match(file, /^[a-z.-]+\.v\d+\.json$/);
      const json = JSON.parse(readFileSync(new URL(file, SCHEMAS), 'utf8')) as {
        description: string;
        'x-switchboard': { kind: string | null; variants: Record<string, string> };
        $defs: Record<string, { properties?: Record<string, unknown> }>;
      };
      const meta = json['x-switchboard'];
      if (meta.kind !== null) assert.equal(file, `${meta.kind}.v1.json`);
      for (const model of Object.values(meta.variants))
        if (!/^Guide|Envelope$/.test(model))
          assert.ok(json.description.includes(model), `${file} cites the SDK model ${model}`);
      for (const [name, def] of Object.entries(json.$defs)) {
        if (name.startsWith('Guide') || name.endsWith('Envelope')) continue;
        models++;
        assert.deepEqual(
          Object.keys(def.properties ?? {}).sort(),
          [...sdkModelFields(name)].sort(),
          `${file} $defs/${name} has the fields of the SDK model`,
        );
      }
    }
    assert.ok(models > 100, `${models} SDK models`);
    assert.deepEqual([...registry.versions().keys()].sort(), [
      'agent.state',
      'conversation.detail',
      'interaction',
      'queue.conversation',
      'queue.member',
      'queue.observation',
      'routing.conversation',
      'system',
      'system.token-revoked',
      'user.activity',
      'user.conversation',
      'user.presence',
      'user.routing',
    ]);
  });
});

describe("every kind's schema accepts the emulator's real output", () => {
  test('topics, media topics, detail events, observations, guide pushes, socket system messages, EventBridge', async (t) => {
    const texts: string[] = [];
    const emu = await capturingEmulator(t, texts);
    const seen = new Map<EventKind, Set<string>>();
    const want: [EventKind, string[]][] = [
      ['user.presence', ['']],
      ['user.routing', ['']],
      ['user.activity', ['']],
      ['user.conversation', ['', 'calls']],
      ['queue.conversation', ['', 'calls']],
      ['queue.member', ['']],
      ['queue.observation', ['']],
      [
        'conversation.detail',
        ['customer.start', 'acd.start', 'acd.end', 'user.start', 'user.end', 'acw', 'wrapup'],
      ],
      ['agent.state', ['']],
      ['interaction', ['']],
      ['routing.conversation', ['']],
    ];
    let checked = 0;
    const drain = () => {
      for (const text of texts.splice(0)) {
        const event = stored(text, ++checked);
        const drifts = registry.check(event);
        assert.deepEqual(drifts, [], `${event.kind} ${event.topic}: ${text.slice(0, 400)}`);
        const variants = seen.get(event.kind) ?? new Set<string>();
        variants.add(variantOf(event.kind, event.topic));
        seen.set(event.kind, variants);
      }
    };
    const covered = () => want.every(([k, vs]) => vs.every((v) => seen.get(k)?.has(v)));
    for (let i = 0; i < 1500 && !covered(); i++) {
      emu.advance(20_000);
      drain();
    }
    for (const [kind, variants] of want)
      for (const v of variants)
        assert.ok(seen.get(kind)?.has(v), `emulator output of ${kind} ${v}`);
    // Every media topic the emulator rendered passed its own variant.
    const media = [...(seen.get('user.conversation') ?? [])].filter((v) => v !== '');
    assert.ok(media.length >= 1, media.join());

    // The socket-only messages: heartbeat, pong, socket_closing, token_revoked (system kinds).
    const headers = await apiHeaders(emu);
    const ch = (await (
      await fetch(`${emu.url}/api/v2/notifications/channels`, { method: 'POST', headers })
    ).json()) as { connectUri: string };
    const ws = new WebSocket(ch.connectUri);
    t.after(() => ws.terminate());
    const socket: string[] = [];
    ws.on('message', (d: Buffer) => socket.push(d.toString()));
    await new Promise((r) => ws.once('open', r));
    emu.heartbeatNow();
    ws.send(JSON.stringify({ message: 'ping' }));
    emu.faults.apply('socket-closing', { seconds: 120 });
    emu.faults.apply('revoke-tokens');
    await waitFor(() => socket.length >= 4, { what: 'four system messages' });
    const kinds = socket.map((text) => {
      const event = stored(text);
      assert.deepEqual(registry.check(event), [], text);
      return event.kind;
    });
    assert.deepEqual([...new Set(kinds)].sort(), ['system', 'system.token-revoked']);

    // The same bodies inside an EventBridge envelope (FACTS §5.1).
    emu.advance(60_000);
    const sample = texts.splice(0).filter((x) => x.startsWith('{"topicName"'));
    assert.ok(sample.length > 0);
    for (const text of sample) {
      const m = JSON.parse(text) as { topicName: string; eventBody: unknown };
      const envelope = eventbridgeEnvelope({
        eventId: 'eb-1',
        detailType: detailTypeOf(m.topicName),
        orgId: emu.orgId,
        at: Date.UTC(2025, 0, 6, 9),
        topicJson: JSON.stringify(m.topicName),
        bodyJson: JSON.stringify(m.eventBody),
        metadataJson: '"metadata":{"CorrelationId":"c-1"}',
      });
      assert.deepEqual(registry.check(stored(envelope)), [], envelope.slice(0, 300));
    }
  });
});

describe('SDK-shaped fixtures', () => {
  /** Each level's keys are fields of the named SDK model; returns the value. */
  const sdk = <T extends object>(model: string, value: T): T => {
    assertSdkShape(model, value);
    return value;
  };
  const presenceDef = (systemPresence: string) =>
    sdk('PresenceEventOrganizationPresence', { id: 'e08eaf1b', systemPresence });

  test('Notification bodies of every topic kind', () => {
    const fixtures: [string, unknown][] = [
      [
        `v2.users.${U}.presence`,
        sdk('PresenceEventUserPresence', {
          source: 'PURECLOUD',
          presenceDefinition: presenceDef('ON_QUEUE'),
          primary: true,
          message: 'back soon',
          modifiedDate: T0,
          futurePresenceDefinition: presenceDef('AVAILABLE'),
        }),
      ],
      [
        `v2.users.${U}.routingStatus`,
        sdk('UserRoutingStatusUserRoutingStatus', {
          id: U,
          routingStatus: sdk('UserRoutingStatusRoutingStatus', { status: 'IDLE', startTime: T0 }),
          errorInfo: sdk('UserRoutingStatusErrorInfo', {
            errorCode: 'bad.request',
            status: 400,
            correlationId: 'c',
            userMessage: 'm',
            userParamsMessage: 'p',
            userParams: [sdk('UserRoutingStatusUserParam', { key: 'k', value: 'v' })],
          }),
        }),
      ],
      [
        `v2.users.${U}.activity`,
        sdk('AgentActivityChangedTopicAgentActivity', {
          id: U,
          routingStatus: { status: 'OFF_QUEUE', startTime: T0 },
          presence: sdk('AgentActivityChangedTopicPresence', {
            presenceDefinition: { id: 'x', systemPresence: 'AVAILABLE' },
            presenceMessage: '',
            modifiedDate: T0,
          }),
          outOfOffice: sdk('AgentActivityChangedTopicOutOfOffice', {
            active: false,
            modifiedDate: T0,
          }),
          activeQueueIds: [Q],
          dateActiveQueuesChanged: T0,
        }),
      ],
      [
        `v2.users.${U}.conversations`,
        sdk('ConversationEventTopicConversation', {
          id: C,
          maxParticipants: 10,
          recordingState: 'none',
          securePause: false,
          participants: [
            sdk('ConversationEventTopicParticipant', {
              id: 'p1',
              purpose: 'agent',
              userId: U,
              queueId: Q,
              connectedTime: T0,
              wrapupRequired: true,
              wrapupTimeoutMs: 30_000,
              alertingTimeoutMs: 12_000,
              attributes: { crm: 'gold' },
              mediaRoles: ['agent'],
              wrapup: sdk('ConversationEventTopicWrapup', {
                code: 'w1',
                notes: '',
                tags: [],
                durationSeconds: 5,
                endTime: T0,
              }),
              calls: [
                sdk('ConversationEventTopicCall', {
                  id: 'call-1',
                  state: 'connected',
                  initialState: 'alerting',
                  direction: 'inbound',
                  held: false,
                  muted: false,
                  recording: false,
                  provider: 'Edge',
                  self: { addressNormalized: 'tel:+1' },
                  disconnectReasons: [{ type: 'peer', code: 1 }],
                }),
              ],
            }),
          ],
          divisions: [{ division: { id: 'd1' }, entities: [{ id: C }] }],
        }),
      ],
      [
        `v2.users.${U}.conversations.calls`,
        sdk('ConversationCallEventTopicCallConversation', {
          id: C,
          participants: [
            sdk('ConversationCallEventTopicCallMediaParticipant', {
              id: 'p1',
              purpose: 'customer',
              state: 'connected',
              direction: 'inbound',
              held: false,
              ani: 'tel:+15551234',
              queue: sdk('ConversationCallEventTopicUriReference', { id: Q, name: 'Sales' }),
              attributes: {},
            }),
          ],
          recordingState: 'none',
        }),
      ],
      [
        `v2.routing.queues.${Q}.conversations`,
        sdk('QueueConversationEventTopicConversation', {
          id: C,
          participants: [
            sdk('QueueConversationEventTopicParticipant', {
              id: 'p0',
              purpose: 'acd',
              queueId: Q,
              callbacks: [
                sdk('QueueConversationEventTopicCallback', {
                  id: 'cb',
                  state: 'connected',
                  callbackNumbers: ['tel:+1'],
                }),
              ],
            }),
          ],
        }),
      ],
      [
        `v2.routing.queues.${Q}.conversations.emails`,
        sdk('QueueConversationEmailEventTopicEmailConversation', {
          id: C,
          participants: [
            sdk('QueueConversationEmailEventTopicEmailMediaParticipant', {
              id: 'p1',
              purpose: 'agent',
              state: 'alerting',
              user: { id: U },
            }),
          ],
        }),
      ],
      [
        `v2.routing.queues.${Q}.users`,
        sdk('QueueUserEventTopicQueueMember', {
          id: U,
          user: { id: U },
          queueId: Q,
          joined: true,
          additionalProperties: {},
        }),
      ],
      [
        `v2.analytics.queues.${Q}.observations`,
        sdk('StatEventQueueTopicStatsNotification', {
          group: { queueId: Q, mediaType: 'voice' },
          data: [
            sdk('StatEventQueueTopicIntervalMetrics', {
              interval: `${T0}/${T0}`,
              metrics: [
                sdk('StatEventQueueTopicMetricStats', {
                  metric: 'oOnQueueUsers',
                  qualifier: 'IDLE',
                  stats: { count: 3 },
                }),
              ],
            }),
          ],
        }),
      ],
      [
        `v2.analytics.queues.${Q}.activity`,
        sdk('V2QueueObservationObservationCountNotification', {
          results: [
            sdk('V2QueueObservationMetricCountGroup', {
              mediaType: 'voice',
              data: [
                sdk('V2QueueObservationMetricCountData', {
                  metric: 'oLongestWaiting',
                  count: 1,
                  calculatedMetricValue: 1736154000000,
                }),
              ],
            }),
          ],
        }),
      ],
      [
        'v2.system.no_longer_subscribed',
        sdk('SystemMessageSystemMessage', {
          channelId: 'ch',
          systemTopicType: 'no_longer_subscribed',
          correlationId: 'c',
          organizationId: 'o',
          userId: U,
          oauthClientId: 'oc',
          oauthClientOrgId: 'oo',
          reason: 'another_channel_subscribed',
          message: 'bye',
          data: {},
        }),
      ],
      ['channel.metadata', sdk('SystemMessageSystemMessage', { message: 'WebSocket Heartbeat' })],
      [
        'v2.system.token_revoked.ch',
        { channelId: 'ch', systemTopicType: 'token_revoked', reason: 'user_tokens_revoked' },
      ],
    ];
    // Detail events: the FACTS §2.7 fields each model has.
    const common: Record<string, unknown> = {
      eventTime: 1736154000000,
      conversationId: C,
      participantId: 'p1',
      sessionId: 's1',
      mediaType: 'VOICE',
      provider: 'Edge',
      direction: 'INBOUND',
      ani: 'tel:+15551234',
      dnis: 'tel:+18005550100',
      queueId: Q,
      userId: U,
      divisionId: 'd1',
      disconnectType: 'PEER',
      acdOutcome: 'ANSWERED',
      answeredUserId: U,
      connectedDurationMs: 5000,
      interactingDurationMs: 60_000,
      wrapupCode: 'w1',
      wrapupDurationMs: 2000,
      requestedRoutingSkillIds: ['s'],
      flowType: 'INBOUNDCALL',
    };
    for (const [milestone, model] of Object.entries({
      ...DETAIL_EVENT_MODELS,
      'flow.start': 'FlowStartDetailEventTopicFlowStartEvent',
    })) {
      const fields = sdkModelFields(model);
      const body = Object.fromEntries(Object.entries(common).filter(([k]) => fields.has(k)));
      fixtures.push([`v2.detail.events.conversation.${C}.${milestone}`, sdk(model, body)]);
    }
    for (const [topic, body] of fixtures) {
      const event = stored(message(topic, body));
      assert.notEqual(registry.versions().get(event.kind), undefined, topic);
      assert.deepEqual(registry.check(event), [], topic);
    }
  });

  test('the guide formats of SEED-FORMATS §D, as the guides print them', () => {
    const interaction = {
      notificationId: 'a1b2c3d4-0000',
      timestamp: '2023-10-27T14:30:00.000Z',
      eventType: 'interaction',
      data: {
        interactionId: 'inter-xyz-123',
        type: 'call',
        wrapUpCode: 'survey-completed',
        metrics: { talkTime: 120.5, holdTime: 10.0, waitTime: 5.2, acw: 15.0, totalTime: 150.7 },
        participants: [
          { id: 'agent-001', role: 'agent', name: 'Jane Doe' },
          { id: 'customer-001', role: 'customer', name: 'John Smith' },
        ],
      },
    };
    const state = {
      eventType: 'agentStateChange',
      user: { id: U, login: { status: 'LOGGED_IN' }, state: 'AVAIL', substate: null },
    };
    const routing = {
      eventType: 'routing.conversation.event',
      conversation: { id: C, state: 'ringing', mediaType: 'voice' },
      participants: [{ role: 'customer', name: 'John Smith' }],
    };
    for (const [body, kind] of [
      [interaction, 'interaction'],
      [state, 'agent.state'],
      [routing, 'routing.conversation'],
    ] as const) {
      const event = stored(JSON.stringify(body));
      assert.equal(event.kind, kind);
      assert.deepEqual(registry.check(event), [], kind);
    }
  });
});

describe("the emulator's schema-drift fault", () => {
  test('is detected and named by field: envelope schemaVersion, every number turned string', async (t) => {
    const clean: string[] = [];
    const drifted: string[] = [];
    // Two emulators in lockstep (same seed, same virtual start): the second under the fault.
    const a = await capturingEmulator(t, clean);
    const b = await capturingEmulator(t, drifted);
    b.faults.apply('schema-drift', { seconds: 3600 });
    const kinds = new Set<string>();
    const needed = [
      'user.presence',
      'user.routing',
      'conversation.detail',
      'queue.observation',
      'interaction',
      'user.conversation',
    ];
    for (let i = 0, seen = 0; i < 1500 && !needed.every((k) => kinds.has(k)); i++) {
      a.advance(20_000);
      b.advance(20_000);
      for (; seen < clean.length; seen++) kinds.add(stored(clean[seen]!).kind);
    }
    assert.equal(drifted.length, clean.length);
    let compared = 0;
    for (let i = 0; i < clean.length; i++) {
      const before = JSON.parse(clean[i]!) as Record<string, unknown>;
      const enveloped = typeof before.topicName === 'string';
      // What the fault does (src/emulator/faults.ts `shape`): `schemaVersion` on the outermost
      // object, and every number anywhere turned into a string.
      const expected = new Set<string>([
        `${enveloped ? 'envelope' : 'body'} /schemaVersion unknown-field`,
      ]);
      const numbers = (node: unknown, path: string): void => {
        if (typeof node === 'number')
          expected.add(`body ${path.replace(/\/stats\/[^/]+$/, '/stats/*')} type-changed`);
        else if (Array.isArray(node)) node.forEach((x) => numbers(x, `${path}/*`));
        else if (node && typeof node === 'object')
          for (const [k, v] of Object.entries(node)) numbers(v, `${path}/${k}`);
      };
      numbers(enveloped ? before.eventBody : before, '');
      const event = stored(drifted[i]!);
      assert.deepEqual(registry.check(stored(clean[i]!)), [], clean[i]);
      assert.deepEqual(shorts(registry.check(event)), [...expected].sort(), drifted[i]);
      compared++;
    }
    assert.ok(compared > 100, `${compared} messages compared`);
    assert.ok(kinds.size >= 10, [...kinds].join());

    // Spot checks, one per family, with the exact fields.
    const first = (kind: string, topic: RegExp, has = '') =>
      drifted
        .map((x) => stored(x))
        .find((e) => e.kind === kind && topic.test(e.topic) && Buffer.from(e.body).includes(has))!;
    assert.deepEqual(shorts(registry.check(first('user.presence', /presence$/))), [
      'envelope /schemaVersion unknown-field',
    ]);
    const acdEnd = registry.check(first('conversation.detail', /acd\.end$/, '"ANSWERED"'));
    assert.deepEqual(shorts(acdEnd), [
      'body /connectedDurationMs type-changed',
      'body /eventTime type-changed',
      'envelope /schemaVersion unknown-field',
    ]);
    assert.equal(acdEnd.find((d) => d.field === '/eventTime')?.expected, 'number');
    assert.equal(acdEnd[0]!.schema, 'envelope.v1');
    assert.equal(acdEnd.find((d) => d.where === 'body')!.schema, 'conversation.detail.v1');
    assert.ok(
      shorts(registry.check(first('queue.observation', /observations$/))).includes(
        'body /data/*/metrics/*/stats/* type-changed',
      ),
    );
    assert.ok(
      shorts(
        registry.check(first('user.conversation', /conversations$/, 'alertingTimeoutMs')),
      ).includes('body /participants/*/alertingTimeoutMs type-changed'),
    );
    assert.deepEqual(shorts(registry.check(first('interaction', /^interaction$/))), [
      'body /data/metrics/acw type-changed',
      'body /data/metrics/holdTime type-changed',
      'body /data/metrics/talkTime type-changed',
      'body /data/metrics/totalTime type-changed',
      'body /data/metrics/waitTime type-changed',
      'body /schemaVersion unknown-field',
    ]);
  });
});

describe('drift problems', () => {
  const presence = (body: Record<string, unknown>) =>
    check(message(`v2.users.${U}.presence`, body));
  const ok = { presenceDefinition: { id: 'x', systemPresence: 'AVAILABLE' }, modifiedDate: T0 };

  test('unknown field, type change, missing required, invalid value; nested and collapsed', () => {
    assert.deepEqual(presence(ok), []);
    assert.deepEqual(shorts(presence({ ...ok, mood: 'sunny' })), ['body /mood unknown-field']);
    assert.deepEqual(presence({ ...ok, presenceDefinition: { id: 'x', systemPresence: 7 } }), [
      {
        kind: 'user.presence',
        schema: 'user.presence.v1',
        version: 1,
        where: 'body',
        field: '/presenceDefinition/systemPresence',
        problem: 'type-changed',
        expected: 'string',
      },
    ]);
    assert.deepEqual(shorts(presence({ modifiedDate: T0 })), [
      'body /presenceDefinition missing-required',
    ]);
    assert.deepEqual(shorts(presence({ presenceDefinition: { systemPresence: 'AWAY' } })), [
      'body /presenceDefinition/id missing-required',
    ]);
    // Array items and free-form map keys are `*`; an unknown field keeps its name.
    const conversation = {
      id: C,
      participants: [
        { id: 'p0', purpose: 'acd' },
        {
          id: 'p1',
          purpose: 'agent',
          attributes: { crm: 5 },
          calls: [
            { id: 'k', state: 'connected' },
            { id: 'k2', state: 'alerting', isVip: true },
          ],
        },
      ],
    };
    assert.deepEqual(shorts(check(message(`v2.users.${U}.conversations`, conversation))), [
      'body /participants/*/attributes/* type-changed',
      'body /participants/*/calls/*/isVip unknown-field',
    ]);
    // Per-media variant by topic suffix: the participant holds `state` itself.
    assert.deepEqual(
      shorts(
        check(
          message(`v2.routing.queues.${Q}.conversations.calls`, {
            id: C,
            participants: [{ id: 'p', purpose: 'customer' }],
          }),
        ),
      ),
      ['body /participants/*/state missing-required'],
    );
    // Detail events: eventTime is epoch ms; an ISO string is a type change.
    assert.deepEqual(
      shorts(
        check(
          message(`v2.detail.events.conversation.${C}.acd.start`, {
            eventTime: T0,
            conversationId: C,
          }),
        ),
      ),
      ['body /eventTime type-changed'],
    );
    // Guide metrics are non-negative seconds.
    const interaction = {
      notificationId: 'n',
      eventType: 'interaction',
      data: { interactionId: 'i', type: 'call', metrics: { talkTime: -1 } },
    };
    assert.deepEqual(shorts(check(JSON.stringify(interaction))), [
      'body /data/metrics/talkTime invalid-value',
    ]);
    // Envelope fields are checked apart from the body.
    assert.deepEqual(
      shorts(check(message(`v2.users.${U}.presence`, ok, { metadata: { CorrelationId: 1 } }))),
      ['envelope /metadata/CorrelationId type-changed'],
    );
    // A key with `/` or `~` is escaped as a JSON pointer.
    assert.deepEqual(shorts(presence({ ...ok, 'a/b~c': 1 })), ['body /a~1b~0c unknown-field']);
  });

  test('a topic or push without a schema, or a variant without one, is not checked', () => {
    assert.deepEqual(check(message(`v2.conversations.${C}.transcription`, { anything: 1 })), []);
    assert.deepEqual(
      check(message(`v2.detail.events.conversation.${C}.new.milestone`, { a: 1 })),
      [],
    );
    assert.deepEqual(check(message(`v2.users.${U}.conversations.faxes`, { a: 1 })), []);
    // A pushed routing.queue.* event has kind queue.member but no topic body.
    const pushed = stored(JSON.stringify({ eventType: 'routing.queue.memberAdded', userId: U }));
    assert.equal(pushed.kind, 'queue.member');
    assert.deepEqual(registry.check(pushed), []);
  });
});

describe('hostile bodies never throw', () => {
  const event = (kind: EventKind, body: Uint8Array | string, topic = `v2.users.${U}.presence`) =>
    ({
      id: 'x',
      source: 'stream',
      topic,
      kind,
      subject: {},
      occurredAt: null,
      receivedAt: RECEIVED,
      body: typeof body === 'string' ? enc.encode(body) : body,
      offset: 1,
    }) satisfies StoredEvent;
  const problems = (ds: Drift[]) => ds.map((d) => `${d.field}:${d.problem}`);

  test('not JSON, not UTF-8, scalars, bad envelopes, deep nesting, 1 MB, many keys, not an event', () => {
    assert.deepEqual(problems(registry.check(event('user.presence', '{"topicName":'))), [
      ':not-json',
    ]);
    assert.deepEqual(
      problems(registry.check(event('user.presence', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))),
      [':not-json'],
    );
    for (const scalar of ['null', '[]', '"x"', '5', 'true'])
      assert.deepEqual(registry.check(event('user.presence', scalar)), [], scalar);
    assert.deepEqual(problems(registry.check(event('agent.state', '[]', 'agentStateChange'))), [
      ':type-changed',
    ]);
    assert.deepEqual(
      shorts(registry.check(event('user.presence', '{"topicName":"t","eventBody":5}'))),
      ['envelope /eventBody type-changed'],
    );
    assert.deepEqual(shorts(registry.check(event('user.presence', '{"topicName":"t"}'))), [
      'envelope /eventBody missing-required',
    ]);
    const deep = `{"topicName":"t","eventBody":{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}}`;
    assert.deepEqual(problems(registry.check(event('user.presence', deep))), [':too-deep']);
    // Past the depth guard too (nothing in the schema descends into an unknown field).
    const lax = new SchemaRegistry({ maxDepth: 1e9, maxBytes: 4 << 20 });
    assert.doesNotThrow(() => lax.check(event('user.presence', deep)));
    const huge = message(`v2.users.${U}.presence`, { message: 'x'.repeat(1 << 20) });
    assert.ok(huge.length > 1_000_000);
    assert.deepEqual(problems(registry.check(event('user.presence', huge))), [':too-large']);
    assert.deepEqual(shorts(lax.check(event('user.presence', huge))), [
      'body /presenceDefinition missing-required',
    ]);
    const many = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
    const drifts = registry.check(event('user.presence', message('t', many)));
    assert.equal(drifts.length, 32);
    assert.ok(drifts.every((d) => d.field.length <= 201));
    const longKey = registry.check(event('user.presence', message('t', { ['k'.repeat(5000)]: 1 })));
    assert.ok(longKey.every((d) => d.field.length <= 201));
    assert.deepEqual(registry.check(event('unknown', '{"x":1}')), []);
    for (const bad of [
      null,
      undefined,
      5,
      {},
      { kind: 'user.presence' },
      { kind: 'user.presence', body: 'text' },
    ])
      assert.doesNotThrow(() => registry.check(bad as unknown as StoredEvent));
    assert.deepEqual(
      problems(registry.check({ kind: 'user.presence' } as unknown as StoredEvent)),
      [':not-json'],
    );
  });

  test('the check is pure: the event is unchanged, the answer the same, nothing dropped', () => {
    const text = JSON.stringify({
      topicName: `v2.users.${U}.routingStatus`,
      version: '2',
      eventBody: { id: U, routingStatus: { status: 'IDLE', startTime: 1 }, extra: true },
      metadata: { CorrelationId: 'c' },
      schemaVersion: '2.1-preview',
    });
    const e = stored(text);
    const copy = structuredClone(e);
    const first = registry.check(e);
    assert.deepEqual(shorts(first), [
      'body /extra unknown-field',
      'body /routingStatus/startTime type-changed',
      'envelope /schemaVersion unknown-field',
    ]);
    assert.deepEqual(registry.check(e), first);
    assert.deepEqual(e, copy);
    // The normalizer still makes the same event of it: drift is reported, never a reason to drop.
    const normalized = normalizeEvent(e.body, JSON.parse(text) as Record<string, unknown>, {
      source: 'stream',
      receivedAt: RECEIVED,
      idKeys: [],
    });
    assert.equal(normalized.kind, 'user.routing');
    assert.equal(normalized.body, e.body);
  });
});

describe('DriftCounter and switchboard_schema_drift_total', () => {
  const drift = (
    field: string,
    kind: EventKind = 'user.presence',
    where: Drift['where'] = 'body',
  ) =>
    ({
      kind,
      schema: `${kind}.v1`,
      version: 1,
      where,
      field,
      problem: 'unknown-field',
    }) satisfies Drift;

  test('counts per kind, field and problem; caps distinct fields per kind under *', async () => {
    const counter = new DriftCounter({ maxFieldsPerKind: 100 });
    counter.add([drift('/a'), drift('/a'), drift('/schemaVersion', 'user.presence', 'envelope')]);
    counter.add([{ ...drift(''), problem: 'not-json' }]);
    counter.add(Array.from({ length: 150 }, (_, i) => drift(`/f${i}`, 'user.routing')));
    const snap = counter.snapshot();
    assert.deepEqual(
      snap.filter((c) => c.kind === 'user.presence'),
      [
        { kind: 'user.presence', field: '(root)', problem: 'not-json', count: 1 },
        { kind: 'user.presence', field: '/a', problem: 'unknown-field', count: 2 },
        {
          kind: 'user.presence',
          field: 'envelope:/schemaVersion',
          problem: 'unknown-field',
          count: 1,
        },
      ],
    );
    const routing = snap.filter((c) => c.kind === 'user.routing');
    assert.equal(routing.length, 101);
    assert.deepEqual(
      routing.find((c) => c.field === '*'),
      {
        kind: 'user.routing',
        field: '*',
        problem: 'unknown-field',
        count: 50,
      },
    );
    // A field already counted keeps its own count after the cap.
    counter.add([drift('/f0', 'user.routing'), drift('/new', 'user.routing')]);
    const again = counter.snapshot().filter((c) => c.kind === 'user.routing');
    assert.equal(again.find((c) => c.field === '/f0')?.count, 2);
    assert.equal(again.find((c) => c.field === '*')?.count, 51);

    const metrics = new Registry();
    registerSchemaDriftMetrics(metrics, counter);
    const text = await metrics.metrics();
    assert.match(
      text,
      /^switchboard_schema_drift_total\{kind="user\.presence",field="\/a",problem="unknown-field"\} 2$/m,
    );
    assert.match(
      text,
      /^switchboard_schema_drift_total\{kind="user\.presence",field="envelope:\/schemaVersion",problem="unknown-field"\} 1$/m,
    );
    counter.add([drift('/a')]);
    assert.match(
      await metrics.metrics(),
      /^switchboard_schema_drift_total\{kind="user\.presence",field="\/a",problem="unknown-field"\} 3$/m,
    );
  });

  test('end to end: registry.check → counter.add', () => {
    const counter = new DriftCounter();
    counter.add(check(message(`v2.users.${U}.presence`, { presenceDefinition: { id: 1 } })));
    assert.deepEqual(counter.snapshot(), [
      {
        kind: 'user.presence',
        field: '/presenceDefinition/id',
        problem: 'type-changed',
        count: 1,
      },
    ]);
  });
});
