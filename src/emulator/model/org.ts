import {
  DAY_START_HOUR,
  SLOTS_PER_DAY,
  SLOT_MIN,
  demandAt,
  floorHourAt,
  targetOccupancy,
} from './floor-day.js';
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

/**
 * System presence definitions have the same ids in every org (a real org's
 * `/api/v2/presencedefinitions` answer in MyPureCloud/terraform-provider-genesyscloud
 * genesyscloud/organization_presence_definition/data_source_genesyscloud_organization_presence_definition_unit_test.go;
 * the same ids appear in unrelated orgs' code), so clients key on them.
 */
export const SYSTEM_PRESENCE_IDS: Record<SystemPresence, string> = {
  AVAILABLE: '6a3af858-942f-489d-9700-5f9bcdcdae9b',
  BUSY: '31fe3bac-dea6-44b7-bed7-47f91660a1a0',
  IDLE: '7ffa01cd-7866-4ad7-8faa-31e11b42f51f',
  AWAY: '5e5c5c66-ea97-4e7f-ac41-6424784829f2',
  MEETING: 'bbdff279-7ae1-48ea-bade-7831d7234c64',
  MEAL: '3fd96123-badb-4f69-bc03-1b1ccc6d8014',
  TRAINING: 'd2390a99-8546-bad9-8f0a-219548e8aeb0',
  ON_QUEUE: 'e08eaf1b-ee47-4fa9-a231-1200e284798f',
  BREAK: '227b37e2-f1d0-4dd0-8f50-badd7cf6d158',
  OFFLINE: 'ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5',
};

/** `callback`: a customer's request to be called back, waiting in a voice queue. */
export type MediaType = 'voice' | 'callback' | 'message' | 'email';

/** A presence definition: the system ones plus the org's secondary labels (Lunch, Coaching, …). */
export interface PresenceDefinition {
  id: string;
  systemPresence: SystemPresence;
  label: string;
  primary: boolean;
  /** The `languageLabels` key of `label`: orgs label some definitions in `en` or `en_GB` only. */
  labelLocale?: string;
}

export interface Team {
  id: string;
  name: string;
}

/** An access-control division (SDK `Division {id, name, selfUri}`); every org has a home one. */
export interface Division {
  id: string;
  name: string;
}

/**
 * Home plus two: users and queues of one org sit in several divisions, which a division-scoped
 * reader must tell apart. Fixed, not drawn, so a seed builds the same org as before.
 */
export const DIVISIONS: readonly Division[] = [
  { id: 'home', name: 'Home' },
  { id: 'b2c4e6f8-0000-4000-8000-00000000d1a1', name: 'Retail' },
  { id: 'b2c4e6f8-0000-4000-8000-00000000d1a2', name: 'Business' },
];

export interface Queue {
  id: string;
  name: string;
  divisionId: string;
  media: MediaType;
  /**
   * Arrivals per hour (before bursts) through the floor's day, one figure per `SLOT_MIN` slot
   * counted from the simulation start: sized to the members on shift in the slot.
   */
  arrivalsPerHour: number[];
  /**
   * How hard the queue is pushed against its staff (1: to the floor's target occupancy; above:
   * it queues and breaches in the busy hours; below: it keeps up).
   */
  pressure: number;
  /** Median handle (talk) time and after-call work, seconds. */
  talkMedianSec: number;
  acwMedianSec: number;
  /** Mean customer patience before abandoning, seconds. */
  patienceMeanSec: number;
  serviceLevelSec: number;
  /** Media its conversations also arrive in (a share of arrivals), besides `media`. */
  otherMedia: MediaType[];
  /** Its `mediaSettings`: every media it serves, each with its own service-level target. */
  serviceLevels: Partial<Record<QueueMediaKey, ServiceLevel>>;
  memberIds: string[];
  /** Members through a group (`memberBy: group`), not added one by one. */
  groupMemberIds: Set<string>;
}

export interface Agent {
  id: string;
  name: string;
  email: string;
  teamId: string;
  divisionId: string;
  queueIds: string[];
  /** Member queues the agent starts not joined to (a member still, taking no work from them). */
  unjoinedQueueIds: string[];
  /**
   * First shift start in minutes relative to the simulation start (negative: already on shift
   * when the simulation starts); shifts repeat every 24 h.
   */
  shiftStartMin: number;
  shiftLengthMin: number;
}

