/**
 * The activation alarm end to end (issue 12, point 3): a gateway that follows the emulator's
 * org over the stream loses its socket three times within the hour (the emulator's
 * `drop-sockets` fault, close 1006). Each drop is a gap, each gap activates the reconciler, and
 * more than `reconcile.maxActivationsPerHour` (2) activations mark `/readyz` degraded with the
 * reason and raise `switchboard_reconcile_alert`; the gateway still answers 200 (it serves).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { startGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';
import { credentialsEnv, postFault, startTestEmulator } from '../support/emulator.js';
import { tempDir, waitFor } from '../support/helpers.js';

describe('reconcile activations past the hourly limit', () => {
  test('three drops in an hour: /readyz degraded with the reason, the alert metric at 1', async (t) => {
    const emu = await startTestEmulator(t, {
      agents: 10,
      queues: 2,
      seed: 8,
      realtime: true,
      speed: 10,
      heartbeatSec: 1,
    });
    const config = loadConfig({
      env: credentialsEnv(emu, tempDir(t)),
      overrides: { reconcile: { activationDebounceMs: 0, maxActivationsPerHour: 2 } },
    });
    const gw = await startGateway(config, {
      logger: createLogger('silent'),
      defaultMetrics: false,
    });
    t.after(() => gw.close());
    const stream = gw.sources.find((s) => s.name === 'stream')!;
    const reconcile = gw.sources.find((s) => s.name === 'reconcile')!;
    await waitFor(() => stream.health().state === 'running', { what: 'the stream running' });
    await gw.reconcile();
    const metric = async () =>
      /^switchboard_reconcile_alert (\d+)$/m.exec(
        await (await fetch(`${gw.url}/metrics`)).text(),
      )?.[1];
    assert.equal(await metric(), '0');

    for (let i = 1; i <= 3; i++) {
      const runs = reconcile.health().counts!.runs!;
      assert.equal((await postFault(emu, { fault: 'drop-sockets', code: 1006 })).status, 200);
      await waitFor(
        () =>
          stream.health().counts!.reconnects === i &&
          stream.health().state === 'running' &&
          reconcile.health().counts!.runs! > runs,
        { timeoutMs: 20_000, what: `drop ${i}: reconnected and repaired` },
      );
      if (i < 3) {
        const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as { degraded?: string[] };
        assert.equal(ready.degraded, undefined, `${i} activations are normal`);
      }
    }
    const res = await fetch(`${gw.url}/readyz`);
    assert.equal(res.status, 200, 'degraded, still serving');
    const ready = (await res.json()) as {
      degraded?: string[];
      sources: Record<string, { state: string; counts?: Record<string, number> }>;
    };
    assert.equal(ready.sources.reconcile!.state, 'degraded');
    assert.equal(ready.sources.reconcile!.counts!.activationAlert, 1);
    assert.ok(
      ready.degraded?.some((d) =>
        /^reconcile: 3 reconcile activations in the last hour.*closed 1006/.test(d),
      ),
      JSON.stringify(ready.degraded),
    );
    assert.equal(await metric(), '1');
  });
});
