import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { legend, selectAgents, stateRank, teamsOf } from '../../web/src/lib/agents.js';
import { indicatorOf } from '../../web/src/lib/connection-status.js';
import {
  elapsedSince,
  formatAge,
  formatDuration,
  formatPercent,
} from '../../web/src/lib/format.js';
import { DEFAULT_TOAST_DISMISS_MS, parseSettings } from '../../web/src/lib/settings.js';
import { parseStatsHistory, toSeries } from '../../web/src/lib/stats.js';
import { agent } from './fixtures.js';

describe('per-browser settings', () => {
  test('toast timing parses, anything malformed falls back', () => {
    assert.equal(parseSettings('{"toastDismissMs":0}').toastDismissMs, 0);
    assert.equal(parseSettings('{').toastDismissMs, DEFAULT_TOAST_DISMISS_MS);
    assert.equal(parseSettings('{"toastDismissMs":-5}').toastDismissMs, DEFAULT_TOAST_DISMISS_MS);
  });
});

describe('agent grid selection', () => {
  const agents = [
    agent('1', { name: 'Zoe', label: 'Idle', since: '2026-11-23T09:00:05Z' }),
    agent('2', { name: 'Adam', label: 'Idle', since: '2026-11-23T09:00:01Z' }),
    agent('3', { name: 'Bea', label: 'Not Responding', since: '2026-11-23T09:00:09Z' }),
    agent('4', { name: 'Cy', label: 'Offline', since: undefined, teamId: 't2', teamName: 'Two' }),
    agent('5', { name: 'Dee', label: 'Coaching', queueIds: ['q2'], since: '2026-11-23T08:00Z' }),
    agent('6', { name: 'Eve', label: 'Wrap-up', since: '2026-11-23T09:00:00Z' }),
  ];

  test('by state, then longest in state first', () => {
    const ids = selectAgents(agents, {}, 'state').map((a) => a.id);
    assert.deepEqual(ids, ['3', '6', '2', '1', '5', '4']);
  });

  test('by name, and by time in state alone', () => {
    assert.deepEqual(
      selectAgents(agents, {}, 'name').map((a) => a.name),
      ['Adam', 'Bea', 'Cy', 'Dee', 'Eve', 'Zoe'],
    );
    assert.deepEqual(
      selectAgents(agents, {}, 'time').map((a) => a.id),
      ['5', '6', '2', '1', '3', '4'],
    );
  });

  test('filters by queue, team, state and name', () => {
    assert.deepEqual(
      selectAgents(agents, { queueId: 'q2' }, 'state').map((a) => a.id),
      ['5'],
    );
    assert.deepEqual(
      selectAgents(agents, { teamId: 't2' }, 'state').map((a) => a.id),
      ['4'],
    );
    assert.deepEqual(
      selectAgents(agents, { label: 'idle' }, 'name').map((a) => a.id),
      ['2', '1'],
    );
    assert.deepEqual(
      selectAgents(agents, { search: 'ZO' }, 'name').map((a) => a.id),
      ['1'],
    );
  });

  test('legend counts per state in state order, ignoring the state filter itself', () => {
    assert.deepEqual(legend(agents, { label: 'Idle' }), [
      { label: 'Not Responding', count: 1 },
      { label: 'Wrap-up', count: 1 },
      { label: 'Idle', count: 2 },
      { label: 'Coaching', count: 1 },
      { label: 'Offline', count: 1 },
    ]);
    assert.ok(stateRank('Coaching') < stateRank('Offline'));
    assert.deepEqual(teamsOf(agents), [
      { id: 'team-1', name: 'Team One' },
      { id: 't2', name: 'Two' },
    ]);
  });

  test('sorts 5,000 agents quickly', () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      agent(String(i), {
        name: `Agent ${i}`,
        label: ['Idle', 'Interacting', 'Break', 'Offline', 'Wrap-up'][i % 5]!,
        since: new Date(
          Date.parse('2026-11-23T09:00:00Z') - ((i * 7919) % 3600) * 1000,
        ).toISOString(),
      }),
    );
    const started = performance.now();
    for (let i = 0; i < 10; i++) selectAgents(many, {}, 'state');
    const perSort = (performance.now() - started) / 10;
    assert.ok(perSort < 50, `one sort took ${perSort.toFixed(1)} ms`);
  });
});

describe('formatting and the connection indicator', () => {
  test('durations, ages, percentages', () => {
    assert.equal(formatDuration(7_900), '0:07');
    assert.equal(formatDuration(725_000), '12:05');
    assert.equal(formatDuration(3_723_000), '1:02:03');
    assert.equal(formatDuration(-5), '0:00');
    assert.equal(formatAge(3_400), '3 s ago');
    assert.equal(formatAge(125_000), '2 min ago');
    assert.equal(formatPercent(0.834), '83%');
    assert.equal(formatPercent(null), '—');
    assert.equal(elapsedSince('2026-11-23T09:00:00Z', Date.parse('2026-11-23T09:00:04Z')), 4000);
    assert.equal(elapsedSince(null, 0), undefined);
  });

  test('connected, stale after 10 s of silence, reconnecting with the next attempt, failed', () => {
    const open = { status: 'open', since: 0 } as const;
    assert.deepEqual(indicatorOf(open, 3_000, 0), {
      status: 'connected',
      title: 'Live',
      detail: 'updated 3 s ago',
    });
    assert.equal(indicatorOf(open, 10_000, 0).status, 'stale');
    assert.equal(indicatorOf(open, 10_000, 0).detail, 'no message 10 s ago');
    const waiting = indicatorOf(
      { status: 'waiting', attempt: 3, retryAt: 5_000, lastClose: { code: 1006, reason: '' } },
      40_000,
      1_000,
    );
    assert.equal(waiting.status, 'reconnecting');
    assert.equal(waiting.detail, 'retry in 4 s (attempt 3) · updated 40 s ago');
    const failed = indicatorOf(
      { status: 'failed', code: 4401, errorCode: 'SB_AUTH_REQUIRED', message: 'token' },
      undefined,
      0,
    );
    assert.equal(failed.status, 'failed');
    assert.match(failed.detail, /^SB_AUTH_REQUIRED: token/);
  });
});

describe('stats history', () => {
  test('parses loosely, orders by time, one lag series per consumer', () => {
    const h = parseStatsHistory({
      intervalMs: 2000,
      samples: [
        {
          at: '2026-11-23T09:00:02Z',
          ingestPerSec: 5,
          ackP50Ms: 1.5,
          ackP99Ms: null,
          signatureFailuresPerSec: 0,
          duplicatesPerSec: 1,
          consumerLag: { projector: 3, router: 1 },
          liveClients: 2,
        },
        { at: '2026-11-23T09:00:00Z', ingestPerSec: 4, consumerLag: { projector: 0 } },
        { at: 'bad' },
        null,
      ],
    });
    assert.equal(h.samples.length, 2);
    const s = toSeries(h);
    assert.deepEqual(s.x, [Date.parse('2026-11-23T09:00:00Z') / 1000, s.x[0]! + 2]);
    assert.deepEqual(s.ingestPerSec, [4, 5]);
    assert.deepEqual(s.ackP50Ms, [null, 1.5]);
    assert.deepEqual(s.consumers, ['projector', 'router']);
    assert.deepEqual(s.consumerLag, [
      [0, 3],
      [null, 1],
    ]);
    assert.throws(() => parseStatsHistory('x'));
  });
});
