import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import { SwitchboardError } from '../errors.js';
import { AddressSet, clientAddress } from './client-address.js';

/**
 * Checks that run on every ingest request before its body is read: the CIDR allow-list (behind
 * trusted proxies) and, with mutual TLS, the client certificate's subject CN.
 */
export function createIngestGuard(
  config: Pick<Config, 'ingest' | 'server'>,
): ((request: FastifyRequest) => void) | undefined {
  const allow = new AddressSet(config.ingest.allowCidrs);
  const proxies = new AddressSet(config.server.trustedProxies);
  const mtls = config.server.tls?.clientCa !== undefined;
  const subjects = new Set(config.server.tls?.allowedSubjects ?? []);
  if (allow.size === 0 && !mtls) return undefined;

  return function guard(request: FastifyRequest): void {
    if (allow.size > 0) {
      const address = clientAddress(request.raw, proxies);
      if (!allow.has(address)) {
        throw new SwitchboardError(
          'SB_FORBIDDEN_ADDRESS',
          `client address ${address} is not allowed`,
        );
      }
    }
    if (mtls) {
      const socket = request.raw.socket as TLSSocket;
      if (!socket.authorized) {
        throw new SwitchboardError(
          'SB_CLIENT_CERT_REJECTED',
          `client certificate required: ${String(socket.authorizationError ?? 'none presented')}`,
        );
      }
      const cn = socket.getPeerCertificate().subject?.CN;
      const name = Array.isArray(cn) ? cn[0] : cn;
      if (subjects.size > 0 && (name === undefined || !subjects.has(name))) {
        throw new SwitchboardError(
          'SB_CLIENT_CERT_REJECTED',
          `client certificate subject CN "${name ?? ''}" is not allowed`,
        );
      }
    }
  };
}
