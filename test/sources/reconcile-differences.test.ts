/**
 * Issue 12 point 3: a reconcile run appends only its *differences* from the projected state.
 * The first run of an empty gateway brings everything; a run over a floor that did not move
 * appends `reconcile.complete` alone; after changes the gateway never heard of, a run appends
 * exactly the users, queues and conversations that changed, and live state equals the truth.
 * The REST answers are the emulator's, in the SDK's shapes (test/sources/reconcile.test.ts and
 * test/projection/reconcile-conversations.test.ts check those against the SDK models).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AgentTruth } from '../../src/emulator/model/truth.js';
import { startGateway } from '../../src/gateway.js';
import type { StoredEvent } from '../../src/log/event-log.js';
import { startEmulatorGateway, startTestEmulator } from '../support/emulator.js';
import { compareWithTruth, settled } from '../support/truth.js';

async function runEvents(
  gw: Awaited<ReturnType<typeof startGateway>>,
  first: number,
  last: number,
): Promise<StoredEvent[]> {
  return gw.log.read(first - 1, last - first + 1);
}

/** What the gateway would show of an agent's own state (not its conversations). */
const stateOf = (a: AgentTruth) =>
  [a.presenceDefinitionId, a.presenceSince, a.routingStatus, a.routingStatusSince].join(' ');

describe('reconcile appends differences', () => {
  test('an unchanged floor appends only complete; a moved one only what moved', async (t) => {
    const emu = await startTestEmulator(t, { agents: 40, queues: 3, seed: 21 });
    emu.sim.burst(6, 600);
    emu.advance(5 * 60_000);
    const gw = await startEmulatorGateway(t, emu, 'push');

    const first = await gw.reconcile();
    assert.ok(first);
    await settled(gw);
    const truth = emu.truth();
    // Everything is a difference but the start-up backfill of agents' own calls: this floor
    // has none, so it changes nothing.
    assert.equal(first.unchanged, 1, 'an empty gateway: everything is a difference');
    assert.ok(first.events > truth.agents.length + truth.queues.length);

    const again = await gw.reconcile();
    assert.ok(again);
    await settled(gw);
    const kinds = (await runEvents(gw, again.firstOffset, again.lastOffset)).map((e) => e.kind);
    assert.deepEqual(kinds, ['reconcile.complete'], 'nothing moved: the roster alone');
    assert.equal(again.unchanged, first.events - 1);

    // The floor moves while the gateway hears nothing (push mode, nobody pushes).
    const before = new Map(emu.truth().agents.map((a) => [a.id, stateOf(a)]));
    emu.advance(45_000);
    const after = emu.truth();
    const moved = after.agents.filter((a) => before.get(a.id) !== stateOf(a)).map((a) => a.id);
    assert.ok(moved.length > 0 && moved.length < after.agents.length, `${moved.length} moved`);

    const repair = await gw.reconcile();
    assert.ok(repair);
    await settled(gw);
    const events = await runEvents(gw, repair.firstOffset, repair.lastOffset);
    const users = events.filter((e) => e.kind === 'reconcile.user').map((e) => e.subject.userId);
    assert.deepEqual(users.sort(), moved.sort(), 'exactly the agents whose state changed');
    assert.equal(events.filter((e) => e.kind === 'reconcile.queue').length, 0, 'no queue changed');
    assert.equal(events.filter((e) => e.kind === 'reconcile.presence-definitions').length, 0);
    assert.ok(
      events.some((e) => e.kind === 'reconcile.queue-conversations'),
      'conversations moved in 45 s of a busy floor',
    );
    assert.equal(repair.events + repair.unchanged, first.events);
    await compareWithTruth(gw, emu, Date.parse(after.at), 0);

    const last = await gw.reconcile();
    assert.ok(last);
    assert.equal(last.events, 1, 'repaired: the next run finds nothing to say');
  });
});
