/**
 * The sources of `/readyz` (its body when ready, its error body's `sources` when not), read
 * defensively: the health page shows what it can of an answer it does not fully understand.
 */
export interface SourceRow {
  name: string;
  state: string;
  lastEventAt: string | null;
  detail: string | undefined;
  counts: Record<string, number>;
  /** The stream's unplanned socket ends by cause (`closed 1006`, `heartbeat-timeout`, …). */
  reconnectsByCause: Record<string, number>;
  /** The reconciler's activations of the last hour by cause (`gap`, `stale`, …). */
  activationsByCause: Record<string, number>;
  /** What the stream's config names that the org lacks (the first few; counts: `pruned*`). */
  pruned: PrunedRow[];
}

export interface PrunedRow {
  kind: string;
  id: string;
  reason: string;
}

export interface Readiness {
  ready: boolean;
  sources: SourceRow[];
  /** `/readyz`'s `degraded` reasons (ready, but something to look at). */
  degraded: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The numeric entries of a record (anything else, or no record: none). */
function numbers(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (isObject(v))
    for (const [k, n] of Object.entries(v))
      if (typeof n === 'number' && Number.isFinite(n)) out[k] = n;
  return out;
}

function prunedRows(v: unknown): PrunedRow[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((p) =>
    isObject(p) && typeof p.id === 'string'
      ? [
          {
            kind: typeof p.kind === 'string' ? p.kind : 'id',
            id: p.id,
            reason: typeof p.reason === 'string' ? p.reason : '',
          },
        ]
      : [],
  );
}

export function parseReadiness(status: number, body: unknown): Readiness {
  const root = isObject(body) ? body : {};
  const error = isObject(root.error) ? root.error : undefined;
  const rawSources = isObject(root.sources)
    ? root.sources
    : isObject(error?.sources)
      ? error.sources
      : {};
  const sources: SourceRow[] = [];
  for (const [name, h] of Object.entries(rawSources)) {
    if (!isObject(h)) continue;
    sources.push({
      name,
      state: typeof h.state === 'string' ? h.state : 'unknown',
      lastEventAt: typeof h.lastEventAt === 'string' ? h.lastEventAt : null,
      detail: typeof h.detail === 'string' ? h.detail : undefined,
      counts: numbers(h.counts),
      reconnectsByCause: numbers(h.reconnectsByCause),
      activationsByCause: numbers(h.activationsByCause),
      pruned: prunedRows(h.pruned),
    });
  }
  const degraded = Array.isArray(root.degraded)
    ? root.degraded.filter((d): d is string => typeof d === 'string')
    : [];
  return { ready: status === 200, sources, degraded };
}

/**
 * Counts shown on their own by the health page (channels, topics, reconnects, handovers, the
 * last message's age, activations against their limit, pruned ids): left out of `countList`.
 */
const SHOWN_APART = [
  'channels',
  'channelsOpen',
  'topics',
  'rejectedTopics',
  'handovers',
  'lastDeliveryAgeMs',
  'activations',
  'activationsLastHour',
  'maxActivationsPerHour',
  'activationAlert',
  'prunedUsers',
  'prunedQueues',
  'prunedTeams',
  'prunedDivisions',
];

/** Counts worth a label of their own, in this order; the rest follow as they are named. */
const LABELS: [string, string][] = [
  ['messages', 'messages'],
  ['reconnects', 'reconnect attempts'],
  ['socketClosings', 'planned closes'],
  ['heartbeatTimeouts', 'heartbeat timeouts'],
  ['pingTimeouts', 'ping timeouts'],
  ['silences', 'silences'],
  ['gapsReported', 'gaps reported'],
  ['runs', 'runs'],
  ['failedRuns', 'failed runs'],
  ['gapsReceived', 'gaps received'],
  ['backfillTruncated', 'backfills cut short'],
  ['refreshes', 'topic re-plans'],
  ['usersDropped', 'users dropped'],
  ['channelsCreated', 'channels created'],
  ['dropped', 'messages dropped'],
];

/** The other counts as label/value pairs, known ones first (see `SHOWN_APART`). */
export function countList(counts: Record<string, number>): [string, number][] {
  const out: [string, number][] = [];
  const used = new Set(SHOWN_APART);
  for (const [key, label] of LABELS) {
    if (key in counts) {
      out.push([label, counts[key]!]);
      used.add(key);
    }
  }
  for (const [key, value] of Object.entries(counts)) if (!used.has(key)) out.push([key, value]);
  return out;
}

/** A record's entries, largest first (then by name): reconnects or activations by cause. */
export function byCause(record: Record<string, number>): [string, number][] {
  return Object.entries(record)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * The age of the stream's last heartbeat or event now (`counts.lastDeliveryAgeMs` was measured
 * when /readyz answered, at `polledAt`), or why there is none.
 */
export function lastMessageAge(
  row: Pick<SourceRow, 'counts' | 'state'>,
  polledAt: number,
  now: number,
): { ms: number } | { none: string } {
  const age = row.counts.lastDeliveryAgeMs;
  if (age !== undefined) return { ms: age + Math.max(0, now - polledAt) };
  if (row.state === 'stopped') return { none: 'the stream is stopped' };
  if ((row.counts.channels ?? 0) === 0) return { none: 'no channel yet' };
  if ((row.counts.channelsOpen ?? 0) === 0) return { none: 'no channel open' };
  return { none: 'no heartbeat or event yet' };
}

/** `pruned*` counts as "2 users, 1 queue" ("none" when there are none). */
export function prunedSummary(counts: Record<string, number>): string {
  const parts: string[] = [];
  for (const [key, one, many] of [
    ['prunedUsers', 'user', 'users'],
    ['prunedQueues', 'queue', 'queues'],
    ['prunedTeams', 'team', 'teams'],
    ['prunedDivisions', 'division', 'divisions'],
  ] as const) {
    const n = counts[key] ?? 0;
    if (n > 0) parts.push(`${n} ${n === 1 ? one : many}`);
  }
  return parts.length > 0 ? parts.join(', ') : 'none';
}
