import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AgentState, Conversation } from '../model/simulation.js';
import { SYSTEM_PRESENCES } from '../model/org.js';
import { truthOf } from '../model/truth.js';
import type { Directory } from '../ports.js';
import { genesysError, intParam } from './genesys-http.js';

/** What the analytics routes use of the emulator. */
export interface AnalyticsPorts extends Directory {
  /** Recently finished conversations, oldest first. */
  readonly finished: readonly Conversation[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const ROUTING_STATUSES = ['OFF_QUEUE', 'IDLE', 'INTERACTING', 'NOT_RESPONDING', 'COMMUNICATING'];

interface Predicate {
  dimension?: string;
  value?: string;
}

/** Values of one dimension named by a query filter's predicates (and clauses). */
function filterValues(filter: unknown, dimension: string): string[] {
  const f = (filter ?? {}) as {
    predicates?: Predicate[];
    clauses?: { predicates?: Predicate[] }[];
  };
  const all = [...(f.predicates ?? []), ...(f.clauses ?? []).flatMap((c) => c.predicates ?? [])];
  return all
    .filter((p) => p.dimension === dimension && typeof p.value === 'string')
    .map((p) => p.value!);
}

/**
 * Analytics queries (FACTS §3.1, §3.3–§3.5): queue observations and user activity from the live
 * model, user aggregates from per-agent time accumulated since the emulator started, and
 * conversation details of finished conversations.
 */
export function registerAnalyticsRoutes(app: FastifyInstance, emu: AnalyticsPorts): void {
  app.post('/api/v2/analytics/queues/observations/query', async (request, reply) => {
    const body = (request.body ?? {}) as {
      filter?: unknown;
      metrics?: unknown;
      detailMetrics?: unknown;
    };
    if (!Array.isArray(body.metrics) || body.metrics.length === 0) {
      return genesysError(reply, 400, 'bad.request', 'metrics is required');
    }
    const metrics = body.metrics as string[];
    const detailed = new Set(
      Array.isArray(body.detailMetrics) ? (body.detailMetrics as string[]) : [],
    );
    const byQueue = detailedConversations(emu);
    const wanted = new Set(filterValues(body.filter, 'queueId'));
    const truth = truthOf(emu.sim);
    const results = truth.queues
      .filter((q) => (wanted.size === 0 || wanted.has(q.id)) && !emu.deletedQueues.has(q.id))
      .map((q) => {
        const members = emu.sim.queues.get(q.id)!.memberIds.map((id) => emu.sim.agents.get(id)!);
        const onQueue = members.filter((a) => a.loggedIn && a.onQueue);
        const data = metrics.flatMap((metric) => {
          const count = (n: number, qualifier?: string) => ({
            metric,
            ...(qualifier ? { qualifier } : {}),
            stats: { count: n },
          });
          // `detailMetrics`: the conversations behind the count (`ObservationValue`).
          const detail = (key: 'waiting' | 'alerting' | 'interacting') =>
            detailed.has(metric) ? { observations: byQueue.get(q.id)?.[key] ?? [] } : {};
          switch (metric) {
            case 'oWaiting':
              return [{ ...count(q.waiting), ...detail('waiting') }];
            case 'oAlerting':
              return [{ ...count(q.alerting), ...detail('alerting') }];
            case 'oInteracting':
              return [{ ...count(q.interacting), ...detail('interacting') }];
            case 'oMemberUsers':
              return [count(members.length)];
            case 'oActiveUsers':
              return [count(members.filter((a) => a.loggedIn).length)];
            case 'oOffQueueUsers':
              return [count(members.filter((a) => a.loggedIn && !a.onQueue).length)];
            case 'oOnQueueUsers':
              return ROUTING_STATUSES.map((s) =>
                count(onQueue.filter((a) => a.routing === s).length, s),
              ).filter((d) => d.stats.count > 0);
            case 'oUserRoutingStatuses':
              return ROUTING_STATUSES.map((s) =>
                count(members.filter((a) => a.routing === s).length, s),
              ).filter((d) => d.stats.count > 0);
            case 'oUserPresences':
              return emu.sim.org.presences
                .map((d) => count(members.filter((a) => a.presence === d).length, d.id))
                .filter((d) => d.stats.count > 0);
            case 'oLongestWaiting':
              return [
                {
                  metric,
                  stats: {
                    count: q.waiting,
                    ...(q.waiting > 0
                      ? { calculatedMetricValue: emu.sim.now - q.longestWaitMs }
                      : {}),
                  },
                },
              ];
            default:
              return [];
          }
        });
        return { group: { queueId: q.id }, data };
      });
    return { systemToOrganizationMappings: orgMappings(emu), results };
  });

  app.post('/api/v2/analytics/users/activity/query', async (request) => activity(request, emu));
  app.post('/api/v2/analytics/routing/activity/query', async (request) => activity(request, emu));

  app.post('/api/v2/analytics/users/aggregates/query', async (request, reply) => {
    const body = (request.body ?? {}) as {
      interval?: unknown;
      metrics?: unknown;
      filter?: unknown;
    };
    if (typeof body.interval !== 'string' || !/^[^/]+\/[^/]+$/.test(body.interval)) {
      return genesysError(
        reply,
        400,
        'bad.request',
        'interval is required, as "start/end" in ISO 8601',
      );
    }
    const metrics = Array.isArray(body.metrics)
      ? (body.metrics as string[])
      : ['tSystemPresence', 'tAgentRoutingStatus'];
    const users = new Set(filterValues(body.filter, 'userId'));
    const now = emu.sim.now;
    const results = [...emu.sim.agents.values()]
      .filter((a) => users.size === 0 || users.has(a.agent.id))
      .map((a) => {
        const totals = currentTotals(a, now, emu.sim.startMs);
        const out = metrics.flatMap((metric) => {
          const map =
            metric === 'tSystemPresence'
              ? totals.presence
              : metric === 'tAgentRoutingStatus'
                ? totals.routing
                : metric === 'tOrganizationPresence'
                  ? totals.definition
                  : undefined;
          return map
            ? [...map].map(([qualifier, ms]) => ({ metric, qualifier, stats: { sum: ms } }))
            : [];
        });
        return {
          group: { userId: a.agent.id },
          data: [{ interval: body.interval as string, metrics: out }],
        };
      })
      .filter((r) => r.data[0]!.metrics.length > 0);
    return { systemToOrganizationMappings: orgMappings(emu), results };
  });

  // AnalyticsApi `getAnalyticsConversationsDetails`: conversations by id, in progress or not
  // (`AnalyticsConversationWithoutAttributesMultiGetResponse`); unknown ids are left out.
  app.get('/api/v2/analytics/conversations/details', async (request) => {
    const raw = (request.query as { id?: string | string[] }).id;
    const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
      .flatMap((v) => v.split(','))
      .slice(0, 100);
    const finished = new Map(emu.finished.map((c) => [c.id, c]));
    const conversations = ids
      .map((id) => emu.sim.conversations.get(id) ?? finished.get(id))
      .filter((c): c is Conversation => c !== undefined)
      .map((c) => conversationDetail(c, emu));
    return conversations.length > 0 ? { conversations } : {};
  });

  app.post('/api/v2/analytics/conversations/details/query', async (request, reply) => {
    const body = (request.body ?? {}) as {
      interval?: unknown;
      paging?: { pageSize?: number; pageNumber?: number };
      order?: string;
    };
    const interval = typeof body.interval === 'string' ? body.interval.split('/') : [];
    const from = Date.parse(interval[0] ?? '');
    const to = Date.parse(interval[1] ?? '');
    if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
      return genesysError(
        reply,
        400,
        'bad.request',
        'interval is required, as "start/end" in ISO 8601',
      );
    }
    const pageSize = Math.min(100, Math.max(1, body.paging?.pageSize ?? 25));
    const pageNumber = Math.max(1, body.paging?.pageNumber ?? 1);
    // Finished ones that overlap the interval, and those in progress that began before its end.
    const matching = [
      ...emu.finished.filter((c) => c.arrivedAt < to && (c.endedAt ?? c.arrivedAt) >= from),
      ...[...emu.sim.conversations.values()].filter((c) => c.arrivedAt < to),
    ];
    // Ordered by conversation start, as the real query orders by default.
    matching.sort((a, b) => a.arrivedAt - b.arrivedAt);
    if (body.order === 'desc') matching.reverse();
    const pageItems = matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    return {
      ...(pageItems.length > 0
        ? { conversations: pageItems.map((c) => conversationDetail(c, emu)) }
        : {}),
      totalHits: matching.length,
    };
  });
}

/**
 * Each queue's conversations as `ObservationValue`s (SDK `build/index.d.ts`): waiting ones since
 * they entered the queue, ringing and talking ones with the agent (`userId`) since the ring or
 * the answer; the same states the truth counts.
 */
function detailedConversations(emu: Directory) {
  type Obs = Record<string, unknown>;
  const out = new Map<string, { waiting: Obs[]; alerting: Obs[]; interacting: Obs[] }>();
  const of = (queueId: string) => {
    let v = out.get(queueId);
    if (!v) out.set(queueId, (v = { waiting: [], alerting: [], interacting: [] }));
    return v;
  };
  const base = (c: Conversation, at: number): Obs => ({
    observationDate: iso(at),
    conversationId: c.id,
    sessionId: `${c.id.slice(0, 8)}-s`,
    direction: c.direction,
    participantName: c.customerName,
    ...(c.media === 'voice' || c.media === 'callback' ? { ani: c.ani } : { addressFrom: c.ani }),
    routingPriority: 0,
  });
  for (const q of emu.sim.org.queues)
    for (const c of emu.sim.waiting(q.id)) of(q.id).waiting.push(base(c, c.queuedAt));
  for (const c of emu.sim.conversations.values()) {
    if (c.direction === 'outbound' || c.agentId === undefined) continue;
    if (c.state === 'alerting')
      of(c.queue.id).alerting.push({
        ...base(c, c.alertingSince ?? c.queuedAt),
        userId: c.agentId,
      });
    else if (c.state === 'connected' || c.state === 'held' || c.state === 'acw')
      of(c.queue.id).interacting.push({
        ...base(c, c.answeredAt ?? c.queuedAt),
        userId: c.agentId,
      });
  }
  return out;
}

function activity(request: FastifyRequest, emu: Directory) {
  const body = (request.body ?? {}) as { groupBy?: string[]; filter?: unknown };
  const pageSize = intParam(request, 'pageSize', 100, 1000);
  const pageNumber = intParam(request, 'pageNumber', 1, 100_000);
  const queueFilter = new Set(filterValues(body.filter, 'queueId'));
  const groupByQueue = (body.groupBy ?? []).includes('queueId');
  const agents = [...emu.sim.agents.values()].filter((a) => !emu.deletedUsers.has(a.agent.id));
  const groups = groupByQueue
    ? emu.sim.org.queues
        .filter((q) => queueFilter.size === 0 || queueFilter.has(q.id))
        .map((q) => ({
          key: { queueId: q.id },
          members: q.memberIds.map((id) => emu.sim.agents.get(id)!),
        }))
    : [{ key: {}, members: agents }];
  return {
    results: groups.map(({ key, members }) => {
      const counts = (metric: string, of: (a: AgentState) => string) => {
        const by = new Map<string, string[]>();
        for (const a of members) by.set(of(a), [...(by.get(of(a)) ?? []), a.agent.id]);
        return [...by].map(([qualifier, ids]) => ({
          metric,
          qualifier,
          entityIds: ids,
          count: ids.length,
        }));
      };
      const entities = members
        .slice((pageNumber - 1) * pageSize, pageNumber * pageSize)
        .map((a) => ({
          userId: a.agent.id,
          teamId: a.agent.teamId,
          ...('queueId' in key
            ? { queueId: key.queueId, queueMembershipStatus: a.onQueue ? 'ACTIVE' : 'INACTIVE' }
            : {}),
          systemPresence: a.presence.systemPresence,
          organizationPresenceId: a.presence.id,
          presenceDate: iso(a.presenceSince),
          routingStatus: a.routing,
          routingStatusDate: iso(a.routingSince),
          activityDate: iso(Math.max(a.presenceSince, a.routingSince)),
        }));
      return {
        group: key,
        data: [
          ...counts('oSystemPresence', (a) => a.presence.systemPresence),
          ...counts('oRoutingStatus', (a) => a.routing),
          ...counts('oOrganizationPresence', (a) => a.presence.id),
        ],
        truncated: false,
        entities,
      };
    }),
    entityIdDimension: 'userId',
  };
}

function currentTotals(a: AgentState, now: number, start: number) {
  const clone = (m: Map<string, number>) => new Map(m);
  const t = {
    presence: clone(a.totals.presence),
    definition: clone(a.totals.definition),
    routing: clone(a.totals.routing),
  };
  const bump = (m: Map<string, number>, k: string, since: number) => {
    const ms = now - Math.max(since, start);
    if (ms > 0) m.set(k, (m.get(k) ?? 0) + ms);
  };
  bump(t.presence, a.presence.systemPresence, a.presenceSince);
  bump(t.definition, a.presence.id, a.presenceSince);
  bump(t.routing, a.routing, a.routingSince);
  return t;
}

function orgMappings(emu: Directory): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const sp of SYSTEM_PRESENCES)
    out[sp] = emu.sim.org.presences.filter((d) => d.systemPresence === sp).map((d) => d.id);
  return out;
}

