// Row 10: id "\ud800" resent after a restart | stored twice
//
// SQLite stores TEXT as UTF-8, which has no lone surrogates: the stored id became U+FFFD while
// the in-memory dedupe index held "\ud800", so after a restart the same id was new again.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startGateway } from '../../src/gateway.js';
import { SqliteEventLog } from '../../src/log/sqlite-event-log.js';
import { createLogger } from '../../src/ops/logger.js';
import { normalizeEvent } from '../../src/sources/normalize/normalize.js';
import { postSigned, tempDir, testConfig } from '../support/helpers.js';

// JSON.stringify escapes a lone surrogate, so the body is valid UTF-8 JSON naming "\ud800".
const body = JSON.stringify({
  notificationId: '\ud800',
  eventType: 'interaction',
  timestamp: '2026-11-23T10:00:00.000Z',
  data: { interactionId: 'i-1' },
});

describe('row 10: a lone-surrogate id is one id across restarts', () => {
  test('over signed HTTP ingest: resent after a gateway restart → duplicate, stored once', async (t) => {
    assert.match(body, /\\ud800/);
    const config = testConfig(tempDir(t));
    const start = () =>
      startGateway(config, { logger: createLogger('silent'), defaultMetrics: false });
    let gw = await start();
    try {
      const first = await postSigned(gw.url, body);
      assert.deepEqual(first.body, { accepted: 1, duplicates: 0 });
      // Before the restart the same id is already a duplicate (the in-memory index).
      assert.deepEqual((await postSigned(gw.url, body)).body, { accepted: 0, duplicates: 1 });
    } finally {
      await gw.close();
    }
    gw = await start();
    t.after(() => gw.close());
    const again = await postSigned(gw.url, body);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { accepted: 0, duplicates: 1 });
    assert.equal((await gw.log.stats()).eventCount, 1);
  });

  test('normalized then appended to the SQLite log, reopened, appended again → duplicate', async (t) => {
    const path = join(tempDir(t), 'switchboard.db');
    const ctx = {
      source: 'webhook' as const,
      receivedAt: '2026-11-23T10:00:01.000Z',
      idKeys: [['notificationId']],
    };
    const event = () =>
      normalizeEvent(Buffer.from(body), JSON.parse(body) as Record<string, unknown>, ctx);
    let log = await SqliteEventLog.open({ path });
    const [first] = await log.append([event()]);
    assert.equal(first!.duplicate, false);
    await log.close();
    log = await SqliteEventLog.open({ path });
    t.after(() => log.close());
    const [second] = await log.append([event()]);
    assert.deepEqual(second, { offset: first!.offset, duplicate: true });
    const [stored] = await log.read(0, 10);
    assert.equal(stored!.id, event().id, 'the id the index holds is the id stored');
  });
});
