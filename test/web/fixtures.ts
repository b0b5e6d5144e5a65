import type { AgentView, QueueView, ToastView } from '../../src/protocol/live-messages.js';

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
    byMedia: [],
    windowMinutes: 15,
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
