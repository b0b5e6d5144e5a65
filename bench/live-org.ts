/**
 * The synthetic floor of the live fan-out bench, shared by the gateway child, the Socket.IO peer
 * and the client process so all three agree on ids, memberships, filters and events without
 * talking to each other: 5,000 agents in 100 teams (50 each), each a member of 1–3 of 50 queues,
 * and 10,000 clients with a fixed mix of filters.
 */
import type { EventInput, EventKind } from '../src/log/event-log.js';

export const AGENTS = 5000;
export const QUEUES = 50;
export const TEAMS = 100;
export const API_KEY = 'bench-eventbridge-key';
/** Seeded states start here; bench event `seq` starts at EVENT_T0 + seq ms (unique, rising). */
const SEED_T = Date.parse('2026-11-23T08:00:00.000Z');
export const EVENT_T0 = Date.parse('2026-11-23T09:00:00.000Z');
const EVENT_DAY = '2026-11-23T';
const EVENT_HOUR = 9;

const id = (prefix: string, n: number) =>
  `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
export const agentId = (i: number) => id('a0000000', i);
export const queueId = (q: number) => id('b0000000', q);
export const teamId = (t: number) => id('c0000000', t);

/** Small deterministic PRNG (mulberry32), so every process builds the same org. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Org {
  teamOf: number[];
  queuesOf: number[][];
  membersOf: number[][];
  /** Order in which the event generator walks the agents (a fixed shuffle). */
  order: number[];
}

export function buildOrg(): Org {
  const rnd = prng(42);
  const teamOf: number[] = [];
  const queuesOf: number[][] = [];
  const membersOf: number[][] = Array.from({ length: QUEUES }, () => []);
  for (let i = 0; i < AGENTS; i++) {
    teamOf.push(i % TEAMS);
    const n = 1 + Math.floor(rnd() * 3);
    const qs = new Set<number>();
    while (qs.size < n) qs.add(Math.floor(rnd() * QUEUES));
    const list = [...qs].sort((a, b) => a - b);
    queuesOf.push(list);
    for (const q of list) membersOf[q]!.push(i);
  }
  const order = Array.from({ length: AGENTS }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return { teamOf, queuesOf, membersOf, order };
}

/** Queue memberships and users with teams, as a reconciliation appends them. */
export function seedEvents(org: Org): EventInput[] {
  const at = new Date(SEED_T).toISOString();
  const ev = (kind: EventKind, subject: EventInput['subject'], body: unknown, n: number) => ({
    id: `bench-seed-${kind}-${n}`,
    source: 'reconcile' as const,
    topic: kind,
    kind,
    subject,
    occurredAt: at,
    receivedAt: at,
    body: Buffer.from(JSON.stringify(body)),
  });
  const events: EventInput[] = [];
  for (let q = 0; q < QUEUES; q++) {
    events.push(
      ev(
        'reconcile.queue',
        { queueId: queueId(q) },
        {
          queue: { id: queueId(q), name: `Queue ${q}`, mediaSettings: { call: {} } },
          members: org.membersOf[q]!.map((i) => ({ id: agentId(i) })),
        },
        q,
      ),
    );
  }
  for (let i = 0; i < AGENTS; i++) {
    const t = org.teamOf[i]!;
    events.push(
      ev(
        'reconcile.user',
        { userId: agentId(i) },
        {
          id: agentId(i),
          name: `Agent ${i}`,
          team: { id: teamId(t), name: `Team ${t}` },
          presence: {
            presenceDefinition: { id: 'on-queue', systemPresence: 'ON_QUEUE' },
            modifiedDate: at,
          },
          routingStatus: { status: 'IDLE', startTime: at },
        },
        i,
      ),
    );
  }
  return events;
}

export type ClientKind = 'desktop' | 'team' | 'queue' | 'wall';

export interface ClientFilter {
  kind: ClientKind;
  /** Index of the agent, team or queue the client follows (-1 for a wallboard). */
  target: number;
  /** The live hub query string (without `?`). */
  query: string;
}

/**
 * The mix: 60 % agent desktops (one agent each, every agent has at least one), 30 % team boards,
 * 9 % queue boards (agents of the queue and its tile), 1 % unfiltered wallboards.
 */
/**
 * Who the clients are, as shares of the total (the rest are unfiltered wallboards).
 * - `floor`: a contact center's own mix: mostly agent desktops (one or two per agent: the
 *   desktop and a softphone or CRM widget), a board per supervisor, a few queue boards and TVs.
 * - `boards`: supervisor-heavy, four in ten clients a team or queue board: the harder case for
 *   fan-out (an agent change reaches 167 clients on average, against 66).
 */
export const MIXES = {
  floor: { desktops: 0.9, teams: 0.08, queues: 0.015 },
  boards: { desktops: 0.6, teams: 0.3, queues: 0.09 },
} as const;
export type Mix = keyof typeof MIXES;

export function clientFilters(n: number, mix: Mix): ClientFilter[] {
  const out: ClientFilter[] = [];
  const share = MIXES[mix];
  const desktops = Math.round(n * share.desktops);
  const teams = Math.round(n * share.teams);
  const queues = Math.round(n * share.queues);
  for (let k = 0; k < n; k++) {
    if (k < desktops) {
      const a = k % AGENTS;
      out.push({ kind: 'desktop', target: a, query: `kinds=agents,toasts&users=${agentId(a)}` });
    } else if (k < desktops + teams) {
      const t = (k - desktops) % TEAMS;
      out.push({ kind: 'team', target: t, query: `kinds=agents&teams=${teamId(t)}` });
    } else if (k < desktops + teams + queues) {
      const q = (k - desktops - teams) % QUEUES;
      out.push({ kind: 'queue', target: q, query: `kinds=agents,queues&queues=${queueId(q)}` });
    } else {
      out.push({ kind: 'wall', target: -1, query: '' });
    }
  }
  return out;
}

/** How many clients must receive a change of each agent: the delivery count to check against. */
export function interestedClients(org: Org, filters: readonly ClientFilter[]): Int32Array {
  const byUser = new Int32Array(AGENTS);
  const byTeam = new Int32Array(TEAMS);
  const byQueue = new Int32Array(QUEUES);
  let walls = 0;
  for (const f of filters) {
    if (f.kind === 'desktop') byUser[f.target]!++;
    else if (f.kind === 'team') byTeam[f.target]!++;
    else if (f.kind === 'queue') byQueue[f.target]!++;
    else walls++;
  }
  const out = new Int32Array(AGENTS);
  for (let i = 0; i < AGENTS; i++) {
    let n = byUser[i]! + byTeam[org.teamOf[i]!]! + walls;
    for (const q of org.queuesOf[i]!) n += byQueue[q]!;
    out[i] = n;
  }
  return out;
}

const STATUSES = ['INTERACTING', 'NOT_RESPONDING', 'IDLE'];

/** Agent index changed by bench event `seq`. */
export const agentOfSeq = (org: Org, seq: number) => org.order[seq % AGENTS]!;

/**
 * Bench event `seq` as EventBridge delivers a Genesys `v2.users.{id}.routingStatus` notification
 * (the emulator's envelope): the agent goes to a new routing status at EVENT_T0 + seq ms, which
 * comes back to clients as the agent view's `routingSince` and identifies the event.
 */
export function routingEnvelope(org: Org, seq: number, runId: string): string {
  const user = agentId(agentOfSeq(org, seq));
  const at = new Date(EVENT_T0 + seq).toISOString();
  const status = STATUSES[Math.floor(seq / AGENTS) % STATUSES.length]!;
  const topic = `v2.users.${user}.routingStatus`;
  const correlationId = `${runId}-${seq}`;
  return (
    `{"version":"0","id":"${correlationId}","detail-type":"v2.users.{id}.routingStatus",` +
    `"source":"aws.partner/genesys.com/cloud/00000000-0000-4000-8000-000000000000/bench",` +
    `"account":"000000000000","time":"${at.replace(/\.\d{3}Z$/, 'Z')}","region":"us-east-1",` +
    `"resources":[],"detail":{"topicName":"${topic}","version":"2","eventBody":{"id":"${user}",` +
    `"routingStatus":{"status":"${status}","startTime":"${at}"}},` +
    `"metadata":{"CorrelationId":"${correlationId}"},"timestamp":"${at}"}}`
  );
}

/**
 * The `seq` a delivered agent view's `routingSince` identifies (negative or NaN for other
 * views): read from the fixed ISO layout `2026-11-23T09:MM:SS.mmmZ` without `Date.parse`, which
 * would be a measurable share of the clients' work.
 */
export function seqOfRoutingSince(routingSince: string | undefined): number {
  if (routingSince === undefined || !routingSince.startsWith(EVENT_DAY)) return NaN;
  const s = routingSince;
  const hours = digit(s, 11) * 10 + digit(s, 12) - EVENT_HOUR;
  const minutes = digit(s, 14) * 10 + digit(s, 15);
  const seconds = hours * 3600 + minutes * 60 + digit(s, 17) * 10 + digit(s, 18);
  return seconds * 1000 + digit(s, 20) * 100 + digit(s, 21) * 10 + digit(s, 22);
}

/** A module-level helper: tsx names every closure created in a hot function (`__name`). */
function digit(s: string, i: number): number {
  return s.charCodeAt(i) - 48;
}
