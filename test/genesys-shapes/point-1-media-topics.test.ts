/**
 * Issue 11, point 1: the media-specific conversation topics (`…conversations.calls`, `.chats`,
 * `.messages`, `.callbacks`, …) carry their own model, not the generic one. The payloads are
 * typed by the official SDK, so a field that is not in the model fails the typecheck:
 * `MyPureCloud/platform-client-sdk-javascript` `build/index.d.ts` (installed here as
 * `purecloud-platform-client-v2`), models `QueueConversationCallEventTopicCallConversation`,
 * `QueueConversationCallEventTopicCallMediaParticipant`,
 * `ConversationMessageEventTopicMessageConversation`,
 * `QueueConversationCallbackEventTopicCallbackConversation`; topic → model from that repo's
 * `notificationMappings.json`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertSdkShape, shapedConversation } from '../support/sdk-models.js';
import { LiveState } from '../../src/projection/live-state.js';
import { notificationEvent } from '../support/notifications.js';
import { mediaConversationBody } from '../../src/emulator/render/topics.js';
import type { Conversation } from '../../src/emulator/model/simulation.js';

const Q = '7b0c4a1e-0000-4000-8000-000000000001';
const U = 'a1b2c3d4-0000-4000-8000-0000000000a1';
const C = '5a6f0c3e-0000-4000-8000-00000000c001';

const notification = notificationEvent;

const shaped = shapedConversation;

/** An inbound call ringing agent U, from queue Q: the research sample for `.calls`. */
const ringing = shaped(
  'QueueConversationCallEventTopicCallConversation',
  'QueueConversationCallEventTopicCallMediaParticipant',
  {
    id: C,
    participants: [
      {
        id: 'p-cust',
        purpose: 'customer',
        state: 'connected',
        direction: 'inbound',
        address: 'tel:+15551234567',
        ani: 'tel:+15551234567',
        startTime: '2024-05-02T10:00:00.000Z',
        connectedTime: '2024-05-02T10:00:00.500Z',
      },
      {
        id: 'p-acd',
        purpose: 'acd',
        state: 'disconnected',
        direction: 'inbound',
        queue: { id: Q, name: 'Support' },
        startTime: '2024-05-02T10:00:05.000Z',
        connectedTime: '2024-05-02T10:00:05.000Z',
        endTime: '2024-05-02T10:00:20.000Z',
        disconnectType: 'transfer',
      },
      {
        id: 'p-agent',
        purpose: 'agent',
        state: 'alerting',
        initialState: 'alerting',
        direction: 'inbound',
        user: { id: U, name: 'Ana' },
        queue: { id: Q },
        startTime: '2024-05-02T10:00:20.000Z',
        alertingTimeoutMs: 8000,
        wrapupRequired: true,
      },
    ],
    divisions: [{ division: { id: 'd0000000-0000-4000-8000-000000000001' } }],
  },
);