/** A wrap-up code (`WrapupCode`): events name it by id only. */
export interface WrapupCode {
  id: string;
  name: string;
}

/**
 * The org's wrap-up codes, fixed rather than drawn from the seed so every org's random draws
 * stay as they were. The first is what agents pick.
 */
export const WRAPUP_CODES: readonly WrapupCode[] = [
  { id: '5e1f0c2a-7d3b-4c1e-9a6f-00000000c0de', name: 'Resolved' },
  { id: '5e1f0c2a-7d3b-4c1e-9a6f-00000000c0df', name: 'Follow-up needed' },
  { id: '5e1f0c2a-7d3b-4c1e-9a6f-00000000c0e0', name: 'Escalated' },
];

export interface Org {
  id: string;
  agents: Agent[];
  queues: Queue[];
  teams: Team[];
  presences: PresenceDefinition[];
  wrapupCodes: readonly WrapupCode[];
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

/**
 * Given and family names: every pairing is one agent's name, so a floor of up to
 * 72 × 70 = 5040 agents has no two alike (more reuse the pairings with a number).
 */
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
  'Aditi',
  'Bruno',
  'Carmen',
  'Dmitri',
  'Elif',
  'Felix',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Keiko',
  'Luca',
  'Maya',
  'Nikhil',
  'Olga',
  'Pablo',
  'Rania',
  'Santiago',
  'Thea',
  'Umar',
  'Vera',
  'Wanjiru',
  'Yusuf',
  'Zoe',
  'Amara',
  'Caleb',
  'Daria',
  'Ethan',
  'Fatima',
  'Gabriel',
  'Helga',
  'Isaac',
  'Julia',
  'Kenji',
  'Leila',
  'Mateo',
  'Noor',
  'Oscar',
  'Paula',
  'Rafael',
  'Sofia',
  'Tomas',
  'Valentina',
  'Wei',
  'Yasmin',
  'Zara',
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
  'Abara',
  'Bianchi',
  'Costa',
  'Dlamini',
  'Eriksen',
  'Ferreira',
  'Gupta',
  'Horvat',
  'Ibrahim',
  'Jovanovic',
  'Kim',
  'Larsen',
  'Mensah',
  'Novak',
  'Oliveira',
  'Park',
  'Ramos',
  'Schmidt',
  'Takahashi',
  'Vargas',
  'Walsh',
  'Yilmaz',
  'Zielinski',
  'Alvarez',
  'Bauer',
  'Castro',
  'Davies',
  'Esposito',
  'Fontaine',
  'Green',
  'Hughes',
  'Ivanova',
  'Johansson',
  'Khan',
  'Lindqvist',
  'Murphy',
  'Nguyen',
  'Ortiz',
  'Petrov',
  'Reyes',
  'Sato',
  'Torres',
  'Usman',
  'Vogel',
];
/** The keys of a queue's `mediaSettings` (QueueMediaSettings in the SDK). */
export type QueueMediaKey = 'call' | 'callback' | 'chat' | 'email' | 'message';

export interface ServiceLevel {
  percentage: number;
  durationMs: number;
}

/** The `mediaSettings` key of a conversation media. */
export const MEDIA_KEY: Record<MediaType, QueueMediaKey> = {
  voice: 'call',
  callback: 'callback',
  message: 'message',
  email: 'email',
};

/** Service-level targets per media, as orgs commonly set them. */
const SERVICE_LEVELS: Record<QueueMediaKey, ServiceLevel> = {
  call: { percentage: 0.8, durationMs: 20_000 },
  callback: { percentage: 0.8, durationMs: 600_000 },
  chat: { percentage: 0.8, durationMs: 30_000 },
  message: { percentage: 0.8, durationMs: 60_000 },
  email: { percentage: 0.9, durationMs: 3_600_000 },
};

