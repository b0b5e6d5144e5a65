import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import { SwitchboardError } from '../errors.js';
import { AddressSet, clientAddress, isLoopback } from '../sources/client-address.js';

/**
 * Off loopback, `/api/*` needs `Authorization: Bearer <token>` with a configured token; on
 * loopback (the dashboard on the same machine, tests, the CLI) it does not.
 */
export function createApiAuth(config: Pick<Config, 'api' | 'server'>) {
  const proxies = new AddressSet(config.server.trustedProxies);
  const tokens = config.api.tokens
    .filter((t) => !t.retired)
    .map((t) => createHash('sha256').update(t.reveal()).digest());
  return function authorize(request: FastifyRequest): void {
    if (isLoopback(clientAddress(request.raw, proxies))) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (match?.[1]) {
      const digest = createHash('sha256').update(match[1]).digest();
      let ok = false;
      for (const t of tokens) ok = timingSafeEqual(t, digest) || ok;
      if (ok) return;
    }
    throw new SwitchboardError('SB_AUTH_REQUIRED');
  };
}
