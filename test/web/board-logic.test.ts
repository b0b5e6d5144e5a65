/**
 * Issue 15 points 2–4, the logic under the wallboard: thresholds per queue and media resolved
 * from each queue's own service-level target and the layers over it, validation that a warning
 * comes before its alert (against what it inherits), the centre-wide KPI strip, tiles by
 * severity, named boards' views, and new-alert detection for sound and flash.
 *
 * A queue's `mediaSettings.<media>.serviceLevel` is `{ percentage, durationMs }` (ServiceLevel in
 * the Genesys SDK, platform-client-sdk-javascript build/index.d.ts); the live view carries it per
 * media as `serviceLevelTarget` (0..1) and `serviceLevelThresholdSec`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_STATE_RULES,
  longestWaitLevel,
  resolveQueueRule,
  resolveStateRules,
  serviceLevelLevel,
  validateOverrides,
} from '../../src/protocol/thresholds.js';
import { boardView, filtersOf } from '../../web/src/lib/board-view.js';
import { centreKpis, windowText } from '../../web/src/lib/kpis.js';
import { NewAlerts } from '../../web/src/lib/new-alerts.js';
import { bySeverity, judgeQueue } from '../../web/src/lib/queue-levels.js';
import {
  formatSec,
  queueRule,
  stateIndexOf,
  stateLevel,
  waitRuleText,
} from '../../web/src/lib/thresholds.js';
import { agent, queue } from './fixtures.js';

const media = (
  m: string,
  thresholdSec: number,
  target: number | null,
  sl: number | null = null,
) => ({
  media: m,
  answered: 0,
  answeredWithinThreshold: 0,
  abandoned: 0,
  serviceLevel: sl,
  serviceLevelThresholdSec: thresholdSec,
  serviceLevelTarget: target,
});

const NOW = Date.parse('2026-11-23T10:00:00Z');
const ago = (sec: number) => new Date(NOW - sec * 1000).toISOString();

describe('thresholds from each queue’s own target', () => {
  test('an e-mail queue with a one-hour target is not red after two minutes; a voice queue is', () => {
    const email = queue('e', { mediaType: 'email', byMedia: [media('email', 3600, 0.9)] });
    const voice = queue('v', { byMedia: [media('voice', 20, 0.8)] });
    const e = queueRule(email, {});
    assert.deepEqual(
      [e.longestWaitWarnSec, e.longestWaitAlertSec, e.serviceLevelWarnPct, e.serviceLevelAlertPct],
      [3600, 7200, 90, 75],
    );
    assert.equal(e.source.longestWait, 'target');
    assert.equal(longestWaitLevel(120_000, e), 'ok');
    assert.equal(longestWaitLevel(120_000, queueRule(voice, {})), 'alert');
    const waiting = { waiting: 1, oldestWaitingSince: ago(120) };
    assert.equal(judgeQueue({ ...email, ...waiting }, {}, NOW).level, 'ok');
    assert.equal(judgeQueue({ ...voice, ...waiting }, {}, NOW).level, 'alert');
  });

  test('no target known: the fallback rule, said to be the default', () => {
    const r = queueRule(queue('x'), {});
    assert.equal(r.source.serviceLevel, 'default');
    assert.equal(r.serviceLevelWarnPct, 80);
    assert.equal(waitRuleText(r), 'warn ≥ 20 s · alert ≥ 40 s');
  });

  test('layers: config under dashboard; all < media < queue < queue media; each field inherits', () => {
    const q = queue('q1', { byMedia: [media('voice', 20, 0.8)] });
    const config = {
      all: { longestWaitAlertSec: 90 },
      media: { voice: { longestWaitWarnSec: 30 } },
    };
    const dashboard = {
      queues: {
        q1: { all: { serviceLevelAlertPct: 50 }, media: { voice: { longestWaitWarnSec: 45 } } },
      },
    };
    const r = queueRule(q, { config, dashboard });
    assert.equal(r.longestWaitWarnSec, 45);
    assert.equal(r.longestWaitAlertSec, 90);
    assert.equal(r.serviceLevelWarnPct, 80);
    assert.equal(r.serviceLevelAlertPct, 50);
    assert.deepEqual(r.source, { longestWait: 'dashboard', serviceLevel: 'dashboard' });
    // Another queue sees only the layers that apply to it.
    const other = queueRule(queue('q2', { byMedia: [media('voice', 20, 0.8)] }), {
      config,
      dashboard,
    });
    assert.deepEqual([other.longestWaitWarnSec, other.serviceLevelAlertPct], [30, 65]);
    assert.equal(other.source.serviceLevel, 'target');
  });

  test('a queue with several media is judged by each media against its own target', () => {
    const q = queue('m', {
      byMedia: [media('voice', 20, 0.8, 0.95), media('email', 3600, 0.9, 0.5)],
    });
    const j = judgeQueue(q, {}, NOW);
    assert.deepEqual(
      j.media.map((m) => [m.media, m.level]),
      [
        ['voice', 'ok'],
        ['email', 'alert'],
      ],
    );
    assert.equal(j.serviceLevel, 'alert');
    assert.equal(serviceLevelLevel(0.79, j.media[0]!.rule), 'warn');
  });

  test('time in state: defaults, a config rule, and the dashboard’s replacing one label', () => {
    const rules = resolveStateRules({
      config: { states: [{ label: 'Coffee Break', warnSec: 300 }] },
      dashboard: { states: [{ label: 'wrap up', warnSec: 60, alertSec: 90 }] },
    });
    assert.equal(rules.length, DEFAULT_STATE_RULES.length + 1);
    const index = stateIndexOf({ dashboard: { states: [{ label: 'WRAP-UP', alertSec: 30 }] } });
    assert.equal(stateLevel(index, 'Wrap-up', 31_000), 'alert');
    assert.equal(stateLevel(index, 'Wrap-up', 29_000), 'ok', 'the replaced rule has no warning');
    assert.equal(stateLevel(index, 'Not Responding', undefined), 'alert');
  });

  test('rules read in words: seconds, minutes and hours', () => {
    assert.deepEqual([45, 120, 90, 3600, 5400].map(formatSec), [
      '45 s',
      '2 min',
      '90 s',
      '1 h',
      '1 h 30 min',
    ]);
  });
});

describe('threshold validation', () => {
  test('a warning after its alert is refused, also when the alert is inherited', () => {
    assert.deepEqual(
      validateOverrides({ all: { longestWaitWarnSec: 60, longestWaitAlertSec: 120 } }),
      [],
    );
    const own = validateOverrides({ all: { longestWaitWarnSec: 130, longestWaitAlertSec: 120 } });
    assert.equal(own[0]?.path, '$.all.longestWaitWarnSec');
    const inherited = validateOverrides(
      { media: { voice: { longestWaitWarnSec: 100 } } },
      {
        all: { longestWaitAlertSec: 90 },
      },
    );
    assert.equal(inherited[0]?.path, '$.media.voice.longestWaitWarnSec');
    const sl = validateOverrides({ queues: { q1: { all: { serviceLevelWarnPct: 50 } } } });
    assert.match(sl[0]?.message ?? '', /warning \(below 50 %\) must come before the alert/);
  });

  test('checked against a real queue’s own target: an 1800 s alert under a 3600 s e-mail target', () => {
    const layer = { queues: { e: { all: { longestWaitAlertSec: 1800 } } } };
    assert.deepEqual(validateOverrides(layer), [], 'against the fallback target it looks fine');
    const problems = validateOverrides(layer, {}, [
      { queueId: 'e', media: 'email', thresholdSec: 3600, target: 0.9 },
    ]);
    assert.equal(problems[0]?.path, '$.queues.e');
    assert.match(
      problems[0]?.message ?? '',
      /wait warning \(3600 s\) would come after the alert \(1800 s\)/,
    );
  });

  test('hostile shapes are problems, never exceptions', () => {
    const cases: unknown[] = [
      null,
      [],
      'x',
      { all: [] },
      { all: { longestWaitWarnSec: -1 } },
      { all: { longestWaitWarnSec: 1e12 } },
      { all: { serviceLevelWarnPct: 101 } },
      { all: { nope: 1 } },
      { media: { fax: {} } },
      { queues: { 'a.b': {} } },
      { queues: { q: { other: {} } } },
      {
        states: [
          { label: '' },
          7,
          { label: 'x'.repeat(101) },
          { label: 'a', warnSec: 9, alertSec: 1 },
        ],
      },
      { extra: true },
    ];
    for (const c of cases) {
      const problems = validateOverrides(c);
      assert.ok(problems.length > 0, `refused: ${JSON.stringify(c)?.slice(0, 60)}`);
    }
    const many = Object.fromEntries(Array.from({ length: 2_001 }, (_, i) => [`q${i}`, {}]));
    assert.ok(validateOverrides({ queues: many }).some((p) => /at most 2000/.test(p.message)));
  });

  test('an empty field inherits: nothing set is valid', () => {
    assert.deepEqual(validateOverrides({}), []);
    assert.deepEqual(resolveQueueRule({}, {}).longestWaitWarnSec, 20);
  });
});

describe('centre KPI strip', () => {
  test('sums queues: SL, ASA, AHT and abandon rate over the window; occupancy now', () => {
    const queues = [
      queue('a', {
        waiting: 2,
        oldestWaitingSince: ago(75),
        answered: 8,
        answeredWithinThreshold: 6,
        abandoned: 2,
        answerWaitMsTotal: 80_000,
        handled: 4,
        handleMsTotal: 1_200_000,
      }),
      queue('b', {
        waiting: 1,
        oldestWaitingSince: ago(30),
        answered: 2,
        answeredWithinThreshold: 2,
        answerWaitMsTotal: 10_000,
      }),
    ];
    const agents = [
      agent('1', { routingStatus: 'INTERACTING', label: 'Interacting' }),
      agent('2'),
      agent('3', { routingStatus: 'NOT_RESPONDING', label: 'Not Responding' }),
      agent('4', { presence: 'BREAK', routingStatus: 'OFF_QUEUE', label: 'Break' }),
      agent('5', { loggedIn: false, presence: 'OFFLINE', label: 'Offline' }),
    ];
    const k = centreKpis(queues, agents, NOW);
    assert.equal(k.waiting, 3);
    assert.equal(k.longestWaitMs, 75_000);
    assert.equal(k.serviceLevel.value, 8 / 12);
    assert.equal(k.asaMs.value, 9_000);
    assert.equal(k.ahtMs.value, 300_000);
    assert.equal(k.abandonRate.value, 2 / 12);
    assert.equal(k.occupancy.value, 1 / 3);
    assert.deepEqual(
      k.agents.map((g) => [g.label, g.count]),
      [
        ['Idle', 1],
        ['Interacting', 1],
        ['Not responding', 1],
        ['Off queue', 1],
      ],
    );
    assert.equal(k.window, 'rolling 15 min');
  });

  test('nothing to measure is unknown with a reason, never 0', () => {
    const k = centreKpis([queue('a')], [], NOW);
    assert.equal(k.longestWaitMs, null);
    for (const m of [k.serviceLevel, k.asaMs, k.ahtMs, k.abandonRate, k.occupancy]) {
      assert.equal(m.value, null);
      assert.ok(m.reason && m.reason.length > 5);
    }
  });

  test('the window in words: rolling, or since midnight in the org’s zone', () => {
    assert.equal(
      windowText(
        queue('a', {
          window: {
            kind: 'today',
            timeZone: 'America/New_York',
            since: '2026-11-23T05:00:00.000Z',
          },
        }),
      ),
      'since 00:00 (America/New_York)',
    );
    assert.equal(windowText(undefined), 'no queues yet');
  });
});

describe('tiles for a room', () => {
  test('alerts first, then warnings, then the rest; more waiting first within a level', () => {
    const tiles = [
      queue('ok', { name: 'A calm' }),
      queue('warn', { name: 'B warn', waiting: 1, oldestWaitingSince: ago(25) }),
      queue('alert1', { name: 'C alert', waiting: 1, oldestWaitingSince: ago(50) }),
      queue('alert2', { name: 'D alert', waiting: 4, oldestWaitingSince: ago(45) }),
    ].map((q) => ({ queue: q, judgement: judgeQueue(q, {}, NOW) }));
    assert.deepEqual(
      tiles.sort(bySeverity).map((t) => t.queue.id),
      ['alert2', 'alert1', 'warn', 'ok'],
    );
  });
});

describe('named boards', () => {
  const board = {
    name: 'billing-tv',
    title: 'Billing',
    filters: { queue: 'q1', sort: 'time' as const },
    layout: { tv: true, agents: 'exceptions' as const, pageSeconds: 20, sound: true, flash: false },
    source: 'dashboard' as const,
    updatedAt: null,
  };

  test('a board’s filters and layout, with the URL’s parameters over them', () => {
    const v = boardView(new URLSearchParams(''), board);
    assert.equal(v.queue, 'q1');
    assert.equal(v.sort, 'time');
    assert.deepEqual(v.layout, board.layout);
    const narrowed = boardView(new URLSearchParams('team=t1&queue=&tv=0&page=7&agents=all'), board);
    assert.equal(narrowed.queue, undefined, 'an empty parameter clears the board’s filter');
    assert.equal(narrowed.team, 't1');
    assert.equal(narrowed.layout.tv, false);
    assert.equal(narrowed.layout.pageSeconds, 7);
    assert.equal(narrowed.layout.agents, 'all');
    assert.deepEqual(filtersOf(narrowed), { team: 't1', sort: 'time' });
  });

  test('no board: the plain wallboard; junk parameters fall back', () => {
    const v = boardView(new URLSearchParams('tv=1&page=9999&agents=everyone&sort=zzz'));
    assert.equal(v.layout.tv, true);
    assert.equal(v.layout.pageSeconds, 15);
    assert.equal(v.layout.agents, 'all');
    assert.equal(v.sort, 'state');
    assert.equal(v.board, undefined);
  });
});

describe('new alerts for sound and flash', () => {
  test('the first look learns; later, only what was not alerting before', () => {
    const n = new NewAlerts();
    assert.deepEqual(n.update(['queue:A']), []);
    assert.deepEqual(n.update(['queue:A', 'agent:B']), ['agent:B']);
    assert.deepEqual(n.update(['agent:B']), []);
    assert.deepEqual(n.update(['agent:B', 'queue:A']), ['queue:A'], 'cleared, then red again');
  });
});
