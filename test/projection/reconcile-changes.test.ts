/**
 * Issue 12 point 3: only a reconcile event that differs from the projected state is appended.
 * `LiveState.reconcileChanges` answers, per kind, whether folding the event would change
 * anything; each answer is checked here both ways, and against the fold itself. Bodies are the
 * REST entities' shapes (`User`, `Queue` with `QueueMember`s, `OrganizationPresenceDefinition`,
 * `WrapupCode`: MyPureCloud/platform-client-sdk-javascript build/index.d.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventKind } from '../../src/log/event-log.js';
import { LiveState } from '../../src/projection/live-state.js';
import { storedEvent } from '../support/events.js';
import { assertSdkShape } from '../support/sdk-models.js';

const Q = '8f1e2d3c-0000-4000-8000-0000000000a1';
const U = '2b6d8f0a-0000-4000-8000-0000000000b1';
const U2 = '2b6d8f0a-0000-4000-8000-0000000000b2';
const AVAILABLE = '6a3af858-942f-489d-9700-5f9bcdcdae9b';
const AWAY = '5e5c5c66-ea97-4e7f-ac41-6424784829f2';
const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
let offset = 0;

function user(over: Record<string, unknown> = {}, presenceAt = 0, routingAt = 0) {
  const u = {
    id: U,
    name: 'Ada Byron',
    state: 'active',
    team: { id: 'team-1', name: 'North' },
    presence: {
      presenceDefinition: { id: AVAILABLE, systemPresence: 'Available' },
      modifiedDate: iso(presenceAt),
    },
    routingStatus: { status: 'IDLE', startTime: iso(routingAt) },
    ...over,
  };
  assertSdkShape('User', u);
  return u;
}

function queue(
  members: { id: string; joined?: boolean }[] = [{ id: U, joined: true }],
  over: Record<string, unknown> = {},
) {
  const q = {
    id: Q,
    name: 'Sales',
    mediaSettings: { call: { serviceLevel: { percentage: 0.8, durationMs: 20_000 } } },
    ...over,
  };
  assertSdkShape('Queue', q);
  const list = members.map((m) => ({ ...m, name: m.id, memberBy: 'user' }));
  for (const m of list) assertSdkShape('QueueMember', m);
  return { queue: q, members: list };
}

/**
 * Every view, but for `offset` (a view's last change: any fold moves it) and a queue's `window`
 * (its start moves with the event clock, whatever the event).
 */
const views = (state: LiveState) =>
  JSON.stringify([state.agents(), state.queues(T0 + 3600_000)], (k, v: unknown) =>
    k === 'offset' || k === 'window' ? undefined : v,
  );

/** Folds `body` as a run started at `s` would, after asking whether it changes anything. */
function fold(state: LiveState, kind: EventKind, body: Record<string, unknown>, s: number) {
  const before = views(state);
  const changes = state.reconcileChanges(kind, body, T0 + s * 1000);
  state.apply(storedEvent(++offset, kind, { occurredAt: iso(s), body }));
  return { changes, changed: before !== views(state) };
}

