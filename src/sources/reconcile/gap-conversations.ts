import type { Logger } from 'pino';
import { GenesysApiError, type GenesysRestClient } from '../../genesys/rest-client.js';
import { isPlainObject } from '../../util/objects.js';

/** AnalyticsApi `postAnalyticsConversationsDetailsQuery` (FACTS §3.5). */
export const DETAILS_QUERY_PATH = '/api/v2/analytics/conversations/details/query';

const PAGE_SIZE = 100;
/** Pages read per backfill at most: 5,000 conversations; more is reported as truncated. */
export const MAX_PAGES = 50;

/** What one queue of a finished conversation counts: an answer or an abandon, and a handling. */
export interface GapQueueOutcome {
  queueId: string;
  /** When the conversation entered the queue (its `acd` segment's start), ISO 8601. */
  queuedAt: string;
  /** When an agent the queue routed first connected (`interact`); absent: never answered there. */
  answeredAt?: string;
  /** Unanswered in its last queue: when the caller hung up there (the conversation's end). */
  abandonedAt?: string;
  /** When the queue's agents were all done with it (wrap-up included); with `answeredAt`. */
  handledAt?: string;
}

/** A conversation that a gap touched, as its details read. */
export interface GapConversation {
  conversationId: string;
  media: string | undefined;
  outbound: boolean;
  /** `conversationEnd` was set: it is over. */
  ended: boolean;
  /** Each agent's (or placing user's) open segment type, by user id. */
  legs: Record<string, string>;
  /**
   * A queue's conversation that started and ended in the gap: what each of its queues counts
   * (absent for calls in no queue). Queue conversations in progress are left to observations.
   */
  queues?: GapQueueOutcome[];
}

export interface GapConversations {
  from: string;
  to: string;
  conversations: GapConversation[];
  /** The page cap was hit: conversations after the last page read are missing. */
  truncated?: true;
}

/**
 * The conversations a gap's interval touched (conversation details for the interval), each once
 * however many pages list it: the calls agents placed themselves while the stream was away,
 * which no queue's observations list, and, with `countFrom` (org clock, epoch ms: when the gap
 * began), the queue conversations that started at or after it and are over, whose answers,
 * abandons and handlings live state never saw. Queue conversations in progress are left to the
 * observations. It needs `analytics:conversationDetail:view`; without it (403, 404) undefined.
 */
export async function fetchGapConversations(
  client: Partial<Pick<GenesysRestClient, 'post'>>,
  fromMs: number,
  toMs: number,
  logger: Logger,
  countFrom?: number,
): Promise<GapConversations | undefined> {
  if (!client.post || toMs <= fromMs) return undefined;
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();
  // By id: a conversation that moved while pages were read (paging over a changing list) is
  // listed twice; the later reading wins, in the place of the first.
  const conversations = new Map<string, GapConversation>();
  let truncated = false;
  try {
    for (let page = 1; ; page++) {
      if (page > MAX_PAGES) {
        truncated = true;
        break;
      }
      const answer = await client.post<Record<string, unknown>>(
        DETAILS_QUERY_PATH,
        {
          interval: `${from}/${to}`,
          order: 'asc',
          orderBy: 'conversationStart',
          paging: { pageSize: PAGE_SIZE, pageNumber: page },
        },
        { idempotent: true },
      );
      const list = Array.isArray(answer?.conversations) ? (answer.conversations as unknown[]) : [];
      for (const c of list) {
        const parsed = gapConversation(c, countFrom);
        if (parsed) conversations.set(parsed.conversationId, parsed);
      }
      if (list.length < PAGE_SIZE) break;
    }
  } catch (err) {
    if (!(err instanceof GenesysApiError) || (err.status !== 403 && err.status !== 404)) throw err;
    logger.warn(
      { status: err.status, code: err.code },
      `reconcile: ${DETAILS_QUERY_PATH} refused; calls in a gap are not repaired`,
    );
    return undefined;
  }
  if (truncated)
    logger.warn(
      { from, to, pages: MAX_PAGES, conversations: conversations.size },
      `reconcile: the gap's conversation details were cut at ${MAX_PAGES} pages; later ones are not backfilled`,
    );
  return {
    from,
    to,
    conversations: [...conversations.values()],
    ...(truncated ? { truncated } : {}),
  };
}

/** `AnalyticsConversationSegment` fields used here. */
interface Segment {
  type: string;
  start: number;
  end: number | undefined;
  queueId: string | undefined;
}

