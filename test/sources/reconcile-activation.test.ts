/**
 * Issue 12 point 3: the reconciler repairs by itself. A gap reported by any source, or a log
 * that went quiet while agents are logged in, starts a REST run (one for a burst of them; one
 * more when a gap arrives during a run); more activations in an hour than is normal mark the
 * source degraded and raise `switchboard_reconcile_alert`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { GenesysRestClient } from '../../src/genesys/rest-client.js';
import { SqliteEventLog } from '../../src/log/sqlite-event-log.js';
import { createLogger } from '../../src/ops/logger.js';
import { Reconciler } from '../../src/sources/reconcile/reconciler.js';
import { StalenessWatchdog } from '../../src/sources/reconcile/staleness-watchdog.js';
import { appenderFor, type Gap } from '../../src/sources/source.js';
import { startTestEmulator } from '../support/emulator.js';
import { tempDir, waitFor } from '../support/helpers.js';

const logger = createLogger('silent');

const gap = (reason: string): Gap => ({
  source: 'stream',
  from: new Date(Date.now() - 5000).toISOString(),
  to: new Date().toISOString(),
  reason,
});

async function rig(t: TestContext, maxPerHour = 2) {
  const emu = await startTestEmulator(t, { agents: 20, queues: 2, seed: 9 });
  const log = await SqliteEventLog.open({
    path: join(tempDir(t, 'sb-activation-'), 'switchboard.db'),
    retention: { intervalMs: 3_600_000 },
  });
  let runsStarted = 0;
  const client = new GenesysRestClient({
    apiBase: emu.url,
    clientId: 'demo-client',
    clientSecret: 'demo-secret',
    fetch: (input, init) => {
      const url = input instanceof Request ? input.url : input.toString();
      // Every run reads the presence definitions first.
      if (url.includes('/api/v2/presence/definitions?deactivated=false')) runsStarted++;
      return fetch(input, init);
    },
  });
  const activations: string[] = [];
  const r = new Reconciler({
    client,
    logger,
    activation: { debounceMs: 50, maxPerHour },
    onActivation: (reason) => activations.push(reason),
  });
  t.after(async () => {
    await r.stop();
    await log.close();
  });
  return { r, log, activations, runsStarted: () => runsStarted, emu };
}

describe('reconcile activation', () => {
  test('before start a gap is only counted; after start a burst of gaps is one run', async (t) => {
    const x = await rig(t);
    x.r.receiveGap(gap('closed 1006'));
    assert.equal(x.activations.length, 0, 'not started: nothing activates');
    await x.r.start({ append: appenderFor(x.log), reportGap: () => {}, logger });
    for (const reason of ['closed 1006', 'closed 1006', 'heartbeat-timeout'])
      x.r.receiveGap(gap(reason));
    await waitFor(() => x.r.health().counts?.runs === 1 && !x.r.running, { what: 'one run' });
    assert.equal(x.runsStarted(), 1, 'three gaps, one run');
    assert.equal(x.activations.length, 3);
    assert.ok((await x.log.stats()).eventCount > 20, 'the run appended the directory');
  });

  test('a gap that arrives while a run is fetching gets one more run after it', async (t) => {
    const x = await rig(t, 10);
    await x.r.start({ append: appenderFor(x.log), reportGap: () => {}, logger });
    const first = x.r.run();
    x.r.receiveGap(gap('closed 4001'));
    x.r.receiveGap(gap('closed 4001'));
    await first;
    await waitFor(() => x.r.health().counts?.runs === 2 && !x.r.running, {
      what: 'the run after it',
    });
    assert.equal(x.runsStarted(), 2);
  });

  test('more activations in an hour than normal: degraded with the causes, and the alert count', async (t) => {
    const x = await rig(t, 2);
    await x.r.start({ append: appenderFor(x.log), reportGap: () => {}, logger });
    for (let i = 0; i < 3; i++) {
      x.r.receiveGap(gap('closed 1006'));
      await waitFor(() => x.r.health().counts?.runs === i + 1 && !x.r.running, {
        what: `run ${i + 1}`,
      });
      if (i < 2) assert.equal(x.r.health().state, 'running', `${i + 1} activations are normal`);
    }
    const h = x.r.health();
    assert.equal(h.state, 'degraded');
    assert.match(h.detail ?? '', /3 reconcile activations in the last hour.*stream closed 1006 ×3/);
    assert.equal(h.counts?.activationAlert, 1);
  });
});

describe('staleness watchdog', () => {
  test('quiet while agents are logged in: one activation per quiet stretch, re-armed by an event', () => {
    let now = 1_000_000;
    let last: number | undefined;
    let loggedIn = true;
    const fired: string[] = [];
    const w = new StalenessWatchdog({
      staleAfterMs: 15_000,
      loggedIn: () => loggedIn,
      lastEventMs: () => last,
      activate: (reason) => fired.push(reason),
      now: () => now,
    });
    w.start();
    w.stop(); // driven by hand from here
    last = now;
    now += 14_999;
    w.check();
    assert.deepEqual(fired, [], 'not yet');
    now += 1;
    w.check();
    assert.deepEqual(fired, ['stale: no event for 15 s']);
    now += 60_000;
    w.check();
    assert.equal(fired.length, 1, 'the same quiet stretch fires once');
    last = now; // an event
    now += 20_000;
    loggedIn = false;
    w.check();
    assert.equal(fired.length, 1, 'nobody logged in: quiet is normal');
    loggedIn = true;
    w.check();
    assert.equal(fired.length, 2, 'a new quiet stretch');
  });

  test('off when staleAfterMs is 0', () => {
    let fired = 0;
    const w = new StalenessWatchdog({
      staleAfterMs: 0,
      loggedIn: () => true,
      lastEventMs: () => 0,
      activate: () => fired++,
      now: () => 10 ** 9,
    });
    w.start();
    w.check();
    assert.equal(fired, 0);
    w.stop();
  });
});
