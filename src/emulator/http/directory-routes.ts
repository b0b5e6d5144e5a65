import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AgentState } from '../model/simulation.js';
import { DIVISIONS, type PresenceDefinition, type Queue } from '../model/org.js';
import type { Directory, TokenStore } from '../ports.js';
import { genesysError, intParam, listParam, page } from './genesys-http.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** What the directory routes use of the emulator. */
export interface DirectoryPorts extends Directory {
  readonly tokens: TokenStore;
  readonly options: {
    readonly clientId: string;
    readonly clientSecret: string;
    readonly tokenRatePerSec: number;
    readonly tokenTtlSec: number;
  };
  readonly faults: {
    slowMs(): number;
    throttle(kind: 'token' | 'api', client: string): number | undefined;
  };
}

/**
 * A 429 as Genesys throttles: `Retry-After` in seconds (FACTS §4.3, which the official SDKs'
 * retry honours) and the error body `{message, code, status}` with `too.many.requests`, one of
 * the two codes the API's swagger lists for 429 (`x-inin-error-codes`), as the token
 * endpoint's own rate limit below answers it.
 */
function tooManyRequests(reply: FastifyReply, retryAfter: number) {
  reply.header('retry-after', String(retryAfter));
  return genesysError(
    reply,
    429,
    'too.many.requests',
    `Rate limit exceeded the maximum. Retry the request in [${retryAfter}] seconds`,
  );
}

/** The client id of a Basic `Authorization` header ('' when there is none). */
function basicClientId(header: string | undefined): string {
  const [scheme, encoded] = (header ?? '').split(' ');
  const decoded =
    scheme?.toLowerCase() === 'basic' && encoded ? Buffer.from(encoded, 'base64').toString() : '';
  const colon = decoded.indexOf(':');
  return colon < 0 ? '' : decoded.slice(0, colon);
}

