import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildOrg } from '../../src/emulator/model/org.js';
import { Simulation, type DomainEvent } from '../../src/emulator/model/simulation.js';
import { truthOf } from '../../src/emulator/model/truth.js';
import { topicsFor } from '../../src/emulator/render/topics.js';

const START = Date.parse('2026-11-23T08:00:00.000Z');
const HOUR = 3600_000;

function sim(agents = 200, queues = 8, seed = 7) {
  return new Simulation({
    org: buildOrg({ agents, queues, seed }),
    seed,
    startMs: START,
    consults: true,
  });
}

/** A compact, order-preserving fingerprint of an event for determinism checks. */
function describeEvent(e: DomainEvent): string {
  switch (e.type) {
    case 'presence':
      return `${e.at} P ${e.agent.agent.id} ${e.agent.presence.id}`;
    case 'routing':
      return `${e.at} R ${e.agent.agent.id} ${e.agent.routing}`;
    case 'conversation':
      return `${e.at} C ${e.conversation.id} ${e.change} ${e.agentId ?? '-'} ${e.conversation.queue.id}`;
    case 'queue':
      return `${e.at} Q ${e.queue.id}`;
    case 'membership':
      return `${e.at} M ${e.agent.agent.id} ${e.queue.id} ${e.joined}`;
  }
}