/** Queues that serve a second media; every voice queue also offers callbacks. */
const OTHER_MEDIA: Record<string, MediaType[]> = {
  Support: ['message'],
  Billing: ['email'],
  'Web Chat': ['email'],
  Social: ['email'],
};

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
    rng.uuid(); // drawn still, so a seed builds the same org as before the ids were fixed
    const def = {
      id: SYSTEM_PRESENCE_IDS[sp],
      systemPresence: sp,
      label: systemLabel(sp),
      primary: true,
    };
    presences.push(def);
    primaryPresence[sp] = def;
  }
  const secondary = {
    break: [secondaryDef(rng, 'BREAK', 'Coffee Break'), primaryPresence.BREAK],
    meal: [secondaryDef(rng, 'MEAL', 'Lunch'), primaryPresence.MEAL],
    training: [secondaryDef(rng, 'TRAINING', 'Coaching', 'en_GB'), primaryPresence.TRAINING],
    meeting: [secondaryDef(rng, 'MEETING', 'Team Huddle', 'en'), primaryPresence.MEETING],
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
      divisionId: DIVISIONS[i % DIVISIONS.length]!.id,
      media,
      arrivalsPerHour: [], // sized below, once memberships and shifts are known
      pressure: 1,
      talkMedianSec: media === 'voice' ? 240 + rng.int(120) : media === 'message' ? 420 : 300,
      acwMedianSec: media === 'voice' ? 30 + rng.int(30) : 20,
      patienceMeanSec: media === 'voice' ? 120 + rng.int(180) : media === 'message' ? 300 : 3600,
      serviceLevelSec: SERVICE_LEVELS[MEDIA_KEY[media]].durationMs / 1000,
      otherMedia: OTHER_MEDIA[name] ?? [],
      serviceLevels: serviceLevelsOf(media, OTHER_MEDIA[name] ?? []),
      memberIds: [],
      groupMemberIds: new Set(),
    };
  });

  const names = uniqueNames(agentCount, new Rng(seed ^ 0x4a3e5));
  const agents: Agent[] = Array.from({ length: agentCount }, (_, i) => {
    const { first, last, name } = names[i]!;
    const team = teams[i % teams.length]!;
    // Teams lean toward a "home" queue; most agents also cover one or two others.
    const home = queues[(i % teams.length) % queues.length]!;
    const queueIds = new Set([home.id]);
    const extra = rng.int(3);
    for (let k = 0; k < extra; k++) queueIds.add(rng.pick(queues).id);
    const shiftLengthMin = 8 * 60 + rng.int(120);
    return {
      id: rng.uuid(),
      name,
      email: `${first}.${last}.${i + 1}@example.com`.toLowerCase(),
      teamId: team.id,
      // Spread over the divisions independently of teams and queues, as orgs split people by
      // region or line of business: a user's queues may sit in another division.
      divisionId: DIVISIONS[i % DIVISIONS.length]!.id,
      queueIds: [...queueIds],
      unjoinedQueueIds: [],
      shiftStartMin: shiftStart(rng, shiftLengthMin),
      shiftLengthMin,
    };
  });
  const byId = new Map(queues.map((q) => [q.id, q]));
  // Its own stream, so a seed builds the same agents and queues as before memberships had kinds.
  const membership = new Rng(seed ^ 0x701ed);
  for (const a of agents) {
    for (const q of a.queueIds.slice(1)) {
      if (membership.chance(0.15)) a.unjoinedQueueIds.push(q);
    }
    for (const q of a.queueIds) if (membership.chance(0.2)) byId.get(q)!.groupMemberIds.add(a.id);
  }
  for (const a of agents) for (const q of a.queueIds) byId.get(q)!.memberIds.push(a.id);
  sizeArrivals(queues, agents, new Rng(seed ^ 0x10ad));
  return {
    id: rng.uuid(),
    agents,
    queues,
    teams,
    presences,
    wrapupCodes: WRAPUP_CODES,
    primaryPresence,
    secondary,
  };
}

/**
 * Every agent's name, deterministic per stream: the given × family pairings in a shuffled order,
 * so no two agents share a name until the pairings run out; past that, a pairing comes round
 * again with a number ("Ava Chen 2").
 */
function uniqueNames(count: number, rng: Rng): { first: string; last: string; name: string }[] {
  const pairings = FIRST.length * LAST.length;
  const order = Array.from({ length: pairings }, (_, k) => k);
  for (let k = pairings - 1; k > 0; k--) {
    const j = rng.int(k + 1);
    [order[k], order[j]] = [order[j]!, order[k]!];
  }
  return Array.from({ length: count }, (_, i) => {
    const pairing = order[i % pairings]!;
    const first = FIRST[pairing % FIRST.length]!;
    const last = LAST[Math.floor(pairing / FIRST.length)]!;
    const round = Math.floor(i / pairings);
    return {
      first,
      last,
      name: round === 0 ? `${first} ${last}` : `${first} ${last} ${round + 1}`,
    };
  });
}

