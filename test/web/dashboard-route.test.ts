import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test, type TestContext } from 'node:test';
import Fastify from 'fastify';
import { DEFAULT_DASHBOARD_ROOT, registerDashboard } from '../../src/http/dashboard-route.js';
import { tempDir } from '../support/helpers.js';

async function app(t: TestContext, root: string) {
  const app = Fastify();
  // Stand-ins for the gateway's own routes: the dashboard must not shadow them.
  app.get('/api/v1/agents', async () => ({ agents: [] }));
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/metrics', async () => 'metrics');
  app.post('/ingest/webhook', async () => ({ accepted: 1 }));
  app.setNotFoundHandler(async (_req, reply) =>
    reply.code(404).send({ error: { code: 'SB_NOT_FOUND' } }),
  );
  registerDashboard(app, { root });
  await app.ready();
  t.after(() => app.close());
  return app;
}

function builtApp(t: TestContext): string {
  const root = tempDir(t, 'sb-web-');
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Switchboard</title>');
  writeFileSync(join(root, 'assets', 'index-AbC123.js'), 'console.log(1)');
  return root;
}

describe('dashboard route', () => {
  test('serves index.html for every client route, uncached', async (t) => {
    const a = await app(t, builtApp(t));
    for (const url of ['/', '/agent?user=x', '/health', '/wallboard?tv=1']) {
      const res = await a.inject(url);
      assert.equal(res.statusCode, 200, url);
      assert.match(res.headers['content-type'] as string, /^text\/html/);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.match(res.body, /<title>Switchboard/);
    }
    const head = await a.inject({ method: 'HEAD', url: '/' });
    assert.equal(head.statusCode, 200);
  });

  test('hashed assets are cached for a year; missing ones and traversal are not served', async (t) => {
    const a = await app(t, builtApp(t));
    const res = await a.inject('/assets/index-AbC123.js');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /javascript/);
    assert.match(res.headers['cache-control'] as string, /max-age=31536000.*immutable/);
    assert.equal((await a.inject('/assets/nope.js')).statusCode, 404);
    const traversal = await a.inject('/assets/..%2findex.html');
    assert.notEqual(traversal.statusCode, 200);
    assert.equal((await a.inject('/assets/../../etc/passwd')).statusCode, 404);
  });

  test('does not shadow the API, ingest or ops routes; unknown paths stay 404', async (t) => {
    const a = await app(t, builtApp(t));
    assert.deepEqual((await a.inject('/api/v1/agents')).json(), { agents: [] });
    assert.deepEqual((await a.inject('/healthz')).json(), { ok: true });
    assert.equal((await a.inject('/metrics')).body, 'metrics');
    assert.equal((await a.inject({ method: 'POST', url: '/ingest/webhook' })).statusCode, 200);
    for (const url of ['/api/v1/nope', '/readyz-not', '/index.html', '/nope']) {
      const res = await a.inject(url);
      assert.equal(res.statusCode, 404, url);
      assert.deepEqual(res.json(), { error: { code: 'SB_NOT_FOUND' } }, url);
    }
  });

  test('without a build, the pages answer 503 saying to run npm run build', async (t) => {
    const a = await app(t, join(tempDir(t), 'missing'));
    const res = await a.inject('/agent');
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /npm run build/);
    assert.equal((await a.inject('/api/v1/agents')).statusCode, 200);
  });

  test('the default root is web/dist at the repository root', () => {
    assert.equal(DEFAULT_DASHBOARD_ROOT, fileURLToPath(new URL('../../web/dist', import.meta.url)));
  });
});
