import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import type { Config } from '../config/index.js';
import { SwitchboardError, closeCodeOf, type ErrorCode } from '../errors.js';
import { endWithError } from '../http/raw-answer.js';
import { guarded, runHandler } from '../ops/handler-guard.js';
import { CLOSE, closeReason } from '../protocol/close-codes.js';
import { parseLiveRequest } from './live-filter.js';
import {
  LiveClientLimitError,
  type LiveHub,
  type LiveTransport,
  type Payload,
} from './live-hub.js';
import type { ApiAuth } from '../http/api-auth.js';
import { sseEvent, sseFrame, wsTextFrame } from './live-frames.js';
import { ConnectQueue } from './connect-queue.js';
import { TokenBucket } from './token-bucket.js';

export interface LiveEndpointDeps {
  hub: LiveHub;
  auth: ApiAuth;
  config: Pick<Config, 'live'>;
  logger: Logger;
  /** Told about any error that escapes a socket or request handler (the gateway goes on). */
  reportHandlerError: (handler: string, err: unknown) => void;
}

const RETRY_AFTER_SEC = 5;
/** Clients send only `{"type":"ping"}`: anything near this size is not the protocol. */
const MAX_CLIENT_MESSAGE_BYTES = 1024;
const frameWs = (p: Payload) => wsTextFrame(p.bytes);

/** `{"type":"ping"}` and nothing else (parsed: under 64 bytes, that costs nothing). */
function isPing(data: Buffer): boolean {
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    return (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      (value as { type?: unknown }).type === 'ping'
    );
  } catch {
    return false;
  }
}
const frameSse = (p: Payload) => sseFrame(p.type, p.offset, p.bytes);

/**
 * `GET /api/v1/live` (WebSocket) and `GET /api/v1/live/sse`: authenticate, read the filter, and
 * hand the connection to the hub (docs/live-protocol.md). Returns a closer for shutdown.
 */
