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
}

export interface Readiness {
  ready: boolean;
  sources: SourceRow[];
  /** `/readyz`'s `degraded` reasons (ready, but something to look at). */
  degraded: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

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
    const counts: Record<string, number> = {};
    if (isObject(h.counts)) {
      for (const [k, v] of Object.entries(h.counts)) if (typeof v === 'number') counts[k] = v;
    }
    sources.push({
      name,
      state: typeof h.state === 'string' ? h.state : 'unknown',
      lastEventAt: typeof h.lastEventAt === 'string' ? h.lastEventAt : null,
      detail: typeof h.detail === 'string' ? h.detail : undefined,
      counts,
    });
  }
  const degraded = Array.isArray(root.degraded)
    ? root.degraded.filter((d): d is string => typeof d === 'string')
    : [];
  return { ready: status === 200, sources, degraded };
}

/** Counts worth a label of their own, in this order; the rest follow as they are named. */
const LABELS: [string, string][] = [
  ['channelsOpen', 'channels open'],
  ['channels', 'channels'],
  ['topics', 'topics'],
  ['rejectedTopics', 'rejected topics'],
  ['messages', 'messages'],
  ['reconnects', 'reconnects'],
  ['handovers', 'handovers'],
  ['socketClosings', 'planned closes'],
  ['heartbeatTimeouts', 'heartbeat timeouts'],
  ['pingTimeouts', 'ping timeouts'],
  ['gapsReported', 'gaps reported'],
  ['runs', 'runs'],
  ['failedRuns', 'failed runs'],
  ['gapsReceived', 'gaps received'],
  ['activationsLastHour', 'activations (last hour)'],
];

/** The counts as label/value pairs, known ones first; ages and flags are shown elsewhere. */
export function countList(counts: Record<string, number>): [string, number][] {
  const out: [string, number][] = [];
  const used = new Set(['lastDeliveryAgeMs', 'activationAlert', 'activations']);
  for (const [key, label] of LABELS) {
    if (key in counts) {
      out.push([label, counts[key]!]);
      used.add(key);
    }
  }
  for (const [key, value] of Object.entries(counts)) if (!used.has(key)) out.push([key, value]);
  return out;
}
