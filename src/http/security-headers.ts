import type { FastifyInstance } from 'fastify';

/**
 * The dashboard loads only its own files and talks only to its own gateway: markup that slips
 * into a name can run nothing, load nothing and send nothing elsewhere. `'self'` covers the live
 * WebSocket (CSP 3 lets it match ws: and wss: on the same host and port). `data:` images: the
 * favicon is inline. React sets styles through the DOM, which style-src does not restrict.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Everything else is data, never a document: it may load nothing and be framed by no one. */
export const DATA_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

const COMMON = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Sets the security headers on every answer in one place (routes, static files, errors, 404s),
 * once its content type is known. Hijacked streams and raw-socket answers write their own heads.
 */
export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    const html = typeof type === 'string' && type.startsWith('text/html');
    reply.headers(COMMON);
    reply.header('content-security-policy', html ? DASHBOARD_CSP : DATA_CSP);
    return payload;
  });
}