export function registerLiveEndpoints(
  app: FastifyInstance,
  deps: LiveEndpointDeps,
): { close(): void } {
  const { hub, auth, config, logger, reportHandlerError: report } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
  });
  const alive = new WeakMap<WebSocket, boolean>();
  const connects = new ConnectQueue();

  const refuse = (socket: Duplex, code: ErrorCode) => {
    const error = new SwitchboardError(code);
    endWithError(
      socket,
      error,
      error.status === 503 ? { 'retry-after': `${RETRY_AFTER_SEC}` } : {},
    );
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A socket error before `ws` owns the socket would otherwise be an uncaught 'error' event.
    socket.on(
      'error',
      guarded('live.socket', report, () => socket.destroy()),
    );
    // `new URL` throws on request targets such as `//` or `/\\`: those are simply not the route.
    const target = req.url ?? '/';
    const url = URL.canParse(target, 'http://live') ? new URL(target, 'http://live') : undefined;
    if (url?.pathname !== '/api/v1/live') return refuse(socket, 'SB_NOT_FOUND');
    // A browser steered by another site gets no handshake at all (loopback-site.ts).
    const foreign = auth.siteRefusal(req, url.searchParams.get('access_token') ?? undefined);
    if (foreign) return endWithError(socket, foreign);
    // Refused before the upgrade: cheap under a reconnect storm, and Retry-After is visible.
    if (hub.full) return refuse(socket, 'SB_LIVE_TOO_MANY_CLIENTS');
    wss.handleUpgrade(req, socket, head, (ws) => {
      // First, before any path can return: a bad frame from the peer (oversized, invalid
      // opcode, unmasked) is an 'error' event on `ws`, and one with no listener, emitted from
      // the socket's data callback, would stop the process. Refused clients included.
      ws.on('error', () => ws.terminate());
      // The set-up waits its turn (connect-queue.ts); a client gone by then is dropped.
      connects.push(
        () =>
          void runHandler('live.upgrade', report, () => {
            if (ws.readyState === WebSocket.OPEN) setUp(req, url, socket, ws);
          }),
      );
    });
  };

  /** Authenticates the client, reads its filter and hands it to the hub. */
  const setUp = (req: IncomingMessage, url: URL, socket: Duplex, ws: WebSocket) => {
    const transport: LiveTransport = {
      // Written to the socket `ws` owns, framed once per group: `ws` would frame the same
      // bytes per socket. Nothing may follow a close frame, so only while the socket is open.
      // (`ws` queues nothing of its own here: no compression, no Blobs.)
      send: (payload) => {
        if (ws.readyState === WebSocket.OPEN) {
          socket.write(payload.framed('ws', frameWs));
        }
      },
      bufferedBytes: () => socket.writableLength,
      close: (code, errorCode, message) => {
        if (errorCode) ws.send(JSON.stringify({ type: 'error', code: errorCode, message }));
        ws.close(code, closeReason(message));
        // A client that does not read will never answer the close: drop it after a grace.
        setTimeout(() => ws.terminate(), 5000).unref();
      },
    };
    let client;
    try {
      const principal = auth.authenticate(req, url.searchParams.get('access_token') ?? undefined);
      const { filter, since } = parseLiveRequest(url.searchParams, principal.scope, {
        maxIds: config.live.maxFilterIds,
      });
      client = hub.connect(transport, filter, since);
    } catch (err) {
      if (err instanceof SwitchboardError) {
        transport.close(closeCodeOf(err.code), err.code, err.message);
      } else if (err instanceof LiveClientLimitError) {
        const code = 'SB_LIVE_TOO_MANY_CLIENTS';
        transport.close(closeCodeOf(code), code, err.message);
      } else {
        logger.error({ err }, 'live connection failed');
        transport.close(closeCodeOf('SB_INTERNAL'), 'SB_INTERNAL', 'internal error');
      }
      return;
    }
    alive.set(ws, true);
    // Whatever a client sends costs work, and a ping an answer it may never read: each
    // client gets an allowance of messages (control frames included) and of raw bytes
    // (frames that make no message, such as empty fragments), and is closed past it.
    const perSec = config.live.clientMessagesPerSec;
    const messages = new TokenBucket(perSec, 2 * perSec);
    const bytes = new TokenBucket(
      perSec * MAX_CLIENT_MESSAGE_BYTES,
      2 * perSec * MAX_CLIENT_MESSAGE_BYTES,
    );
    const flood = () => {
      hub.evict(client, 'flood', `more than ${perSec} messages a second`);
      // Read nothing more from it: the close goes out, its flood stays in the kernel.
      socket.pause();
    };
    const allowed = () => {
      if (client.closed) return false;
      if (messages.take()) return true;
      flood();
      return false;
    };
    socket.on('data', (chunk: Buffer) => {
      if (!client.closed && !bytes.take(chunk.length)) flood();
    });
    ws.on('ping', allowed);
    ws.on('pong', () => {
      if (allowed()) alive.set(ws, true);
    });
    ws.on(
      'message',
      guarded('live.message', report, (data: unknown, isBinary: boolean) => {
        if (!allowed() || isBinary || !Buffer.isBuffer(data) || data.length >= 64) return;
        if (isPing(data)) hub.pong(client);
      }),
    );
    const disconnect = guarded('live.close', report, () => hub.disconnect(client));
    ws.on('close', disconnect);
    ws.on('error', disconnect);
  };
  app.server.on(
    'upgrade',
    guarded('live.upgrade', report, (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        onUpgrade(req, socket, head);
      } catch (err) {
        socket.destroy(); // never leave a client waiting on a handshake nobody will answer
        throw err;
      }
    }),
  );

  // Browsers answer pings by themselves; a socket that missed a whole interval is dead.
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.close(CLOSE.MISSED_PONG, 'missed pong');
        setTimeout(() => ws.terminate(), 2000).unref();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, config.live.pingIntervalMs);
  pinger.unref();

  // No automatic HEAD route: a HEAD answer has no body, so a hijacked stream would never send
  // its headers and the request would hang.
  app.get('/api/v1/live/sse', { exposeHeadRoute: false }, async (request, reply) => {
    // The set-up waits its turn like a WebSocket's, and runs within it, synchronously.
    await new Promise<void>((resolve, reject) =>
      connects.push(() => {
        try {
          if (request.raw.destroyed) reply.hijack();
          else openStream(request, reply);
          resolve();
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }),
    );
  });

  const openStream = (request: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(request.url, 'http://live');
    const principal = auth.authenticate(
      request.raw,
      url.searchParams.get('access_token') ?? undefined,
    );
    const lastEventId = request.headers['last-event-id'];
    const { filter, since } = parseLiveRequest(url.searchParams, principal.scope, {
      maxIds: config.live.maxFilterIds,
      lastEventId: typeof lastEventId === 'string' ? lastEventId : undefined,
    });
    if (!hub.admits(filter)) {
      reply.header('retry-after', String(RETRY_AFTER_SEC));
      throw new SwitchboardError('SB_LIVE_TOO_MANY_CLIENTS');
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    const transport: LiveTransport = {
      send: (payload) => void res.write(payload.framed('sse', frameSse)),
      bufferedBytes: () => res.writableLength,
      close: (_code, errorCode, message) => {
        if (errorCode) {
          res.write(
            sseEvent(
              'error',
              undefined,
              JSON.stringify({ type: 'error', code: errorCode, message }),
            ),
          );
        }
        res.end();
        setTimeout(() => res.destroy(), 5000).unref();
      },
    };
    const client = hub.connect(transport, filter, since);
    request.raw.on(
      'close',
      guarded('live.sse.close', report, () => hub.disconnect(client)),
    );
  };

  return {
    close() {
      connects.close();
      clearInterval(pinger);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
