/**
 * Issue 11, point 5: direction and participant purposes. Payload keys are checked against the
 * official SDK's models (`MyPureCloud/platform-client-sdk-javascript` `build/index.d.ts`, npm
 * `purecloud-platform-client-v2`): `ConversationCallEventTopicCallConversation` /
 * `ConversationCallEventTopicCallMediaParticipant` (user `.calls`),
 * `QueueConversationCallEventTopicCallConversation` /
 * `QueueConversationCallEventTopicCallMediaParticipant` (queue `.calls`),
 * `QueueConversationEventTopicConversation` / `QueueConversationEventTopicParticipant` /
 * `QueueConversationEventTopicCall` (generic queue topic, media items in `calls[]`). `direction` ∈ inbound, outbound and the
 * `state` values are from the Python SDK's `queue_conversation_call_event_topic_call_media_participant.py`.
 * `purpose` is a free string there; `dialer.system` is seen only in third-party code.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LiveState } from '../../src/projection/live-state.js';
import { notificationEvent } from '../support/notifications.js';
import { assertSdkShape, shapedConversation } from '../support/sdk-models.js';

const Q = '7b0c4a1e-0000-4000-8000-000000000001';
const U = 'a1b2c3d4-0000-4000-8000-0000000000a1';
const U2 = 'a1b2c3d4-0000-4000-8000-0000000000a2';

const notification = notificationEvent;

const shaped = shapedConversation;
const userCall = <T extends { participants: object[] }>(b: T) =>
  shaped(
    'ConversationCallEventTopicCallConversation',
    'ConversationCallEventTopicCallMediaParticipant',
    b,
  );
const queueCall = <T extends { participants: object[] }>(b: T) =>
  shaped(
    'QueueConversationCallEventTopicCallConversation',
    'QueueConversationCallEventTopicCallMediaParticipant',
    b,
  );

describe('issue 11 point 5: direction and participant purposes', () => {
  test('an agent-initiated outbound call never rings the agent and is no queue arrival', () => {
    const s = new LiveState();
    const dialing = userCall({
      id: 'c-out',
      participants: [
        {
          id: 'pa',
          purpose: 'user',
          state: 'contacting',
          initialState: 'dialing',
          direction: 'outbound',
          user: { id: U },
          queue: { id: Q },
          startTime: '2024-05-02T11:00:00.000Z',
        },
        {
          id: 'pe',
          purpose: 'external',
          state: 'contacting',
          direction: 'outbound',
          address: 'tel:+15557654321',
          startTime: '2024-05-02T11:00:00.200Z',
        },
      ],
    });
    s.apply(notification(`v2.users.${U}.conversations.calls`, dialing, '2024-05-02T11:00:00.200Z'));
    assert.equal(s.toasts().length, 0, 'no ringing toast for a call the agent placed');
    assert.equal(s.agent(U)?.conversations[0]?.state, 'connected', 'the agent is busy on it');
    const connected = userCall({
      ...dialing,
      participants: dialing.participants.map((p) => ({
        ...p,
        state: 'connected',
        connectedTime: '2024-05-02T11:00:09.000Z',
      })),
    });
    s.apply(
      notification(`v2.users.${U}.conversations.calls`, connected, '2024-05-02T11:00:09.000Z'),
    );
    const q = s.queue(Q);
    assert.ok(q === undefined || (q.answered === 0 && q.interacting === 0 && q.waiting === 0));
  });

  test('a dialer campaign call routed via a queue (generic topic) is not waiting, not answered, not ringing', () => {
    const s = new LiveState();
    const call = (state: string, extra: Record<string, unknown> = {}) => {
      const item = { id: `m-${state}`, state, direction: 'outbound', held: false, ...extra };
      assertSdkShape('QueueConversationEventTopicCall', item);
      return [item];
    };
    const generic = <T extends { participants: object[] }>(b: T) =>
      shaped(
        'QueueConversationEventTopicConversation',
        'QueueConversationEventTopicParticipant',
        b,
      );
    const customer = {
      id: 'pe',
      purpose: 'customer',
      address: 'tel:+15550001111',
      calls: call('connected'),
    };
    const dialer = { id: 'pd', purpose: 'dialer.system', calls: call('disconnected') };
    const campaign = generic({
      id: 'c-dialer',
      participants: [
        customer,
        dialer,
        {
          id: 'pq',
          purpose: 'acd',
          queueId: Q,
          connectedTime: '2024-05-02T11:10:00.000Z',
          calls: call('connected'),
        },
      ],
    });
    s.apply(
      notification(`v2.routing.queues.${Q}.conversations`, campaign, '2024-05-02T11:10:00.000Z'),
    );
    assert.equal(s.queue(Q)?.waiting ?? 0, 0, 'not a queue arrival');
    const offered = generic({
      id: 'c-dialer',
      participants: [
        customer,
        dialer,
        {
          id: 'pq',
          purpose: 'acd',
          queueId: Q,
          connectedTime: '2024-05-02T11:10:00.000Z',
          endTime: '2024-05-02T11:10:01.000Z',
          calls: call('disconnected'),
        },
        { id: 'pa', purpose: 'agent', userId: U, queueId: Q, calls: call('alerting') },
      ],
    });
    s.apply(
      notification(`v2.routing.queues.${Q}.conversations`, offered, '2024-05-02T11:10:01.000Z'),
    );
    assert.equal(s.toasts().length, 0, 'no ringing toast');
    assert.equal(s.agent(U)?.conversations[0]?.state, 'connected');
    const answered = generic({
      ...offered,
      participants: offered.participants.map((p) =>
        p.id === 'pa'
          ? { ...p, connectedTime: '2024-05-02T11:10:02.000Z', calls: call('connected') }
          : p,
      ),
    });
    s.apply(
      notification(`v2.routing.queues.${Q}.conversations`, answered, '2024-05-02T11:10:02.000Z'),
    );
    assert.equal(s.queue(Q)?.answered ?? 0, 0, 'not in service level');
    assert.equal(s.queue(Q)?.interacting ?? 0, 0);
  });

  test('an IVR before the queue keeps the conversation alive; it then waits in the queue', () => {
    const s = new LiveState();
    const ivr = queueCall({
      id: 'c-ivr',
      participants: [
        {
          id: 'pc',
          purpose: 'customer',
          state: 'connected',
          direction: 'inbound',
          address: 'tel:+15552223333',
        },
        { id: 'pi', purpose: 'ivr', state: 'connected', direction: 'inbound' },
      ],
    });
    s.apply(
      notification(`v2.routing.queues.${Q}.conversations.calls`, ivr, '2024-05-02T11:20:00.000Z'),
    );
    const queued = queueCall({
      id: 'c-ivr',
      participants: [
        ivr.participants[0]!,
        {
          id: 'pi',
          purpose: 'ivr',
          state: 'disconnected',
          direction: 'inbound',
          endTime: '2024-05-02T11:20:30.000Z',
        },
        {
          id: 'pq',
          purpose: 'acd',
          state: 'connected',
          direction: 'inbound',
          queue: { id: Q },
          connectedTime: '2024-05-02T11:20:30.000Z',
        },
      ],
    });
    s.apply(
      notification(
        `v2.routing.queues.${Q}.conversations.calls`,
        queued,
        '2024-05-02T11:20:30.000Z',
      ),
    );
    assert.equal(s.queue(Q)?.waiting, 1);
  });

  test('a consult: the first agent held, the consulted agent rings; one answer counted; a monitor is no agent', () => {
    const s = new LiveState();
    const base = (second: Record<string, unknown>) =>
      queueCall({
        id: 'c-consult',
        participants: [
          { id: 'pc', purpose: 'customer', state: 'connected', direction: 'inbound' },
          {
            id: 'pq',
            purpose: 'acd',
            state: 'disconnected',
            direction: 'inbound',
            queue: { id: Q },
            connectedTime: '2024-05-02T12:00:00.000Z',
            endTime: '2024-05-02T12:00:05.000Z',
          },
          {
            id: 'pa1',
            purpose: 'agent',
            state: 'connected',
            held: true,
            direction: 'inbound',
            user: { id: U },
            queue: { id: Q },
            connectedTime: '2024-05-02T12:00:05.000Z',
            consultParticipantId: 'pa2',
          },
          second,
          {
            id: 'pm',
            purpose: 'user',
            state: 'connected',
            direction: 'inbound',
            user: { id: 'supervisor-1' },
            monitoredParticipantId: 'pa1',
          },
        ],
      });
    s.apply(
      notification(
        `v2.routing.queues.${Q}.conversations.calls`,
        base({
          id: 'pa2',
          purpose: 'user',
          state: 'alerting',
          direction: 'inbound',
          user: { id: U2 },
        }),
        '2024-05-02T12:01:00.000Z',
      ),
    );
    assert.equal(s.agent(U)?.conversations[0]?.state, 'held');
    assert.deepEqual(
      s.toasts().map((t) => t.userId),
      [U2],
    );
    assert.equal(s.agent('supervisor-1'), undefined, 'a monitoring supervisor holds no leg');
    // The first agent still has the customer: the consulted phone ringing is no queue offer.
    assert.equal(s.queue(Q)?.alerting, 0, 'a consult ring is not the queue alerting');
    assert.equal(s.queue(Q)?.interacting, 1);
    s.apply(
      notification(
        `v2.routing.queues.${Q}.conversations.calls`,
        base({
          id: 'pa2',
          purpose: 'user',
          state: 'connected',
          direction: 'inbound',
          user: { id: U2 },
          connectedTime: '2024-05-02T12:01:04.000Z',
        }),
        '2024-05-02T12:01:04.000Z',
      ),
    );
    assert.equal(s.queue(Q)?.answered, 1, 'the consult is not a second answer');
  });
});