function gapConversation(c: unknown, countFrom: number | undefined): GapConversation | undefined {
  if (!isPlainObject(c) || typeof c.conversationId !== 'string') return undefined;
  const participants = Array.isArray(c.participants) ? (c.participants as unknown[]) : [];
  let media: string | undefined;
  let queued = false;
  const legs: Record<string, string> = {};
  /** The `acd` participants' segments (a queue each), and the agents' segments naming a queue. */
  const acd: Segment[] = [];
  const agent: Segment[] = [];
  for (const p of participants) {
    if (!isPlainObject(p)) continue;
    if (p.purpose === 'acd') queued = true;
    for (const session of Array.isArray(p.sessions) ? (p.sessions as unknown[]) : []) {
      if (!isPlainObject(session)) continue;
      if (typeof session.mediaType === 'string') media ??= session.mediaType;
      for (const raw of Array.isArray(session.segments) ? (session.segments as unknown[]) : []) {
        const seg = segmentOf(raw);
        if (seg === undefined) continue;
        if (p.purpose === 'acd') {
          if (seg.queueId !== undefined) acd.push(seg);
          continue;
        }
        if (typeof p.userId !== 'string') continue;
        if (seg.end === undefined) legs[p.userId] = seg.type;
        if (p.purpose === 'agent' && seg.queueId !== undefined) agent.push(seg);
      }
    }
  }
  const ended = typeof c.conversationEnd === 'string';
  const outbound = c.originatingDirection === 'outbound';
  const base = { conversationId: c.conversationId, media, outbound, ended, legs };
  if (!queued) return base;
  // A queue's conversation: one in progress is the observations' to show. One that is over is
  // counted when it began in the gap (live state cannot have seen it) and came in (an outbound
  // one is no queue's arrival).
  const start = Date.parse(typeof c.conversationStart === 'string' ? c.conversationStart : '');
  const end = Date.parse(typeof c.conversationEnd === 'string' ? c.conversationEnd : '');
  if (!ended || outbound || countFrom === undefined || !(start >= countFrom)) return undefined;
  const queues = queueOutcomes(acd, agent, Number.isFinite(end) ? end : undefined);
  return queues.length === 0 ? undefined : { ...base, queues };
}

function segmentOf(raw: unknown): Segment | undefined {
  if (!isPlainObject(raw) || typeof raw.segmentType !== 'string') return undefined;
  const start = Date.parse(typeof raw.segmentStart === 'string' ? raw.segmentStart : '');
  if (!Number.isFinite(start)) return undefined;
  const end = Date.parse(typeof raw.segmentEnd === 'string' ? raw.segmentEnd : '');
  return {
    type: raw.segmentType,
    start,
    end: Number.isFinite(end) ? end : undefined,
    queueId: typeof raw.queueId === 'string' && raw.queueId !== '' ? raw.queueId : undefined,
  };
}

/**
 * Per queue, in the order the conversation reached them, what live state would have counted:
 * an answer when an agent the queue routed connected (its wait from the queue's first segment),
 * the handling from that connect to the end of that queue's last agent segment (wrap-up
 * included), and an abandon for the last queue when nobody answered there. An earlier queue
 * left unanswered was transferred out of: nothing is counted for it, as live.
 */
function queueOutcomes(
  acd: readonly Segment[],
  agent: readonly Segment[],
  conversationEnd: number | undefined,
): GapQueueOutcome[] {
  const first = new Map<string, number>();
  for (const s of [...acd].sort((a, b) => a.start - b.start))
    if (!first.has(s.queueId!)) first.set(s.queueId!, s.start);
  const out: GapQueueOutcome[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  const last = [...first.keys()].at(-1);
  for (const [queueId, queuedAt] of first) {
    const own = agent.filter((s) => s.queueId === queueId);
    const answers = own.filter((s) => s.type === 'interact' || s.type === 'hold');
    const answeredAt = answers.length === 0 ? undefined : Math.min(...answers.map((s) => s.start));
    if (answeredAt === undefined) {
      const at = conversationEnd ?? Math.max(...acd.map((s) => s.end ?? s.start));
      if (queueId === last) out.push({ queueId, queuedAt: iso(queuedAt), abandonedAt: iso(at) });
      continue;
    }
    const ends = own.map((s) => s.end ?? conversationEnd ?? s.start);
    out.push({
      queueId,
      queuedAt: iso(queuedAt),
      answeredAt: iso(answeredAt),
      handledAt: iso(Math.max(answeredAt, ...ends)),
    });
  }
  return out;
}
