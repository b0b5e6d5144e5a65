import type { AgentView, QueueView, ToastView } from '../../src/protocol/live-messages.js';
import type { Timers } from '../../web/src/live/live-connection.js';

export function agent(id: string, overrides: Partial<AgentView> = {}): AgentView {
  return {
    id,
    name: `Agent ${id}`,
    teamId: 'team-1',
    teamName: 'Team One',
    queueIds: ['q1'],
    loggedIn: true,
    presence: 'ON_QUEUE',
    presenceDefinitionId: undefined,
    presenceLabel: undefined,
    routingStatus: 'IDLE',
    label: 'Idle',
    since: '2026-11-23T09:00:00.000Z',
    presenceSince: undefined,
    routingSince: undefined,
    conversations: [],
    offset: 1,
    ...overrides,
  };
}

export function queue(id: string, overrides: Partial<QueueView> = {}): QueueView {
  return {
    id,
    name: `Queue ${id}`,
    mediaType: 'voice',
    waiting: 0,
    oldestWaitingSince: null,
    longestWaitMs: 0,
    alerting: 0,
    interacting: 0,
    members: 10,
    joined: 8,
    onQueue: 5,
    idle: 3,
    interactingAgents: 2,
    notResponding: 0,
    answered: 0,
    answeredWithinThreshold: 0,
    abandoned: 0,
    serviceLevel: null,
    serviceLevelThresholdSec: 20,
    answerWaitMsTotal: 0,
    handled: 0,
    handleMsTotal: 0,
    byMedia: [],
    windowMinutes: 15,
    window: { kind: 'rolling', minutes: 15, since: '2026-11-23T08:45:00.000Z' },
    offset: 1,
    ...overrides,
  };
}

export function toast(conversationId: string, userId: string, offset = 1): ToastView {
  return {
    id: `${conversationId}:${userId}`,
    conversationId,
    userId,
    queueId: 'q1',
    queueName: 'Queue q1',
    media: 'voice',
    caller: 'Ada',
    address: 'tel:+15551234567',
    since: '2026-11-23T09:00:00.000Z',
    offset,
  };
}

/** Timers run by hand: `advance(ms)` fires what is due, in order. */
export class FakeTimers implements Timers {
  now = 0;
  #next = 1;
  #due = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#due.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#due.delete(handle as number);
  }
  /** Delays of the timers pending now. */
  pending(): number[] {
    return [...this.#due.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const next = [...this.#due]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.#due.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = end;
  }
}
