import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SourceHealth } from '../../src/sources/source.js';
import { startTestEmulator } from '../support/emulator.js';
import { postSigned, seedEvent, startTestGateway } from '../support/helpers.js';

interface Ready {
  status: string;
  log: string;
  consumers: Record<string, boolean>;
  sources: Record<string, SourceHealth & { activationsByCause?: Record<string, number> }>;
}

describe('the gateway runs its sources', () => {
  test('/readyz lists every source running; lastEventAt follows ingest; close stops them all', async (t) => {
    const gw = await startTestGateway(t);
    assert.deepEqual(
      gw.sources.map((s) => s.name),
      ['webhook', 'eventbridge', 'reconcile'],
    );
    const res = await fetch(`${gw.url}/readyz`);
    assert.equal(res.status, 200);
    const ready = (await res.json()) as Ready;
    assert.equal(ready.status, 'ready');
    assert.equal(ready.log, 'writable');
    assert.deepEqual(ready.consumers, { projector: true });
    assert.deepEqual(Object.keys(ready.sources), ['webhook', 'eventbridge', 'reconcile']);
    for (const health of Object.values(ready.sources)) assert.equal(health.state, 'running');
    assert.equal(ready.sources.webhook?.lastEventAt, null);
    assert.deepEqual(ready.sources.reconcile?.counts, {
      runs: 0,
      failedRuns: 0,
      gapsReceived: 0,
      activations: 0,
      activationsLastHour: 0,
      maxActivationsPerHour: 2,
      activationAlert: 0,
      backfillTruncated: 0,
    });
    assert.deepEqual(ready.sources.reconcile?.activationsByCause, {});

    const before = Date.now();
    assert.equal((await postSigned(gw.url, JSON.stringify(seedEvent()))).status, 200);
    const after = (await (await fetch(`${gw.url}/readyz`)).json()) as Ready;
    const at = Date.parse(after.sources.webhook?.lastEventAt ?? '');
    assert.ok(at >= before && at <= Date.now(), String(after.sources.webhook?.lastEventAt));
    assert.equal(after.sources.eventbridge?.lastEventAt, null);

    await gw.close();
    assert.deepEqual(
      gw.sources.map((s) => s.health().state),
      ['stopped', 'stopped', 'stopped'],
    );
  });

  test('a webhook refused while the log is down is a gap the reconciler counts, in /readyz', async (t) => {
    const gw = await startTestGateway(t);
    const webhook = gw.sources.find((s) => s.name === 'webhook');
    await gw.log.close();
    assert.equal((await postSigned(gw.url, JSON.stringify(seedEvent()))).status, 503);
    assert.equal(webhook?.health().state, 'degraded');
    const res = await fetch(`${gw.url}/readyz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { error: { code: string; sources: Ready['sources'] } };
    assert.equal(body.error.code, 'SB_NOT_READY');
    assert.equal(body.error.sources.webhook?.state, 'degraded');
    // The window closes when the source stops; the reconciler receives it.
    await gw.close();
    assert.equal(gw.sources.find((s) => s.name === 'reconcile')?.health().counts?.gapsReceived, 1);
    const gaps = (await gw.metrics.sourceGaps.get()).values;
    assert.deepEqual(
      gaps.map((v) => [v.labels.source, v.value]),
      [['webhook', 1]],
      'counted in switchboard_source_gaps_total',
    );
  });

  test('demo mode: the reconcile source runs against the emulator once its address is known', async (t) => {
    const emulator: { url?: string } = {};
    const gw = await startTestGateway(
      t,
      { source: { demo: true, emulatorPort: 0 } },
      { emulatorUrl: () => emulator.url },
    );
    assert.equal(await gw.reconcile(), undefined, 'no emulator address yet');
    const emu = await startTestEmulator(t, { agents: 8, queues: 2, seed: 3 });
    emulator.url = emu.url;
    const result = await gw.reconcile();
    assert.equal(result?.users, 8);
    const health = gw.sources.find((s) => s.name === 'reconcile')?.health();
    assert.equal(health?.state, 'running');
    // When the log took the run's events: after fetching finished.
    const at = Date.parse(health?.lastEventAt ?? '');
    assert.ok(
      at >= Date.parse(result?.finishedAt ?? '') && at <= Date.now(),
      String(health?.lastEventAt),
    );
    assert.equal(health?.counts?.runs, 1);
  });
});
