// Row 6: "/readyz on a full disk and at the dedupe cap | 200 "writable"; 1,932 stack traces
// logged for one full-disk episode"
//
// The full disk is real SQLITE_FULL: the writer's connection gets PRAGMA max_page_count (a test
// hook), so SQLite refuses to grow the file exactly as it does when the disk has no room.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';
import { RepeatLog } from '../../src/ops/repeat-log.js';
import { postSigned, seedEvent, startTestGateway, waitFor } from '../support/helpers.js';

interface NotReady {
  error: { code: string; message: string; log?: { reason: string; message: string } };
}

async function readyz(gw: Gateway): Promise<{ status: number; body: NotReady }> {
  const res = await fetch(`${gw.url}/readyz`);
  return { status: res.status, body: (await res.json()) as NotReady };
}

/** Waits until the projector has committed everything, so retention may delete it. */
async function allCommitted(gw: Gateway): Promise<void> {
  const last = (await gw.log.stats()).lastOffset;
  await waitFor(async () => (await gw.log.consumers()).every((c) => c.committedOffset >= last), {
    timeoutMs: 20_000,
    what: 'consumers to commit',
  });
}

function batch(prefix: string, n: number): string {
  return JSON.stringify(
    Array.from({ length: n }, (_, i) => seedEvent({ notificationId: `${prefix}-${i}` })),
  );
}

describe('row 6: readiness tells a full disk and dedupe pressure, and a failure storm logs once', () => {
  test('a full disk: /readyz 503 disk-full, one log line with a count, ready again when space returns', async (t) => {
    let now = Date.parse('2026-11-23T10:00:00Z');
    const lines: { msg: string; err?: { stack?: string }; repeated?: number }[] = [];
    const logger = createLogger('error', {
      write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]),
    });
    const gw = await startTestGateway(
      t,
      { log: { retention: { maxAgeMs: 60_000 } } },
      { now: () => now, logger, logTestHooks: { maxPageCount: 120 } },
    );
    assert.equal((await readyz(gw)).status, 200);
    const big = () => JSON.stringify(seedEvent({ pad: 'x'.repeat(8 * 1024) }));

    let stored = 0;
    for (let i = 0; i < 400; i++) {
      const res = await postSigned(gw.url, big());
      if (res.status !== 200) {
        assert.equal(res.status, 503);
        assert.equal((res.body.error as { code: string }).code, 'SB_LOG_UNAVAILABLE');
        break;
      }
      stored++;
    }
    assert.ok(stored > 0 && stored < 400, `the disk filled after ${stored} events`);
    const full = await readyz(gw);
    assert.equal(full.status, 503, '/readyz must not say ready on a full disk');
    assert.equal(full.body.error.code, 'SB_NOT_READY');
    assert.equal(full.body.error.log?.reason, 'disk-full');
    assert.match(full.body.error.log?.message ?? '', /SQLITE_FULL/);

    const storm = 60;
    for (let i = 0; i < storm; i++) {
      assert.equal((await postSigned(gw.url, big())).status, 503);
    }
    assert.equal((await gw.log.stats()).eventCount, stored, 'a refused event is not stored');

    // Space returns: retention deletes the old events; nobody sends anything meanwhile.
    await allCommitted(gw);
    now += 61_000;
    assert.ok((await gw.log.runRetention()) > 0);
    await waitFor(async () => (await readyz(gw)).status === 200, {
      timeoutMs: 15_000,
      what: '/readyz to turn ready without traffic',
    });
    assert.equal((await postSigned(gw.url, big())).status, 200);

    await gw.close();
    const unavailable = lines.filter((l) => l.msg.startsWith('log unavailable'));
    assert.equal(unavailable.length, 2, unavailable.map((l) => l.msg).join('\n'));
    assert.ok(unavailable[0]!.err?.stack, 'the first failure is logged whole');
    assert.equal(unavailable[1]!.repeated, storm);
    assert.match(unavailable[1]!.msg, /^log unavailable \(SQLITE_FULL\) ×60 in the last 60 s$/);
    assert.equal(unavailable[1]!.err, undefined, 'no stack trace per repeat');
  });

  test('dedupe pressure: /readyz 503, the refused batch is not stored, so its retry never doubles', async (t) => {
    let now = Date.parse('2026-11-23T10:00:00Z');
    const gw = await startTestGateway(
      t,
      { log: { dedupeHorizonMs: 60_000 } },
      // 1,024 slots hold at most 819 ids: growth past it fails as a failed allocation does.
      { now: () => now, logTestHooks: { dedupeMaxSlots: 1024 } },
    );
    const first = await postSigned(gw.url, batch('first', 800));
    assert.deepEqual(first.body, { accepted: 800, duplicates: 0 });

    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = await postSigned(gw.url, batch('more', 100));
      assert.equal(refused.status, 503, `attempt ${attempt}`);
      assert.equal((refused.body.error as { code: string }).code, 'SB_LOG_UNAVAILABLE');
      const notReady = await readyz(gw);
      assert.equal(notReady.status, 503);
      assert.equal(notReady.body.error.log?.reason, 'dedupe-pressure');
      assert.equal((await gw.log.stats()).eventCount, 800, 'nothing of a refused batch stored');
    }

    // The horizon passes; pruning frees the index and readiness returns by itself.
    now += 61_000;
    await gw.log.runRetention();
    await waitFor(async () => (await readyz(gw)).status === 200, {
      timeoutMs: 15_000,
      what: '/readyz to turn ready',
    });
    const retried = await postSigned(gw.url, batch('more', 100));
    assert.deepEqual(retried.body, { accepted: 100, duplicates: 0 });
    const again = await postSigned(gw.url, batch('more', 100));
    assert.deepEqual(again.body, { accepted: 0, duplicates: 100 });
    assert.equal((await gw.log.stats()).eventCount, 900, 'every event stored exactly once');
  });

  test('RepeatLog: the first failure whole, then one count per window; a quiet key starts over', () => {
    const lines: { msg: string; err?: unknown; repeated?: number; code?: string }[] = [];
    const logger = createLogger('error', {
      write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]),
    });
    const repeat = new RepeatLog(logger, { windowMs: 60_000 });
    const err = new Error('SQLITE_FULL: database or disk is full');
    for (let i = 0; i < 5; i++) repeat.error('SQLITE_FULL', { err }, 'log unavailable');
    repeat.error('SQLITE_IOERR', { err }, 'log unavailable');
    assert.deepEqual(
      lines.map((l) => [l.msg, l.err !== undefined]),
      [
        ['log unavailable', true],
        ['log unavailable', true],
      ],
    );
    repeat.flush();
    assert.equal(lines.length, 3, 'only the repeated key reports a count');
    assert.equal(lines[2]!.msg, 'log unavailable (SQLITE_FULL) ×4 in the last 60 s');
    assert.equal(lines[2]!.code, 'SQLITE_FULL');
    assert.equal(lines[2]!.err, undefined);
    repeat.flush(); // a quiet window: both keys are forgotten
    assert.equal(lines.length, 3);
    repeat.error('SQLITE_FULL', { err }, 'log unavailable');
    assert.equal(lines.length, 4);
    assert.notEqual(lines[3]!.err, undefined, 'logged whole again after a quiet window');
    repeat.close();
  });
});
