import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ChannelManager, Channel } from '../notifications/channel-manager.js';
import { MAX_TOPICS_PER_CHANNEL } from '../notifications/channel-manager.js';
import type { TokenStore } from '../ports.js';
import { genesysError } from './genesys-http.js';

/** What the Notification API routes use of the emulator. */
export interface NotificationPorts {
  readonly tokens: Pick<TokenStore, 'get'>;
  readonly channels: ChannelManager;
  /** The emulator's base URL (channels' `connectUri` is on the same host). */
  readonly url: string;
}

/** Notification API channels and subscriptions (FACTS §1.1–§1.2, §1.6). */
export function registerNotificationRoutes(app: FastifyInstance, emu: NotificationPorts): void {
  const clientOf = (request: FastifyRequest) => {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    return emu.tokens.get(token)?.clientId ?? 'unknown';
  };
  const channelJson = (c: Channel) => ({
    connectUri: `${emu.url.replace(/^http/, 'ws')}/channels/${c.id}`,
    id: c.id,
    expires: new Date(c.expires).toISOString(),
  });
  const topicsJson = (c: Channel) => ({
    entities: [...c.topics].map((id) => ({
      id,
      state: 'Permitted',
      selfUri: `/api/v2/notifications/availabletopics/${id}`,
    })),
  });

  app.post('/api/v2/notifications/channels', async (request) =>
    channelJson(emu.channels.create(clientOf(request)).channel),
  );

  app.get('/api/v2/notifications/channels', async (request) => {
    const client = clientOf(request);
    emu.channels.sweep();
    return {
      entities: [...emu.channels.channels.values()]
        .filter((c) => c.clientId === client)
        .map(channelJson),
    };
  });

  const lookup = (request: FastifyRequest) =>
    emu.channels.get((request.params as { channelId: string }).channelId);

  app.head('/api/v2/notifications/channels/:channelId', async (request, reply) =>
    reply.code(lookup(request) ? 200 : 404).send(),
  );

  app.get('/api/v2/notifications/channels/:channelId/subscriptions', async (request, reply) => {
    const channel = lookup(request);
    return channel
      ? topicsJson(channel)
      : genesysError(reply, 404, 'not.found', 'Channel not found');
  });

  const subscribe =
    (replace: boolean) =>
    async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
      const channel = lookup(request);
      if (!channel) return genesysError(reply, 404, 'not.found', 'Channel not found');
      const body = request.body;
      if (!Array.isArray(body))
        return genesysError(
          reply,
          400,
          'bad.request',
          'The body must be an array of topics: [{"id": "v2.users.<id>.presence"}]',
        );
      const topics = (body as unknown[]).map((t) => {
        const id = typeof t === 'object' && t !== null ? (t as { id?: unknown }).id : t;
        return typeof id === 'string' ? id : '';
      });
      const results = emu.channels.subscribe(channel, topics, replace);
      if (results === 'tooMany') {
        return genesysError(
          reply,
          400,
          'notification.too.many.topics',
          `A channel may have at most ${MAX_TOPICS_PER_CHANNEL} topics.`,
        );
      }
      return {
        entities: results.map((r) => ({
          ...r,
          selfUri: `/api/v2/notifications/availabletopics/${r.id}`,
        })),
      };
    };
  app.post('/api/v2/notifications/channels/:channelId/subscriptions', subscribe(false));
  app.put('/api/v2/notifications/channels/:channelId/subscriptions', subscribe(true));

  app.delete('/api/v2/notifications/channels/:channelId/subscriptions', async (request, reply) => {
    const channel = lookup(request);
    if (!channel) return genesysError(reply, 404, 'not.found', 'Channel not found');
    emu.channels.clear(channel);
    return reply.code(204).send();
  });

  app.get('/api/v2/notifications/availabletopics', async () => ({
    entities: [
      ['v2.users.{id}.presence', 'Presence changes of a user'],
      ['v2.users.{id}.routingStatus', 'Routing status changes of a user'],
      ['v2.users.{id}.activity', 'Presence, routing status and active queues of a user'],
      ['v2.users.{id}.conversations', 'Conversations of a user'],
      ['v2.routing.queues.{id}.conversations', 'Conversations in a queue'],
      ['v2.analytics.queues.{id}.observations', 'Queue observation counts'],
    ].map(([id, description]) => ({
      id,
      description,
      transports: ['Websocket', 'EventBridge'],
      publicApiTemplateUriPaths: [],
      topicParameters: ['id'],
    })),
  }));
}