describe('contact-center simulation', () => {
  test('same seed → identical event sequence; another seed → a different one', () => {
    const run = (seed: number) => {
      const s = sim(150, 6, seed);
      const out: string[] = [];
      s.onEvent((e) => out.push(describeEvent(e)));
      s.advanceTo(START + 2 * HOUR);
      return out;
    };
    const a = run(11);
    const b = run(11);
    assert.ok(a.length > 1000, `expected a busy floor, got ${a.length} events`);
    assert.deepEqual(a, b);
    assert.notDeepEqual(run(12).slice(0, 200), a.slice(0, 200));
  });

  test('a 500-seat center produces thousands of state changes an hour', () => {
    const s = sim(500, 12, 1);
    let changes = 0;
    s.onEvent((e) => {
      if (e.type !== 'queue') changes++;
    });
    s.advanceTo(START + HOUR);
    assert.ok(changes > 3000, `${changes} state changes in an hour`);
    const truth = truthOf(s);
    const loggedIn = truth.agents.filter((a) => a.loggedIn).length;
    assert.ok(loggedIn > 250 && loggedIn < 450, `${loggedIn} of 500 logged in`);
  });

  test('invariants hold over a long run: capacity, non-negative counts, every conversation ends', () => {
    const s = sim(300, 10, 3);
    const started = new Set<string>();
    const finished = new Set<string>();
    let checks = 0;
    s.onEvent((e) => {
      if (e.type === 'conversation') {
        if (e.change === 'queued' && e.conversation.transfers === 0) started.add(e.conversation.id);
        if (e.change === 'ended' || e.change === 'abandoned') finished.add(e.conversation.id);
      }
      if (e.type === 'routing' || e.type === 'conversation') {
        // Spot-check agent invariants as the run goes.
        if (++checks % 7 !== 0) return;
        for (const a of s.agents.values()) {
          const voice = [...a.conversations].filter((c) => c.media === 'voice').length;
          assert.ok(voice <= 1, 'at most one voice interaction');
          if (voice === 1) assert.equal(a.conversations.size, 1, 'voice excludes other media');
          assert.ok(a.conversations.size <= 3, 'capacity');
          if (!a.loggedIn) assert.equal(a.conversations.size, 0, 'logged-out agents hold nothing');
          if (a.conversations.size > 0)
            assert.ok(
              a.routing === 'INTERACTING' ||
                a.routing === 'NOT_RESPONDING' ||
                // On an outbound call of their own only: Genesys's COMMUNICATING.
                (a.routing === 'COMMUNICATING' &&
                  [...a.conversations].every((c) => c.direction === 'outbound')),
            );
        }
      }
    });
    const transferredBy = new Map<string, string>();
    s.onEvent((e) => {
      if (e.type !== 'conversation') return;
      if (e.change === 'transferred') transferredBy.set(e.conversation.id, e.agentId!);
      if (e.change === 'alerting') {
        assert.notEqual(
          transferredBy.get(e.conversation.id),
          e.agentId,
          'never offered back to the agent who transferred it',
        );
      }
    });
    for (let h = 1; h <= 12; h++) {
      s.advanceTo(START + h * HOUR);
      for (const q of truthOf(s).queues) {
        assert.ok(q.waiting >= 0 && q.alerting >= 0 && q.interacting >= 0 && q.longestWaitMs >= 0);
        assert.ok(q.idle + q.interactingAgents + q.notResponding <= q.onQueue);
      }
      for (const a of s.agents.values()) {
        // A break that came due is taken as soon as the agent is free: nobody sits idle blocked.
        assert.ok(
          !(a.loggedIn && a.onQueue && a.pendingBreak && a.conversations.size === 0),
          `${a.agent.id} stuck with a pending break`,
        );
      }
      for (const q of s.org.queues) {
        const waiting = s.waiting(q.id);
        if (waiting.length === 0) continue;
        for (const id of q.memberIds) {
          const a = s.agents.get(id)!;
          // A member not joined to the queue is offered nothing from it.
          const free =
            !a.unjoined.has(q.id) &&
            a.loggedIn &&
            a.onQueue &&
            a.routing === 'IDLE' &&
            !a.pendingBreak &&
            !a.pendingLogout &&
            a.conversations.size === 0;
          // An idle member next to a waiting conversation must be one that let all of them ring out.
          if (free)
            assert.ok(
              waiting.every((c) => c.missedBy.has(id)),
              `${id} idle while ${q.name} has ${waiting.length} waiting`,
            );
        }
      }
    }
    // Conversations that started more than an hour before the end have all ended.
    const live = new Set(s.conversations.keys());
    const unfinished = [...started].filter((id) => !finished.has(id) && !live.has(id));
    assert.deepEqual(unfinished, [], 'no conversation vanishes without ending');
    for (const c of s.conversations.values()) {
      assert.ok(
        s.now - c.arrivedAt < 3 * HOUR,
        `conversation ${c.id} open for ${(s.now - c.arrivedAt) / HOUR} h`,
      );
    }
    assert.ok(finished.size > 1000);
  });

  test('truth agrees with the event stream folded from the start', () => {
    const s = sim(250, 8, 17);
    // Start from the initial state (what REST reports at t0), then apply every event.
    const folded = new Map(
      truthOf(s).agents.map((a) => [
        a.id,
        { presence: a.presenceDefinitionId, routing: a.routingStatus },
      ]),
    );
    const waiting = new Map<string, Set<string>>();
    s.onEvent((e) => {
      if (e.type === 'presence') folded.get(e.agent.agent.id)!.presence = e.agent.presence.id;
      if (e.type === 'routing') folded.get(e.agent.agent.id)!.routing = e.agent.routing;
      if (e.type === 'conversation') {
        for (const set of waiting.values()) set.delete(e.conversation.id);
        if (e.change === 'queued' || e.change === 'missed') {
          const q = e.conversation.queue.id;
          if (!waiting.has(q)) waiting.set(q, new Set());
          waiting.get(q)!.add(e.conversation.id);
        }
      }
    });
    for (let h = 1; h <= 6; h++) {
      s.advanceTo(START + h * HOUR);
      const truth = truthOf(s);
      for (const a of truth.agents) {
        assert.deepEqual(
          folded.get(a.id),
          { presence: a.presenceDefinitionId, routing: a.routingStatus },
          a.id,
        );
      }
      for (const q of truth.queues) assert.equal(waiting.get(q.id)?.size ?? 0, q.waiting, q.name);
    }
  });

  test("a missed or transferred conversation shows the agent's leg disconnected, with the reason", () => {
    const s = sim(200, 6, 8);
    const seen = new Map<string, Record<string, unknown>>();
    s.onEvent((e) => {
      if (
        e.type !== 'conversation' ||
        (e.change !== 'missed' && e.change !== 'transferred') ||
        seen.has(e.change)
      )
        return;
      const [queueTopic] = topicsFor(e, () => 'Agent');
      const agent = (queueTopic!.eventBody.participants as Record<string, unknown>[]).find(
        (p) => p.purpose === 'agent',
      )!;
      seen.set(e.change, agent);
    });
    s.advanceTo(START + 6 * HOUR);
    for (const [change, reason] of [
      ['missed', 'timeout'],
      ['transferred', 'transfer'],
    ] as const) {
      const agent = seen.get(change);
      assert.ok(agent, `a ${change} conversation in six hours`);
      const [leg] = Object.values(agent).filter(Array.isArray)[0] as {
        state: string;
        disconnectType?: string;
      }[];
      assert.equal(leg!.state, 'disconnected', change);
      assert.equal(leg!.disconnectType, reason);
      assert.ok(agent.endTime, 'the agent participant has an end time');
    }
  });

  test('a burst multiplies arrivals and builds a queue', () => {
    const s = sim(200, 6, 5);
    s.advanceTo(START + 10 * 60_000);
    let arrivals = 0;
    s.onEvent((e) => {
      if (e.type === 'conversation' && e.change === 'queued' && e.conversation.transfers === 0)
        arrivals++;
    });
    s.advanceTo(START + 20 * 60_000);
    const normal = arrivals;
    arrivals = 0;
    s.burst(8, 600);
    s.advanceTo(START + 30 * 60_000);
    assert.ok(arrivals > normal * 4, `burst ${arrivals} vs normal ${normal}`);
    assert.ok(truthOf(s).queues.some((q) => q.waiting > 5));
  });
});

