import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestEmulator } from '../support/emulator.js';
import { waitFor } from '../support/helpers.js';

test('a warm-up plays the recent past back fast, delivers all of it, then runs with the clock', async (t) => {
  const messages: { at: number; text: string }[] = [];
  const began = Date.now();
  const emu = await startTestEmulator(t, {
    realtime: true,
    agents: 120,
    queues: 4,
    warmupMs: 5 * 60_000,
    warmupSpeed: 100,
    sink: (text) => messages.push({ at: Date.now(), text }),
  });
  assert.ok(emu.warming, 'warming up at start');
  assert.ok(emu.sim.now <= began - 5 * 60_000 + 1000, 'virtual time starts five minutes back');

  // Five virtual minutes at ×100 take about 3 s.
  await waitFor(() => !emu.warming, { timeoutMs: 15_000, what: 'the warm-up to end' });
  const caughtUp = Date.now();
  assert.ok(Math.abs(emu.sim.now - caughtUp) < 500, `caught up (${emu.sim.now - caughtUp} ms)`);
  assert.ok(caughtUp - began < 10_000, `took ${caughtUp - began} ms`);
  // What happened in the warm-up was delivered, with its own (past) times.
  const delivered = messages.length;
  assert.ok(delivered > 100, `${delivered} messages from the warm-up`);
  const truth = emu.truth();
  assert.ok(
    truth.agents.some((a) => a.routingStatus === 'INTERACTING'),
    'agents are on calls when the warm-up ends',
  );

  // Then virtual time follows the wall clock at ×1.
  await new Promise((r) => setTimeout(r, 1_000));
  const drift = emu.sim.now - Date.now();
  assert.ok(Math.abs(drift) < 300, `runs with the clock after the warm-up (drift ${drift} ms)`);
});
