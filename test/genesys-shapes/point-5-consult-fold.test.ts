/**
 * Issue 11, points 5 and 6, without sockets: the simulation (consults, blind and consult
 * transfers, callbacks, outbound calls) rendered by the emulator's topic renderer, normalized as
 * the ingest does and folded by a LiveState, must equal the simulation's own truth at every
 * simulated minute. Two families: every topic the emulator renders (conversation topics win over
 * detail topics once they name a conversation), and the detail topics alone (Genesys's analytics
 * detail events blueprint, `GenesysCloudBlueprints/aws-eventbridge-analytics-detail-events-blueprint`).
 * The bodies are the SDK models' shapes, checked in test/emulator/sdk-conformance.test.ts.
 *
 * It found two bugs the socket replays hit only now and then: a consult's legs drawn on the
 * bodies of a third agent after a later blind transfer (the consulted agent kept the call), and a
 * blind transfer's detail milestones (agent end, next queue start, next agent offer) sharing
 * one millisecond, where the fold refused all but the first as "behind" the state it had.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildOrg } from '../../src/emulator/model/org.js';
import { Simulation, type DomainEvent } from '../../src/emulator/model/simulation.js';
import { truthOf } from '../../src/emulator/model/truth.js';
import { topicsFor } from '../../src/emulator/render/topics.js';
import { LiveState } from '../../src/projection/live-state.js';
import { normalizeEvent } from '../../src/sources/normalize/normalize.js';

const START = Date.parse('2026-11-23T09:00:00.000Z');

interface Run {
  mismatches: string[];
  consults: number;
  consultTransfers: number;
  blindAfterConsult: number;
  comparedWhileConsulting: number;
}

function replay(seed: number, minutes: number, keep: (topic: string) => boolean): Run {
  const org = buildOrg({ agents: 150, queues: 6, seed });
  const sim = new Simulation({ org, seed, startMs: START, consults: true });
  const live = new LiveState();
  let offset = 0;
  const consulted = new Set<string>();
  const run: Run = {
    mismatches: [],
    consults: 0,
    consultTransfers: 0,
    blindAfterConsult: 0,
    comparedWhileConsulting: 0,
  };
  sim.onEvent((e: DomainEvent) => {
    if (e.type === 'conversation') {
      if (e.change === 'consult') {
        run.consults++;
        consulted.add(e.conversation.id);
      }
      if (e.change === 'consultTransferred') run.consultTransfers++;
      if (e.change === 'transferred' && consulted.has(e.conversation.id)) run.blindAfterConsult++;
    }
    for (const m of topicsFor(e, () => 'Agent')) {
      if (!keep(m.topicName)) continue;
      const envelope = {
        topicName: m.topicName,
        version: '2',
        eventBody: m.eventBody,
        metadata: { CorrelationId: `c-${offset + 1}` },
      };
      const input = normalizeEvent(Buffer.from(JSON.stringify(envelope)), envelope, {
        source: 'eventbridge',
        receivedAt: new Date(m.at).toISOString(),
        idKeys: [],
      });
      live.apply({ ...input, offset: ++offset });
    }
  });
  for (let minute = 1; minute <= minutes; minute++) {
    sim.advanceTo(START + minute * 60_000);
    const truth = truthOf(sim);
    for (const real of truth.agents) {
      const got = (live.agent(real.id)?.conversations ?? []).map((c) => c.id).sort();
      const want = real.conversations.map((c) => c.id).sort();
      if (got.join() !== want.join())
        run.mismatches.push(
          `minute ${minute}: agent ${real.name} has [${got.join()}], truth [${want.join()}]`,
        );
    }
    for (const real of truth.queues) {
      const q = live.queue(real.id, sim.now);
      const got = [q?.waiting ?? 0, q?.alerting ?? 0, q?.interacting ?? 0];
      const want = [real.waiting, real.alerting, real.interacting];
      if (got.join() !== want.join())
        run.mismatches.push(
          `minute ${minute}: queue ${real.name} ${got.join()} (truth ${want.join()})`,
        );
    }
    for (const c of sim.conversations.values())
      if (c.consult?.state === 'alerting' || c.consult?.state === 'connected')
        run.comparedWhileConsulting++;
  }
  return run;
}

const detailOnly = (topic: string) => !topic.includes('.conversations');

describe('issue 11 points 5 and 6: consults and transfers folded equal the truth', () => {
  for (const [family, keep] of [
    ['every topic', () => true],
    ['detail topics alone', detailOnly],
  ] as const) {
    test(`${family}: every agent's conversations and every queue's buckets, minute by minute`, () => {
      const total = { consults: 0, consultTransfers: 0, blindAfterConsult: 0, during: 0 };
      for (const seed of [11, 12, 13, 21, 22, 23]) {
        const run = replay(seed, 45, keep);
        assert.deepEqual(run.mismatches.slice(0, 5), [], `seed ${seed}`);
        total.consults += run.consults;
        total.consultTransfers += run.consultTransfers;
        total.blindAfterConsult += run.blindAfterConsult;
        total.during += run.comparedWhileConsulting;
      }
      // The cases the comparison is for did happen.
      assert.ok(total.consults >= 20, `${total.consults} consults`);
      assert.ok(total.consultTransfers >= 5, `${total.consultTransfers} consult transfers`);
      assert.ok(total.blindAfterConsult >= 1, `${total.blindAfterConsult} blind after consult`);
      assert.ok(total.during >= 3, `${total.during} comparisons while a consult was on`);
    });
  }
});
