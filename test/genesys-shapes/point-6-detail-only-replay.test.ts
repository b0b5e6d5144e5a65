/**
 * Issue 11, point 6, end to end: an org whose EventBridge integration subscribes to the
 * conversation detail topics (as Genesys's analytics detail events blueprint,
 * `GenesysCloudBlueprints/aws-eventbridge-analytics-detail-events-blueprint`
 * `blueprint/terraform/terraform.tfvars`) and to no conversation topic at all. The emulator sends
 * the detail events in the shapes of the SDK models (`AcdStartDetailEventTopicAcdStartEvent`, …,
 * `MyPureCloud/platform-client-sdk-javascript` `build/index.d.ts`, checked in
 * test/emulator/sdk-conformance.test.ts); the gateway's queue figures and agents' conversations
 * must equal the emulator's ground truth. Detail events carry no hold, so a held leg is compared
 * as connected.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startGateway, type Gateway } from '../../src/gateway.js';
import type { Emulator } from '../../src/emulator/emulator.js';
import { EVENTBRIDGE_TOPICS } from '../../src/emulator/render/eventbridge-envelope.js';
import { agentLabel, dominantLeg } from '../../src/projection/agent-label.js';
import type { AgentView, QueueView } from '../../src/protocol/live-messages.js';
import { createLogger } from '../../src/ops/logger.js';
import { startTestEmulator } from '../support/emulator.js';
import { tempDir, testConfig, waitFor } from '../support/helpers.js';

const SPEED = 10;
const TOPICS = EVENTBRIDGE_TOPICS.filter((t) => !/conversations|observations/.test(t));

async function compare(gw: Gateway, emu: Emulator) {
  const last = (await gw.log.stats()).lastOffset;
  await waitFor(() => gw.projector.offset >= last, {
    timeoutMs: 30_000,
    what: `the projector to fold the log up to ${last}`,
  });
  const get = async <T>(path: string) => (await (await fetch(`${gw.url}${path}`)).json()) as T;
  const { agents } = await get<{ agents: AgentView[] }>('/api/v1/agents');
  const { queues } = await get<{ queues: QueueView[] }>('/api/v1/queues');
  const truth = emu.truth();
  const byId = new Map(agents.map((a) => [a.id, a]));
  for (const real of truth.agents) {
    const a = byId.get(real.id);
    assert.ok(a, `agent ${real.id} projected`);
    const states = real.conversations.map((c) => (c.state === 'held' ? 'connected' : c.state));
    assert.deepEqual(
      {
        conversations: a.conversations.map((c) => c.id).sort(),
        label: a.label,
      },
      {
        conversations: real.conversations.map((c) => c.id).sort(),
        label: agentLabel({
          loggedIn: real.loggedIn,
          presence: real.presence,
          presenceLabel: real.presenceLabel,
          routingStatus: real.routingStatus,
          conversation: dominantLeg(states),
        }),
      },
      `agent ${real.name}`,
    );
  }
  const queueById = new Map(queues.map((q) => [q.id, q]));
  for (const real of truth.queues) {
    const q = queueById.get(real.id);
    assert.ok(q, `queue ${real.name} projected`);
    const pick = (x: QueueView | typeof real) => [x.waiting, x.alerting, x.interacting];
    assert.deepEqual(pick(q), pick(real), `queue ${real.name}: waiting, alerting, interacting`);
  }
  const sum = (k: 'answered' | 'abandoned' | 'waiting') => queues.reduce((n, q) => n + q[k], 0);
  return { answered: sum('answered'), abandoned: sum('abandoned'), waiting: sum('waiting') };
}

describe('issue 11 point 6: an org that sends only detail topics', () => {
  test('queue figures and agents equal /emulator/truth with no conversation topic', async (t) => {
    assert.ok(!TOPICS.some((x) => x.includes('.conversations')));
    assert.ok(TOPICS.some((x) => x.startsWith('v2.detail.events.')));
    const source: { emu?: Emulator } = {};
    const gw = await startGateway(testConfig(tempDir(t)), {
      logger: createLogger('silent'),
      defaultMetrics: false,
      emulatorUrl: () => source.emu?.url,
    });
    t.after(() => gw.close());
    const emu = await startTestEmulator(t, {
      realtime: true,
      agents: 80,
      queues: 4,
      seed: 6,
      speed: SPEED,
      eventbridge: { url: `${gw.url}/ingest/eventbridge`, apiKey: 'eb-key-123', topics: TOPICS },
    });
    source.emu = emu;
    const started = emu.sim.now;
    await gw.reconcile();
    await waitFor(() => emu.sim.now - started >= 6 * 60_000, {
      timeoutMs: (6 * 60_000) / SPEED + 30_000,
      intervalMs: 250,
      what: 'six simulated minutes',
    });
    emu.pause();
    await emu.eventbridge!.idle();
    const first = await compare(gw, emu);
    assert.ok(first.answered > 10, `${first.answered} answered from detail events alone`);

    // A busy spell, so callers wait, ring out and hang up; compared every 20 simulated seconds
    // so some comparisons catch calls ringing (inferred: there is no alerting detail event).
    emu.sim.burst(8, 120);
    let ringing = 0;
    let last = first;
    for (let i = 0; i < 6; i++) {
      emu.resume();
      const from = emu.sim.now;
      await waitFor(() => emu.sim.now - from >= 20_000, {
        timeoutMs: 20_000 / SPEED + 30_000,
        intervalMs: 100,
        what: 'twenty simulated seconds',
      });
      emu.pause();
      await emu.eventbridge!.idle();
      last = await compare(gw, emu);
      ringing += emu.truth().queues.reduce((n, q) => n + q.alerting, 0);
    }
    t.diagnostic(JSON.stringify({ ...last, ringing }));
    assert.ok(last.waiting > 0, 'callers waiting, so waiting counts were compared');
    assert.ok(last.abandoned > 0, 'abandons counted from acd.end ABANDON');
    assert.ok(ringing > 0, 'ringing conversations were compared');
  });
});