/** OAuth client credentials, the bearer check, and users / presence / routing queues (FACTS §3, §4). */
export function registerDirectoryRoutes(app: FastifyInstance, emu: DirectoryPorts): void {
  const tokenRequests = new Map<string, number[]>();

  app.addHook('onRequest', async (request, reply) => {
    const slow = emu.faults.slowMs();
    if (slow > 0) await new Promise((r) => setTimeout(r, slow));
    if (request.url === '/oauth/token' || request.url.startsWith('/oauth/token?')) {
      // A `rate-limit` storm on the token endpoint: throttled before the credentials are read.
      const retryAfter = emu.faults.throttle('token', basicClientId(request.headers.authorization));
      if (retryAfter !== undefined) return tooManyRequests(reply, retryAfter);
      return;
    }
    if (!request.url.startsWith('/api/v2/')) return;
    const auth = request.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    const entry = token === undefined ? undefined : emu.tokens.get(token);
    if (!entry || entry.expiresAt <= Date.now()) {
      return genesysError(
        reply,
        401,
        token === undefined ? 'authentication.required' : 'bad.credentials',
        'Invalid login credentials.',
      );
    }
    // A `rate-limit` storm on the API: limits are per OAuth client (FACTS §4.3), so the caller
    // is known first; a dead token still gets its 401.
    const retryAfter = emu.faults.throttle('api', entry.clientId);
    if (retryAfter !== undefined) return tooManyRequests(reply, retryAfter);
  });

  app.post('/oauth/token', async (request, reply) => {
    const [scheme, encoded] = (request.headers.authorization ?? '').split(' ');
    const decoded =
      scheme?.toLowerCase() === 'basic' && encoded ? Buffer.from(encoded, 'base64').toString() : '';
    const colon = decoded.indexOf(':');
    const clientId = colon < 0 ? '' : decoded.slice(0, colon);
    const secret = colon < 0 ? '' : decoded.slice(colon + 1);
    const body = (request.body ?? {}) as Record<string, string>;
    if (body.grant_type !== 'client_credentials') {
      return reply.code(400).send({
        error: 'unsupported_grant_type',
        description: 'grant_type must be client_credentials',
        error_description: 'grant_type must be client_credentials',
      });
    }
    if (clientId !== emu.options.clientId || secret !== emu.options.clientSecret) {
      return reply.code(401).send({
        error: 'invalid_client',
        description: 'client not found',
        error_description: 'client not found',
      });
    }
    // Rate limit per client over the last second (FACTS §4.3; the guides quote 10/s).
    const now = Date.now();
    const recent = (tokenRequests.get(clientId) ?? []).filter((t) => now - t < 1000);
    if (recent.length >= emu.options.tokenRatePerSec) {
      const retryAfter = Math.max(1, Math.ceil((1000 - (now - recent[0]!)) / 1000));
      return tooManyRequests(reply, retryAfter);
    }
    recent.push(now);
    tokenRequests.set(clientId, recent);
    for (const [t, entry] of emu.tokens) if (entry.expiresAt <= now) emu.tokens.delete(t);
    const access = randomBytes(24).toString('base64url');
    emu.tokens.set(access, { clientId, expiresAt: now + emu.options.tokenTtlSec * 1000 });
    return { access_token: access, token_type: 'bearer', expires_in: emu.options.tokenTtlSec };
  });

  const visibleAgents = () =>
    [...emu.sim.agents.values()]
      .filter((a) => !emu.deletedUsers.has(a.agent.id))
      .sort(
        (a, b) => a.agent.name.localeCompare(b.agent.name) || a.agent.id.localeCompare(b.agent.id),
      );

  app.get('/api/v2/users', async (request) => {
    const ids = new Set(listParam(request, 'id'));
    const expand = new Set(listParam(request, 'expand'));
    const pageSize = intParam(request, 'pageSize', 25, 500);
    const pageNumber = intParam(request, 'pageNumber', 1, 100_000);
    const sortOrder = (
      (request.query as Record<string, string | undefined>).sortOrder ?? 'ascending'
    ).toLowerCase();
    let agents = visibleAgents().filter((a) => ids.size === 0 || ids.has(a.agent.id));
    if (sortOrder.startsWith('desc')) agents = agents.reverse();
    const listing = page(agents, pageNumber, pageSize, '/api/v2/users');
    return { ...listing, entities: listing.entities.map((a) => user(a, expand, emu)) };
  });

  app.get('/api/v2/users/:userId', async (request, reply) => {
    const a = findUser(request, emu);
    if (!a) return genesysError(reply, 404, 'not.found', 'The requested user could not be found.');
    return user(a, new Set(listParam(request, 'expand')), emu);
  });

  app.get('/api/v2/users/:userId/routingstatus', async (request, reply) => {
    const a = findUser(request, emu);
    if (!a) return genesysError(reply, 404, 'not.found', 'The requested user could not be found.');
    return routingStatus(a);
  });

  app.get('/api/v2/users/:userId/presences/purecloud', async (request, reply) => {
    const a = findUser(request, emu);
    if (!a) return genesysError(reply, 404, 'not.found', 'The requested user could not be found.');
    return userPresence(a);
  });

  app.get('/api/v2/users/presences/purecloud/bulk', async (request, reply) => {
    const ids = listParam(request, 'id');
    if (ids.length > 50)
      return genesysError(
        reply,
        400,
        'bad.request',
        'At most 50 user ids may be requested at once.',
      );
    return ids
      .map((id) => emu.sim.agents.get(id))
      .filter((a): a is AgentState => a !== undefined && !emu.deletedUsers.has(a.agent.id))
      .map((a) => ({ ...userPresence(a), userId: a.agent.id }));
  });

  app.get('/api/v2/presencedefinitions', async (request) => {
    const pageSize = intParam(request, 'pageSize', 25, 500);
    const pageNumber = intParam(request, 'pageNumber', 1, 1000);
    const listing = page(
      emu.sim.org.presences,
      pageNumber,
      pageSize,
      '/api/v2/presencedefinitions',
    );
    return { ...listing, entities: listing.entities.map(organizationPresence) };
  });

  // OrganizationPresenceDefinitionEntityListing: not paged, and `deactivated` picks active or
  // deactivated definitions, never both (PresenceApi.md getPresenceDefinitions0).
  app.get('/api/v2/presence/definitions', async (request) => {
    const { deactivated: asked } = request.query as Record<string, string | undefined>;
    const deactivated = (asked ?? 'false').toLowerCase() === 'true';
    const entities = deactivated ? [] : emu.sim.org.presences.map(presenceDefinition);
    return { total: entities.length, entities, selfUri: '/api/v2/presence/definitions' };
  });

  // RoutingApi getRoutingWrapupcodes: a paged WrapupCodeEntityListing of WrapupCode.
  app.get('/api/v2/routing/wrapupcodes', async (request) => {
    const pageSize = intParam(request, 'pageSize', 25, 500);
    const pageNumber = intParam(request, 'pageNumber', 1, 1000);
    const listing = page(
      [...emu.sim.org.wrapupCodes],
      pageNumber,
      pageSize,
      '/api/v2/routing/wrapupcodes',
    );
    return {
      ...listing,
      entities: listing.entities.map((c) => ({
        id: c.id,
        name: c.name,
        division: { id: DIVISIONS[0]!.id, name: DIVISIONS[0]!.name },
        selfUri: `/api/v2/routing/wrapupcodes/${c.id}`,
      })),
    };
  });

  app.get('/api/v2/systempresences', async () =>
    emu.sim.org.presences
      .filter((d) => d.primary)
      .map((d) => ({
        id: d.systemPresence,
        name: d.label,
        selfUri: `/api/v2/systempresences/${d.systemPresence}`,
      })),
  );

  const visibleQueues = () => emu.sim.org.queues.filter((q) => !emu.deletedQueues.has(q.id));

  app.get('/api/v2/routing/queues', async (request) => {
    const ids = new Set(listParam(request, 'id'));
    const q = request.query as Record<string, string | undefined>;
    const pattern = q.name
      ? new RegExp(`^${q.name.split('*').map(escapeRegex).join('.*')}$`, 'i')
      : undefined;
    let queues = visibleQueues()
      .filter((x) => (ids.size === 0 || ids.has(x.id)) && (!pattern || pattern.test(x.name)))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (q.sortOrder?.toLowerCase().startsWith('desc')) queues = queues.reverse();
    const listing = page(
      queues,
      intParam(request, 'pageNumber', 1, 10_000),
      intParam(request, 'pageSize', 25, 500),
      '/api/v2/routing/queues',
    );
    return { ...listing, entities: listing.entities.map((x) => queueEntity(x, emu)) };
  });

  app.get('/api/v2/routing/queues/:queueId', async (request, reply) => {
    const q = emu.sim.queues.get((request.params as { queueId: string }).queueId);
    if (!q || emu.deletedQueues.has(q.id))
      return genesysError(reply, 404, 'not.found', 'The requested queue could not be found.');
    return queueEntity(q, emu);
  });

  app.get('/api/v2/routing/queues/:queueId/members', async (request, reply) => {
    const q = emu.sim.queues.get((request.params as { queueId: string }).queueId);
    if (!q || emu.deletedQueues.has(q.id))
      return genesysError(reply, 404, 'not.found', 'The requested queue could not be found.');
    const expand = new Set(listParam(request, 'expand'));
    const pageSize = intParam(request, 'pageSize', 25, 100);
    const pageNumber = intParam(request, 'pageNumber', 1, 10_000);
    const members = q.memberIds
      .filter((id) => !emu.deletedUsers.has(id))
      .map((id) => emu.sim.agents.get(id)!);
    // QueueMemberEntityListing has no total/pageCount/lastUri: clients page until nextUri is absent.
    const {
      entities,
      pageSize: ps,
      pageNumber: pn,
      firstUri,
      selfUri,
      nextUri,
      previousUri,
    } = page(members, pageNumber, pageSize, `/api/v2/routing/queues/${q.id}/members`);
    return {
      entities: entities.map((a) => ({
        id: a.agent.id,
        name: a.agent.name,
        user: user(a, expand, emu),
        ringNumber: 1,
        joined: !a.unjoined.has(q.id),
        memberBy: q.groupMemberIds.has(a.agent.id) ? 'group' : 'user',
        routingStatus: routingStatus(a),
        selfUri: `/api/v2/routing/queues/${q.id}/members/${a.agent.id}`,
      })),
      pageSize: ps,
      pageNumber: pn,
      firstUri,
      selfUri,
      ...(nextUri ? { nextUri } : {}),
      ...(previousUri ? { previousUri } : {}),
    };
  });
}

