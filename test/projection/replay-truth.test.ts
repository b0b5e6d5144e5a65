import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startGateway } from '../../src/gateway.js';
import type { Emulator } from '../../src/emulator/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import { createLogger } from '../../src/ops/logger.js';
import { tempDir, testConfig, waitFor } from '../support/helpers.js';
import { compareWithTruth, projected, settled } from '../support/truth.js';

const SIM_MINUTES = 10;
const SPEED = 10;

describe('projector replay against the emulator truth', () => {
  test(`${SIM_MINUTES} simulated minutes at x${SPEED}: every agent and queue equals /emulator/truth, and a restart rebuilds the same state`, async (t) => {
    const dataDir = tempDir(t);
    const config = testConfig(dataDir);
    const source: { emu?: Emulator } = {};
    const options = {
      logger: createLogger('silent'),
      defaultMetrics: false,
      emulatorUrl: () => source.emu?.url,
    };
    let gw = await startGateway(config, options);
    t.after(() => gw.close());
    const emu = await startTestEmulator(t, {
      realtime: true,
      agents: 150,
      queues: 6,
      seed: 11,
      speed: SPEED,
      eventbridge: { url: `${gw.url}/ingest/eventbridge`, apiKey: 'eb-key-123' },
    });
    source.emu = emu;
    const started = emu.sim.now;
    // What the run covered, so the comparisons below are known to include these cases.
    const seen = { outbound: new Set<string>(), callbacks: new Set<string>(), consults: 0 };
    emu.sim.onEvent((e) => {
      if (e.type !== 'conversation') return;
      if (e.conversation.direction === 'outbound') seen.outbound.add(e.conversation.id);
      if (e.conversation.media === 'callback') seen.callbacks.add(e.conversation.id);
      if (e.change === 'consult') seen.consults++;
    });
    // Seeding first: agents who never change state during the run must still be right.
    const seeded = await gw.reconcile();
    assert.equal(seeded?.users, 150);

    // Faults off for the ten minutes; compared on a still floor.
    await waitFor(() => emu.sim.now - started >= SIM_MINUTES * 60_000, {
      timeoutMs: (SIM_MINUTES * 60_000) / SPEED + 30_000,
      intervalMs: 250,
      what: `${SIM_MINUTES} simulated minutes`,
    });
    emu.pause();
    await emu.eventbridge!.idle();
    await settled(gw);
    const first = await compareWithTruth(gw, emu, started);
    t.diagnostic(`after ${SIM_MINUTES} minutes: ${first}`);

    // At the emulator's usual 80 % occupancy callers rarely wait; a busy spell (three more
    // simulated minutes at eight times the arrivals) makes the waiting counts mean something.
    emu.sim.burst(8, 180);
    emu.resume();
    const spell = emu.sim.now;
    await waitFor(() => emu.sim.now - spell >= 3 * 60_000, {
      timeoutMs: (3 * 60_000) / SPEED + 30_000,
      intervalMs: 250,
      what: 'the busy spell',
    });
    emu.pause();
    await emu.eventbridge!.idle();
    await settled(gw);
    const second = await compareWithTruth(gw, emu, started);
    t.diagnostic(`after the busy spell: ${second}`);
    assert.match(second, /[1-9]\d* waiting/, 'callers waiting, so waiting counts were compared');
    const truth = emu.truth();
    const covered = {
      outbound: seen.outbound.size,
      callbacks: seen.callbacks.size,
      consults: seen.consults,
      queuesWithUnjoined: truth.queues.filter((q) => q.joined < q.members).length,
      multiMediaQueues: emu.sim.org.queues.filter((q) => q.otherMedia.length > 0).length,
    };
    t.diagnostic(JSON.stringify(covered));
    for (const [what, n] of Object.entries(covered)) assert.ok(n > 0, `the run had ${what}`);

    // State is a pure function of the log: a fresh process replays it to the same figures.
    const before = await projected(gw);
    await gw.close();
    gw = await startGateway(testConfig(dataDir), options);
    await settled(gw);
    const after = await projected(gw);
    const stable = <T extends { longestWaitMs?: number }>(xs: T[]) =>
      xs.map(({ longestWaitMs: _l, ...rest }) => rest);
    assert.deepEqual(after.agents, before.agents);
    assert.deepEqual(stable(after.queues), stable(before.queues));
  });
});
