import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Config, TokenScope } from '../config/index.js';
import { SwitchboardError } from '../errors.js';
import { AddressSet, isLocalRequest } from '../sources/client-address.js';
import { createLoopbackSiteCheck } from './loopback-site.js';

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
  /**
   * For a WebSocket upgrade, before the handshake: the refusal (SB_HOST_NOT_ALLOWED,
   * SB_ORIGIN_NOT_ALLOWED) of a request that would be let in for being on loopback but names
   * another site; undefined otherwise (the token, if any, is judged after the handshake).
   */
  siteRefusal(raw: IncomingMessage, queryToken?: string): SwitchboardError | undefined;
}

/**
 * Off loopback, `/api/*` needs a configured bearer token; on loopback (the dashboard on the same
 * machine, tests, the CLI) it does not, as long as the request names this gateway as its site
 * (`loopback-site.ts`). "Loopback" is the socket peer, never a forwarded address, and never a
 * trusted proxy. A valid token is judged on its own scope, wherever it comes from.
 */
export function createApiAuth(config: Pick<Config, 'api' | 'server'>): ApiAuth {
  const proxies = new AddressSet(config.server.trustedProxies);
  const siteCheck = createLoopbackSiteCheck(config);
  const tokens = config.api.tokens
    .filter((t) => !t.retired)
    .map((t) => ({ digest: createHash('sha256').update(t.reveal()).digest(), scope: t.scope }));
  const unrestricted: Principal = { scope: undefined };

  function tokenPrincipal(raw: IncomingMessage, queryToken?: string): Principal | undefined {
    const header = raw.headers.authorization ?? '';
    const presented = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? queryToken;
    if (!presented) return undefined;
    const digest = createHash('sha256').update(presented).digest();
    // Compare against every token so the time taken does not tell which one matched.
    let found: (typeof tokens)[number] | undefined;
    for (const t of tokens) if (timingSafeEqual(t.digest, digest)) found ??= t;
    return found && { scope: found.scope };
  }

  function siteRefusal(raw: IncomingMessage, queryToken?: string): SwitchboardError | undefined {
    if (!isLocalRequest(raw, proxies) || tokenPrincipal(raw, queryToken)) return undefined;
    return siteCheck(raw);
  }

  function authenticate(raw: IncomingMessage, queryToken?: string): Principal {
    const principal = tokenPrincipal(raw, queryToken);
    if (principal) return principal;
    if (!isLocalRequest(raw, proxies)) throw new SwitchboardError('SB_AUTH_REQUIRED');
    const refused = siteCheck(raw);
    if (refused) throw refused;
    return unrestricted;
  }

  return {
    authenticate,
    siteRefusal,
    authorize(request) {
      return authenticate(request.raw);
    },
    authorizeUnscoped(request) {
      if (authenticate(request.raw).scope) throw new SwitchboardError('SB_SCOPE_FORBIDDEN');
    },
  };
}