function findUser(request: FastifyRequest, emu: Directory): AgentState | undefined {
  const id = (request.params as { userId: string }).userId;
  return emu.deletedUsers.has(id) ? undefined : emu.sim.agents.get(id);
}

export function routingStatus(a: AgentState) {
  return { userId: a.agent.id, status: a.routing, startTime: iso(a.routingSince) };
}

export function userPresence(a: AgentState) {
  return {
    id: a.presence.id,
    name: a.presence.label,
    source: 'PURECLOUD',
    sourceId: 'PURECLOUD',
    primary: true,
    presenceDefinition: {
      id: a.presence.id,
      systemPresence: a.presence.systemPresence,
      selfUri: `/api/v2/presencedefinitions/${a.presence.id}`,
    },
    message: '',
    modifiedDate: iso(a.presenceSince),
    selfUri: `/api/v2/users/${a.agent.id}/presences/purecloud`,
  };
}

/** `Division {id, name, selfUri}` (platform-client-sdk-javascript build/index.d.ts). */
function divisionRef(id: string) {
  const d = DIVISIONS.find((x) => x.id === id) ?? DIVISIONS[0]!;
  return { id: d.id, name: d.name, selfUri: `/api/v2/authorization/divisions/${d.id}` };
}

function user(a: AgentState, expand: ReadonlySet<string>, emu: Directory) {
  const team = emu.sim.org.teams.find((t) => t.id === a.agent.teamId);
  return {
    id: a.agent.id,
    name: a.agent.name,
    division: divisionRef(a.agent.divisionId),
    email: a.agent.email,
    username: a.agent.email,
    state: 'active',
    version: 1,
    ...(expand.has('presence') ? { presence: userPresence(a) } : {}),
    ...(expand.has('routingStatus') ? { routingStatus: routingStatus(a) } : {}),
    ...(expand.has('team') && team
      ? { team: { id: team.id, name: team.name, selfUri: `/api/v2/teams/${team.id}` } }
      : {}),
    selfUri: `/api/v2/users/${a.agent.id}`,
  };
}