describe('reconcile events: what differs from live state', () => {
  test('a user: unknown, the same, moved, older, renamed or moved team', () => {
    const s = new LiveState();
    assert.deepEqual(fold(s, 'reconcile.user', user(), 10), { changes: true, changed: true });
    assert.deepEqual(fold(s, 'reconcile.user', user(), 20), { changes: false, changed: false });
    // Away and back in a gap: same presence, later since.
    assert.deepEqual(fold(s, 'reconcile.user', user({}, 15), 30), {
      changes: true,
      changed: true,
    });
    const away = user({
      presence: { presenceDefinition: { id: AWAY, systemPresence: 'Away' }, modifiedDate: iso(5) },
    });
    assert.equal(
      s.reconcileChanges('reconcile.user', away, T0 + 30_000),
      false,
      'older than what live state knows: the fold would keep what it has',
    );
    assert.equal(s.reconcileChanges('reconcile.user', user({}, 0, 12), T0 + 30_000), true);
    assert.equal(
      s.reconcileChanges(
        'reconcile.user',
        user({ routingStatus: { status: 'INTERACTING', startTime: iso(0) } }),
        T0 + 30_000,
      ),
      true,
    );
    assert.equal(s.reconcileChanges('reconcile.user', user({ name: 'Ada K.' }), T0), true);
    assert.equal(
      s.reconcileChanges('reconcile.user', user({ team: { id: 'team-2', name: 'South' } }), T0),
      true,
    );
    const noTeam = user();
    delete (noTeam as Partial<typeof noTeam>).team;
    assert.equal(s.reconcileChanges('reconcile.user', noTeam, T0), true, 'left the team');
    assert.equal(s.reconcileChanges('reconcile.user', { id: 42 }, T0), false, 'no id: no fold');
  });

  test('a queue: members added, removed or unjoined, settings and names', () => {
    const s = new LiveState();
    assert.deepEqual(fold(s, 'reconcile.queue', queue(), 10), { changes: true, changed: true });
    assert.deepEqual(fold(s, 'reconcile.queue', queue(), 20), { changes: false, changed: false });
    const two = queue([
      { id: U, joined: true },
      { id: U2, joined: true },
    ]);
    assert.deepEqual(fold(s, 'reconcile.queue', two, 30), { changes: true, changed: true });
    assert.equal(s.reconcileChanges('reconcile.queue', queue(), T0 + 40_000), true, 'U2 removed');
    const unjoined = queue([
      { id: U, joined: false },
      { id: U2, joined: true },
    ]);
    assert.deepEqual(fold(s, 'reconcile.queue', unjoined, 40), { changes: true, changed: true });
    assert.equal(s.reconcileChanges('reconcile.queue', unjoined, T0 + 50_000), false);
    assert.equal(
      s.reconcileChanges(
        'reconcile.queue',
        queue(unjoined.members, {
          mediaSettings: { call: { serviceLevel: { percentage: 0.8, durationMs: 30_000 } } },
        }),
        T0 + 50_000,
      ),
      true,
      'a new service-level threshold',
    );
    assert.equal(
      s.reconcileChanges('reconcile.queue', queue(unjoined.members, { name: 'Sales EMEA' }), T0),
      true,
    );
  });

  test("a join lost in a gap, on an org clock ahead of ours: the run's asOf repairs it", () => {
    const s = new LiveState();
    fold(s, 'reconcile.queue', queue([{ id: U, joined: true }]), 10);
    // The activity topic unjoins U at 10:30 on the org's clock (an emulator's runs ahead).
    const unjoinAt = T0 + 1800_000;
    s.apply(
      storedEvent(++offset, 'user.activity', {
        subject: { userId: U },
        occurredAt: new Date(unjoinAt).toISOString(),
        body: { activeQueueIds: [], dateActiveQueuesChanged: new Date(unjoinAt).toISOString() },
      }),
    );
    assert.equal(s.queue(Q, unjoinAt)!.joined, 0);
    // U joined again in a gap; a run starting at 10:00:20 on our clock reads it joined. Dated
    // on our clock the snapshot is "older" than the unjoin and would be ignored; dated on the
    // org's clock (the run's asOf, after every event folded) it is newer.
    const snapshot = queue([{ id: U, joined: true }]);
    assert.equal(s.reconcileChanges('reconcile.queue', snapshot, T0 + 20_000), false);
    const asOf = { ...snapshot, asOf: new Date(unjoinAt + 60_000).toISOString() };
    assert.equal(s.reconcileChanges('reconcile.queue', asOf, T0 + 20_000), true);
    fold(s, 'reconcile.queue', asOf, 20);
    assert.equal(s.queue(Q, unjoinAt + 60_000)!.joined, 1, 'joined again');
  });

  test('presence definitions and wrap-up codes: a new or renamed entity', () => {
    const s = new LiveState();
    const definitions = {
      entities: [
        {
          id: 'e08eaf1b-0000-4000-8000-000000000001',
          systemPresence: 'Meal',
          languageLabels: { en_US: 'Lunch' },
        },
      ],
    };
    assertSdkShape('OrganizationPresenceDefinition', definitions.entities[0]!);
    assert.equal(s.reconcileChanges('reconcile.presence-definitions', definitions, T0), true);
    s.apply(storedEvent(++offset, 'reconcile.presence-definitions', { body: definitions }));
    assert.equal(s.reconcileChanges('reconcile.presence-definitions', definitions, T0), false);
    definitions.entities[0]!.languageLabels.en_US = 'Lunch break';
    assert.equal(s.reconcileChanges('reconcile.presence-definitions', definitions, T0), true);

    const codes = { entities: [{ id: 'c0de0000-0000-4000-8000-000000000001', name: 'Resolved' }] };
    assertSdkShape('WrapupCode', codes.entities[0]!);
    assert.equal(s.reconcileChanges('reconcile.wrapup-codes', codes, T0), true);
    s.apply(storedEvent(++offset, 'reconcile.wrapup-codes', { body: codes }));
    assert.equal(s.reconcileChanges('reconcile.wrapup-codes', codes, T0), false);
    assert.equal(s.reconcileChanges('reconcile.complete', {}, T0), true, 'always appended');
  });
});