/** One finished conversation in the analytics shape: participants → sessions → segments. */
function conversationDetail(c: Conversation, emu: Directory) {
  const mediaType = c.media === 'voice' ? 'voice' : c.media;
  // In progress: no `conversationEnd`, and each participant's current segment has no end.
  const active = emu.sim.conversations.get(c.id) === c;
  const outbound = c.direction === 'outbound';
  const end = c.endedAt ?? emu.sim.now;
  const agentSegments = new Map<
    string,
    { segmentType: string; segmentStart: string; segmentEnd?: string; queueId: string }[]
  >();
  // Each agent participant has its own segments (a consult has two agents on the call at once).
  const open = new Map<string, { type: string; at: number; queueId: string }>();
  const close = (agentId: string, at: number) => {
    const o = open.get(agentId);
    if (!o) return;
    open.delete(agentId);
    const list = agentSegments.get(agentId) ?? [];
    list.push({
      segmentType: o.type,
      segmentStart: iso(o.at),
      segmentEnd: iso(at),
      queueId: o.queueId,
    });
    agentSegments.set(agentId, list);
  };
  const begin = (agentId: string, type: string, at: number, queueId: string) => {
    close(agentId, at);
    open.set(agentId, { type, at, queueId });
  };
  for (const h of c.history) {
    const id = h.agentId;
    if (id === undefined) {
      // Back in a queue (an agent removed mid-call) or abandoned: nobody is on it any more.
      for (const agentId of [...open.keys()]) close(agentId, h.at);
      continue;
    }
    const to = h.consultee;
    switch (h.change) {
      case 'alerting':
        begin(id, 'alert', h.at, h.queueId);
        break;
      case 'connected':
      case 'resumed':
        begin(id, 'interact', h.at, h.queueId);
        break;
      case 'held':
        begin(id, 'hold', h.at, h.queueId);
        break;
      case 'acw':
        begin(id, 'wrapup', h.at, h.queueId);
        break;
      case 'consult':
        begin(id, 'hold', h.at, h.queueId);
        if (to !== undefined) begin(to, 'alert', h.at, h.queueId);
        break;
      case 'consultConnected':
        if (to !== undefined) begin(to, 'interact', h.at, h.queueId);
        break;
      case 'consultEnded':
        if (to !== undefined) close(to, h.at);
        begin(id, 'interact', h.at, h.queueId);
        break;
      case 'consultTransferred':
        close(id, h.at);
        break;
      default:
        // missed, transferred, ended: the agent's leg is over.
        close(id, h.at);
    }
  }
  for (const [agentId, o] of [...open]) {
    if (!active) {
      close(agentId, end);
      continue;
    }
    const list = agentSegments.get(agentId) ?? [];
    list.push({ segmentType: o.type, segmentStart: iso(o.at), queueId: o.queueId });
    agentSegments.set(agentId, list);
  }
  const queueSegments = c.history
    .filter((h) => h.change === 'queued')
    .map((h, i, all) => ({
      segmentType: 'interact',
      queueId: h.queueId,
      segmentStart: iso(h.at),
      segmentEnd: iso(
        c.history.find((x) => x.at >= h.at && x.change !== 'queued')?.at ?? all[i + 1]?.at ?? end,
      ),
      ...(c.state === 'abandoned' && i === all.length - 1 ? { disconnectType: 'peer' } : {}),
    }));
  return {
    conversationId: c.id,
    conversationStart: iso(c.arrivedAt),
    ...(active ? {} : { conversationEnd: iso(end) }),
    originatingDirection: c.direction,
    divisionIds: ['home'],
    participants: [
      {
        participantId: `${c.id}-c`,
        participantName: c.customerName,
        // The far end of a call an agent placed is `external`; the agent who placed it `user`.
        purpose: outbound ? 'external' : 'customer',
        sessions: [
          {
            mediaType,
            direction: c.direction,
            ani: c.ani,
            segments: [
              {
                segmentType: 'interact',
                segmentStart: iso(c.arrivedAt),
                ...(active
                  ? {}
                  : {
                      segmentEnd: iso(end),
                      disconnectType: c.state === 'abandoned' ? 'client' : 'peer',
                    }),
              },
            ],
          },
        ],
      },
      // No queue for a call an agent placed.
      ...(outbound
        ? []
        : [
            {
              participantId: `${c.id}-a`,
              participantName: c.queue.name,
              purpose: 'acd',
              sessions: [{ mediaType, direction: 'inbound', segments: queueSegments }],
            },
          ]),
      ...[...agentSegments].map(([userId, segments]) => ({
        participantId: `${c.id}-u-${userId.slice(0, 8)}`,
        participantName: emu.sim.agents.get(userId)?.agent.name,
        purpose: outbound ? 'user' : 'agent',
        userId,
        sessions: [{ mediaType, direction: c.direction, segments }],
      })),
    ],
  };
}
