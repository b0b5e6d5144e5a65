/**
 * Issue 11, point 4: a queue serves several media, each with its own service-level target. The
 * payloads are typed by the official SDK (a field outside the model fails the typecheck) and
 * checked against it at run time: `MyPureCloud/platform-client-sdk-javascript` `build/index.d.ts`
 * (installed here as `purecloud-platform-client-v2`), models `Queue` (`GET
 * /api/v2/routing/queues`), `QueueMediaSettings` (`call`, `callback`, `chat`, `email`,
 * `message`), `MediaSettings`, `ServiceLevel` (`percentage` 0..1, `durationMs`), and for the
 * conversations `QueueConversationEventTopicConversation` / `…Participant` / `…Call` /
 * `…Message` (topic `v2.routing.queues.{id}.conversations`, per `notificationMappings.json`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type platformClient from 'purecloud-platform-client-v2';
import { LiveState } from '../../src/projection/live-state.js';
import { storedEvent } from '../support/events.js';
import { nextOffset, notificationEvent } from '../support/notifications.js';
import { assertSdkShape } from '../support/sdk-models.js';

type Queue = platformClient.Models.Queue;
type Conversation = platformClient.Models.QueueConversationEventTopicConversation;
type Participant = platformClient.Models.QueueConversationEventTopicParticipant;

const Q = '9d0e1f2a-0000-4000-8000-0000000000q4';
const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/**
 * Keys in the order a body may list them: `email` (a day-long target) first, so a reader that
 * takes the first entry judges calls by the e-mail threshold.
 */
const queue: Queue = {
  id: Q,
  name: 'Support',
  memberCount: 0,
  mediaSettings: {
    email: {
      alertingTimeoutSeconds: 300,
      serviceLevel: { percentage: 0.9, durationMs: 86_400_000 },
    },
    message: { alertingTimeoutSeconds: 30, serviceLevel: { percentage: 0.8, durationMs: 60_000 } },
    call: { alertingTimeoutSeconds: 8, serviceLevel: { percentage: 0.8, durationMs: 20_000 } },
    callback: {
      alertingTimeoutSeconds: 30,
      serviceLevel: { percentage: 0.7, durationMs: 600_000 },
    },
    chat: { alertingTimeoutSeconds: 30, serviceLevel: { percentage: 0.8, durationMs: 30_000 } },
  },
};
assertSdkShape('Queue', queue);
assertSdkShape('QueueMediaSettings', queue.mediaSettings!);
for (const s of Object.values(queue.mediaSettings!)) {
  assertSdkShape('MediaSettings', s as object);
  assertSdkShape('ServiceLevel', (s as { serviceLevel: object }).serviceLevel);
}

const notification = (topicName: string, eventBody: object, when: number) =>
  notificationEvent(topicName, eventBody, at(when));

/**
 * A conversation of `media` (`calls` / `messages` arrays) queued at `queuedAt` and answered by
 * an agent at `answeredAt`, as the generic queue conversation topic carries it.
 */
function answered(id: string, media: 'calls' | 'messages', queuedAt: number, answeredAt: number) {
  const item = (state: string) => ({ id: `${id}-${state}`, state, direction: 'inbound' });
  const participants: Participant[] = [
    {
      id: `${id}-c`,
      purpose: 'customer',
      connectedTime: at(queuedAt),
      [media]: [item('connected')],
    },
    {
      id: `${id}-a`,
      purpose: 'acd',
      queueId: Q,
      connectedTime: at(queuedAt),
      endTime: at(answeredAt),
      [media]: [item('disconnected')],
    },
    {
      id: `${id}-u`,
      purpose: 'agent',
      userId: `agent-${id}`,
      queueId: Q,
      connectedTime: at(answeredAt),
      [media]: [item('connected')],
    },
  ];
  const body: Conversation = { id, participants };
  assertSdkShape('QueueConversationEventTopicConversation', body);
  for (const p of participants) assertSdkShape('QueueConversationEventTopicParticipant', p);
  return notification(`v2.routing.queues.${Q}.conversations`, body, answeredAt);
}

function seeded(): LiveState {
  const state = new LiveState({ serviceLevelThresholdSec: 15 });
  state.apply(
    storedEvent(nextOffset(), 'reconcile.queue', {
      subject: { queueId: Q },
      occurredAt: at(0),
      body: { queue, members: [] },
    }),
  );
  return state;
}

describe('issue 11 point 4: service level per media, against each media’s own target', () => {
  test('each answer is judged by its media’s threshold, and the tile gives every media', () => {
    const state = seeded();
    // A call answered after 30 s: late for calls (20 s). A message after 45 s: within (60 s).
    state.apply(answered('c1', 'calls', 10, 40));
    state.apply(answered('m1', 'messages', 10, 55));
    const view = state.queue(Q)!;
    assert.equal(view.answered, 2);
    assert.equal(view.answeredWithinThreshold, 1);
    assert.equal(view.serviceLevel, 0.5);
    assert.equal(view.serviceLevelThresholdSec, 20, 'the call threshold, not the first listed');
    assert.equal(view.mediaType, 'voice');
    const byMedia = Object.fromEntries(view.byMedia.map((f) => [f.media, f]));
    assert.deepEqual(Object.keys(byMedia), ['voice', 'callback', 'chat', 'email', 'message']);
    assert.deepEqual(
      [
        byMedia.voice!.answered,
        byMedia.voice!.answeredWithinThreshold,
        byMedia.voice!.serviceLevel,
      ],
      [1, 0, 0],
    );
    assert.deepEqual([byMedia.message!.answered, byMedia.message!.answeredWithinThreshold], [1, 1]);
    assert.equal(byMedia.message!.serviceLevel, 1);
    assert.deepEqual(
      view.byMedia.map((f) => [f.media, f.serviceLevelThresholdSec, f.serviceLevelTarget]),
      [
        ['voice', 20, 0.8],
        ['callback', 600, 0.7],
        ['chat', 30, 0.8],
        ['email', 86_400, 0.9],
        ['message', 60, 0.8],
      ],
    );
    assert.equal(byMedia.email!.serviceLevel, null, 'nothing offered in e-mail');
  });

  test('a media the queue has no setting for falls back to the configured default', () => {
    const state = new LiveState({ serviceLevelThresholdSec: 15 });
    state.apply(answered('c2', 'calls', 0, 18));
    const voice = state.queue(Q)!.byMedia.find((f) => f.media === 'voice')!;
    assert.deepEqual(
      [voice.answered, voice.answeredWithinThreshold, voice.serviceLevelThresholdSec],
      [1, 0, 15],
    );
    assert.equal(voice.serviceLevelTarget, null);
  });

  test('hostile settings (wrong types, out of range, unknown media) are ignored, never thrown', () => {
    const state = new LiveState({ serviceLevelThresholdSec: 15 });
    state.apply(
      storedEvent(nextOffset(), 'reconcile.queue', {
        subject: { queueId: Q },
        occurredAt: at(0),
        body: {
          queue: {
            id: Q,
            mediaSettings: {
              call: { serviceLevel: { percentage: 7, durationMs: -1 } },
              chat: 'x',
              fax: { serviceLevel: { percentage: 0.5, durationMs: 1000 } },
              email: { serviceLevel: { durationMs: 'soon' } },
            },
          },
          members: [],
        },
      }),
    );
    const view = state.queue(Q)!;
    assert.deepEqual(
      view.byMedia.map((f) => [f.media, f.serviceLevelThresholdSec, f.serviceLevelTarget]),
      [
        ['voice', 15, null],
        ['email', 15, null],
      ],
    );
  });
});