describe('issue 11 point 1: media-specific conversation topics', () => {
  test('a real queue `.calls` body rings the agent (toast), counts alerting in the queue, media voice', () => {
    const s = new LiveState();
    s.apply(
      notification(
        `v2.routing.queues.${Q}.conversations.calls`,
        ringing,
        '2024-05-02T10:00:20.000Z',
      ),
    );
    const toasts = s.toasts();
    assert.equal(toasts.length, 1, 'one ringing toast');
    assert.equal(toasts[0]!.userId, U);
    assert.equal(toasts[0]!.queueId, Q);
    assert.equal(toasts[0]!.media, 'voice');
    assert.equal(toasts[0]!.queueName, 'Support');
    assert.equal(s.queue(Q)?.alerting, 1);
    assert.equal(s.agent(U)?.conversations[0]?.media, 'voice');

    // Answered: the participant itself says connected, with its connectedTime.
    const answered = {
      ...ringing,
      participants: ringing.participants.map((p: Record<string, unknown>) =>
        p.purpose === 'agent'
          ? { ...p, state: 'connected', connectedTime: '2024-05-02T10:00:24.000Z' }
          : p,
      ),
    };
    s.apply(
      notification(
        `v2.routing.queues.${Q}.conversations.calls`,
        answered,
        '2024-05-02T10:00:24.000Z',
      ),
    );
    assert.equal(s.toasts().length, 0);
    assert.equal(s.queue(Q)?.interacting, 1);
    assert.equal(s.queue(Q)?.answered, 1);
    assert.equal(s.agent(U)?.conversations[0]?.state, 'connected');
  });

  test('a held participant (media-specific `held`) shows the leg held', () => {
    const s = new LiveState();
    const held = shaped(
      'ConversationCallEventTopicCallConversation',
      'ConversationCallEventTopicCallMediaParticipant',
      {
        id: C,
        participants: [
          { id: 'p-cust', purpose: 'customer', state: 'connected', direction: 'inbound' },
          {
            id: 'p-agent',
            purpose: 'agent',
            state: 'connected',
            held: true,
            direction: 'inbound',
            user: { id: U },
            queue: { id: Q },
            connectedTime: '2024-05-02T10:00:24.000Z',
          },
        ],
      },
    );
    s.apply(notification(`v2.users.${U}.conversations.calls`, held, '2024-05-02T10:01:00.000Z'));
    assert.equal(s.agent(U)?.conversations[0]?.state, 'held');
  });

  test('a user `.messages` and a queue `.callbacks` body take their media from the topic', () => {
    const s = new LiveState();
    const message = shaped(
      'ConversationMessageEventTopicMessageConversation',
      'ConversationMessageEventTopicMessageMediaParticipant',
      {
        id: 'c2',
        participants: [
          {
            id: 'p1',
            purpose: 'customer',
            state: 'connected',
            direction: 'inbound',
            type: 'webmessaging',
          },
          {
            id: 'p2',
            purpose: 'agent',
            state: 'connected',
            direction: 'inbound',
            user: { id: U },
            queue: { id: 'q2' },
            connectedTime: '2024-05-02T10:01:00.000Z',
          },
        ],
      },
    );
    s.apply(
      notification(`v2.users.${U}.conversations.messages`, message, '2024-05-02T10:01:00.000Z'),
    );
    assert.equal(s.agent(U)?.conversations[0]?.media, 'message');

    const callback = shaped(
      'QueueConversationCallbackEventTopicCallbackConversation',
      'QueueConversationCallbackEventTopicCallbackMediaParticipant',
      {
        id: 'cb1',
        participants: [
          {
            id: 'p-cust',
            purpose: 'customer',
            state: 'connected',
            direction: 'inbound',
            callbackNumbers: ['tel:+15551230000'],
            callbackUserName: 'Chris',
          },
          {
            id: 'p-acd',
            purpose: 'acd',
            state: 'connected',
            direction: 'inbound',
            queue: { id: Q, name: 'Support' },
            connectedTime: '2024-05-02T10:02:00.000Z',
          },
        ],
      },
    );
    s.apply(
      notification(
        `v2.routing.queues.${Q}.conversations.callbacks`,
        callback,
        '2024-05-02T10:02:00.000Z',
      ),
    );
    const q = s.queue(Q, Date.parse('2024-05-02T10:02:30.000Z'));
    assert.equal(q?.waiting, 1, 'the callback waits in the queue');
    assert.equal(q?.longestWaitMs, 30_000);
  });

  test('a callback names its customer by number and name in both families (participant or `callbacks[]` item)', () => {
    // Generic family: the numbers are on the `callbacks[]` items (`ConversationEventTopicCallback
    // {state, direction, callbackNumbers, callbackUserName, …}`), not on the participant.
    const item = (state: string) => {
      const cb = {
        id: 'cb-media-1',
        state,
        direction: 'inbound',
        held: false,
        callbackNumbers: ['tel:+15557654321'],
        callbackUserName: 'Dana Ruiz',
      };
      assertSdkShape('ConversationEventTopicCallback', cb);
      return cb;
    };
    const generic = shaped(
      'ConversationEventTopicConversation',
      'ConversationEventTopicParticipant',
      {
        id: 'cb-generic',
        participants: [
          { id: 'p-cust', purpose: 'customer', callbacks: [item('connected')] },
          {
            id: 'p-acd',
            purpose: 'acd',
            queueId: Q,
            name: 'Support',
            connectedTime: '2024-05-02T10:03:00.000Z',
            callbacks: [item('connected')],
          },
          { id: 'p-agent', purpose: 'agent', userId: U, queueId: Q, callbacks: [item('alerting')] },
        ],
      },
    );
    const s = new LiveState();
    s.apply(notification(`v2.users.${U}.conversations`, generic, '2024-05-02T10:03:10.000Z'));
    assert.deepEqual(
      s.toasts().map((t) => [t.userId, t.media, t.caller, t.address]),
      [[U, 'callback', 'Dana Ruiz', 'tel:+15557654321']],
    );

    // Media-specific family: on the participant itself.
    const specific = shaped(
      'QueueConversationCallbackEventTopicCallbackConversation',
      'QueueConversationCallbackEventTopicCallbackMediaParticipant',
      {
        id: 'cb-specific',
        participants: [
          {
            id: 'p-cust',
            purpose: 'customer',
            state: 'connected',
            callbackNumbers: ['tel:+15550001111'],
            callbackUserName: 'Eli Park',
          },
          { id: 'p-agent', purpose: 'agent', state: 'alerting', user: { id: U }, queue: { id: Q } },
        ],
      },
    );
    s.apply(
      notification(`v2.users.${U}.conversations.callbacks`, specific, '2024-05-02T10:04:00.000Z'),
    );
    assert.deepEqual(
      s
        .toasts()
        .filter((t) => t.conversationId === 'cb-specific')
        .map((t) => [t.caller, t.address]),
      [['Eli Park', 'tel:+15550001111']],
    );
  });

  test('the emulator renders `.calls` in the media-specific model (no arrays, user/queue refs)', () => {
    const conv = {
      id: C,
      media: 'voice',
      direction: 'inbound',
      customerName: 'Chris',
      ani: 'tel:+15551234567',
      arrivedAt: Date.parse('2024-05-02T10:00:00.000Z'),
      queue: { id: Q, name: 'Support' },
      queuedAt: Date.parse('2024-05-02T10:00:05.000Z'),
      state: 'alerting',
      agentId: U,
      alertingSince: Date.parse('2024-05-02T10:00:20.000Z'),
      held: false,
    } as unknown as Conversation;
    const body = mediaConversationBody(
      conv,
      () => 'Ana',
      U,
      Date.parse('2024-05-02T10:00:20.000Z'),
    );
    const parts = body.participants as Record<string, unknown>[];
    const agent = parts.find((p: Record<string, unknown>) => p.purpose === 'agent')!;
    assert.deepEqual(
      { state: agent.state, direction: agent.direction, user: agent.user, queue: agent.queue },
      {
        state: 'alerting',
        direction: 'inbound',
        user: { id: U, name: 'Ana' },
        queue: { id: Q, name: 'Support' },
      },
    );
    for (const p of parts) {
      assert.equal(p.calls, undefined);
      assert.equal(p.userId, undefined);
      assert.equal(p.queueId, undefined);
    }
    // What the emulator sends must read right through the gateway as well.
    const s = new LiveState();
    s.apply(
      notification(`v2.routing.queues.${Q}.conversations.calls`, body, '2024-05-02T10:00:20.000Z'),
    );
    assert.equal(s.toasts()[0]?.media, 'voice');
  });
});
