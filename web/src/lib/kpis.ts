import type { AgentView, QueueView } from '@protocol/live-messages.js';
import { elapsedSince } from './format.js';

/**
 * The centre-wide KPI strip, summed over the queue tiles a screen holds (so a scoped token sees
 * its own centre). A conversation that moved between queues counts in each, as Genesys's own
 * queue views count it. Any figure with nothing to measure is `null` with a reason, never 0.
 */
export interface CentreKpis {
  waiting: number;
  longestWaitMs: number | null;
  serviceLevel: Measured;
  asaMs: Measured;
  ahtMs: Measured;
  abandonRate: Measured;
  occupancy: Measured;
  /** Logged-in agents by what they are doing. */
  agents: { label: string; count: number; token: string }[];
  /** The window the counted figures cover, in words: "rolling 30 min", "since 00:00 (Europe/Paris)". */
  window: string;
}

export type Measured = { value: number; reason?: undefined } | { value: null; reason: string };

const measured = (value: number): Measured => ({ value });
const unknown = (reason: string): Measured => ({ value: null, reason });

/** The window the figures cover, in words, from a queue view's `window`. */
export function windowText(queue: QueueView | undefined): string {
  const w = queue?.window;
  if (w === undefined) return queue ? `rolling ${queue.windowMinutes} min` : 'no queues yet';
  if (w.kind === 'rolling') return `rolling ${w.minutes} min`;
  const since = new Date(w.since);
  const time = Number.isFinite(since.getTime())
    ? since.toLocaleTimeString('en-GB', {
        hour: '2-digit',
        minute: '2-digit',
        timeZone: w.timeZone,
      })
    : '00:00';
  return `since ${time} (${w.timeZone})`;
}

/** The agent groups of the strip, in scanning order; Offline is not a state of the floor. */
const AGENT_GROUPS: { label: string; token: string; match: (a: AgentView) => boolean }[] = [
  { label: 'Idle', token: 'idle', match: (a) => onQueue(a) && a.routingStatus === 'IDLE' },
  {
    label: 'Interacting',
    token: 'interacting',
    match: (a) =>
      onQueue(a) && (a.routingStatus === 'INTERACTING' || a.routingStatus === 'COMMUNICATING'),
  },
  {
    label: 'Not responding',
    token: 'not-responding',
    match: (a) => onQueue(a) && a.routingStatus === 'NOT_RESPONDING',
  },
  { label: 'Off queue', token: 'off-queue', match: (a) => a.loggedIn && !onQueue(a) },
];

function onQueue(a: AgentView): boolean {
  return a.loggedIn && a.presence === 'ON_QUEUE';
}

export function centreKpis(
  queues: Iterable<QueueView>,
  agents: Iterable<AgentView>,
  serverNow: number,
): CentreKpis {
  let waiting = 0;
  let longest: number | null = null;
  let answered = 0;
  let within = 0;
  let abandoned = 0;
  let waitTotal = 0;
  let handled = 0;
  let handleTotal = 0;
  let first: QueueView | undefined;
  for (const q of queues) {
    first ??= q;
    waiting += q.waiting;
    if (q.waiting > 0) {
      const ms = elapsedSince(q.oldestWaitingSince, serverNow) ?? q.longestWaitMs;
      longest = Math.max(longest ?? 0, ms);
    }
    answered += q.answered;
    within += q.answeredWithinThreshold;
    abandoned += q.abandoned;
    waitTotal += q.answerWaitMsTotal;
    handled += q.handled;
    handleTotal += q.handleMsTotal;
  }
  const offered = answered + abandoned;
  const counts = AGENT_GROUPS.map(() => 0);
  let onQueueAgents = 0;
  let busy = 0;
  for (const a of agents) {
    if (!a.loggedIn) continue;
    const i = AGENT_GROUPS.findIndex((g) => g.match(a));
    if (i >= 0) counts[i]!++;
    if (onQueue(a)) {
      onQueueAgents++;
      if (a.routingStatus === 'INTERACTING' || a.routingStatus === 'COMMUNICATING') busy++;
    }
  }
  return {
    waiting,
    longestWaitMs: longest,
    serviceLevel:
      offered === 0
        ? unknown('Nothing answered or abandoned in the window')
        : measured(within / offered),
    asaMs:
      answered === 0 ? unknown('Nothing answered in the window') : measured(waitTotal / answered),
    ahtMs:
      handled === 0
        ? unknown('No conversation finished in the window')
        : measured(handleTotal / handled),
    abandonRate:
      offered === 0
        ? unknown('Nothing answered or abandoned in the window')
        : measured(abandoned / offered),
    occupancy: onQueueAgents === 0 ? unknown('No agent on queue') : measured(busy / onQueueAgents),
    agents: AGENT_GROUPS.map((g, i) => ({ label: g.label, token: g.token, count: counts[i]! })),
    window: windowText(first),
  };
}
