/**
 * Issue 15 point 7: a floor heard only through the guides' signed webhooks (README "Sending
 * events", `switchboard emulator --webhook`): `routing.conversation.event` and
 * `agentStateChange` (SEED-FORMATS §D) must give the same queue figures and routing statuses as
 * the emulator's ground truth. No stream, no EventBridge, no reconcile: the gateway runs in push
 * mode and every event in its log came in over /ingest/webhook.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TEST_SECRET, startTestGateway } from '../support/helpers.js';
import { startTestEmulator, webhooksDelivered } from '../support/emulator.js';
import { projected, settled } from '../support/truth.js';

const SIM_MINUTES = 10;

describe('a webhook-only floor against the emulator truth', () => {
  test(`${SIM_MINUTES} simulated minutes of signed guide webhooks: queue figures and routing statuses equal the truth`, async (t) => {
    const gw = await startTestGateway(t);
    // testConfig's default `source.mode: push`: the push receivers and no stream. Its reconcile
    // source has no REST address (demo mode, emulator port 0, no `emulatorUrl`): it can call
    // nothing, and the log below proves it appended nothing.
    assert.deepEqual(
      gw.sources.filter((s) => s.kind === 'stream').map((s) => s.name),
      [],
    );
    const emu = await startTestEmulator(t, {
      agents: 120,
      queues: 5,
      seed: 21,
      webhook: { url: `${gw.url}/ingest/webhook`, secret: TEST_SECRET },
    });
    const started = emu.sim.now;
    const seen = { alerting: 0, missedOrTransferred: 0, abandoned: 0 };
    emu.sim.onEvent((e) => {
      if (e.type !== 'conversation') return;
      if (e.change === 'alerting') seen.alerting++;
      if (e.change === 'missed' || e.change === 'transferred') seen.missedOrTransferred++;
      if (e.change === 'abandoned') seen.abandoned++;
    });
    for (let minute = 0; minute < SIM_MINUTES; minute++) {
      emu.advance(60_000);
      for (const w of emu.webhooks.values()) await w.dispatcher.idle();
    }
    // A busy spell, so callers wait and the waiting figures mean something.
    emu.sim.burst(8, 120);
    emu.advance(120_000);
    await webhooksDelivered(emu);
    await settled(gw);

    // Every event the gateway folded came over the signed webhook.
    const sources = new Set<string>();
    for (let after = 0; ;) {
      const page = await gw.log.read(after, 1000);
      if (page.length === 0) break;
      for (const e of page) sources.add(e.source);
      after = page[page.length - 1]!.offset;
    }
    assert.deepEqual([...sources], ['webhook']);

    const truth = emu.truth();
    const { agents, queues } = await projected(gw);
    const queueById = new Map(queues.map((q) => [q.id, q]));
    // The one justified difference in queue figures: the emulator renders every guide routing
    // event `direction: 'INBOUND'` with a `queueId` (src/emulator/render/guide-formats.ts), its
    // agents' own outbound calls included, which the truth keeps out of queue figures. Those
    // read as interacting in the queue the event names.
    const outbound = new Map<string, number>();
    for (const c of emu.sim.conversations.values())
      if (c.direction === 'outbound' && c.state !== 'ended' && c.state !== 'abandoned')
        outbound.set(c.queue.id, (outbound.get(c.queue.id) ?? 0) + 1);
    let waiting = 0;
    let interacting = 0;
    for (const real of truth.queues) {
      const q = queueById.get(real.id);
      const got = {
        waiting: q?.waiting ?? 0,
        alerting: q?.alerting ?? 0,
        interacting: q?.interacting ?? 0,
        oldestWaitingSince: q?.oldestWaitingSince ?? null,
      };
      const want = {
        waiting: real.waiting,
        alerting: real.alerting,
        interacting: real.interacting + (outbound.get(real.id) ?? 0),
        oldestWaitingSince:
          real.waiting === 0
            ? null
            : new Date(Date.parse(truth.at) - real.longestWaitMs).toISOString(),
      };
      assert.deepEqual(got, want, `queue ${real.name}`);
      waiting += real.waiting;
      interacting += real.interacting;
    }
    assert.ok(waiting > 0, 'callers waiting, so waiting was compared');
    assert.ok(interacting > 20, `${interacting} interacting, so interacting was compared`);

    // Agents: presence and routing status as the truth has them. The other justified difference:
    // an agent already on shift when the run began and unchanged since was never the subject of
    // an agentStateChange, and a push-only gateway has no REST snapshot to learn it from.
    const agentById = new Map(agents.map((a) => [a.id, a]));
    let compared = 0;
    for (const real of truth.agents) {
      const a = agentById.get(real.id);
      if (a === undefined) {
        assert.ok(
          Date.parse(real.presenceSince) <= started &&
            Date.parse(real.routingStatusSince) <= started,
          `agent ${real.name} changed during the run but is not projected`,
        );
        continue;
      }
      compared++;
      assert.deepEqual(
        { presence: a.presence, routingStatus: a.routingStatus, loggedIn: a.loggedIn },
        { presence: real.presence, routingStatus: real.routingStatus, loggedIn: real.loggedIn },
        `agent ${real.name}`,
      );
    }
    assert.ok(compared > 40, `${compared} agents compared`);
    for (const [what, count] of Object.entries(seen)) assert.ok(count > 0, `the run had ${what}`);
    t.diagnostic(
      `${compared}/${truth.agents.length} agents, ${waiting} waiting, ${interacting} interacting, ` +
        `${[...outbound.values()].reduce((a, b) => a + b, 0)} outbound; ${JSON.stringify(seen)}`,
    );
  });
});
