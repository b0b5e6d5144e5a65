import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Projector } from '../consumers/projector.js';

export interface LiveRouteDeps {
  projector: Projector;
  authorize: (request: FastifyRequest) => void;
}

/** `GET /api/v1/agents`: the projected agents, stamped with the log offset they reflect. */
export function registerLiveRoutes(app: FastifyInstance, deps: LiveRouteDeps): void {
  app.get('/api/v1/agents', { onRequest: async (request) => deps.authorize(request) }, async () => {
    const { projector } = deps;
    const agents = projector.state
      .agents()
      .sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id) || a.id.localeCompare(b.id));
    return { offset: projector.offset, agents };
  });
}
