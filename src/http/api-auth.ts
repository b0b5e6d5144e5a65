import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Config, TokenScope } from '../config/index.js';
import { SwitchboardError } from '../errors.js';
import { AddressSet, clientAddress, isLoopback } from '../sources/client-address.js';

/** Who is asking: a scope limits what they may see; none means everything. */
export interface Principal {
  scope: TokenScope | undefined;
}

export interface ApiAuth {
  /** Throws SB_AUTH_REQUIRED unless the request may use /api/*; returns who is asking. */
  authorize(request: FastifyRequest): Principal;
  /**
   * For routes about the whole org (metrics, triggering a reconcile): also throws
   * SB_SCOPE_FORBIDDEN for a scoped token.
   */
  authorizeUnscoped(request: FastifyRequest): void;
  /**
   * For raw requests (WebSocket upgrades) and clients that cannot set headers: the token may come
   * as `access_token` in the query instead of `Authorization: Bearer`.
   */
  authenticate(raw: IncomingMessage, queryToken?: string): Principal;
}

/**
 * Off loopback, `/api/*` needs a configured bearer token; on loopback (the dashboard on the same
 * machine, tests, the CLI) it does not.
 */
export function createApiAuth(config: Pick<Config, 'api' | 'server'>): ApiAuth {
  const proxies = new AddressSet(config.server.trustedProxies);
  const tokens = config.api.tokens
    .filter((t) => !t.retired)
    .map((t) => ({ digest: createHash('sha256').update(t.reveal()).digest(), scope: t.scope }));
  const unrestricted: Principal = { scope: undefined };

  function authenticate(raw: IncomingMessage, queryToken?: string): Principal {
    if (isLoopback(clientAddress(raw, proxies))) return unrestricted;
    const header = raw.headers.authorization ?? '';
    const presented = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? queryToken;
    if (presented) {
      const digest = createHash('sha256').update(presented).digest();
      // Compare against every token so the time taken does not tell which one matched.
      let found: (typeof tokens)[number] | undefined;
      for (const t of tokens) if (timingSafeEqual(t.digest, digest)) found ??= t;
      if (found) return { scope: found.scope };
    }
    throw new SwitchboardError('SB_AUTH_REQUIRED');
  }

  return {
    authenticate,
    authorize(request) {
      return authenticate(request.raw);
    },
    authorizeUnscoped(request) {
      if (authenticate(request.raw).scope) throw new SwitchboardError('SB_SCOPE_FORBIDDEN');
    },
  };
}
