// Row 12: "markup in agent, queue and caller names | escaped (good), but no
// Content-Security-Policy, frame or referrer policy"
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from '../../src/http/http-app.js';
import { registerDashboard } from '../../src/http/dashboard-route.js';
import { createIngestMetrics } from '../../src/ops/ingest-metrics.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { startTestGateway, tempDir, testConfig } from '../support/helpers.js';

type Headers = Record<string, string | string[] | number | undefined>;

/** The directives of a CSP header, by name. */
function csp(headers: Headers): Map<string, string[]> {
  const value = String(headers['content-security-policy'] ?? '');
  return new Map(
    value
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

function assertFramingAndSniffing(headers: Headers, what: string): void {
  assert.equal(headers['x-content-type-options'], 'nosniff', what);
  assert.equal(headers['x-frame-options'], 'DENY', what);
  assert.equal(headers['referrer-policy'], 'no-referrer', what);
  assert.deepEqual(csp(headers).get('frame-ancestors'), ["'none'"], what);
}

async function dashboardApp(t: TestContext, root: string): Promise<FastifyInstance> {
  const app = buildHttpApp({
    config: testConfig(tempDir(t)),
    logger: createLogger('silent'),
    ingestMetrics: createIngestMetrics(createMetrics({ defaultMetrics: false })),
  });
  registerDashboard(app, { root });
  await app.ready();
  t.after(() => app.close());
  return app;
}

describe('row 12: the dashboard runs under a CSP; every answer says no framing, no sniffing, no referrer', () => {
  test('the dashboard pages: scripts, styles and connections from the gateway only', async (t) => {
    const root = tempDir(t);
    mkdirSync(join(root, 'assets'));
    writeFileSync(
      join(root, 'index.html'),
      '<!doctype html><script type="module" src="/assets/app.js"></script>',
    );
    writeFileSync(join(root, 'assets', 'app.js'), 'export {};');
    const app = await dashboardApp(t, root);
    for (const url of ['/', '/wallboard', '/agent', '/health']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assertFramingAndSniffing(res.headers, url);
      assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin', url);
      const policy = csp(res.headers);
      for (const [name, sources] of Object.entries({
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
      })) {
        assert.deepEqual(policy.get(name), sources, `${url}: ${name}`);
      }
      for (const sources of policy.values()) {
        assert.ok(!sources.includes("'unsafe-inline'") && !sources.includes("'unsafe-eval'"));
      }
    }
    const asset = await app.inject({ url: '/assets/app.js' });
    assert.equal(asset.statusCode, 200);
    assertFramingAndSniffing(asset.headers, 'an asset');
  });

  test('a dashboard that is not built answers with the same policy', async (t) => {
    const app = await dashboardApp(t, join(tempDir(t), 'missing'));
    const res = await app.inject({ url: '/' });
    assert.equal(res.statusCode, 503);
    assertFramingAndSniffing(res.headers, 'not built');
    assert.deepEqual(csp(res.headers).get('script-src'), ["'self'"]);
  });

  test('API answers, errors and 404s load nothing and frame nowhere', async (t) => {
    const gw = await startTestGateway(t);
    for (const path of [
      '/api/v1/events',
      '/api/v1/agents',
      '/healthz',
      '/nope',
      '/api/v1/events?after=-1',
    ]) {
      const res = await fetch(`${gw.url}${path}`);
      const headers = Object.fromEntries(res.headers);
      assertFramingAndSniffing(headers, path);
      assert.deepEqual(csp(headers).get('default-src'), ["'none'"], path);
      await res.arrayBuffer();
    }
  });
});
