import { Rng } from './rng.js';

/** Genesys system presences (FACTS §2.1), upper case as in notification events. */
export const SYSTEM_PRESENCES = [
  'AVAILABLE',
  'AWAY',
  'BUSY',
  'OFFLINE',
  'IDLE',
  'ON_QUEUE',
  'MEAL',
  'TRAINING',
  'MEETING',
  'BREAK',
] as const;
export type SystemPresence = (typeof SYSTEM_PRESENCES)[number];

export type MediaType = 'voice' | 'message' | 'email';

/** A presence definition: the system ones plus the org's secondary labels (Lunch, Coaching, …). */
export interface PresenceDefinition {
  id: string;
  systemPresence: SystemPresence;
  label: string;
  primary: boolean;
}

export interface Team {
  id: string;
  name: string;
}

export interface Queue {
  id: string;
  name: string;
  media: MediaType;
  /** Arrivals per hour at the peak of the day (before bursts). */
  peakPerHour: number;
  /** Median handle (talk) time and after-call work, seconds. */
  talkMedianSec: number;
  acwMedianSec: number;
  /** Mean customer patience before abandoning, seconds. */
  patienceMeanSec: number;
  serviceLevelSec: number;
  memberIds: string[];
}

export interface Agent {
  id: string;
  name: string;
  email: string;
  teamId: string;
  queueIds: string[];
  /**
   * First shift start in minutes relative to the simulation start (negative: already on shift
   * when the simulation starts); shifts repeat every 24 h.
   */
  shiftStartMin: number;
  shiftLengthMin: number;
}

export interface Org {
  id: string;
  agents: Agent[];
  queues: Queue[];
  teams: Team[];
  presences: PresenceDefinition[];
  /** The definition to use for a system presence (the primary one). */
  primaryPresence: Record<SystemPresence, PresenceDefinition>;
  /** Secondary labels agents pick for breaks, meals, training and meetings. */
  secondary: {
    break: PresenceDefinition[];
    meal: PresenceDefinition[];
    training: PresenceDefinition[];
    meeting: PresenceDefinition[];
  };
}

const ON_SHIFT_AT_START = 0.7;

const FIRST = [
  'Ava',
  'Ben',
  'Chloe',
  'Diego',
  'Emma',
  'Farah',
  'Gus',
  'Hana',
  'Ivan',
  'Jade',
  'Kofi',
  'Lena',
  'Milo',
  'Nia',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sami',
  'Tara',
  'Uma',
  'Victor',
  'Wen',
  'Xavi',
  'Yara',
  'Zane',
];
const LAST = [
  'Adams',
  'Brooks',
  'Chen',
  'Dubois',
  'Evans',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Patel',
  'Quiroga',
  'Rossi',
  'Silva',
  'Tanaka',
  'Ueda',
  'Varga',
  'Weber',
  'Xu',
  'Young',
  'Zhang',
];
const QUEUE_NAMES: [string, MediaType][] = [
  ['Sales', 'voice'],
  ['Support', 'voice'],
  ['Billing', 'voice'],
  ['Retention', 'voice'],
  ['Web Chat', 'message'],
  ['Email Care', 'email'],
  ['Technical', 'voice'],
  ['Claims', 'voice'],
  ['VIP', 'voice'],
  ['Social', 'message'],
  ['Orders', 'voice'],
  ['Returns', 'email'],
];
const TEAM_NAMES = [
  'North',
  'South',
  'East',
  'West',
  'Harbor',
  'Summit',
  'Valley',
  'Delta',
  'Orbit',
  'Pioneer',
];

export interface OrgOptions {
  agents: number;
  queues: number;
  seed: number;
}

/**
 * A deterministic org for a seed: agents in teams with 1–3 queue memberships, queues sized so the
 * floor runs at a believable occupancy, presence definitions with secondary labels.
 */