/**
 * A shift's first start, minutes from the simulation start (negative: on shift already), drawn
 * so the floor's headcount follows the day's demand: the shift's middle falls at an hour drawn
 * in proportion to how busy that hour is.
 */
function shiftStart(rng: Rng, lengthMin: number): number {
  let middle = rng.next() * 24;
  while (!rng.chance(demandAt(middle))) middle = rng.next() * 24;
  const day = 24 * 60;
  const start = Math.round((middle - DAY_START_HOUR) * 60 - lengthMin / 2);
  const inDay = ((start % day) + day) % day;
  // A shift that would still be running at the start began the day before.
  return inDay > day - lengthMin ? inDay - day : inDay;
}

/** Of a logged-in agent's time, the share on queue (the rest: settling in, breaks, meals). */
const ON_QUEUE_SHARE = 0.83;
/**
 * The on-queue time one conversation of a media takes up, relative to a call: agents carry a few
 * messages or emails at once (CAPACITY in floor-rules.ts), so each keeps them busy for less.
 */
const CONCURRENCY: Record<MediaType, number> = {
  voice: 1,
  callback: 1,
  message: 2.2,
  email: 1.6,
};

/**
 * Each queue's arrivals through the day, sized to its share of the members on shift in each slot
 * at the floor's target occupancy for that hour, times the queue's own pressure: most queues run
 * near the target, some are pushed past it (they queue and breach at their busiest) and some
 * are staffed with room to spare.
 */
function sizeArrivals(queues: Queue[], agents: Agent[], rng: Rng): void {
  const staffed = new Map(queues.map((q) => [q.id, new Array<number>(SLOTS_PER_DAY).fill(0)]));
  const day = 24 * 60;
  for (const a of agents) {
    const weight = 1 / a.queueIds.length;
    for (let s = 0; s < SLOTS_PER_DAY; s++) {
      const minute = (s + 0.5) * SLOT_MIN;
      if ((((minute - a.shiftStartMin) % day) + day) % day >= a.shiftLengthMin) continue;
      for (const q of a.queueIds) staffed.get(q)![s]! += weight;
    }
  }
  for (const [i, q] of queues.entries()) {
    // Every third queue is pushed hard, every third has room; the rest are near the target.
    const kind = i % 3;
    q.pressure = (kind === 0 ? 1.08 : kind === 1 ? 0.97 : 0.8) + 0.04 * rng.next();
    // Mean talk (log-normal, σ 0.6) and after-call work (σ 0.5), and the ring before them.
    const handleSec = q.talkMedianSec * 1.2 + q.acwMedianSec * 1.13 + (q.media === 'voice' ? 3 : 6);
    const perAgentHour = (ON_QUEUE_SHARE * CONCURRENCY[q.media] * 3600) / handleSec;
    q.arrivalsPerHour = staffed.get(q.id)!.map((heads, s) => {
      const occupancy = targetOccupancy(demandAt(floorHourAt((s + 0.5) * SLOT_MIN)));
      return Math.max(0.5, heads * perAgentHour * occupancy * q.pressure);
    });
  }
}

function serviceLevelsOf(
  media: MediaType,
  other: MediaType[],
): Partial<Record<QueueMediaKey, ServiceLevel>> {
  const out: Partial<Record<QueueMediaKey, ServiceLevel>> = {};
  for (const m of [media, ...other]) out[MEDIA_KEY[m]] = SERVICE_LEVELS[MEDIA_KEY[m]];
  if (media === 'voice') out.callback = SERVICE_LEVELS.callback;
  return out;
}

function secondaryDef(
  rng: Rng,
  systemPresence: SystemPresence,
  label: string,
  labelLocale = 'en_US',
): PresenceDefinition {
  return { id: rng.uuid(), systemPresence, label, primary: false, labelLocale };
}

function systemLabel(sp: SystemPresence): string {
  return sp === 'ON_QUEUE' ? 'On Queue' : sp.charAt(0) + sp.slice(1).toLowerCase();
}
