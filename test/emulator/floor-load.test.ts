import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildOrg } from '../../src/emulator/model/org.js';
import { Simulation } from '../../src/emulator/model/simulation.js';
import { truthOf } from '../../src/emulator/model/truth.js';

const START = Date.parse('2026-11-23T08:00:00.000Z');
const MINUTE = 60_000;

describe('the demo floor looks like a contact center', () => {
  test('agent names are unique on a floor of 5,000, the same for a seed, and another seed deals them differently', () => {
    const names = (agents: number, seed: number) =>
      buildOrg({ agents, queues: 12, seed }).agents.map((a) => a.name);
    const big = names(5000, 1);
    assert.equal(new Set(big).size, 5000);
    assert.deepEqual(names(5000, 1), big);
    assert.notDeepEqual(names(500, 2), big.slice(0, 500));
    // Past every given × family pairing, a pairing comes round again with a number.
    const huge = names(12_000, 1);
    assert.equal(new Set(huge).size, 12_000);
    assert.match(huge[11_999]!, /^\S+ \S+ 3$/);
  });

  test('in a busy hour the floor runs at 75–90 % occupancy; some queues queue past their service level, others keep up', () => {
    // The demo's floor (the emulator's defaults): 500 agents, 12 queues, seed 1. The floor's day
    // starts mid-morning; its first hour fills an idle floor, the second is in its stride.
    const sim = new Simulation({
      org: buildOrg({ agents: 500, queues: 12, seed: 1 }),
      seed: 1,
      startMs: START,
      consults: true,
    });
    sim.advanceTo(START + 60 * MINUTE);
    let onQueue = 0;
    let working = 0;
    const breached = new Set<string>();
    const queued = new Set<string>();
    const slSec = new Map(sim.org.queues.map((q) => [q.id, q.serviceLevelSec]));
    for (let t = 0; t < 60 * MINUTE; t += 15_000) {
      sim.advanceTo(sim.now + 15_000);
      const truth = truthOf(sim);
      for (const a of truth.agents) {
        if (!a.loggedIn || a.presence !== 'ON_QUEUE') continue;
        onQueue++;
        // Talking, wrapping up or ringing (an inbound offer), or on a call of their own.
        if (a.routingStatus === 'INTERACTING' || a.routingStatus === 'COMMUNICATING') working++;
      }
      for (const q of truth.queues) {
        if (q.waiting > 0) queued.add(q.id);
        if (q.longestWaitMs > slSec.get(q.id)! * 1000) breached.add(q.id);
      }
    }
    const occupancy = working / onQueue;
    assert.ok(occupancy >= 0.75 && occupancy <= 0.9, `occupancy ${occupancy.toFixed(3)}`);
    assert.ok(breached.size >= 1, 'some queue had a caller waiting past its service level');
    assert.ok(queued.size >= 1, 'some queue built a queue');
    assert.ok(
      breached.size < sim.org.queues.length,
      `${breached.size} of ${sim.org.queues.length} queues breached: some must keep up`,
    );
  });

  test('the quiet hours are lighter: far fewer arrivals than the busy ones', () => {
    const org = buildOrg({ agents: 500, queues: 12, seed: 1 });
    const perHour = (slot: number) => org.queues.reduce((n, q) => n + q.arrivalsPerHour[slot]!, 0);
    // Slot 8 is two hours in (mid-morning); slot 64 is sixteen hours in (the small hours).
    assert.ok(perHour(64) < perHour(8) / 3, `${perHour(64)} vs ${perHour(8)} an hour`);
  });
});
