import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startGateway, type Gateway } from '../../src/gateway.js';
import type { Emulator } from '../../src/emulator/emulator.js';
import { startTestEmulator } from '../support/emulator.js';
import type { AgentView, QueueView } from '../../src/protocol/live-messages.js';
import { createLogger } from '../../src/ops/logger.js';
import { tempDir, testConfig, waitFor } from '../support/helpers.js';
import { expectedLabel } from '../support/truth.js';

const SIM_MINUTES = 10;
const SPEED = 10;

async function projected(gw: Gateway) {
  const get = async <T>(path: string) => (await (await fetch(`${gw.url}${path}`)).json()) as T;
  const { agents } = await get<{ agents: AgentView[] }>('/api/v1/agents');
  const { queues } = await get<{ queues: QueueView[] }>('/api/v1/queues');
  return { agents, queues };
}

async function settled(gw: Gateway) {
  const last = (await gw.log.stats()).lastOffset;
  await waitFor(() => gw.projector.offset >= last, {
    timeoutMs: 20_000,
    what: `the projector to fold the log up to ${last}`,
  });
}

/** Every agent and queue the gateway projects equals the emulator's truth; a summary line. */
async function compareWithTruth(gw: Gateway, emu: Emulator, started: number): Promise<string> {
  const truth = emu.truth();
  const { agents, queues } = await projected(gw);
  const byId = new Map(agents.map((a) => [a.id, a]));
  assert.equal(agents.length, truth.agents.length);
  let unchanged = 0;
  for (const real of truth.agents) {
    const a = byId.get(real.id);
    assert.ok(a, `agent ${real.id} projected`);
    const want = {
      name: real.name,
      teamId: real.teamId,
      queueIds: [...real.queueIds].sort(),
      presence: real.presence,
      routingStatus: real.routingStatus,
      label: expectedLabel(real),
      conversations: real.conversations.map((c) => c.id).sort(),
    };
    const got = {
      name: a.name,
      teamId: a.teamId,
      queueIds: [...a.queueIds].sort(),
      presence: a.presence,
      routingStatus: a.routingStatus,
      label: a.label,
      conversations: a.conversations.map((c) => c.id).sort(),
    };
    assert.deepEqual(got, want, `agent ${real.name}`);
    if (Date.parse(real.presenceSince) <= started && Date.parse(real.routingStatusSince) <= started)
      unchanged++;
  }
  const queueById = new Map(queues.map((q) => [q.id, q]));
  let waiting = 0;
  for (const real of truth.queues) {
    const q = queueById.get(real.id);
    assert.ok(q, `queue ${real.name} projected`);
    const pick = (x: QueueView | typeof real) => ({
      name: x.name,
      waiting: x.waiting,
      alerting: x.alerting,
      interacting: x.interacting,
      members: x.members,
      joined: x.joined,
      onQueue: x.onQueue,
      idle: x.idle,
      interactingAgents: x.interactingAgents,
      notResponding: x.notResponding,
    });
    assert.deepEqual(pick(q), pick(real), `queue ${real.name}`);
    waiting += real.waiting;
  }
  const sum = (k: 'answered' | 'abandoned') => queues.reduce((n, q) => n + q[k], 0);
  assert.ok(sum('answered') > 20, `${sum('answered')} answered in the window`);
  return (
    `${agents.length} agents (${unchanged} never changed), ${queues.length} queues, ` +
    `${waiting} waiting, ${sum('answered')} answered, ${sum('abandoned')} abandoned`
  );
}

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
