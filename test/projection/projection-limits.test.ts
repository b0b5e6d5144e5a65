import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LIMITS } from '../../src/projection/limits.js';
import { LiveState } from '../../src/projection/live-state.js';
import type { EventKind } from '../../src/log/event-kinds.js';
import type { StoredEvent } from '../../src/log/event-log.js';
import { storedEvent } from '../support/events.js';

const U = 'e40f28ea-2d4c-4a7e-9a52-0b6a0b3f2f11';
const Q = 'a4c69f2d-e286-4458-9c03-d0098f510013';
const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const MIB = 'é'.repeat(512 * 1024); // 1 MiB of UTF-8, two bytes a character

let offset = 0;
const stored = (kind: EventKind, subject: StoredEvent['subject'], body: unknown, when = at(0)) =>
  storedEvent(++offset, kind, { subject, body, occurredAt: when });

const bytes = (s: string | undefined) => Buffer.byteLength(s ?? '');

function ringing(conversationId: string, agents: string[], when: number, customer = 'Ada') {
  return stored(
    'queue.conversation',
    { queueId: Q },
    {
      eventBody: {
        id: conversationId,
        participants: [
          {
            purpose: 'customer',
            name: customer,
            address: customer,
            calls: [{ state: 'connected' }],
          },
          {
            purpose: 'acd',
            name: customer,
            queueId: Q,
            connectedTime: at(when),
            calls: [{ state: 'disconnected' }],
            endTime: at(when),
          },
          ...agents.map((userId) => ({
            purpose: 'agent',
            userId,
            queueId: Q,
            calls: [{ state: 'alerting' }],
          })),
        ],
      },
    },
    at(when),
  );
}

describe('live state: bounded strings and lists', () => {
  test('names and status words are cut at a character boundary; the view stays small', () => {
    const s = new LiveState();
    s.apply(
      stored(
        'agent.state',
        { userId: U },
        {
          eventType: 'agentStateChange',
          user: {
            id: U,
            name: MIB,
            state: MIB,
            routingStatus: MIB,
            login: { status: 'LOGGED_IN' },
          },
        },
      ),
    );
    s.apply(stored('reconcile.user', {}, { id: U, name: MIB, team: { id: 'team-1', name: MIB } }));
    const a = s.agent(U)!;
    assert.equal(a.name, 'é'.repeat(LIMITS.nameBytes / 2));
    assert.equal(bytes(a.teamName), LIMITS.nameBytes);
    assert.ok(bytes(a.presence) <= LIMITS.codeBytes && bytes(a.routingStatus) <= LIMITS.codeBytes);
    assert.ok(JSON.stringify(a).length < 4096, `agent view is ${JSON.stringify(a).length} bytes`);

    s.apply(
      stored(
        'reconcile.queue',
        {},
        { queue: { id: Q, name: MIB, mediaSettings: { [MIB]: {} } }, members: [] },
      ),
    );
    const q = s.queue(Q)!;
    assert.equal(bytes(q.name), LIMITS.nameBytes);
    assert.ok(bytes(q.mediaType) <= LIMITS.codeBytes);

    s.apply(ringing('conv-1', [U], 1, MIB));
    const [toast] = s.toasts();
    assert.ok(toast);
    assert.equal(bytes(toast.caller), LIMITS.nameBytes);
    assert.equal(bytes(toast.address), LIMITS.nameBytes);
    assert.ok(JSON.stringify(toast).length < 4096);
  });

  test('over-long ids are not keys: the part of the event naming one is ignored', () => {
    const s = new LiveState();
    const long = 'u'.repeat(LIMITS.idChars + 1);
    s.apply(stored('user.routing', { userId: long }, { routingStatus: { status: 'IDLE' } }));
    s.apply(stored('reconcile.user', {}, { id: long, name: 'x' }));
    s.apply(ringing('c'.repeat(LIMITS.idChars + 1), [U], 1));
    s.apply(ringing('conv-ok', [long], 2));
    assert.deepEqual(
      s.agents().map((a) => a.id),
      [],
      'no agent for the long ids',
    );
    assert.deepEqual(s.toasts(), []);
    const fits = 'u'.repeat(LIMITS.idChars);
    s.apply(stored('user.routing', { userId: fits }, { routingStatus: { status: 'IDLE' } }));
    assert.deepEqual(
      s.agents().map((a) => a.id),
      [fits],
    );
  });

  test('agents per conversation, legs per agent and queues per agent are bounded', () => {
    const s = new LiveState();
    const many = Array.from({ length: LIMITS.agentsPerConversation + 50 }, (_, i) => `agent-${i}`);
    s.apply(ringing('conf', many, 1));
    assert.equal(s.agents().length, LIMITS.agentsPerConversation);
    assert.equal(s.toasts().length, LIMITS.agentsPerConversation);

    for (let i = 0; i < LIMITS.legsPerAgent + 10; i++) s.apply(ringing(`c-${i}`, [U], 2 + i));
    const conversations = s.agent(U)!.conversations.map((c) => c.id);
    assert.equal(conversations.length, LIMITS.legsPerAgent);
    assert.equal(conversations.at(-1), `c-${LIMITS.legsPerAgent + 9}`, 'the newest leg is kept');
    assert.ok(!conversations.includes('c-0'), 'the oldest leg made room');
    assert.equal(s.toasts().filter((t) => t.userId === U).length, LIMITS.legsPerAgent);

    for (let i = 0; i < LIMITS.queuesPerAgent + 5; i++) {
      s.apply(stored('queue.member', { queueId: `q-${i}` }, { id: U }));
    }
    assert.equal(s.agent(U)!.queueIds.length, LIMITS.queuesPerAgent);
    assert.equal(
      s.queue(`q-${LIMITS.queuesPerAgent}`)!.members,
      0,
      'a refused membership is on neither side',
    );
  });
});
