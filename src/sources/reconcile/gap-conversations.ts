import type { Logger } from 'pino';
import { GenesysApiError, type GenesysRestClient } from '../../genesys/rest-client.js';
import { isPlainObject } from '../../util/objects.js';

/** AnalyticsApi `postAnalyticsConversationsDetailsQuery` (FACTS §3.5). */
export const DETAILS_QUERY_PATH = '/api/v2/analytics/conversations/details/query';

const PAGE_SIZE = 100;
const MAX_PAGES = 50;

/** A conversation in no queue (an agent's own call) that a gap touched. */
export interface GapConversation {
  conversationId: string;
  media: string | undefined;
  outbound: boolean;
  /** `conversationEnd` was set: it is over. */
  ended: boolean;
  /** Each agent's (or placing user's) open segment type, by user id. */
  legs: Record<string, string>;
}

export interface GapConversations {
  from: string;
  to: string;
  conversations: GapConversation[];
}

/**
 * The conversations in no queue that started or ended in a gap's interval (conversation details
 * for the interval): the calls agents placed themselves while the stream was away, which no
 * queue's observations list. Queue conversations are left to the observations. It needs
 * `analytics:conversationDetail:view`; without it (403, 404) undefined.
 */
export async function fetchGapConversations(
  client: Partial<Pick<GenesysRestClient, 'post'>>,
  fromMs: number,
  toMs: number,
  logger: Logger,
): Promise<GapConversations | undefined> {
  if (!client.post || toMs <= fromMs) return undefined;
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();
  const conversations: GapConversation[] = [];
  try {
    for (let page = 1; page <= MAX_PAGES; page++) {
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
        const parsed = gapConversation(c);
        if (parsed) conversations.push(parsed);
      }
      if (list.length < PAGE_SIZE) break;
    }
  } catch (err) {
    if (!(err instanceof GenesysApiError) || (err.status !== 403 && err.status !== 404)) throw err;
    logger.warn(
      { status: err.status, code: err.code },
      `reconcile: ${DETAILS_QUERY_PATH} refused; agents' own calls in a gap are not repaired`,
    );
    return undefined;
  }
  return { from, to, conversations };
}

function gapConversation(c: unknown): GapConversation | undefined {
  if (!isPlainObject(c) || typeof c.conversationId !== 'string') return undefined;
  const participants = Array.isArray(c.participants) ? (c.participants as unknown[]) : [];
  let media: string | undefined;
  const legs: Record<string, string> = {};
  for (const p of participants) {
    if (!isPlainObject(p)) continue;
    // A queue's conversation: its observations say where it is.
    if (p.purpose === 'acd') return undefined;
    for (const session of Array.isArray(p.sessions) ? (p.sessions as unknown[]) : []) {
      if (!isPlainObject(session)) continue;
      if (typeof session.mediaType === 'string') media ??= session.mediaType;
      if (typeof p.userId !== 'string' || !Array.isArray(session.segments)) continue;
      for (const seg of session.segments as unknown[]) {
        if (
          isPlainObject(seg) &&
          typeof seg.segmentType === 'string' &&
          seg.segmentEnd === undefined
        )
          legs[p.userId] = seg.segmentType;
      }
    }
  }
  return {
    conversationId: c.conversationId,
    media,
    outbound: c.originatingDirection === 'outbound',
    ended: typeof c.conversationEnd === 'string',
    legs,
  };
}
