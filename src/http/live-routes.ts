import type { FastifyInstance } from 'fastify';
import type { Projector } from '../projection/projector.js';
import type { AgentView, QueueView } from '../protocol/live-messages.js';
import type { StatsHistory } from '../ops/stats-history.js';
import type { ApiAuth, Principal } from './api-auth.js';

export interface LiveRouteDeps {
  projector: Projector;
  auth: ApiAuth;
  stats: StatsHistory;
}

const byName = (a: { name: string | undefined; id: string }, b: typeof a) =>
  (a.name ?? a.id).localeCompare(b.name ?? b.id) || a.id.localeCompare(b.id);

/** A scoped token sees agents in its queues, teams or divisions, and its queues. */
function agentVisible(p: Principal, a: AgentView): boolean {
  if (!p.scope) return true;
  return (
    (a.teamId !== undefined && p.scope.teams.includes(a.teamId)) ||
    (a.divisionId !== undefined && (p.scope.divisions ?? []).includes(a.divisionId)) ||
    a.queueIds.some((q) => p.scope!.queues.includes(q))
  );
}

const queueVisible = (p: Principal, q: QueueView) =>
  !p.scope ||
  p.scope.queues.includes(q.id) ||
  (q.divisionId !== undefined && (p.scope.divisions ?? []).includes(q.divisionId));

/**
 * `GET /api/v1/agents` and `GET /api/v1/queues`: the projected state stamped with the log offset
 * it reflects, filtered by the token's scope; `GET /api/v1/stats/history`: the health page's
 * recent samples (an unscoped token).
 */
export function registerLiveRoutes(app: FastifyInstance, deps: LiveRouteDeps): void {
  const { projector, auth } = deps;
  app.get('/api/v1/agents', async (request) => {
    const principal = auth.authenticate(request.raw);
    const agents = projector.state
      .agents()
      .filter((a) => agentVisible(principal, a))
      .sort(byName);
    return { offset: projector.offset, agents };
  });

  app.get('/api/v1/queues', async (request) => {
    const principal = auth.authenticate(request.raw);
    const queues = projector.state
      .queues()
      .filter((q) => queueVisible(principal, q))
      .sort(byName);
    return { offset: projector.offset, queues };
  });

  // Org-wide figures (every queue's volume, every client), like /metrics: no scoped token.
  app.get(
    '/api/v1/stats/history',
    { onRequest: async (r) => auth.authorizeUnscoped(r) },
    async () => ({
      intervalMs: deps.stats.intervalMs,
      samples: deps.stats.samples(),
    }),
  );
}
