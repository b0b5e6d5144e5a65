import assert from 'node:assert/strict';
import type { Emulator } from '../../src/emulator/emulator.js';
import type { AgentTruth } from '../../src/emulator/model/truth.js';
import type { Gateway } from '../../src/gateway.js';
import type { AgentView, QueueView } from '../../src/protocol/live-messages.js';
import { waitFor } from './helpers.js';
import { agentLabel, dominantLeg } from '../../src/projection/agent-label.js';

/** What a wallboard tile must say for an agent, from the emulator's ground truth. */
export function expectedLabel(a: AgentTruth): string {
  return agentLabel({
    loggedIn: a.loggedIn,
    presence: a.presence,
    presenceLabel: a.presenceLabel,
    routingStatus: a.routingStatus,
    conversation: dominantLeg(a.conversations.map((c) => c.state)),
  });
}

export async function projected(gw: Gateway) {
  const get = async <T>(path: string) => (await (await fetch(`${gw.url}${path}`)).json()) as T;
  const { agents } = await get<{ agents: AgentView[] }>('/api/v1/agents');
  const { queues } = await get<{ queues: QueueView[] }>('/api/v1/queues');
  return { agents, queues };
}

export async function settled(gw: Gateway) {
  const last = (await gw.log.stats()).lastOffset;
  await waitFor(() => gw.projector.offset >= last, {
    timeoutMs: 20_000,
    what: `the projector to fold the log up to ${last}`,
  });
}

/**
 * A stream has no "idle" to wait for: the emulator's floor is paused, and it is still once the
 * last message it sent on a followed topic (`last`, topic:CorrelationId) is in the log and
 * folded.
 */
export async function pauseAndSettle(
  gw: Gateway,
  emu: Emulator,
  last: () => string | undefined,
): Promise<void> {
  emu.pause();
  const id = last();
  assert.ok(id, 'the emulator sent something');
  await waitFor(
    async () => {
      const tail = await gw.log.read(Math.max(0, (await gw.log.stats()).lastOffset - 500), 500);
      return tail.some((e) => e.id === id);
    },
    { timeoutMs: 10_000, what: `the last sent message (${id}) in the log` },
  );
  await settled(gw);
}

/** Every agent and queue the gateway projects equals the emulator's truth; a summary line. */
export async function compareWithTruth(
  gw: Gateway,
  emu: Emulator,
  started: number,
  minAnswered = 20,
): Promise<string> {
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
  assert.ok(sum('answered') > minAnswered, `${sum('answered')} answered in the window`);
  return (
    `${agents.length} agents (${unchanged} never changed), ${queues.length} queues, ` +
    `${waiting} waiting, ${sum('answered')} answered, ${sum('abandoned')} abandoned`
  );
}
