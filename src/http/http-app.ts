import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { SwitchboardError, errorBody } from '../errors.js';
import type { Metrics } from '../ops/metrics.js';
import { readRawBody } from '../sources/raw-body.js';

declare module 'fastify' {
  interface FastifyRequest {
    startedAt: number;
  }
}

const INGEST_SOURCES: Record<string, string> = {
  '/ingest/webhook': 'webhook',
  '/ingest/eventbridge': 'eventbridge',
};

/** Fastify errors that callers can cause, mapped onto the stable SB_ codes. */
const FASTIFY_ERRORS: Record<string, SwitchboardError['code']> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'SB_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'SB_BODY_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'SB_EMPTY_BODY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'SB_BAD_REQUEST',
  FST_ERR_VALIDATION: 'SB_BAD_REQUEST',
};

export interface HttpAppOptions {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  isShuttingDown: () => boolean;
}

/**
 * The gateway's Fastify instance with what every route shares: raw-body JSON parsing, one error
 * format (`{"error":{"code","message"}}`), ack-latency timing for ingest routes, and refusal of
 * new work while shutting down.
 */
export function buildHttpApp(options: HttpAppOptions): FastifyInstance {
  const { config, logger, metrics } = options;
  const tls = config.server.tls;
  const app = Fastify({
    // Per-request logging costs more than the rest of an ingest; errors are logged below.
    logger: false,
    bodyLimit: config.ingest.bodyLimitBytes,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ...(tls
      ? {
          https: {
            cert: tls.cert,
            key: tls.key,
            ...(tls.clientCa
              ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false }
              : {}),
          },
        }
      : {}),
  }) as unknown as FastifyInstance;

  app.decorateRequest('startedAt', 0);
  app.addHook('onRequest', async (request, reply) => {
    request.startedAt = performance.now();
    if (options.isShuttingDown()) {
      reply.header('connection', 'close');
      throw new SwitchboardError('SB_SHUTTING_DOWN');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const source = INGEST_SOURCES[request.routeOptions.url ?? ''];
    if (source === undefined) return;
    const status = String(reply.statusCode);
    metrics.ackLatency.observe({ source, status }, (performance.now() - request.startedAt) / 1000);
    metrics.ingestRequests.inc({ source, outcome: outcomeOf(reply.statusCode) });
  });

  app.removeAllContentTypeParsers();
  const parseRaw = async (request: FastifyRequest) =>
    readRawBody(request.raw, {
      limitBytes: config.ingest.bodyLimitBytes,
      timeoutMs: config.server.bodyTimeoutMs,
    });
  app.addContentTypeParser('application/json', parseRaw);
  app.addContentTypeParser(/^application\/[\w.+-]*\+json(\s*;|$)/i, parseRaw);

  app.setErrorHandler(async (err: FastifyError | SwitchboardError, request, reply) => {
    let error: SwitchboardError;
    if (err instanceof SwitchboardError) {
      error = err;
    } else if (err.code !== undefined && FASTIFY_ERRORS[err.code] !== undefined) {
      error = new SwitchboardError(
        FASTIFY_ERRORS[err.code] as SwitchboardError['code'],
        err.message,
      );
    } else {
      logger.error({ err, url: request.url }, 'unhandled error');
      error = new SwitchboardError('SB_INTERNAL');
    }
    if (error.code === 'SB_LOG_UNAVAILABLE') logger.error({ err }, 'log unavailable');
    if (error.code === 'SB_OVERLOADED') {
      reply.header('retry-after', String(Number(error.details?.retryAfterSec ?? 1)));
    }
    // Stop reading whatever the client is still sending.
    if (error.status === 413 || error.status === 408) reply.header('connection', 'close');
    return reply.code(error.status).send(error.toBody());
  });
  app.setNotFoundHandler(async (request, reply) =>
    reply
      .code(404)
      .send(errorBody('SB_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
  return app;
}

function outcomeOf(status: number): string {
  if (status === 200) return 'accepted';
  if (status === 202) return 'quarantined';
  if (status === 401 || status === 403) return 'rejected_auth';
  if (status === 429) return 'shed';
  if (status >= 500) return 'error';
  return 'rejected_input';
}
