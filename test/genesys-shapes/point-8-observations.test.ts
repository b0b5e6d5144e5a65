// Issue 11 point 8: queue observations as Genesys sends them.
//
// Topic → model: MyPureCloud/platform-client-sdk-javascript notificationMappings.json maps
// `v2.analytics.queues.{id}.observations` to `StatEventQueueTopicStatsNotification`; its fields
// (build/index.d.ts): `group?: {[key: string]: string}`, `data?: StatEventQueueTopicIntervalMetrics[]`
// (`interval`, `metrics?: StatEventQueueTopicMetricStats[]`), each metric `{metric?, qualifier?,
// stats?: {[key: string]: number}}`. Qualifiers: `oOnQueueUsers` by routing status,
// `oUserPresences` by presence definition id. The all-media group has no `mediaType`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { QueueObservationView } from '../../src/protocol/live-messages.js';
import { LiveState } from '../../src/projection/live-state.js';
import { normalizeEvent } from '../../src/sources/normalize/normalize.js';
import { startTestEmulator } from '../support/emulator.js';
import { storedEvent } from '../support/events.js';

const Q = '7d2f6c1e-1111-4c1b-8a1a-2b2b2b2b2b2b';
const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
let offset = 0;

type Metric = { metric: string; qualifier?: string; stats: Record<string, number> };

/** One `StatEventQueueTopicStatsNotification` message, through normalize as the gateway reads it. */
function observation(group: Record<string, string>, metrics: Metric[], at: string) {
  const raw = {
    topicName: `v2.analytics.queues.${Q}.observations`,
    version: '2',
    eventBody: { group: { queueId: Q, ...group }, data: [{ interval: `${at}/${at}`, metrics }] },
    metadata: { CorrelationId: `c-${++offset}` },
  };
  const bytes = Buffer.from(JSON.stringify(raw));
  const e = normalizeEvent(bytes, raw, {
    source: 'webhook',
    receivedAt: '2030-01-01T00:00:00.000Z',
    idKeys: [],
  });
  return storedEvent(offset, e.kind, {
    id: e.id,
    topic: e.topic,
    subject: e.subject,
    occurredAt: e.occurredAt,
    body: bytes,
  });
}

const count = (metric: string, n: number, qualifier?: string): Metric => ({
  metric,
  ...(qualifier !== undefined ? { qualifier } : {}),
  stats: { count: n },
});

/** The view's rows as `media|metric|qualifier` → stats. */
function rows(state: LiveState): Map<string, Record<string, number>> {
  const view = state.queue(Q)?.observations ?? [];
  return new Map(
    view.map((r: QueueObservationView) => [`${r.media}|${r.metric}|${r.qualifier}`, r.stats]),
  );
}

const T1 = '2024-05-02T10:00:00.000Z';
const T2 = '2024-05-02T10:00:02.000Z';

