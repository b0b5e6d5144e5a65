import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LiveStore } from '../../web/src/live/live-store.js';
import { agent, queue, toast } from './fixtures.js';

const NOW = '2026-11-23T09:00:10.000Z';

describe('LiveStore', () => {
  test('a snapshot replaces everything; missing lists are empty', () => {
    const store = new LiveStore();
    store.apply({ type: 'snapshot', offset: 5, now: NOW, agents: [agent('a'), agent('b')] });
    store.apply({
      type: 'snapshot',
      offset: 9,
      now: NOW,
      agents: [agent('c')],
      queues: [queue('q1')],
    });
    assert.deepEqual([...store.agents.keys()], ['c']);
    assert.deepEqual([...store.queues.keys()], ['q1']);
    assert.equal(store.toasts.size, 0);
    assert.equal(store.offset, 9);
    assert.equal(store.snapshots, 2);
  });

  test('a delta replaces entities by id, adds new ones and removes the listed ids', () => {
    const store = new LiveStore();
    store.apply({
      type: 'snapshot',
      offset: 5,
      now: NOW,
      agents: [agent('a'), agent('b')],
      toasts: [toast('c1', 'a')],
    });
    store.apply({
      type: 'delta',
      offset: 7,
      now: NOW,
      agents: [agent('a', { label: 'Alerting', offset: 7 }), agent('n', { offset: 6 })],
      toasts: [toast('c2', 'b', 7)],
      removed: { agents: ['b'], toasts: ['c1:a'] },
    });
    assert.equal(store.agents.get('a')?.label, 'Alerting');
    assert.deepEqual([...store.agents.keys()].sort(), ['a', 'n']);
    assert.deepEqual([...store.toasts.keys()], ['c2:b']);
    assert.equal(store.offset, 7);
  });

  test('patches merge into held entities; null removes a field; unknown ids are skipped', () => {
    const store = new LiveStore();
    store.apply({
      type: 'snapshot',
      offset: 5,
      now: NOW,
      agents: [agent('a', { label: 'Idle', presenceLabel: 'On Queue' })],
      queues: [queue('q1', { waiting: 0 })],
    });
    const before = store.agents.get('a');
    store.apply({
      type: 'delta',
      offset: 8,
      now: NOW,
      patches: {
        agents: [
          { id: 'a', label: 'Interacting', presenceLabel: null, offset: 8 },
          { id: 'ghost', label: 'Idle', offset: 8 },
        ],
        queues: [{ id: 'q1', waiting: 3, offset: 8 }],
      },
    });
    const a = store.agents.get('a')!;
    assert.notEqual(a, before, 'a new object, so React re-renders');
    assert.equal(a.label, 'Interacting');
    assert.equal('presenceLabel' in a, false);
    assert.equal(a.name, before!.name, 'untouched fields kept');
    assert.equal(store.queues.get('q1')!.waiting, 3);
    assert.equal(store.agents.has('ghost'), false);
    // An older patch does not undo a newer state.
    store.apply({
      type: 'delta',
      offset: 9,
      now: NOW,
      patches: { agents: [{ id: 'a', label: 'Idle', offset: 7 }] },
    });
    assert.equal(store.agents.get('a')!.label, 'Interacting');
  });

  test('resumed keeps the state and the offset until the missed deltas arrive', () => {
    const store = new LiveStore();
    store.apply({ type: 'snapshot', offset: 10, now: NOW, agents: [agent('a')] });
    store.apply({ type: 'resumed', from: 10, offset: 20, now: NOW });
    assert.equal(store.offset, 10, 'a drop right now must resume after 10, not 20');
    assert.equal(store.agents.size, 1);
    store.apply({ type: 'delta', offset: 15, now: NOW, agents: [agent('a', { offset: 15 })] });
    assert.equal(store.offset, 15);
  });

  test('an older delta (a resend) changes nothing; an older entity never overwrites a newer one', () => {
    const store = new LiveStore();
    store.apply({
      type: 'snapshot',
      offset: 10,
      now: NOW,
      agents: [agent('a', { label: 'Break', offset: 10 })],
    });
    assert.equal(
      store.apply({ type: 'delta', offset: 8, now: NOW, agents: [agent('a', { offset: 8 })] }),
      false,
    );
    store.apply({
      type: 'delta',
      offset: 12,
      now: NOW,
      agents: [agent('a', { label: 'Idle', offset: 9 }), agent('b', { offset: 12 })],
    });
    assert.equal(store.agents.get('a')?.label, 'Break');
    assert.equal(store.offset, 12);
  });

  test('a coalesced delta applies like any other', () => {
    const store = new LiveStore();
    store.apply({ type: 'snapshot', offset: 1, now: NOW, queues: [queue('q1')] });
    store.apply({
      type: 'delta',
      offset: 50,
      now: NOW,
      coalesced: true,
      queues: [queue('q1', { waiting: 4, offset: 50 })],
    });
    assert.equal(store.queues.get('q1')?.waiting, 4);
  });

  test('a resume-out-of-window snapshot replaces the state wholesale', () => {
    const store = new LiveStore();
    store.apply({ type: 'snapshot', offset: 1, now: NOW, agents: [agent('a'), agent('b')] });
    store.apply({
      type: 'snapshot',
      offset: 900,
      now: NOW,
      reason: 'resume-out-of-window',
      agents: [agent('b', { offset: 800 })],
    });
    assert.deepEqual([...store.agents.keys()], ['b']);
    assert.equal(store.lastSnapshotReason, 'resume-out-of-window');
  });

  test('clock skew from `now`, every message counts as a sign of life', () => {
    let clock = Date.parse('2026-11-23T09:00:00.000Z');
    const store = new LiveStore({ clock: () => clock });
    store.apply({ type: 'heartbeat', offset: 0, now: '2026-11-23T09:00:03.000Z' });
    assert.equal(store.skewMs, 3000);
    assert.equal(store.serverNow(), clock + 3000);
    clock += 4000;
    assert.equal(store.silenceMs(), 4000);
    // Small jitter is smoothed; a jump (the clock stepped) is taken as is.
    store.apply({ type: 'heartbeat', offset: 0, now: new Date(clock + 3500).toISOString() });
    assert.equal(store.skewMs, 3100);
    store.apply({ type: 'heartbeat', offset: 0, now: new Date(clock - 60_000).toISOString() });
    assert.equal(store.skewMs, -60_000);
    assert.equal(store.silenceMs(), 0);
  });

  test('listeners hear once per flush, and only kinds that changed get a new version', () => {
    const pending: (() => void)[] = [];
    const store = new LiveStore({ schedule: (flush) => pending.push(flush) });
    let calls = 0;
    store.subscribe(() => calls++);
    store.apply({ type: 'snapshot', offset: 1, now: NOW, agents: [agent('a')] });
    const queuesBefore = store.versions.queues;
    for (let i = 2; i < 100; i++) {
      store.apply({ type: 'delta', offset: i, now: NOW, agents: [agent('a', { offset: i })] });
    }
    assert.equal(pending.length, 1, 'one flush scheduled for many messages');
    assert.equal(calls, 0);
    pending.shift()!();
    assert.equal(calls, 1);
    assert.equal(store.versions.queues, queuesBefore);
    store.apply({ type: 'heartbeat', offset: 99, now: NOW });
    pending.shift()!();
    assert.equal(calls, 2);
  });
});