describe('consults', () => {
  test('the first agent holds and names the consulted leg; it rings, talks, then hangs up or takes the call', () => {
    const s = sim(200, 6, 8);
    const outcomes = new Map<string, string>();
    const owners = new Map<string, string>();
    s.onEvent((e) => {
      if (e.type !== 'conversation') return;
      const c = e.conversation;
      if (e.change === 'consult') {
        const consult = c.consult!;
        assert.equal(consult.from, e.agentId);
        assert.notEqual(consult.to, consult.from);
        const b = s.agents.get(consult.to)!;
        assert.ok(b.conversations.has(c), 'the consulted agent holds the conversation');
        assert.equal(b.routing, 'INTERACTING');
        const truth = truthOf(s);
        const leg = (id: string) =>
          truth.agents.find((a) => a.id === id)!.conversations.find((x) => x.id === c.id)?.state;
        assert.equal(leg(consult.from), 'held');
        assert.equal(leg(consult.to), 'alerting');
        const [queueTopic] = topicsFor(e, () => 'Agent');
        const parts = queueTopic!.eventBody.participants as Record<string, unknown>[];
        const first = parts.find((p) => p.userId === consult.from)!;
        const second = parts.find((p) => p.userId === consult.to)!;
        assert.equal(first.consultParticipantId, second.id);
        assert.equal((first.calls as { held: boolean }[])[0]!.held, true);
        assert.equal((second.calls as { state: string }[])[0]!.state, 'alerting');
        const users = topicsFor(e, () => 'Agent').map((m) => m.topicName);
        assert.ok(users.includes(`v2.users.${consult.to}.conversations.calls`));
      }
      if (e.change === 'consultEnded' || e.change === 'consultTransferred') {
        outcomes.set(c.id, e.change);
        const gone = e.change === 'consultEnded' ? c.consult!.to : c.consult!.from;
        assert.ok(![...s.agents.get(gone)!.conversations].includes(c), 'the leaver holds nothing');
        owners.set(c.id, e.change === 'consultEnded' ? c.consult!.from : c.consult!.to);
        const [queueTopic] = topicsFor(e, () => 'Agent');
        const parts = queueTopic!.eventBody.participants as Record<string, unknown>[];
        const leg = (parts.find((p) => p.userId === gone)!.calls as Record<string, string>[])[0]!;
        assert.equal(leg.state, 'disconnected');
        assert.equal(
          leg.disconnectType,
          e.change === 'consultEnded' ? 'client' : 'transfer.consult',
        );
      }
      if ((e.change === 'acw' || e.change === 'transferred') && owners.has(c.id)) {
        assert.equal(e.agentId, owners.get(c.id), 'the call goes on with the agent left on it');
        owners.delete(c.id);
      }
    });
    s.advanceTo(START + 6 * HOUR);
    const kinds = new Set(outcomes.values());
    assert.ok(kinds.has('consultEnded') && kinds.has('consultTransferred'), [...kinds].join());
  });
});

describe('callbacks', () => {
  test('callers of queues that offer callbacks sometimes ask for one; it takes the phone like a call', () => {
    const s = sim(200, 6, 8);
    const callbacks = new Set<string>();
    const ended = new Set<string>();
    let phoneArrivals = 0;
    s.onEvent((e) => {
      if (e.type !== 'conversation') return;
      const c = e.conversation;
      if (e.change === 'queued' && c.transfers === 0 && c.queue.serviceLevels.callback)
        phoneArrivals++;
      if (c.media !== 'callback') return;
      assert.ok(c.queue.serviceLevels.callback, `${c.queue.name} offers callbacks`);
      callbacks.add(c.id);
      if (e.change === 'ended') ended.add(c.id);
      if (e.agentId !== undefined && e.change === 'connected')
        assert.equal(s.agents.get(e.agentId)!.conversations.size, 1, 'nothing beside it');
    });
    s.advanceTo(START + 6 * HOUR);
    const answered = [...ended].length;
    assert.ok(answered > 5, `${answered} callbacks handled`);
    const share = callbacks.size / phoneArrivals;
    assert.ok(share > 0.01 && share < 0.1, `a small share of the calls: ${share}`);
  });
});
