import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { SwitchboardError, errorBody } from '../errors.js';
import type { IngestMetrics } from '../ops/ingest-metrics.js';
import { failureKey, RepeatLog } from '../ops/repeat-log.js';
import { truncateUtf8 } from '../protocol/close-codes.js';
import { endWithError } from './raw-answer.js';
import { addSecurityHeaders } from './security-headers.js';
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
  FST_ERR_BAD_URL: 'SB_BAD_REQUEST',
};

const isClientError = (err: unknown): err is { statusCode: number } => {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
};

export interface HttpAppOptions {
  config: Config;
  logger: Logger;
  ingestMetrics: IngestMetrics;
}

/**
 * The gateway's Fastify instance with what every route shares: raw-body JSON parsing, one error
 * format (`{"error":{"code","message"}}`), security headers, and ack-latency timing for ingest
 * routes.
 */
export function buildHttpApp(options: HttpAppOptions): FastifyInstance {
  const { config, logger } = options;
  const tls = config.server.tls;
  const logUnavailable = new RepeatLog(logger);
  const app = Fastify({
    // Per-request logging costs more than the rest of an ingest; errors are logged below.
    logger: false,
    bodyLimit: config.ingest.bodyLimitBytes,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // A path that is not valid percent-encoding never reaches a route or the error handler.
    frameworkErrors: (_err, _request, reply) =>
      void (reply as unknown as FastifyReply)
        .code(400)
        .send(errorBody('SB_BAD_REQUEST', 'malformed URL')),
    // Malformed HTTP that Node's parser refuses before any route: answered in the same error
    // format as everything else, then the connection is closed.
    clientErrorHandler: (err: Error & { code?: string }, socket) => {
      if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
      const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
      endWithError(
        socket,
        new SwitchboardError(
          tooLarge ? 'SB_HEADERS_TOO_LARGE' : 'SB_BAD_REQUEST',
          tooLarge ? undefined : 'malformed HTTP request',
        ),
      );
    },
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

  addSecurityHeaders(app);

  // Ack latency runs from the start of body reading (set by the JSON parser below) to the answer.
  app.decorateRequest('startedAt', 0);

  app.removeAllContentTypeParsers();
  const parseRaw = async (request: FastifyRequest) => {
    request.startedAt = performance.now();
    return readRawBody(request.raw, {
      // A route may set a smaller limit of its own (the settings routes); the default is ingest's.
      limitBytes: request.routeOptions.bodyLimit ?? config.ingest.bodyLimitBytes,
      timeoutMs: config.server.bodyTimeoutMs,
    });
  };
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
    } else if (isClientError(err)) {
      // A library's own 4xx (@fastify/send refusing `/assets/..`, a malformed path): the
      // request was bad, so never a 500. Forbidden paths read as absent, revealing nothing.
      error = new SwitchboardError(
        err.statusCode === 403 || err.statusCode === 404 ? 'SB_NOT_FOUND' : 'SB_BAD_REQUEST',
      );
    } else {
      logger.error({ err, url: request.url }, 'unhandled error');
      error = new SwitchboardError('SB_INTERNAL');
    }
    if (error.code === 'SB_LOG_UNAVAILABLE') {
      // A full disk fails every request alike: one line with a count, not a trace each.
      logUnavailable.error(failureKey(error), { err }, 'log unavailable');
    }
    const retryAfterSec = error.details?.retryAfterSec;
    if (error.code === 'SB_OVERLOADED' || typeof retryAfterSec === 'number') {
      reply.header('retry-after', String(Number(retryAfterSec ?? 1)));
    }
    // Stop reading whatever the client is still sending.
    if (error.status === 413 || error.status === 408) reply.header('connection', 'close');
    const source = INGEST_SOURCES[request.routeOptions.url ?? ''];
    if (source !== undefined) {
      options.ingestMetrics.answered(source, error.status, request.startedAt || performance.now());
    }
    return reply.code(error.status).send(error.toBody());
  });
  app.setNotFoundHandler(async (request, reply) =>
    reply
      .code(404)
      .send(
        errorBody(
          'SB_NOT_FOUND',
          `no route ${request.method} ${truncateUtf8(request.url.split('?')[0] ?? '', 200)}`,
        ),
      ),
  );
  app.addHook('onClose', async () => {
    logUnavailable.flush();
    logUnavailable.close();
  });
  return app;
}

/** What makes two log failures "the same": the driver's code when the log gives one. */
