import type { FastifyRequest } from 'fastify';
import { SwitchboardError } from '../errors.js';

/** The raw body the ingest content-type parser read; a request without one is refused here. */
export function requireBody(request: FastifyRequest): Buffer {
  if (Buffer.isBuffer(request.body)) return request.body;
  if (request.headers['content-type'] === undefined && request.headers['content-length'] !== '0') {
    throw new SwitchboardError('SB_UNSUPPORTED_MEDIA_TYPE', 'content-type header is required');
  }
  throw new SwitchboardError('SB_EMPTY_BODY');
}
