// Row 5: "a scoped token → POST /api/v1/reconcile in a loop | 20 runs in 1.6 s: +10,301 events,
// +29 MB of log, the org's API quota spent" (admin-only since 943b61b; this is the rate limit)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import { startTestEmulator } from '../support/emulator.js';
import { startTestGateway } from '../support/helpers.js';

interface Answer {
  status: number;
  retryAfter: string | null;
  code: string | undefined;
  runId: string | undefined;
}

async function reconcile(gw: Gateway): Promise<Answer> {
  const res = await fetch(`${gw.url}/api/v1/reconcile`, { method: 'POST' });
  const body = (await res.json()) as { runId?: string; error?: { code: string } };
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    code: body.error?.code,
    runId: body.runId,
  };
}

const runs = (gw: Gateway) =>
  gw.sources.find((s) => s.name === 'reconcile')?.health().counts?.runs ?? -1;

describe('row 5: POST /api/v1/reconcile starts at most one run per api.reconcileMinIntervalMs', () => {
  test('a loop gets 429 SB_RECONCILE_TOO_SOON with Retry-After until the interval has passed', async (t) => {
    const emu = await startTestEmulator(t, { agents: 6, queues: 2, seed: 5 });
    let clock = Date.now();
    const gw = await startTestGateway(
      t,
      { source: { demo: true, emulatorPort: 0 }, api: { reconcileMinIntervalMs: 60_000 } },
      { emulatorUrl: () => emu.url, now: () => clock },
    );
    const first = await reconcile(gw);
    assert.equal(first.status, 200);
    const stored = (await gw.log.stats()).lastOffset;

    for (let i = 0; i < 20; i++) {
      const again = await reconcile(gw);
      assert.equal(again.status, 429);
      assert.equal(again.code, 'SB_RECONCILE_TOO_SOON');
      assert.equal(again.retryAfter, '60');
    }
    assert.equal((await gw.log.stats()).lastOffset, stored, 'no events from refused runs');
    assert.equal(runs(gw), 1);

    clock += 59_001;
    const almost = await reconcile(gw);
    assert.equal(almost.status, 429);
    assert.equal(almost.retryAfter, '1');

    clock += 999;
    const later = await reconcile(gw);
    assert.equal(later.status, 200);
    assert.notEqual(later.runId, first.runId);
    assert.equal(runs(gw), 2);
  });

  test('requests at once make one run: each joins it or is told to wait', async (t) => {
    const emu = await startTestEmulator(t, { agents: 6, queues: 2, seed: 6 });
    const gw = await startTestGateway(
      t,
      { source: { demo: true, emulatorPort: 0 } },
      { emulatorUrl: () => emu.url },
    );
    const answers = await Promise.all(Array.from({ length: 8 }, () => reconcile(gw)));
    const ok = answers.filter((a) => a.status === 200);
    assert.ok(ok.length >= 1);
    assert.equal(new Set(ok.map((a) => a.runId)).size, 1, 'one run, shared');
    for (const a of answers) if (a.status !== 200) assert.equal(a.code, 'SB_RECONCILE_TOO_SOON');
    assert.equal(runs(gw), 1);
  });
});