export function buildOrg({ agents: agentCount, queues: queueCount, seed }: OrgOptions): Org {
  const rng = new Rng(seed ^ 0x5eed);
  const presences: PresenceDefinition[] = [];
  const primaryPresence = {} as Record<SystemPresence, PresenceDefinition>;
  for (const sp of SYSTEM_PRESENCES) {
    const def = { id: rng.uuid(), systemPresence: sp, label: systemLabel(sp), primary: true };
    presences.push(def);
    primaryPresence[sp] = def;
  }
  const secondary = {
    break: [secondaryDef(rng, 'BREAK', 'Coffee Break'), primaryPresence.BREAK],
    meal: [secondaryDef(rng, 'MEAL', 'Lunch'), primaryPresence.MEAL],
    training: [secondaryDef(rng, 'TRAINING', 'Coaching'), primaryPresence.TRAINING],
    meeting: [secondaryDef(rng, 'MEETING', 'Team Huddle'), primaryPresence.MEETING],
  };
  presences.push(
    secondary.break[0]!,
    secondary.meal[0]!,
    secondary.training[0]!,
    secondary.meeting[0]!,
  );

  const teamCount = Math.max(1, Math.min(TEAM_NAMES.length * 4, Math.ceil(agentCount / 50)));
  const teams: Team[] = Array.from({ length: teamCount }, (_, i) => ({
    id: rng.uuid(),
    name: `Team ${TEAM_NAMES[i % TEAM_NAMES.length]}${i >= TEAM_NAMES.length ? ` ${Math.floor(i / TEAM_NAMES.length) + 1}` : ''}`,
  }));

  const queues: Queue[] = Array.from({ length: queueCount }, (_, i) => {
    const [name, media] = QUEUE_NAMES[i % QUEUE_NAMES.length]!;
    return {
      id: rng.uuid(),
      name: i >= QUEUE_NAMES.length ? `${name} ${Math.floor(i / QUEUE_NAMES.length) + 1}` : name,
      media,
      peakPerHour: 0, // sized below, once memberships are known
      talkMedianSec: media === 'voice' ? 240 + rng.int(120) : media === 'message' ? 420 : 300,
      acwMedianSec: media === 'voice' ? 30 + rng.int(30) : 20,
      patienceMeanSec: media === 'voice' ? 120 + rng.int(180) : media === 'message' ? 300 : 3600,
      serviceLevelSec: media === 'email' ? 3600 : 20,
      memberIds: [],
    };
  });

  const agents: Agent[] = Array.from({ length: agentCount }, (_, i) => {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const team = teams[i % teams.length]!;
    // Teams lean toward a "home" queue; most agents also cover one or two others.
    const home = queues[(i % teams.length) % queues.length]!;
    const queueIds = new Set([home.id]);
    const extra = rng.int(3);
    for (let k = 0; k < extra; k++) queueIds.add(rng.pick(queues).id);
    // About 70 % of the floor is on shift when the simulation starts; the rest start later.
    const shiftLengthMin = 8 * 60 + rng.int(120);
    const shiftStartMin = rng.chance(ON_SHIFT_AT_START)
      ? -Math.floor(rng.next() * (shiftLengthMin - 30))
      : Math.floor(rng.next() * (24 * 60 - shiftLengthMin));
    return {
      id: rng.uuid(),
      name: `${first} ${last}`,
      email: `${first}.${last}.${i + 1}@example.com`.toLowerCase(),
      teamId: team.id,
      queueIds: [...queueIds],
      shiftStartMin,
      shiftLengthMin,
    };
  });
  const byId = new Map(queues.map((q) => [q.id, q]));
  for (const a of agents) for (const q of a.queueIds) byId.get(q)!.memberIds.push(a.id);
  const agentById = new Map(agents.map((a) => [a.id, a]));

  // Size arrivals so each queue's share of the logged-in floor runs near 80 % occupancy at peak.
  for (const q of queues) {
    const share = q.memberIds.reduce((n, id) => n + 1 / agentById.get(id)!.queueIds.length, 0);
    const loggedIn = share * ON_SHIFT_AT_START;
    const capacity = q.media === 'message' ? 2.5 : q.media === 'email' ? 1.5 : 1;
    const handle = q.talkMedianSec * 1.15 + q.acwMedianSec;
    q.peakPerHour = Math.max(1, (loggedIn * capacity * 0.8 * 3600) / handle);
  }
  return { id: rng.uuid(), agents, queues, teams, presences, primaryPresence, secondary };
}

function secondaryDef(rng: Rng, systemPresence: SystemPresence, label: string): PresenceDefinition {
  return { id: rng.uuid(), systemPresence, label, primary: false };
}

function systemLabel(sp: SystemPresence): string {
  return sp === 'ON_QUEUE' ? 'On Queue' : sp.charAt(0) + sp.slice(1).toLowerCase();
}