/**
 * OrganizationPresenceDefinition (MyPureCloud/platform-client-sdk-javascript build/index.d.ts):
 * `type` System/User replaces the legacy `primary`. `name` is optional and left out, so a client
 * that reads only `name` or `languageLabels.en_US` shows no label for some definitions.
 */
function presenceDefinition(d: PresenceDefinition) {
  return {
    id: d.id,
    type: d.primary ? 'System' : 'User',
    languageLabels: { [d.labelLocale ?? 'en_US']: d.label },
    systemPresence: d.systemPresence === 'ON_QUEUE' ? 'OnQueue' : titleCase(d.systemPresence),
    divisionId: '*',
    deactivated: false,
    selfUri: `/api/v2/presence/definitions/${d.id}`,
  };
}

function organizationPresence(d: PresenceDefinition) {
  return {
    id: d.id,
    name: d.label,
    languageLabels: { [d.labelLocale ?? 'en_US']: d.label },
    // The presence-definition enum spells them Available, OnQueue, … (FACTS §2.1).
    systemPresence: d.systemPresence === 'ON_QUEUE' ? 'OnQueue' : titleCase(d.systemPresence),
    deactivated: false,
    primary: d.primary,
    selfUri: `/api/v2/presencedefinitions/${d.id}`,
  };
}

function queueEntity(q: Queue, emu: Directory) {
  const joined = q.memberIds.filter((id) => !emu.sim.agents.get(id)?.unjoined.has(q.id)).length;
  return {
    id: q.id,
    name: q.name,
    division: divisionRef(q.divisionId),
    memberCount: q.memberIds.length,
    userMemberCount: q.memberIds.length - q.groupMemberIds.size,
    joinedMemberCount: joined,
    // QueueMediaSettings: one entry per media the queue serves, each with its own target.
    mediaSettings: Object.fromEntries(
      Object.entries(q.serviceLevels).map(([key, serviceLevel]) => [
        key,
        { alertingTimeoutSeconds: key === 'email' ? 300 : key === 'call' ? 12 : 30, serviceLevel },
      ]),
    ),
    acwSettings: { wrapupPrompt: 'MANDATORY_TIMEOUT', timeoutMs: 60_000 },
    selfUri: `/api/v2/routing/queues/${q.id}`,
  };
}

function titleCase(s: string): string {
  return s.charAt(0) + s.slice(1).toLowerCase();
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