describe('issue 11 point 8: observations', () => {
  test('the media type of the first observation does not become the queue’s', () => {
    const s = new LiveState({ serviceLevelThresholdSec: 20 });
    s.apply(observation({ mediaType: 'message' }, [count('oWaiting', 1)], T1));
    s.apply(observation({ mediaType: 'voice' }, [count('oWaiting', 2)], T1));
    assert.equal(s.queue(Q)?.mediaType, undefined);
    assert.equal(rows(s).get('message|oWaiting|null')?.count, 1);
    assert.equal(rows(s).get('voice|oWaiting|null')?.count, 2);
  });

  test('qualifiers are kept apart, and a partial metric list leaves the other metrics as they were', () => {
    const s = new LiveState({ serviceLevelThresholdSec: 20 });
    s.apply(
      observation(
        {},
        [
          count('oWaiting', 2),
          count('oOnQueueUsers', 3, 'IDLE'),
          count('oOnQueueUsers', 4, 'INTERACTING'),
          count('oUserPresences', 7, ON_QUEUE),
          {
            metric: 'oLongestWaiting',
            stats: { max: 41_000, count: 2, calculatedMetricValue: 41 },
          },
        ],
        T1,
      ),
    );
    s.apply(observation({}, [count('oOnQueueUsers', 5, 'IDLE')], T2));
    const r = rows(s);
    assert.equal(r.get('null|oOnQueueUsers|IDLE')?.count, 5, 'the metric it names is replaced');
    assert.equal(r.get('null|oOnQueueUsers|INTERACTING')?.count, 4, 'not zeroed');
    assert.equal(r.get('null|oWaiting|null')?.count, 2, 'not zeroed');
    assert.equal(r.get(`null|oUserPresences|${ON_QUEUE}`)?.count, 7);
    assert.deepEqual(r.get('null|oLongestWaiting|null'), {
      max: 41_000,
      count: 2,
      calculatedMetricValue: 41,
    });
    const idle = s.queue(Q)!.observations!.find((x) => x.qualifier === 'IDLE')!;
    assert.equal(idle.at, T2, 'observed at the interval’s end');
  });

  test('a late observation does not roll a newer figure back; replay gives the same view', () => {
    const events = [
      observation({}, [count('oWaiting', 9)], T2),
      observation({}, [count('oWaiting', 1), count('oAlerting', 3)], T1),
    ];
    const s = new LiveState({ serviceLevelThresholdSec: 20 });
    for (const e of events) s.apply(e);
    assert.equal(rows(s).get('null|oWaiting|null')?.count, 9);
    assert.equal(rows(s).get('null|oAlerting|null')?.count, 3, 'what it alone names is taken');
    const again = new LiveState({ serviceLevelThresholdSec: 20 });
    for (const e of events) again.apply(e);
    assert.deepEqual(again.queue(Q, 0), s.queue(Q, 0));
  });

  test('hostile bodies: wrong types are ignored, rows and stats are bounded', () => {
    const s = new LiveState({ serviceLevelThresholdSec: 20 });
    const many = Array.from({ length: 3000 }, (_, i) => ({
      metric: 'oUserPresences',
      qualifier: `q-${i}`,
      stats: Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`s${k}`, k])),
    }));
    const odd = [
      { metric: 42, stats: { count: 1 } },
      { metric: 'oWaiting', stats: 'nope' },
      { metric: 'oWaiting', stats: { count: 'x', max: Infinity, ok: 1 } },
    ] as unknown as Metric[];
    s.apply(observation({ mediaType: 'voice' }, odd, T1));
    s.apply(observation({}, many, T1));
    const view = s.queue(Q)!.observations!;
    assert.ok(view.length <= 512, `${view.length} rows`);
    assert.ok(view.every((r) => Object.keys(r.stats).length <= 16));
    assert.deepEqual(rows(s).get('voice|oWaiting|null'), { ok: 1 });
    assert.equal(rows(s).get('null|oUserPresences|q-2999'), undefined, 'rows past the bound');
  });

  test('the emulator sends the real shape: an all-media group with qualifiers, and one group per media', async (t) => {
    const texts: string[] = [];
    const emu = await startTestEmulator(t, {
      agents: 30,
      queues: 6,
      seed: 8,
      startMs: Date.parse('2026-11-23T09:00:00.000Z'),
      sink: (text) => texts.push(text),
    });
    emu.advance(5 * 60_000);
    type Body = { group: Record<string, string>; data: { interval: string; metrics: Metric[] }[] };
    const bodies = texts
      .map((x) => JSON.parse(x) as { topicName: string; eventBody: Body })
      .filter((m) => m.topicName.endsWith('.observations'))
      .map((m) => m.eventBody);
    assert.ok(bodies.length > 0);
    const all = bodies.filter((b) => b.group.mediaType === undefined);
    const metrics = all.flatMap((b) => b.data.flatMap((d) => d.metrics));
    assert.ok(metrics.some((m) => m.metric === 'oOnQueueUsers' && m.qualifier === 'IDLE'));
    assert.ok(metrics.some((m) => m.metric === 'oUserPresences' && m.qualifier === ON_QUEUE));
    const mediaOf = new Map<string, Set<string>>();
    for (const b of bodies) {
      if (b.group.mediaType === undefined) continue;
      const names = b.data.flatMap((d) => d.metrics.map((m) => m.metric));
      assert.ok(!names.includes('oOnQueueUsers'), 'a media group lists only some metrics');
      mediaOf.set(
        b.group.queueId!,
        (mediaOf.get(b.group.queueId!) ?? new Set()).add(b.group.mediaType),
      );
    }
    assert.ok(
      [...mediaOf.values()].some((m) => m.size > 1),
      'a queue with several media',
    );
  });
});
