/**
 * One label for an agent from login status, system presence (and the org's secondary label),
 * routing status and conversation state: what a wallboard tile says.
 */
export interface LabelInputs {
  loggedIn: boolean;
  /** System presence, upper case (AVAILABLE, ON_QUEUE, BREAK, …). */
  presence: string;
  /** The org's label for the presence definition (e.g. "Lunch"), when known. */
  presenceLabel: string | undefined;
  routingStatus: string;
  /** The agent's most telling conversation leg (connected > held > alerting > acw), if any. */
  conversation?: 'alerting' | 'connected' | 'held' | 'acw' | undefined;
}

const ROUTING_LABELS: Record<string, string> = {
  IDLE: 'Idle',
  INTERACTING: 'Interacting',
  NOT_RESPONDING: 'Not Responding',
  COMMUNICATING: 'Communicating',
  OFF_QUEUE: 'Off Queue',
};

const CONVERSATION_LABELS = {
  connected: 'Interacting',
  held: 'On Hold',
  alerting: 'Alerting',
  acw: 'Wrap-up',
} as const;

const PRESENCE_LABELS: Record<string, string> = {
  AVAILABLE: 'Available',
  AWAY: 'Away',
  BUSY: 'Busy',
  OFFLINE: 'Offline',
  IDLE: 'Idle',
  ON_QUEUE: 'On Queue',
  MEAL: 'Meal',
  TRAINING: 'Training',
  MEETING: 'Meeting',
  BREAK: 'Break',
};

/** The casings Genesys APIs use (AVAILABLE, Available, On Queue, OnQueue) → the upper-case enum. */
export function normalizePresence(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const squashed = value.replace(/[\s_]/g, '').toUpperCase();
  return squashed === 'ONQUEUE' ? 'ON_QUEUE' : squashed;
}

const LEG_RANK = { connected: 4, held: 3, alerting: 2, acw: 1 } as const;

/** The leg a tile should describe when an agent has several conversations. */
export function dominantLeg(
  states: Iterable<string>,
): 'alerting' | 'connected' | 'held' | 'acw' | undefined {
  let best: keyof typeof LEG_RANK | undefined;
  for (const s of states) {
    if (!(s in LEG_RANK)) continue;
    const k = s as keyof typeof LEG_RANK;
    if (best === undefined || LEG_RANK[k] > LEG_RANK[best]) best = k;
  }
  return best;
}

export function agentLabel(i: LabelInputs): string {
  if (!i.loggedIn || i.presence === 'OFFLINE') return 'Offline';
  if (i.presence === 'ON_QUEUE') {
    // Interacting covers ringing, talking, holding and wrap-up; the leg tells them apart.
    if (i.routingStatus === 'INTERACTING' && i.conversation !== undefined)
      return CONVERSATION_LABELS[i.conversation];
    return ROUTING_LABELS[i.routingStatus] ?? 'On Queue';
  }
  // Off queue: the org's secondary presence ("Lunch", "Coaching") when one is known.
  return i.presenceLabel ?? PRESENCE_LABELS[i.presence] ?? i.presence;
}
