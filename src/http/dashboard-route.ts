import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The built dashboard: the repository root is two levels up from both src/http and dist/http. */
export const DEFAULT_DASHBOARD_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Client-side routes of the dashboard: each answers with index.html. */
export const DASHBOARD_ROUTES: readonly string[] = [
  '/',
  '/wallboard',
  '/agent',
  '/health',
  '/pipelines',
  '/boards/:name',
];

/** Paths the gateway answers itself: an unknown one is its JSON 404, never the app. */
const GATEWAY_PATHS = /^\/(?:(?:api|ingest|emulator|assets)(?:\/|$)|(?:healthz|readyz|metrics)$)/;

/**
 * Whether an unknown path is a page the app should say is not found (a browser's GET or HEAD,
 * asking for HTML, outside the gateway's own paths) rather than the gateway's JSON 404.
 */
export function wantsAppNotFound(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0] ?? '';
  if (GATEWAY_PATHS.test(path)) return false;
  return /(?:^|,)\s*text\/html\s*(?:;|,|$)/i.test(request.headers.accept ?? '');
}

export interface DashboardOptions {
  /** Directory holding the built app (index.html, assets/). Default: web/dist. */
  root?: string;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard: dashboard not built</title></head>
<body><h1>The dashboard is not built</h1>
<p>This gateway is running, but the web dashboard has not been built: run <code>npm run build</code>
in the Switchboard directory (it builds the gateway and <code>web/dist</code>), then reload.</p>
<p>The API, ingest and ops endpoints work without it.</p></body></html>
`;

/**
 * Serves the dashboard at `/`: index.html (never cached, so a new build shows at the next load)
 * for the client routes, and Vite's content-hashed files under `/assets/` (cached for a year).
 * Only those paths are claimed: `/api/*`, `/ingest/*`, `/healthz`, `/readyz` and `/metrics` stay
 * with their own routes. Any other path is not found: a browser asking for HTML gets 404 with
 * index.html (the app shows its own not-found page), anything else the gateway's JSON 404. If
 * the app has not been built, the pages answer 503 saying how to build it. Security headers and the CSP are set for
 * every answer in `security-headers.ts`.
 */
export function registerDashboard(app: FastifyInstance, opts: DashboardOptions = {}): void {
  const root = opts.root ?? DEFAULT_DASHBOARD_ROOT;
  const assets = join(root, 'assets');
  const indexFile = join(root, 'index.html');

  // Own scope: the plugin's reply decorators stay out of the rest of the gateway.
  void app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root,
      serve: false,
      suppressWarning: true,
      index: false,
      dotfiles: 'ignore',
    });

    // Once the dashboard is built it stays built: stop asking the disk.
    let built = false;
    const sendIndex = (reply: FastifyReply, status = 200) => {
      if (!(built ||= existsSync(indexFile))) {
        return reply
          .code(status === 200 ? 503 : status)
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(NOT_BUILT);
      }
      return reply
        .code(status)
        .header('cache-control', 'no-cache')
        .sendFile('index.html', root, { cacheControl: false });
    };
    for (const path of DASHBOARD_ROUTES) {
      scope.get(path, async (_request, reply) => sendIndex(reply));
    }

    scope.get<{ Params: { '*': string } }>('/assets/*', async (request, reply) =>
      reply.sendFile(request.params['*'], assets, { immutable: true, maxAge: '365d' }),
    );

    // Every other GET: the app's own not-found page for a browser, the JSON 404 otherwise.
    scope.get('/*', async (request, reply) =>
      wantsAppNotFound(request) ? sendIndex(reply, 404) : reply.callNotFound(),
    );
  });
}
