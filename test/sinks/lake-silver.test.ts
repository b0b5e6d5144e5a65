/**
 * Issue 14, the lake's silver layer: Parquet tables written with DuckDB from bronze. Bodies are
 * the shapes Genesys and the guides send (the schemas in src/router/schemas/ cite the SDK models:
 * UserActivity for v2.users.{id}.activity, StatEventQueueTopicStatsNotification for
 * v2.analytics.queues.{id}.observations; GuideInteraction and GuideRoutingConversationEvent for
 * the pushed guide events), not the emulator's own.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import type { StoredEvent } from '../../src/log/event-log.js';
import { LakeSink } from '../../src/sinks/lake/lake-sink.js';
import { queryLake } from '../../src/sinks/lake/query.js';
import { SilverWriter } from '../../src/sinks/lake/silver.js';
import {
  TEST_SECRET,
  postSigned,
  seedEvent,
  startTestGateway,
  waitFor,
} from '../support/helpers.js';
import {
  SILVER_EXPECTED,
  SILVER_QUERIES,
  interaction,
  silverSamples,
} from '../support/silver-samples.js';
import { startTestEmulator, webhooksDelivered } from '../support/emulator.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-silver-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function rows(lake: string, sql: string): Promise<unknown[][]> {
  return (await queryLake(lake, sql)).rows;
}

function parquetFiles(lake: string, table: string): string[] {
  const dir = join(lake, 'silver', table);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((d) => readdirSync(join(dir, d)).map((f) => `${d}/${f}`));
}

describe('lake silver tables', () => {
  test('rows per table from the real shapes; metrics are non-negative numbers or null', async (t) => {
    const lake = tempDir(t);
    const sink = new LakeSink({ name: 'lake', path: lake });
    await sink.start();
    await sink.deliver(silverSamples());
    await sink.close(); // brings silver up to bronze
    for (const [table, sql] of Object.entries(SILVER_QUERIES))
      assert.deepEqual(
        await rows(lake, sql),
        SILVER_EXPECTED[table as keyof typeof SILVER_EXPECTED],
        table,
      );
    assert.deepEqual(
      await rows(lake, `SELECT count(*) FROM bronze WHERE kind = 'interaction'`),
      [['4']],
      'the body that is not JSON stays in bronze, out of silver',
    );
  });

  test('incremental parts after the watermark; compaction keeps one row per event and removes the parts', async (t) => {
    const lake = tempDir(t);
    const sink = new LakeSink({
      name: 'lake',
      path: lake,
      silver: { intervalMs: 3_600_000, compactIntervalMs: 3_600_000, compactAfterParts: 3 },
    });
    await sink.start();
    const all: StoredEvent[] = [];
    for (let run = 0; run < 4; run++) {
      const batch = [interaction(`i-${run}-a`, 10), interaction(`i-${run}-b`, 20)];
      all.push(...batch);
      await sink.deliver(batch);
      await sink.flushSilver();
    }
    // A redelivery after a crash is a duplicate in bronze, so silver never sees it twice.
    await sink.deliver(all.slice(0, 2));
    await sink.flushSilver();
    const parts = parquetFiles(lake, 'interactions');
    assert.equal(parts.filter((f) => f.includes('/part-')).length, 4, parts.join(', '));
    assert.equal(sink.silverStats()?.watermark, all.at(-1)!.offset);
    await sink.compactSilver();
    const after = parquetFiles(lake, 'interactions');
    assert.deepEqual(
      after,
      [`date=2026-11-30/compact-${all.at(-1)!.offset}-0.parquet`],
      'one compacted file',
    );
    assert.deepEqual(
      await rows(lake, `SELECT count(*), count(DISTINCT event_id) FROM interactions`),
      [['8', '8']],
    );
    await sink.close();
  });

  test('compaction running while events keep arriving: every event once, parts folded in', async (t) => {
    const lake = tempDir(t);
    const sink = new LakeSink({
      name: 'lake',
      path: lake,
      silver: { intervalMs: 3_600_000, compactIntervalMs: 3_600_000, compactAfterParts: 2 },
    });
    await sink.start();
    const compactions: Promise<void>[] = [];
    let delivered = 0;
    for (let round = 0; round < 12; round++) {
      const batch = Array.from({ length: 5 }, (_, i) => interaction(`r${round}-${i}`, 30 + i));
      // Deliveries, silver runs and compactions interleave as their timers would make them.
      const delivering = sink.deliver(batch).then(() => sink.flushSilver());
      if (round % 3 === 1) compactions.push(sink.compactSilver());
      await delivering;
      delivered += batch.length;
      assert.deepEqual(
        await rows(lake, `SELECT count(*), count(DISTINCT event_id) FROM interactions`),
        [[String(delivered), String(delivered)]],
        `after round ${round}`,
      );
    }
    await Promise.all(compactions);
    await sink.compactSilver();
    assert.ok(sink.silverStats()!.compactions >= 4);
    const files = parquetFiles(lake, 'interactions');
    assert.ok(
      files.filter((f) => f.includes('/part-')).length < 2,
      `parts folded into the compaction: ${files.join(', ')}`,
    );
    assert.equal(sink.silverStats()!.lastError, undefined);
    await sink.close();
  });

  test('a crash between writing a compaction and removing its parts: the view still counts each event once', async (t) => {
    const lake = tempDir(t);
    const sink = new LakeSink({ name: 'lake', path: lake, silver: false });
    await sink.start();
    const events = [interaction('a', 1), interaction('b', 2)];
    await sink.deliver(events);
    await sink.close();
    const last = events[1]!.offset;
    const writer = new SilverWriter({ lakePath: lake, compactAfterParts: 1000 });
    await writer.run(last);
    const [part] = parquetFiles(lake, 'interactions');
    // The compaction as it was when the process died: compacted file written, parts not removed.
    const keep = join(tmpdir(), `sb-part-${process.pid}-${last}.parquet`);
    const { copyFileSync, renameSync } = await import('node:fs');
    copyFileSync(join(lake, 'silver', 'interactions', part!), keep);
    await writer.compact().catch(() => undefined);
    const compactForced = new SilverWriter({ lakePath: lake, compactAfterParts: 1 });
    await compactForced.compact();
    renameSync(keep, join(lake, 'silver', 'interactions', part!));
    assert.equal(parquetFiles(lake, 'interactions').length, 2, 'both files on disk');
    assert.deepEqual(await rows(lake, `SELECT count(*) FROM interactions`), [['2']]);
    writer.close();
    compactForced.close();
  });

  test('a new lake has every silver table, empty, with its columns', async (t) => {
    const r = await queryLake(tempDir(t), 'SELECT * FROM interactions');
    assert.equal(r.rows.length, 0);
    assert.ok(r.columns.includes('handle_seconds') && r.columns.includes('queue_id'));
  });
});

describe('lake silver in a running gateway', () => {
  test('silver keeps up on its interval; /api/v1/targets and /metrics say how far behind it is', async (t) => {
    const lake = tempDir(t);
    const gw = await startTestGateway(t, {
      sinks: {
        targets: [{ name: 'lake', type: 'lake', path: lake, silver: { intervalMs: 1000 } }],
      },
    });
    for (let i = 0; i < 5; i++) {
      const res = await postSigned(gw.url, JSON.stringify(seedEvent()));
      assert.equal(res.status, 200);
    }
    const { lastOffset } = await gw.log.stats();
    const lakeStats = async () =>
      (
        (await (await fetch(`${gw.url}/api/v1/targets`)).json()) as {
          targets: { name: string; details?: { silver?: { watermark: number; behind: number } } }[];
        }
      ).targets.find((x) => x.name === 'lake')!;
    await waitFor(async () => (await lakeStats()).details?.silver?.watermark === lastOffset, {
      what: 'silver to reach the last event',
      timeoutMs: 15_000,
    });
    assert.equal((await lakeStats()).details?.silver?.behind, 0);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /^switchboard_lake_silver_behind_events\{target="lake"\} 0$/m);
    assert.deepEqual(await rows(lake, 'SELECT count(*) FROM interactions'), [['5']]);
  });
});

describe('lake against the emulator', () => {
  test("a simulated hour: handled conversations per queue in the lake equal the emulator's ground truth", async (t) => {
    const lake = tempDir(t);
    const gw = await startTestGateway(t, {
      sinks: { targets: [{ name: 'lake', type: 'lake', path: lake }] },
    });
    const emu = await startTestEmulator(t, {
      agents: 120,
      queues: 5,
      seed: 21,
      webhook: { url: `${gw.url}/ingest/webhook`, secret: TEST_SECRET },
    });
    for (let minute = 0; minute < 60; minute++) {
      emu.advance(60_000);
      for (const w of emu.webhooks.values()) await w.dispatcher.idle();
    }
    await webhooksDelivered(emu);
    const truth = new Map<string, number>();
    // Handled: answered and ended by an agent (an answered call transferred back to a queue and
    // abandoned there was not).
    for (const c of emu.finished)
      if (c.answeredAt !== undefined && c.state !== 'abandoned')
        truth.set(c.queue.id, (truth.get(c.queue.id) ?? 0) + 1);
    assert.ok([...truth.values()].reduce((a, b) => a + b, 0) > 100, 'a busy hour');
    const { lastOffset } = await gw.log.stats();
    await waitFor(
      async () =>
        (await gw.log.consumers()).find((c) => c.name === 'target:lake')!.committedOffset >=
        lastOffset,
      { what: 'the lake to take every event', timeoutMs: 30_000 },
    );
    await gw.close(); // the lake brings silver up to date as it closes
    const fromLake = await rows(
      lake,
      `SELECT queue_id, count(DISTINCT interaction_id) FROM interactions GROUP BY queue_id ORDER BY queue_id`,
    );
    assert.deepEqual(
      fromLake,
      [...truth].sort(([a], [b]) => a.localeCompare(b)).map(([q, n]) => [q, String(n)]),
    );
  });
});
